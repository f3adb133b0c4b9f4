/**
 * Delivery tracking per (stream, receiver): lost, duplicated and out-of-order messages,
 * reported per delivery level and judged against what the protocol permits there
 * (delivery-levels.ts).
 *
 * A stream is one sender's messages to one destination, numbered 0, 1, 2, ... (header seq).
 * The state per (stream, receiver) and its pure helpers are in receiver-state.ts; absences
 * (receiverAway/receiverBack: excused seqs, catch-up) in absence-state.ts; deliveries
 * chatbench's fault proxy dropped or duplicated (injected()) in injected-state.ts.
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
import { endAway, excuse, inCatchUp, startAway, startCatchUp, type CatchUp } from './absence-state.js';
import { deliveryFromLevels, emptyCounts } from './delivery-levels.js';
import { addInjectedCopy, forgetInjected } from './injected-state.js';
import { arrive, findGap, newStream, notOwed, tallyReceiver, withdraw, type ReceiverState, type StreamState } from './receiver-state.js';

export type { CatchUp } from './absence-state.js';

/** 'excused': sent while the receiver was away at a level the protocol did not keep for it (absence-state.ts). */
export type ReceiveOutcome = 'new' | 'duplicate' | 'unexpected' | 'excused';

/** What tally() finds: the delivery counters, and how many measured deliveries never arrived. */
export interface Tally {
  delivery: Delivery;
  /** Missing deliveries (lost or undelivered) of seqs sent after the warm-up. */
  censored: number;
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
    this.#streams.set(streamId, newStream(level, receivers, grantedTo));
  }

  #stream(streamId: number): StreamState {
    const s = this.#streams.get(streamId);
    if (s === undefined) throw new RangeError(`unknown stream ${streamId}`);
    return s;
  }

  /** The stream, if `seq` of it was sent (RangeError otherwise). */
  #sentSeq(streamId: number, seq: number): StreamState {
    const s = this.#stream(streamId);
    if (!Number.isInteger(seq) || seq < 0 || seq >= s.sent) throw new RangeError(`stream ${streamId}: seq ${seq} was not sent`);
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
    const s = this.#sentSeq(streamId, seq);
    s.settled.settle(seq);
  }

  /** The client reported the send of `seq` as failed: a send error, no longer expected. */
  sendFailed(streamId: number, seq: number): void {
    const s = this.#sentSeq(streamId, seq);
    if (s.failed.has(seq)) throw new RangeError(`stream ${streamId}: seq ${seq} already reported failed`);
    s.failed.add(seq);
    s.settled.settle(seq);
    this.#sendErrors++;
    for (const [name, r] of s.receivers) {
      const was = withdraw(r, seq);
      if (was === 'delivered') this.#unexpected++;
      else if (was === 'owed') {
        this.#owed--;
        this.#settleCatchUp(name, s, r, seq);
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
      this.#owed -= forgetInjected(r);
      // Away and never back: it ends as a return without its session (nothing sent since is owed).
      const active = r.away === undefined || r.away.kept;
      this.#owed -= endAway(s, r, false);
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
      this.#owed -= forgetInjected(r);
      startAway(s, r, keepsSession);
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
      if (r !== undefined) catchUp.left += startCatchUp(s, r);
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
      this.#owed -= endAway(s, r, resumed);
    }
    const catchUp = this.#catching.get(receiver) ?? null;
    if (!resumed || catchUp?.left === 0) this.#catching.delete(receiver);
    return resumed ? catchUp : null;
  }

  /** An owed `seq` of `r` arrived or stopped being owed: one less for its receiver's catch-up. */
  #settleCatchUp(receiver: string, s: StreamState, r: ReceiverState, seq: number): void {
    if (this.#catching.size === 0 || !inCatchUp(s, r, seq)) return;
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
      addInjectedCopy(r, seq);
      this.#owed++;
      return;
    }
    if (seq <= r.maxSeen && findGap(r.gaps, seq) < 0) return; // it arrived: nothing was dropped for it
    this.#owed -= excuse(s, r, seq, seq + 1);
    this.#settleCatchUp(receiver, s, r, seq);
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
    const arrival = arrive(r, seq);
    if (arrival !== 'duplicate') this.#owed--; // a first copy, or a copy the fault proxy made
    if (arrival !== 'new') return 'duplicate';
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
    for (const s of this.#streams.values()) {
      for (const r of s.receivers.values()) {
        let c = perLevel.get(r.level);
        if (c === undefined) perLevel.set(r.level, (c = emptyCounts()));
        censored += tallyReceiver(s, r, c);
      }
    }
    return { delivery: deliveryFromLevels(perLevel, this.#sendErrors), censored };
  }
}
