/**
 * One direction of a proxied connection held back by a network delay: every chunk leaves
 * `delay ± jitter` after it arrived, never before the chunk ahead of it (a TCP stream keeps its
 * order, so jitter can bunch chunks up but never swap them). One timer for the head of the
 * queue, however many chunks wait.
 */
import { performance } from 'node:perf_hooks';

export interface DirectionDelay {
  delayMs: number;
  /** Each chunk's delay is drawn uniformly from [delay - jitter, delay + jitter] (never below 0). */
  jitterMs: number;
}

interface Held {
  bytes: Buffer;
  /** performance.now() time, ms, at which it may leave. */
  at: number;
}

export class DelayLine {
  readonly #queue: Held[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** When the last chunk queued leaves: no later chunk leaves before it. */
  #lastAt = 0;
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #closed = false;
  /** Chunks that went through the delay (not counting any passed straight on when there is none). */
  held = 0;

  constructor(
    private readonly delay: DirectionDelay,
    private readonly random: () => number,
    private readonly release: (bytes: Buffer) => void,
    /** Called after chunks left (the owner re-checks its buffer bound). */
    private readonly onReleased: () => void = () => undefined,
  ) {}

  /** Whether this direction holds anything back at all. */
  get active(): boolean {
    return this.delay.delayMs > 0 || this.delay.jitterMs > 0;
  }

  /** Bytes waiting to leave. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  get empty(): boolean {
    return this.#head === this.#queue.length;
  }

  push(bytes: Buffer): void {
    if (this.#closed || bytes.length === 0) return;
    if (!this.active && this.empty) {
      this.release(bytes);
      return;
    }
    const { delayMs, jitterMs } = this.delay;
    const drawn = Math.max(0, delayMs + (jitterMs > 0 ? (this.random() * 2 - 1) * jitterMs : 0));
    const at = Math.max(performance.now() + drawn, this.#lastAt);
    this.#lastAt = at;
    this.#queue.push({ bytes, at });
    this.#queuedBytes += bytes.length;
    this.held++;
    if (this.#timer === null) this.#arm();
  }

  /** Stops the timer and forgets what waits (the connection is gone). */
  close(): void {
    this.#closed = true;
    this.#cancel();
    this.#queue.length = 0;
    this.#head = 0;
    this.#queuedBytes = 0;
  }

  #arm(): void {
    const next = this.#queue[this.#head];
    if (next === undefined || this.#closed) return;
    // Node's timers count whole milliseconds from a loop clock that may lag performance.now():
    // a timer can fire a little early, so #flush checks; the last fraction of a millisecond is
    // waited out turn by turn of the loop rather than with another whole-millisecond timer.
    const wait = next.at - performance.now();
    this.#timer = wait < 1 ? setImmediate(() => this.#flush()) : setTimeout(() => this.#flush(), Math.floor(wait));
  }

  #cancel(): void {
    const timer = this.#timer;
    this.#timer = null;
    if (timer === null) return;
    if ('refresh' in timer) clearTimeout(timer);
    else clearImmediate(timer);
  }

  #flush(): void {
    this.#timer = null;
    const now = performance.now();
    let released = false;
    for (let held = this.#queue[this.#head]; held !== undefined && held.at <= now && !this.#closed; held = this.#queue[this.#head]) {
      this.#head++;
      this.#queuedBytes -= held.bytes.length;
      this.release(held.bytes);
      released = true;
    }
    // Compact when empty, and now and then otherwise, so the array does not keep every chunk ever held.
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (released) this.onReleased();
    this.#arm();
  }
}
