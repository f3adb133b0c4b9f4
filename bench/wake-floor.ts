/**
 * The machine's own floor under any sleeping pacer: how late a thread wakes from a plain OS
 * sleep with nothing else in the way (no event loop, no timers, no timing thread). Atomics.wait
 * with a timeout on the calling thread is a futex wait; it is asked for absolute deadlines
 * `periodMicros` apart and the lateness of each wake-up is recorded. If this machine's p99 is over
 * 1 ms, no pacer that sleeps between sends can keep schedule lag p99 under 1 ms on it; only one
 * that stays awake can (scenario `pacing: poll`), for CPU.
 */
import { nowMicros } from '../core/clock.js';
import { createLatencyHistogram, recordMicros, summarise } from '../core/metrics/index.js';

export interface WakeFloor {
  samples: number;
  periodMicros: number;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  overOneMs: number;
}

export function measureWakeFloor(samples: number, periodMicros: number): WakeFloor {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const lateness = createLatencyHistogram();
  let overOneMs = 0;
  let due = nowMicros() + periodMicros;
  for (let i = 0; i < samples; i++) {
    const wait = due - nowMicros();
    // Nobody notifies the cell: the wait ends by its timeout, like a sleeping pacer's.
    if (wait > 0) Atomics.wait(cell, 0, 0, wait / 1000);
    const late = nowMicros() - due;
    recordMicros(lateness, Math.max(1, late));
    if (late > 1000) overOneMs++;
    due += periodMicros;
    // A wake-up later than a whole period starts the next period from now, not in a burst.
    if (due < nowMicros()) due = nowMicros() + periodMicros;
  }
  const s = summarise(lateness);
  return { samples, periodMicros, p50: s.p50, p99: s.p99, p999: s.p999, max: s.max, overOneMs };
}

export function wakeFloorLine(f: WakeFloor): string {
  const us = (v: number | null) => (v === null ? '-' : `${Math.round(v).toLocaleString('en-US')} µs`);
  const share = ((f.overOneMs / f.samples) * 100).toFixed(2);
  return `This machine's own wake-up lateness (a plain OS sleep, no event loop: Atomics.wait, ${f.samples.toLocaleString('en-US')} wake-ups ${f.periodMicros} µs apart): p50 ${us(f.p50)}, p99 ${us(f.p99)}, p99.9 ${us(f.p999)}, max ${us(f.max)}; over 1 ms: ${f.overOneMs} (${share} %). A pacer that sleeps cannot keep lag p99 below this machine's p99.`;
}
