/**
 * After the last send: wait for what is owed. Late is not lost — the drain ends when every owed
 * delivery arrived (and every send was acknowledged), or when the server made no progress (no
 * delivery, no acknowledgement) for `drain`, or at the hard cap `drainMax`, whichever comes
 * first. And the stall watch: while anything is owed or in flight, no progress for
 * `stallTimeout` means the server stopped responding, whatever the number in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MICROS_PER_MILLI, MICROS_PER_SECOND, nowMicros } from '../clock.js';
import type { ScenarioResult } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { AbortInfo } from '../verdict/judge.js';
import { plural } from '../words.js';

type Drain = ScenarioResult['drain'];

/** How often the drain checks whether it can end. */
const DRAIN_POLL_MS = 10;
/** The stall watch looks this often at most (a fraction of the timeout otherwise). */
const STALL_POLL_MAX_MS = 250;

/** What the drain and the stall watch read from the running scenario. */
export interface Progress {
  /** Deliveries still owed. */
  owed(): number;
  /** Sends handed to the client and not yet completed. */
  inFlight(): number;
  /** Deliveries and acknowledgements so far: a counter, read at each poll (no clock read per message). */
  progressCount(): number;
}

export interface DrainOptions {
  spec: ScenarioSpec;
  progress: Progress;
  /** The scenario's stop signal: a stall ends the drain at once; a signal shortens it to `drain`. */
  stop: AbortSignal;
  /** Every connection is gone: nothing can arrive any more. */
  everyConnectionLost: () => boolean;
}

const busy = (p: Progress): boolean => p.owed() > 0 || p.inFlight() > 0;

/**
 * When the server last made progress, to the poll's resolution: the counter moved since the last
 * look, or nothing was owed or in flight (an idle spell is no stall: the clock starts when work does).
 */
class ProgressClock {
  #count: number;
  #at: number;
  constructor(private readonly progress: Progress, startMicros: number) {
    this.#count = progress.progressCount();
    this.#at = startMicros;
  }

  lastAt(nowMicros: number): number {
    const count = this.progress.progressCount();
    if (count !== this.#count || !busy(this.progress)) {
      this.#count = count;
      this.#at = nowMicros;
    }
    return this.#at;
  }
}

/** Waits for owed deliveries as described above; returns how the drain ended. */
export async function drain({ spec, progress, stop, everyConnectionLost }: DrainOptions): Promise<Drain> {
  const start = nowMicros();
  const owedAtStart = progress.owed();
  const quiet = spec.drainMs * MICROS_PER_MILLI;
  const clock = new ProgressClock(progress, start);
  const cap = start + spec.drainMaxMs * MICROS_PER_MILLI;
  const ended = (endedBy: Drain['endedBy']): Drain => ({
    endedBy, seconds: (nowMicros() - start) / MICROS_PER_SECOND, owedAtStart, owedAtEnd: progress.owed(),
  });
  for (;;) {
    if (!busy(progress)) return ended('all-delivered');
    if (stop.aborted && isStall(stop.reason)) return ended('stall');
    if (everyConnectionLost()) return ended('interrupted');
    const now = nowMicros();
    // Interrupted (Ctrl-C), the drain still runs, so what is in flight is not miscounted, but for `drain` at most.
    if (stop.aborted && now - start >= quiet) return ended('interrupted');
    if (now - clock.lastAt(now) >= quiet) return ended('quiet');
    if (now >= cap) return ended('cap');
    await sleep(DRAIN_POLL_MS);
  }
}

/** The drain record of a scenario that stopped before draining (a stall, a lost target, a timeout). */
export function skippedDrain(owed: number, reason: AbortInfo | null): Drain {
  return { endedBy: reason?.cause === 'stall' ? 'stall' : 'interrupted', seconds: 0, owedAtStart: owed, owedAtEnd: owed };
}

function isStall(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as Partial<AbortInfo>).cause === 'stall';
}

/**
 * Calls `onStall` once when, with work owed or in flight, the server made no progress for
 * `stallTimeout`; `sendStartMicros` dates the message ("at t = 12.3 s" from the first send).
 * Returns the function that stops watching.
 */
export function watchForStall(spec: ScenarioSpec, progress: Progress, sendStartMicros: number, onStall: (stall: AbortInfo) => void): () => void {
  const timeout = spec.stallTimeoutMs * MICROS_PER_MILLI;
  const clock = new ProgressClock(progress, nowMicros());
  const timer = setInterval(() => {
    const now = nowMicros();
    const last = clock.lastAt(now);
    if (now - last < timeout) return;
    clearInterval(timer);
    onStall({ cause: 'stall', message: stallMessage(spec.stallTimeoutMs, last - sendStartMicros, progress) });
  }, Math.max(1, Math.min(STALL_POLL_MAX_MS, Math.floor(spec.stallTimeoutMs / 4))));
  return () => clearInterval(timer);
}

function stallMessage(timeoutMs: number, atMicros: number, progress: Progress): string {
  const seconds = (x: number) => String(Math.round(x * 10) / 10);
  const inFlight = progress.inFlight();
  const owed = progress.owed();
  return `the server stopped responding for at least ${seconds(timeoutMs / 1000)} s at t = ${seconds(Math.max(0, atMicros) / MICROS_PER_SECOND)} s`
    + ` (no acknowledgement and no delivery; ${plural(inFlight, 'send')} in flight, ${plural(owed, 'delivery')} owed)`;
}
