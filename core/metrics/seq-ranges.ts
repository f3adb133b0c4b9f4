/**
 * Sorted, disjoint ranges of seqs [start, end): the delivery tracker's gaps (seqs missing below
 * the highest seen) and excused ranges (seqs sent while a receiver was away that the protocol did
 * not owe it). Ranges stay few — one per loss burst or absence — so plain arrays serve.
 */

/** Seqs [start, end). */
export interface SeqRange {
  start: number;
  end: number;
}

/** Index of the range holding seq, or -1 (binary search). */
export function rangeIndex(ranges: readonly SeqRange[], seq: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const g = ranges[mid] as SeqRange;
    if (seq < g.start) hi = mid - 1;
    else if (seq >= g.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Adds [start, end), merging with the ranges it touches. */
export function addRange(ranges: SeqRange[], start: number, end: number): void {
  if (end <= start) return;
  let i = 0;
  while (i < ranges.length && (ranges[i] as SeqRange).end < start) i++;
  let s = start;
  let e = end;
  let j = i;
  while (j < ranges.length && (ranges[j] as SeqRange).start <= e) {
    const r = ranges[j] as SeqRange;
    s = Math.min(s, r.start);
    e = Math.max(e, r.end);
    j++;
  }
  ranges.splice(i, j - i, { start: s, end: e });
}

/** Calls `piece` for every stretch of [from, to) that no range covers, in order. */
export function forEachUncovered(ranges: readonly SeqRange[], from: number, to: number, piece: (start: number, end: number) => void): void {
  let at = from;
  for (const r of ranges) {
    if (r.end <= at) continue;
    if (r.start >= to) break;
    if (r.start > at) piece(at, r.start);
    at = Math.max(at, r.end);
    if (at >= to) return;
  }
  if (at < to) piece(at, to);
}

/** Removes [from, to) from the ranges (splitting where needed); calls `removed` for each stretch taken out. */
export function cutRange(ranges: SeqRange[], from: number, to: number, removed: (start: number, end: number) => void): void {
  if (to <= from) return;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as SeqRange;
    if (r.end <= from) continue;
    if (r.start >= to) break;
    const s = Math.max(r.start, from);
    const e = Math.min(r.end, to);
    removed(s, e);
    if (s === r.start && e === r.end) {
      ranges.splice(i, 1);
      i--;
    } else if (s === r.start) r.start = e;
    else if (e === r.end) r.end = s;
    else {
      ranges.splice(i + 1, 0, { start: e, end: r.end });
      r.end = s;
      i++;
    }
  }
}
