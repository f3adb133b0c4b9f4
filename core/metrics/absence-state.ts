/**
 * Absences of a receiver (chatbench took it away and brought it back: receiverAway,
 * receiverReturning, receiverBack in tracker.ts): which seqs stop being owed (excused), and the
 * catch-up of a return. Pure helpers over receiver-state.ts; the tracker keeps the totals (owed,
 * the catch-ups in progress) and applies what these return.
 */
import { addRange, cutRange, forEachUncovered } from './seq-ranges.js';
import { missingAcknowledged, type ReceiverState, type StreamState } from './receiver-state.js';

/** A return's catch-up: owed deliveries sent before the return still missing, and when the last one came. */
export interface CatchUp {
  left: number;
  lastAt: number;
  /** Owed deliveries at the return (0: nothing was queued, so there is no catch-up to time). */
  owed: number;
}

/** `r` leaves now; keepsSession: the server keeps its session. Not kept, it stops being owed new sends. */
export function startAway(s: StreamState, r: ReceiverState, keepsSession: boolean): void {
  const kept = keepsSession && r.level >= 1;
  r.away = { from: s.sent, kept, tailFrom: r.maxSeen + 1 };
  if (!kept) s.active--;
}

/**
 * What `r` still misses in [from, to) becomes excused. Returns how many (neither arrived nor
 * failed); the caller takes them off its owed total when they were counted owed until now.
 */
export function excuse(s: StreamState, r: ReceiverState, from: number, to: number): number {
  if (to <= from) return 0;
  let n = 0;
  forEachUncovered(r.excused, from, to, (a, b) => {
    cutRange(r.gaps, a, b, (x, y) => { n += y - x - s.failed.countIn(x, y); });
    const t = Math.max(a, r.maxSeen + 1);
    if (t < b) n += b - t - s.failed.countIn(t, b);
  });
  addRange(r.excused, from, to);
  r.excusedCount += n;
  return n;
}

/**
 * `r`'s absence ends (it is back, resumed or not, or gone for good). Not kept, what was sent while
 * it was away is excused (it was never owed); unless resumed with its session, at level >= 1 so are
 * the deliveries in flight when it left. Returns how many owed deliveries stopped being owed.
 */
export function endAway(s: StreamState, r: ReceiverState, resumed: boolean): number {
  const a = r.away;
  if (a === undefined) return 0;
  r.away = undefined;
  if (!a.kept) excuse(s, r, a.from, s.sent);
  if (!(a.kept && resumed) && r.level >= 1) return excuse(s, r, a.tailFrom, a.kept ? s.sent : a.from);
  return 0;
}

/**
 * `r` is returning: its catch-up range is the owed seqs sent before now, from the first it had not
 * seen when it left (none unless its session was kept). Returns how many of those it still misses.
 */
export function startCatchUp(s: StreamState, r: ReceiverState): number {
  const kept = r.away?.kept === true;
  r.catchFrom = kept && r.away !== undefined ? r.away.tailFrom : 0;
  r.catchBelow = kept ? s.sent : 0;
  return missingAcknowledged(s, r, r.catchFrom, r.catchBelow);
}

/** `seq` arriving (or stopping being owed) counts for `r`'s catch-up: in its range and acknowledged at the return. */
export function inCatchUp(s: StreamState, r: ReceiverState, seq: number): boolean {
  if (seq < r.catchFrom || seq >= r.catchBelow) return false;
  // Counted only when acknowledged at the return (missingAcknowledged).
  return s.settled.countIn(seq, seq + 1) !== 0 && !s.failed.has(seq);
}
