/**
 * Which sends of one stream the client has settled (the server acknowledged them, or the client
 * gave up on them), compactly: a watermark below which every seq is settled, plus the few seqs
 * settled ahead of it. Acknowledgements of one sender arrive nearly in order (MQTT: PUBACKs of
 * one connection follow its PUBLISHes, [MQTT-4.6.0-2]/[MQTT-4.6.0-3]), so the set stays small
 * and memory stays flat however long the run.
 */
export class SettledSeqs {
  /** Every seq below this is settled. */
  #below = 0;
  /** Settled seqs at or above #below. */
  readonly #ahead = new Set<number>();

  settle(seq: number): void {
    if (seq < this.#below) return;
    if (seq !== this.#below) {
      this.#ahead.add(seq);
      return;
    }
    this.#below++;
    while (this.#ahead.delete(this.#below)) this.#below++;
  }

  /** How many seqs in [from, to) are settled. */
  countIn(from: number, to: number): number {
    if (to <= from) return 0;
    let n = Math.max(0, Math.min(to, this.#below) - from);
    const start = Math.max(from, this.#below);
    if (start < to) for (const seq of this.#ahead) if (seq >= start && seq < to) n++;
    return n;
  }
}

/** Seqs in a set, counted by range through a sorted copy made once per count round. */
export class SortedSeqs {
  readonly #set = new Set<number>();
  #sorted: number[] | null = [];

  get size(): number {
    return this.#set.size;
  }

  has(seq: number): boolean {
    return this.#set.has(seq);
  }

  add(seq: number): void {
    this.#set.add(seq);
    this.#sorted = null;
  }

  values(): IterableIterator<number> {
    return this.#set.values();
  }

  /** How many seqs in [from, to). */
  countIn(from: number, to: number): number {
    if (to <= from || this.#set.size === 0) return 0;
    this.#sorted ??= [...this.#set].sort((a, b) => a - b);
    return lowerBound(this.#sorted, to) - lowerBound(this.#sorted, from);
  }
}

/** Index of the first element >= value in a sorted array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
