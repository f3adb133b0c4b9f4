/**
 * The delivery tracker's state per stream and per (stream, receiver), and the pure helpers that
 * read and update it (tracker.ts holds the counting rules and the class that drives them).
 *
 * Memory per (stream, receiver) is flat for in-order traffic: the highest seq seen plus a
 * sorted list of gaps (ranges of seqs below it not yet seen). Gaps are the only state that
 * grows, by at most one range per loss burst or reordering, and shrink as late messages fill them.
 */
import type { DeliveryLevel } from '../driver.js';
import type { DeliveryCounts } from '../result/index.js';
import { takeInjectedCopy } from './injected-state.js';
import { forEachUncovered, rangeIndex, type SeqRange } from './seq-ranges.js';
import { SettledSeqs, SortedSeqs } from './settled.js';

/**
 * An absence in progress (chatbench took the receiver away: receiverAway). Seqs from `from` on
 * were sent while it was away; `kept`: the server keeps them for it (a persistent session, level
 * >= 1), so they stay owed; `tailFrom`: the first seq not yet seen when it left.
 */
export interface Away {
  from: number;
  kept: boolean;
  tailFrom: number;
}

/** Missing seqs [start, end). */
export type Gap = SeqRange;

export class ReceiverState {
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

export interface StreamState {
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

/** A new stream at `level`; each receiver gets it at the lower of `level` and its granted level. */
export function newStream(level: DeliveryLevel, receivers: readonly string[], grantedTo?: (receiver: string) => DeliveryLevel): StreamState {
  const rs = new Map<string, ReceiverState>();
  for (const r of receivers) {
    if (!rs.has(r)) rs.set(r, new ReceiverState(Math.min(level, grantedTo?.(r) ?? level) as DeliveryLevel));
  }
  return { level, receivers: rs, sent: 0, active: rs.size, failed: new SortedSeqs(), settled: new SettledSeqs(), measuredFrom: Number.POSITIVE_INFINITY };
}

/** Sent while `r` was away and not owed to it. */
export function notOwed(r: ReceiverState, seq: number): boolean {
  if (r.away !== undefined && !r.away.kept && seq >= r.away.from) return true;
  return r.excused.length > 0 && rangeIndex(r.excused, seq) >= 0;
}

/**
 * Seqs in [from, to) `r` still misses (in a gap or above the highest seen) that the server
 * acknowledged: failed and excused ones left out, and sends the server may never have had.
 */
export function missingAcknowledged(s: StreamState, r: ReceiverState, from: number, to: number): number {
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

/** Index of the gap holding seq, or -1. */
export const findGap: (gaps: readonly Gap[], seq: number) => number = rangeIndex;

/** Remove seq from gap i (it arrived or is no longer expected). */
export function fillGap(gaps: Gap[], i: number, seq: number): void {
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
 * An expected, owed `seq` reached `r`. 'new': its first copy (below the highest seen, it is
 * reordered); 'injected': a further copy the fault proxy made (owed until now); 'duplicate':
 * any other further copy. Both kinds of further copy count in `duplicated`.
 */
export function arrive(r: ReceiverState, seq: number): 'new' | 'injected' | 'duplicate' {
  if (seq > r.maxSeen) {
    if (seq > r.maxSeen + 1) forEachUncovered(r.excused, r.maxSeen + 1, seq, (start, end) => r.gaps.push({ start, end }));
    r.maxSeen = seq;
    r.unique++;
    return 'new';
  }
  const i = findGap(r.gaps, seq);
  if (i < 0) {
    r.duplicated++;
    return takeInjectedCopy(r, seq) ? 'injected' : 'duplicate';
  }
  fillGap(r.gaps, i, seq);
  r.unique++;
  r.reordered++;
  return 'new';
}

/**
 * The sender reported `seq` failed: it is no longer expected of `r`. 'owed': it was owed and had
 * not arrived; 'delivered': it arrived before the failure was reported (taken back out of
 * delivered; the tracker counts it unexpected); 'none': it was never owed.
 */
export function withdraw(r: ReceiverState, seq: number): 'owed' | 'delivered' | 'none' {
  if (r.expectedUntil !== undefined && seq >= r.expectedUntil) return 'none'; // the receiver was gone
  if (notOwed(r, seq)) { // sent while the receiver was away
    if (r.away === undefined || seq < r.away.from) r.excusedCount--; // counted excused when its range closed
    return 'none';
  }
  if (seq > r.maxSeen) return 'owed'; // not seen; any later copy is 'unexpected'
  const i = findGap(r.gaps, seq);
  if (i < 0) {
    r.unique--;
    return 'delivered';
  }
  fillGap(r.gaps, i, seq);
  return 'owed';
}

/** Missing deliveries, split as tally() counts them. */
interface Missing {
  lost: number;
  undelivered: number;
  censored: number;
}

/**
 * The missing seqs in [from, to) of one receiver: how many, how many of them are lost (evidence:
 * `evidence` is true — a later seq arrived and the connection stayed up — and the send was
 * acknowledged), and how many were sent after the warm-up.
 */
function missingIn(s: StreamState, from: number, to: number, evidence: boolean, into: Missing): void {
  if (to <= from) return;
  const failed = s.failed.countIn(from, to);
  const missing = to - from - failed;
  const lost = evidence ? s.settled.countIn(from, to) - failed : 0;
  into.lost += lost;
  into.undelivered += missing - lost;
  const measuredStart = Math.max(from, s.measuredFrom);
  if (measuredStart < to) into.censored += to - measuredStart - s.failed.countIn(measuredStart, to);
}

/**
 * Adds receiver `r`'s counters to `c` (its level's), every missing delivery classified lost or
 * undelivered (tracker.ts, counting rules); returns its censored count.
 */
export function tallyReceiver(s: StreamState, r: ReceiverState, c: DeliveryCounts): number {
  const missing: Missing = { lost: 0, undelivered: 0, censored: 0 };
  // Connected (or away with its session kept, and back): a later arrival is evidence.
  const connected = r.expectedUntil === undefined;
  const limit = r.expectedUntil ?? s.sent;
  // Away now at a level not kept: what was sent since it left is excused (not owed).
  const openFrom = r.away !== undefined && !r.away.kept ? Math.min(r.away.from, limit) : limit;
  const excused = r.excusedCount + (limit - openFrom - s.failed.countIn(openFrom, limit));
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
  return missing.censored;
}
