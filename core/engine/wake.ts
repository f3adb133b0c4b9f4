/**
 * How the pacer sleeps until a send is due, without busy-waiting.
 *
 * Node's timers only know whole milliseconds (a 1 ms timer fires 1–2 ms later), which at
 * 1,000 sends/s puts schedule lag p99 just over 1 ms. The precise wake hands each deadline to one
 * long-lived timing thread (wake-worker.ts) through shared memory; it sleeps in a futex wait with
 * a sub-millisecond timeout and posts one small message when the deadline passes, which wakes the
 * event loop. Neither thread ever spins. (Atomics.waitAsync would save the message, but in Node 20
 * its promise sometimes never settles — nodejs/node#44729 — which we saw here too.)
 *
 * Every sleep also sets an ordinary timer a millisecond past the deadline. It keeps the process
 * alive while a pacer sleeps (the timing thread never does: it is unref'd), and it wakes the
 * pacer anyway if the timing thread is slow, dead or could not start (running TypeScript sources
 * that were never built). The timing thread runs while a pacer holds it; the last release stops it.
 */
import { Worker } from 'node:worker_threads';
import { nowMicros } from '../clock.js';
import { workerScript } from '../off-thread.js';
import { WAKE_BUFFER_BYTES, WAKE_SLOT, wakeViews, type WakeViews } from './wake-layout.js';

export interface Wake {
  /** Resolves at the first wake-up at or after `dueMicros` (monotonic µs), or when `signal` aborts. */
  sleepUntil(dueMicros: number, signal?: AbortSignal): Promise<void>;
  /** The pacer is done with it. */
  release(): void;
}

/** How long past the deadline the backstop timer fires when the timing thread has not. */
const BACKSTOP_MS = 1;

/** Milliseconds-granular sleeps only: the fallback, and the benchmark's reference peer. */
export const timerWake: Wake = { sleepUntil: (dueMicros, signal) => sleepOnTimer(dueMicros, signal, 0, null), release: () => undefined };

/** The one timing thread of this process (shared by the pacers that run at once), or null. */
let shared: TimingThread | null = null;

/** The precise wake, or the timer wake when no timing thread can run here. */
export function holdPreciseWake(): Wake {
  const script = workerScript(new URL('./wake-worker.js', import.meta.url));
  if (script === null) return timerWake;
  const thread = (shared ??= new TimingThread(script));
  thread.holders++;
  let held = true;
  return {
    sleepUntil: (dueMicros, signal) => sleepOnTimer(dueMicros, signal, BACKSTOP_MS, thread),
    release: () => {
      if (!held) return;
      held = false;
      if (--thread.holders === 0) thread.stop();
    },
  };
}

/** Whether a timing thread runs now (tests: it starts with the first pacer, stops after the last). */
export function timingThreadRuns(): boolean {
  return shared !== null;
}

interface Sleeper {
  dueMicros: number;
  wake: () => void;
}

function sleepOnTimer(dueMicros: number, signal: AbortSignal | undefined, backstopMs: number, thread: TimingThread | null): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const sleeper: Sleeper = {
      dueMicros,
      wake: () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', sleeper.wake);
        thread?.forget(sleeper);
        resolve();
      },
    };
    // A timer of n ms fires no sooner than n ms after it is set, so at least one tick.
    const timer = setTimeout(sleeper.wake, Math.max(1, Math.ceil((dueMicros - nowMicros()) / 1000)) + backstopMs);
    signal?.addEventListener('abort', sleeper.wake, { once: true });
    thread?.add(sleeper);
  });
}

/** The main thread's end of the timing thread: arms it with the earliest sleeper's deadline. */
class TimingThread {
  /** Pacers holding it; the last release stops it. */
  holders = 0;
  readonly #views: WakeViews;
  readonly #worker: Worker;
  readonly #sleepers = new Set<Sleeper>();
  /** The deadline the timing thread holds now (µs), or -1. */
  #armedMicros = -1;
  #stopped = false;

  constructor(script: URL) {
    const buffer = new SharedArrayBuffer(WAKE_BUFFER_BYTES);
    this.#views = wakeViews(buffer);
    Atomics.store(this.#views.deadline, 0, -1n);
    this.#worker = new Worker(script, { workerData: buffer });
    this.#worker.unref();
    this.#worker.on('message', this.#fired);
    // A timing thread that failed leaves the sleepers to their backstop timers.
    const gone = () => this.stop();
    this.#worker.on('error', gone);
    this.#worker.on('exit', gone);
  }

  add(sleeper: Sleeper): void {
    if (this.#stopped) return;
    this.#sleepers.add(sleeper);
    if (this.#armedMicros < 0 || sleeper.dueMicros < this.#armedMicros) this.#arm(sleeper.dueMicros);
  }

  forget(sleeper: Sleeper): void {
    this.#sleepers.delete(sleeper);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // The next pacer starts a new thread (this one is stopping, or failed).
    if (shared === this) shared = null;
    const { control } = this.#views;
    Atomics.store(control, WAKE_SLOT.stop, 1);
    Atomics.add(control, WAKE_SLOT.armed, 1);
    Atomics.notify(control, WAKE_SLOT.armed);
  }

  #arm(dueMicros: number): void {
    const { control, deadline } = this.#views;
    this.#armedMicros = dueMicros;
    // Rounded up: the timing thread fires once the whole-µs clock reads at least the due time.
    Atomics.store(deadline, 0, BigInt(Math.ceil(dueMicros)));
    Atomics.add(control, WAKE_SLOT.armed, 1);
    Atomics.notify(control, WAKE_SLOT.armed);
  }

  /** A deadline passed (perhaps one no sleeper waits for any more): wake who is due, arm the next. */
  readonly #fired = (): void => {
    this.#armedMicros = -1;
    const now = nowMicros();
    let next = Number.POSITIVE_INFINITY;
    for (const sleeper of this.#sleepers) {
      if (sleeper.dueMicros <= now) sleeper.wake();
      else next = Math.min(next, sleeper.dueMicros);
    }
    if (!this.#stopped && next !== Number.POSITIVE_INFINITY) this.#arm(next);
  };
}
