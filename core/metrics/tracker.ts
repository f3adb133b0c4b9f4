/**
 * Delivery tracking per (stream, receiver): lost, duplicated and out-of-order messages,
 * reported per delivery level and judged against what the protocol permits there
 * (delivery-levels.ts).
 *
 * A stream is one sender's messages to one destination, numbered 0, 1, 2, ... (header seq).
 * Memory per (stream, receiver) is flat for in-order traffic: the highest seq seen plus a
 * sorted list of gaps (ranges of seqs below it not yet seen). Gaps are the only state that
 * grows, by at most one range per loss burst or reordering, and shrink as late messages fill them.
 *
 * Counting rules:
 * - delivered: distinct expected seqs that arrived. What is missing (expected - delivered,
 *   counted at tally() time, so after the drain) is split in two:
 *   - lost, with evidence that the server dropped it: the receiver got a later seq of the same
 *     stream (the server forwards a topic's messages in order, [MQTT-4.6.0-5]/[MQTT-4.6.0-6]),
 *     its connection stayed up, and the server had acknowledged the send (acknowledged());
 *   - undelivered: everything else — the tail nothing later arrived after (still queued at the
 *     server when chatbench stopped waiting, or discarded when the sessions ended), sends never
 *     acknowledged, receivers whose connection was lost. Late is not lost.
 * - duplicated: every further copy of a seq already seen.
 * - reordered: a first copy whose seq is below the highest seq already seen. A message
 *   overtaken by k others counts once; k messages overtaking one count once (only the late one).
 * - a seq the sender reported as failed (sendFailed) is not expected; if it arrives anyway
 *   it is 'unexpected', like seqs never sent and messages for unknown streams/receivers
 *   (a sender's own echo).
 */
import { nowMicros } from '../clock.js';
import type { DeliveryLevel } from '../driver.js';
import type { Delivery, DeliveryCounts } from '../result/index.js';
import { deliveryFromLevels, emptyCounts } from './delivery-levels.js';
import { addRange, cutRange, forEachUncovered, rangeIndex, type SeqRange } from './seq-ranges.js';
import { SettledSeqs, SortedSeqs } from './settled.js';

/** 'excused': sent while the receiver was away at a level the protocol did not keep for it (absences below). */
export type ReceiveOutcome = 'new' | 'duplicate' | 'unexpected' | 'excused';

/**
 * An absence in progress (chatbench took the receiver away: receiverAway). Seqs from `from` on
 * were sent while it was away; `kept`: the server keeps them for it (a persistent session, level
 * >= 1), so they stay owed; `tailFrom`: the first seq not yet seen when it left.
 */
interface Away {
  from: number;
  kept: boolean;
  tailFrom: number;
}

/** A return's catch-up: owed deliveries sent before the return still missing, and when the last one came. */
export interface CatchUp {
  left: number;
  lastAt: number;
  /** Owed deliveries at the return (0: nothing was queued, so there is no catch-up to time). */
  owed: number;
}

/** Missing seqs [start, end). */
type Gap = SeqRange;

class ReceiverState {
  /** The level this receiver gets the stream at: the lower of the send's and its subscription's. */
  constructor(readonly level: DeliveryLevel) {}

  /** Set when the receiver's connection was lost: seqs from here on are not expected of it. */
  expectedUntil: number | undefined = undefined;
  maxSeen = -1;
  /** Sorted, disjoint, all below maxSeen. */
  readonly gaps: Gap[] = [];
  unique = 0;
  duplicated = 0;
  reordered = 0;
  away: Away | undefined = undefined;
  /** Seqs the protocol did not owe (sent while away, not kept): never expected. Disjoint from gaps. */
  readonly excused: SeqRange[] = [];
  /** Excused seqs that had neither arrived nor failed when excused (DeliveryCounts.excused). */
  excusedCount = 0;
  /** The last return's catch-up range: owed seqs in [catchFrom, catchBelow). */
  catchFrom = 0;
  catchBelow = 0;
  /** Copies chatbench's fault proxy sent of a seq, still on their way (seq -> copies): see injected(). */
  injectedPending: Map<number, number> | undefined = undefined;
  /** Of `duplicated`, copies the fault proxy made. */
  injectedDuplicates = 0;
}

/** Sent while `r` was away and not owed to it. */
function notOwed(r: ReceiverState, seq: number): boolean {
  if (r.away !== undefined && !r.away.kept && seq >= r.away.from) return true;
  return r.excused.length > 0 && rangeIndex(r.excused, seq) >= 0;
}

/**
 * Seqs in [from, to) `r` still misses (in a gap or above the highest seen) that the server
 * acknowledged: failed and excused ones left out, and sends the server may never have had.
 */
function missingAcknowledged(s: StreamState, r: ReceiverState, from: number, to: number): number {
  let n = 0;
  const count = (x: number, y: number): void => {
    if (x < y) n += s.settled.countIn(x, y) - s.failed.countIn(x, y);
  };
  forEachUncovered(r.excused, from, to, (a, b) => {
    for (const g of r.gaps) count(Math.max(a, g.start), Math.min(b, g.end));
    count(Math.max(a, r.maxSeen + 1), b);
  });
  return n;
}

interface StreamState {
  readonly level: DeliveryLevel;
  readonly receivers: Map<string, ReceiverState>;
  /** Seqs 0..sent-1 have been handed to the client. */
  sent: number;
  /** Receivers still connected (owed every new send). */
  active: number;
  /** Seqs whose send the client reported as failed. */
  readonly failed: SortedSeqs;
  /** Seqs the server acknowledged or the client failed (acknowledged = settled and not failed). */
  readonly settled: SettledSeqs;
  /** The first seq sent after the warm-up (measured): missing ones from here on are censored latencies. */
  measuredFrom: number;
}

/** What tally() finds: the delivery counters, and how many measured deliveries never arrived. */
export interface Tally {
  delivery: Delivery;
  /** Missing deliveries (lost or undelivered) of seqs sent after the warm-up. */
  censored: number;
}

/** Index of the gap holding seq, or -1. */
const findGap: (gaps: readonly Gap[], seq: number) => number = rangeIndex;

/** Remove seq from gap i (it arrived or is no longer expected). */
function fillGap(gaps: Gap[], i: number, seq: number): void {
  const g = gaps[i] as Gap;
  if (g.end - g.start === 1) gaps.splice(i, 1);
  else if (seq === g.start) g.start++;
  else if (seq === g.end - 1) g.end--;
  else {
    gaps.splice(i + 1, 0, { start: seq + 1, end: g.end });
    g.end = seq;
  }
}

/**
 * The missing seqs in [from, to) of one receiver: how many, how many of them are lost (evidence:
 * `evidence` is true — a later seq arrived and the connection stayed up — and the send was
 * acknowledged), and how many were sent after the warm-up.
 */
function missingIn(s: StreamState, from: number, to: number, evidence: boolean, into: { lost: number; undelivered: number; censored: number }): void {
  if (to <= from) return;
  const failed = s.failed.countIn(from, to);
  const missing = to - from - failed;
  const lost = evidence ? s.settled.countIn(from, to) - failed : 0;
  into.lost += lost;
  into.undelivered += missing - lost;
  const measuredStart = Math.max(from, s.measuredFrom);
  if (measuredStart < to) into.censored += to - measuredStart - s.failed.countIn(measuredStart, to);
}

export class DeliveryTracker {
  readonly #streams = new Map<number, StreamState>();
  #unexpected = 0;
  #sendErrors = 0;
  #owed = 0;
  /** Receivers whose last return is still catching up (receiverReturning). */
  readonly #catching = new Map<string, CatchUp>();
  /** Called when a return's catch-up completes, with the arrival time of its last owed delivery. */
  onCaughtUp: ((receiver: string, atMicros: number) => void) | undefined = undefined;

  /** Deliveries still owed: expected and not yet arrived, over every (stream, receiver). Zero ends a drain. */
  get owed(): number {
    return this.#owed;
  }

  /** Messages counted 'unexpected' by received(), plus arrivals of seqs later reported failed. */
  get unexpected(): number {
    return this.#unexpected;
  }

  /**
   * Register a stream and who must receive it. Receivers must be known before the first send.
   * `grantedTo` gives the level a receiver's subscription was granted, when the server granted
   * less than asked; that receiver's delivery is judged at the lower of the two levels
   * (MQTT 3.1.1 §3.8.4 / 5.0 §3.8.4: delivered QoS is the minimum of published and granted).
   */
  addStream(streamId: number, level: DeliveryLevel, receivers: readonly string[], grantedTo?: (receiver: string) => DeliveryLevel): void {
    if (this.#streams.has(streamId)) throw new RangeError(`stream ${streamId} already added`);
    const rs = new Map<string, ReceiverState>();
    for (const r of receivers) {
      if (!rs.has(r)) rs.set(r, new ReceiverState(Math.min(level, grantedTo?.(r) ?? level) as DeliveryLevel));
    }
    this.#streams.set(streamId, {
      level, receivers: rs, sent: 0, active: rs.size, failed: new SortedSeqs(), settled: new SettledSeqs(), measuredFrom: Number.POSITIVE_INFINITY,
    });
  }

  #stream(streamId: number): StreamState {
    const s = this.#streams.get(streamId);
    if (s === undefined) throw new RangeError(`unknown stream ${streamId}`);
    return s;
  }

  /**
   * Seq `seq` was handed to the client and is now expected at every receiver. Call it
   * before (or synchronously with) the hand-over, so no receipt can precede it; seqs
   * must come in order 0, 1, 2, ... (RangeError otherwise).
   */
  sent(streamId: number, seq: number): void {
    const s = this.#stream(streamId);
    if (seq !== s.sent) throw new RangeError(`stream ${streamId}: sent seq ${seq}, expected ${s.sent}`);
    s.sent++;
    this.#owed += s.active;
  }

  /** Seqs from `seq` on are measured (sent after the warm-up); call it once, with the first. */
  measuredFrom(streamId: number, seq: number): void {
    const s = this.#stream(streamId);
    s.measuredFrom = Math.min(s.measuredFrom, seq);
  }

  /** The server acknowledged the send of `seq` (its protocol's acknowledgement; a QoS 0 write). */
  acknowledged(streamId: number, seq: number): void {
    const s = this.#stream(streamId);
    if (!Number.isInteger(seq) || seq < 0 || seq >= s.sent) throw new RangeError(`stream ${streamId}: seq ${seq} was not sent`);
    s.settled.settle(seq);
  }

  /** The client reported the send of `seq` as failed: a send error, no longer expected. */
  sendFailed(streamId: number, seq: number): void {
    const s = this.#stream(streamId);
    if (!Number.isInteger(seq) || seq < 0 || seq >= s.sent) throw new RangeError(`stream ${streamId}: seq ${seq} was not sent`);
    if (s.failed.has(seq)) throw new RangeError(`stream ${streamId}: seq ${seq} already reported failed`);
    s.failed.add(seq);
    s.settled.settle(seq);
    this.#sendErrors++;
    for (const [name, r] of s.receivers) {
      if (r.expectedUntil !== undefined && seq >= r.expectedUntil) continue; // never owed: the receiver was gone
      if (notOwed(r, seq)) { // never owed: sent while the receiver was away
        if (r.away === undefined || seq < r.away.from) r.excusedCount--; // counted excused when its range closed
        continue;
      }
      if (seq > r.maxSeen) { // not seen; any later copy is 'unexpected'
        this.#owed--;
        this.#settleCatchUp(name, s, r, seq);
        continue;
      }
      const i = findGap(r.gaps, seq);
      if (i >= 0) {
        fillGap(r.gaps, i, seq);
        this.#owed--;
        this.#settleCatchUp(name, s, r, seq);
      } else {
        // It arrived before the failure was reported: take it back out of delivered.
        r.unique--;
        this.#unexpected++;
      }
    }
  }

  /**
   * `receiver`'s connection is gone: sends from now on are not expected of it (they could not
   * be delivered, and the lost connection is reported on its own). What was sent before stays owed.
   */
  receiverGone(receiver: string): void {
    this.#catching.delete(receiver);
    for (const s of this.#streams.values()) {
      const r = s.receivers.get(receiver);
      if (r === undefined || r.expectedUntil !== undefined) continue;
      this.#forgetInjected(r);
      // Away and never back: it ends as a return without its session (nothing sent since is owed).
      const active = r.away === undefined || r.away.kept;
      if (r.away !== undefined) this.#endAway(s, r, false);
      r.expectedUntil = s.sent;
      if (active) s.active--;
    }
  }

  /**
   * Chatbench took `receiver` away (a clean leave or an abrupt drop). keepsSession: the server keeps
   * its session, so deliveries at level >= 1 stay owed while it is away (MQTT: a persistent session
   * keeps QoS 1/2 messages for a disconnected client, §3.1.2.4 / 5.0 §4.1); the rest are not owed.
   */
  receiverAway(receiver: string, keepsSession: boolean): void {
    this.#catching.delete(receiver);
    for (const s of this.#streams.values()) {
      const r = s.receivers.get(receiver);
      if (r === undefined || r.expectedUntil !== undefined || r.away !== undefined) continue;
      this.#forgetInjected(r);
      const kept = keepsSession && r.level >= 1;
      r.away = { from: s.sent, kept, tailFrom: r.maxSeen + 1 };
      if (!kept) s.active--;
    }
  }

  /**
   * The returning connection of `receiver` is being made: its catch-up counts the owed deliveries
   * sent before now (from the first it had not seen when it left) until they all arrived.
   */
  receiverReturning(receiver: string): void {
    const catchUp: CatchUp = { left: 0, lastAt: nowMicros(), owed: 0 };
    for (const s of this.#streams.values()) {
      const r = s.receivers.get(receiver);
      if (r === undefined) continue;
      const kept = r.away?.kept === true;
      r.catchFrom = kept ? (r.away as Away).tailFrom : 0;
      r.catchBelow = kept ? s.sent : 0;
      catchUp.left += missingAcknowledged(s, r, r.catchFrom, r.catchBelow);
    }
    catchUp.owed = catchUp.left;
    this.#catching.set(receiver, catchUp);
  }

  /**
   * `receiver` is back and ready. resumed: the server still had its session, so what it kept stays
   * owed — a kept message missing while later ones arrive is lost ([MQTT-3.1.2-4] 3.1.1 /
   * [MQTT-3.1.2-5] 5.0: resume from the session's state; [MQTT-4.4.0-1]: resend unacknowledged
   * PUBLISH). Not resumed, what was sent while it was away is excused, and at level >= 1 so are
   * the deliveries in flight when it left (the session that carried them is gone).
   * Returns the catch-up of a resumed return (null otherwise): `left` 0 means caught up at `lastAt`.
   */
  receiverBack(receiver: string, resumed: boolean): CatchUp | null {
    for (const s of this.#streams.values()) {
      const r = s.receivers.get(receiver);
      if (r?.away === undefined) continue;
      if (!r.away.kept) s.active++;
      this.#endAway(s, r, resumed);
    }
    const catchUp = this.#catching.get(receiver) ?? null;
    if (!resumed || catchUp?.left === 0) this.#catching.delete(receiver);
    return resumed ? catchUp : null;
  }

  #endAway(s: StreamState, r: ReceiverState, resumed: boolean): void {
    const a = r.away;
    if (a === undefined) return;
    r.away = undefined;
    if (!a.kept) this.#excuse(s, r, a.from, s.sent, false);
    if (!(a.kept && resumed) && r.level >= 1) this.#excuse(s, r, a.tailFrom, a.kept ? s.sent : a.from, true);
  }

  /** What `r` still misses in [from, to) becomes excused; `owed`: it was counted owed until now. */
  #excuse(s: StreamState, r: ReceiverState, from: number, to: number, owed: boolean): void {
    if (to <= from) return;
    let n = 0;
    forEachUncovered(r.excused, from, to, (a, b) => {
      cutRange(r.gaps, a, b, (x, y) => { n += y - x - s.failed.countIn(x, y); });
      const t = Math.max(a, r.maxSeen + 1);
      if (t < b) n += b - t - s.failed.countIn(t, b);
    });
    addRange(r.excused, from, to);
    r.excusedCount += n;
    if (owed) this.#owed -= n;
  }

  /** An owed `seq` of `r` arrived or stopped being owed: one less for its receiver's catch-up. */
  #settleCatchUp(receiver: string, s: StreamState, r: ReceiverState, seq: number): void {
    if (this.#catching.size === 0 || seq < r.catchFrom || seq >= r.catchBelow) return;
    // Counted only when acknowledged at the return (missingAcknowledged).
    if (s.settled.countIn(seq, seq + 1) === 0 || s.failed.has(seq)) return;
    const c = this.#catching.get(receiver);
    if (c === undefined || c.left === 0) return;
    c.left--;
    c.lastAt = nowMicros();
    // Still away (the returning connection not ready yet): receiverBack reports it.
    if (c.left === 0 && !this.#isAway(receiver)) {
      this.#catching.delete(receiver);
      this.onCaughtUp?.(receiver, c.lastAt);
    }
  }

  #isAway(receiver: string): boolean {
    for (const s of this.#streams.values()) if (s.receivers.get(receiver)?.away !== undefined) return true;
    return false;
  }

  /**
   * Evidence the server had a message of the stream later than `seq` (-1: any message): one was
   * acknowledged at level 1 or 2 (a QoS 0 write is no evidence), or some receiver got one.
   * The retained-room check reads it: a retained message older than such a one is stale.
   */
  reachedAfter(streamId: number, seq: number): boolean {
    const s = this.#stream(streamId);
    if (s.level > 0 && s.settled.countIn(seq + 1, s.sent) > s.failed.countIn(seq + 1, s.sent)) return true;
    for (const r of s.receivers.values()) if (r.maxSeen > seq) return true;
    return false;
  }

  /**
   * Chatbench's own fault proxy (a `network` fault) dropped `seq` on its way to `receiver`, or
   * sent it twice, so delivery is judged with it in mind. A drop is excused (neither expected nor
   * missing, and no longer owed: a drain does not wait for it). A copy is owed until it arrives
   * (so the drain waits for it too) and then counted in `duplicated` and in `injectedDuplicates`,
   * which the violations leave out (delivery-levels.ts). Ignored for a delivery not owed to the
   * receiver (not one of the stream's, gone, away without its session, failed, or already in).
   */
  injected(streamId: number, receiver: string, seq: number, action: 'dropped' | 'duplicated'): void {
    const s = this.#streams.get(streamId);
    const r = s?.receivers.get(receiver);
    if (
      s === undefined || r === undefined || !Number.isInteger(seq) || seq < 0 || seq >= s.sent ||
      (r.expectedUntil !== undefined && seq >= r.expectedUntil) || s.failed.has(seq) || notOwed(r, seq)
    ) return;
    if (action === 'duplicated') {
      r.injectedPending ??= new Map();
      r.injectedPending.set(seq, (r.injectedPending.get(seq) ?? 0) + 1);
      this.#owed++;
      return;
    }
    if (seq <= r.maxSeen && findGap(r.gaps, seq) < 0) return; // it arrived: nothing was dropped for it
    this.#excuse(s, r, seq, seq + 1, true);
    this.#settleCatchUp(receiver, s, r, seq);
  }

  /** Copies of the fault proxy's still on their way to `r` will not come (it went away): no longer owed. */
  #forgetInjected(r: ReceiverState): void {
    if (r.injectedPending === undefined) return;
    for (const copies of r.injectedPending.values()) this.#owed -= copies;
    r.injectedPending = undefined;
  }

  /** A receiver got `seq` of a stream. */
  received(streamId: number, receiver: string, seq: number): ReceiveOutcome {
    const s = this.#streams.get(streamId);
    const r = s?.receivers.get(receiver);
    if (
      s === undefined || r === undefined || !Number.isInteger(seq) || seq < 0 || seq >= s.sent ||
      (r.expectedUntil !== undefined && seq >= r.expectedUntil) || (s.failed.size > 0 && s.failed.has(seq))
    ) {
      this.#unexpected++;
      return 'unexpected';
    }
    // Arriving anyway is fine: the protocol did not owe it, so it is neither delivered nor unexpected.
    if (notOwed(r, seq)) return 'excused';
    if (seq > r.maxSeen) {
      if (seq > r.maxSeen + 1) forEachUncovered(r.excused, r.maxSeen + 1, seq, (start, end) => r.gaps.push({ start, end }));
      r.maxSeen = seq;
      r.unique++;
      this.#owed--;
      this.#settleCatchUp(receiver, s, r, seq);
      return 'new';
    }
    const i = findGap(r.gaps, seq);
    if (i < 0) {
      r.duplicated++;
      const injected = r.injectedPending?.get(seq);
      if (injected !== undefined) {
        if (injected > 1) r.injectedPending?.set(seq, injected - 1);
        else r.injectedPending?.delete(seq);
        r.injectedDuplicates++;
        this.#owed--;
      }
      return 'duplicate';
    }
    fillGap(r.gaps, i, seq);
    r.unique++;
    this.#owed--;
    r.reordered++;
    this.#settleCatchUp(receiver, s, r, seq);
    return 'new';
  }

  /** Counters so far (tally().delivery). */
  summary(): Delivery {
    return this.tally().delivery;
  }

  /**
   * Counters so far, every missing delivery classified lost or undelivered (see the counting
   * rules above), and the censored count. One pass over the receivers and their gaps.
   */
  tally(): Tally {
    const perLevel = new Map<DeliveryLevel, DeliveryCounts>();
    let censored = 0;
    const missing = { lost: 0, undelivered: 0, censored: 0 };
    for (const s of this.#streams.values()) {
      for (const r of s.receivers.values()) {
        let c = perLevel.get(r.level);
        if (c === undefined) perLevel.set(r.level, (c = emptyCounts()));
        // Connected (or away with its session kept, and back): a later arrival is evidence.
        const connected = r.expectedUntil === undefined;
        const limit = r.expectedUntil ?? s.sent;
        // Away now at a level not kept: what was sent since it left is excused (not owed).
        const openFrom = r.away !== undefined && !r.away.kept ? Math.min(r.away.from, limit) : limit;
        const excused = r.excusedCount + (limit - openFrom - s.failed.countIn(openFrom, limit));
        missing.lost = 0;
        missing.undelivered = 0;
        missing.censored = 0;
        for (const g of r.gaps) missingIn(s, g.start, g.end, connected, missing);
        // Nothing later arrived: no evidence.
        forEachUncovered(r.excused, r.maxSeen + 1, openFrom, (start, end) => missingIn(s, start, end, false, missing));
        c.expected += limit - s.failed.countIn(0, limit) - excused;
        if (excused > 0) c.excused = (c.excused ?? 0) + excused;
        c.delivered += r.unique;
        c.lost += missing.lost;
        c.undelivered += missing.undelivered;
        c.duplicated += r.duplicated;
        if (r.injectedDuplicates > 0) c.injectedDuplicates = (c.injectedDuplicates ?? 0) + r.injectedDuplicates;
        c.reordered += r.reordered;
        censored += missing.censored;
      }
    }
    return { delivery: deliveryFromLevels(perLevel, this.#sendErrors), censored };
  }
}
