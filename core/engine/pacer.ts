/**
 * Open-model arrival: send i is due at start + i / rate, whatever happened to the sends
 * before it. When the process falls behind, due sends go out at once and their latency,
 * measured from the intended time, shows the delay (no coordinated omission).
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

/** Resolves with the number of sends fired (fewer than count only when aborted or past the deadline). */
export async function pace(options: PaceOptions): Promise<number> {
  const { startMicros, ratePerSecond, count, signal, fire, saturated } = options;
  const deadline = options.deadlineMicros ?? Number.POSITIVE_INFINITY;
  const intervalMicros = 1_000_000 / ratePerSecond;
  let index = 0;
  while (index < count && !signal?.aborted) {
    const now = nowMicros();
    if (now > deadline) break;
    while (index < count && startMicros + index * intervalMicros <= now && !saturated?.()) {
      fire(index, Math.round(startMicros + index * intervalMicros));
      index++;
    }
    if (index >= count) break;
    const waitMicros = startMicros + index * intervalMicros - nowMicros();
    await pause(saturated?.() ? 1000 : waitMicros);
  }
  return index;
}

/** setTimeout is only good to about a millisecond: shorter waits yield to I/O with setImmediate. */
function pause(micros: number): Promise<void> {
  if (micros >= 1500) return new Promise((resolve) => setTimeout(resolve, Math.floor(micros / 1000) - 1));
  return new Promise((resolve) => setImmediate(resolve));
}
