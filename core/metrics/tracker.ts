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
import type { DeliveryLevel } from '../driver.js';
import type { Delivery, DeliveryCounts } from '../result/index.js';
import { deliveryFromLevels, emptyCounts } from './delivery-levels.js';
import { SettledSeqs, SortedSeqs } from './settled.js';

export type ReceiveOutcome = 'new' | 'duplicate' | 'unexpected';

/** Missing seqs [start, end). */
interface Gap {
  start: number;
  end: number;
}

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
function findGap(gaps: readonly Gap[], seq: number): number {
  let lo = 0;
  let hi = gaps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const g = gaps[mid] as Gap;
    if (seq < g.start) hi = mid - 1;
    else if (seq >= g.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

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
    for (const r of s.receivers.values()) {
      if (r.expectedUntil !== undefined && seq >= r.expectedUntil) continue; // never owed: the receiver was gone
      if (seq > r.maxSeen) { // not seen; any later copy is 'unexpected'
        this.#owed--;
        continue;
      }
      const i = findGap(r.gaps, seq);
      if (i >= 0) {
        fillGap(r.gaps, i, seq);
        this.#owed--;
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
    for (const s of this.#streams.values()) {
      const r = s.receivers.get(receiver);
      if (r === undefined || r.expectedUntil !== undefined) continue;
      r.expectedUntil = s.sent;
      s.active--;
    }
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
    if (seq > r.maxSeen) {
      if (seq > r.maxSeen + 1) r.gaps.push({ start: r.maxSeen + 1, end: seq });
      r.maxSeen = seq;
      r.unique++;
      this.#owed--;
      return 'new';
    }
    const i = findGap(r.gaps, seq);
    if (i < 0) {
      r.duplicated++;
      return 'duplicate';
    }
    fillGap(r.gaps, i, seq);
    r.unique++;
    this.#owed--;
    r.reordered++;
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
        const connected = r.expectedUntil === undefined;
        const limit = r.expectedUntil ?? s.sent;
        missing.lost = 0;
        missing.undelivered = 0;
        missing.censored = 0;
        for (const g of r.gaps) missingIn(s, g.start, g.end, connected, missing);
        missingIn(s, r.maxSeen + 1, limit, false, missing); // nothing later arrived: no evidence
        c.expected += limit - s.failed.countIn(0, limit);
        c.delivered += r.unique;
        c.lost += missing.lost;
        c.undelivered += missing.undelivered;
        c.duplicated += r.duplicated;
        c.reordered += r.reordered;
        censored += missing.censored;
      }
    }
    return { delivery: deliveryFromLevels(perLevel, this.#sendErrors), censored };
  }
}
