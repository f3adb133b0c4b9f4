/**
 * Open-model arrival: send i is due at start + i / rate, whatever happened to the sends
 * before it. When the process falls behind, due sends go out at once and their latency,
 * measured from the intended time, shows the delay (no coordinated omission).
 *
 * The pacer never busy-waits: between sends it sleeps (wake.ts: a timing thread wakes it at
 * the due time to a fraction of a millisecond, with a timer as backstop), so its CPU grows with
 * the sends it fires, not with wall time. Each wake-up fires every send that is due by then, in
 * one batch; a send is never fired before its intended time, and how late it leaves is measured
 * from that intended time and recorded as schedule lag, not hidden.
 *
 * The one exception is asked for (scenario `pacing: poll`, or `{ poll: 2ms }`): the pacer wakes
 * `pollWithinMicros` before the next send is due and from then on yields to I/O and looks again
 * instead of sleeping. Where waking a sleeping thread sometimes takes over a millisecond (seen on
 * a VM: 1.5–4 % of wake-ups), a wake-up up to that window late still sends on time; the price is
 * CPU that grows with time while it waits (about window × rate of a core, at most one).
 */
import { nowMicros } from '../clock.js';
import { holdPreciseWake, timerWake, type Wake } from './wake.js';

export interface PaceOptions {
  /** Monotonic µs of the first send. */
  startMicros: number;
  ratePerSecond: number;
  count: number;
  /** µs after startMicros at which send i is due (schedule.ts); absent: i / ratePerSecond. */
  offsetMicros?: (index: number) => number;
  signal?: AbortSignal;
  /** Called for each due send with its index and intended send time. */
  fire: (index: number, intendedMicros: number) => void;
  /** While this returns true the pacer waits (bounded in-flight sends); intended times do not move. */
  saturated?: () => boolean;
  /** Monotonic µs past which the pacer gives up, fired or not (a server that stopped acknowledging). */
  deadlineMicros?: number;
  /**
   * How to sleep until the next send: `precise` (default) wakes within a fraction of a ms;
   * `timer` uses Node's timers alone (whole ms, so lag up to ~2 ms) — the benchmark's peer;
   * or a Wake of the caller's (tests).
   */
  wake?: 'precise' | 'timer' | Wake;
  /**
   * Wake this many µs before the next send is due and from then on yield to I/O (setImmediate)
   * instead of sleeping: a machine slow to wake a sleeping thread cannot delay the send — at the
   * cost of CPU while it waits (scenario `pacing: poll`).
   */
  pollWithinMicros?: number;
}

/**
 * While saturated the pacer looks again after this long: the in-flight count falls as
 * acknowledgements arrive, which the pacer is not told about (one cheap check per ms).
 */
const SATURATED_RECHECK_MICROS = 1_000;

/**
 * Wake-ups are at least this far apart: above 2,000 msg/s a wake fires the few sends that fell
 * due since the last one, so CPU per message falls as the rate rises, at the cost of at most this
 * much schedule lag (recorded, never hidden). At 1,000 msg/s and below every send gets its own wake.
 */
const MIN_WAKE_GAP_MICROS = 500;

/** Resolves with the number of sends fired (fewer than count only when aborted or past the deadline). */
export async function pace(options: PaceOptions): Promise<number> {
  const { startMicros, ratePerSecond, count, signal, fire, saturated } = options;
  const deadline = options.deadlineMicros ?? Number.POSITIVE_INFINITY;
  const pollWithin = options.pollWithinMicros ?? 0;
  const intervalMicros = 1_000_000 / ratePerSecond;
  const offset = options.offsetMicros;
  const dueAt = offset === undefined ? (i: number) => startMicros + i * intervalMicros : (i: number) => startMicros + offset(i);
  // Taken at the first sleep, not here: starting the timing thread blocks for a few ms once, and
  // the first sends must not wait for it.
  let wake: Wake | null = null;
  let lastWake = Number.NEGATIVE_INFINITY;
  let index = 0;
  try {
    while (index < count && !signal?.aborted) {
      const now = nowMicros();
      if (now > deadline) break;
      // The batch: every send due by `now` (dueAt ≤ now, so its rounded time is ≤ now too: never early).
      while (index < count && dueAt(index) <= now && !saturated?.()) {
        fire(index, Math.round(dueAt(index)));
        index++;
      }
      if (index >= count) break;
      // Saturated: look again in a ms, on a timer (no precision needed). Sends already due after a
      // long batch: yield once to I/O (acknowledgements, deliveries) and go on. Otherwise sleep until
      // the next send is due (polling: until the poll window before it), and no later than just past
      // the deadline (giving up is not delayed).
      const next = dueAt(index);
      if (saturated?.()) await timerWake.sleepUntil(nowMicros() + SATURATED_RECHECK_MICROS, signal);
      else if (next - nowMicros() <= pollWithin) await new Promise((resolve) => setImmediate(resolve));
      else {
        wake ??= typeof options.wake === 'object' ? options.wake : options.wake === 'timer' ? timerWake : holdPreciseWake();
        await wake.sleepUntil(Math.min(Math.max(next - pollWithin, lastWake + MIN_WAKE_GAP_MICROS), deadline + 1), signal);
        lastWake = nowMicros();
      }
    }
  } finally {
    wake?.release();
  }
  return index;
}

