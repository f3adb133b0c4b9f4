/**
 * Open-model arrival: send i is due at start + i / rate, whatever happened to the sends
 * before it. When the process falls behind, due sends go out at once and their latency,
 * measured from the intended time, shows the delay (no coordinated omission).
 *
 * The pacer never busy-waits: between sends it sleeps on a timer, so its CPU grows with the
 * sends it fires, not with wall time. Node's timers are only good to about a millisecond, so
 * each wake-up fires every send that is due by then, in one batch; a send is never fired
 * before its intended time, and how late it leaves (under ~1 ms at the timer's granularity)
 * is measured from that intended time and recorded as schedule lag, not hidden.
 */
import { nowMicros } from '../clock.js';

export interface PaceOptions {
  /** Monotonic µs of the first send. */
  startMicros: number;
  ratePerSecond: number;
  count: number;
  signal?: AbortSignal;
  /** Called for each due send with its index and intended send time. */
  fire: (index: number, intendedMicros: number) => void;
  /** While this returns true the pacer waits (bounded in-flight sends); intended times do not move. */
  saturated?: () => boolean;
  /** Monotonic µs past which the pacer gives up, fired or not (a server that stopped acknowledging). */
  deadlineMicros?: number;
}

/**
 * While saturated the pacer looks again after this long: the in-flight count falls as
 * acknowledgements arrive, which the pacer is not told about (one cheap check per ms).
 */
const SATURATED_RECHECK_MICROS = 1_000;

/** Resolves with the number of sends fired (fewer than count only when aborted or past the deadline). */
export async function pace(options: PaceOptions): Promise<number> {
  const { startMicros, ratePerSecond, count, signal, fire, saturated } = options;
  const deadline = options.deadlineMicros ?? Number.POSITIVE_INFINITY;
  const intervalMicros = 1_000_000 / ratePerSecond;
  const dueAt = (i: number) => startMicros + i * intervalMicros;
  let index = 0;
  while (index < count && !signal?.aborted) {
    const now = nowMicros();
    if (now > deadline) break;
    // The batch: every send due by `now` (dueAt ≤ now, so its rounded time is ≤ now too: never early).
    while (index < count && dueAt(index) <= now && !saturated?.()) {
      fire(index, Math.round(dueAt(index)));
      index++;
    }
    if (index >= count) break;
    const waitMicros = saturated?.() ? SATURATED_RECHECK_MICROS : dueAt(index) - nowMicros();
    // Sleep no later than one tick past the deadline, so giving up is not delayed by a long interval.
    await sleep(Math.min(waitMicros, deadline - nowMicros() + 1), signal);
  }
  return index;
}

/**
 * Waits about `micros` (at least one timer tick; a timer of n ms fires no sooner than n ms
 * after it is set), or until `signal` aborts. A wait of zero or less — sends already due
 * after a long batch — yields once to I/O (acknowledgements, deliveries) and returns.
 */
function sleep(micros: number, signal: AbortSignal | undefined): Promise<void> {
  if (micros <= 0) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(1, Math.ceil(micros / 1000)));
    signal?.addEventListener('abort', done, { once: true });
  });
}
