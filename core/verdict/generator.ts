/**
 * Did chatbench keep its own schedule? A verdict about the tool, not the server: when the
 * generator's schedule lag is high, latency and rates partly measure chatbench itself. Every
 * report says so beside the figures, and `compare` warns (fails with --strict).
 */
import type { ScenarioResult } from '../result/index.js';

/**
 * The generator kept its schedule when its schedule-lag p99 stays at or below this (µs). The
 * pacer sleeps between sends (it never spins), and a wake-up lands up to about a millisecond after
 * its send was due (measured with `npm run bench:cpu`: p99 0.6–2.3 ms at 1,000 msg/s on a
 * 2-core machine shared with the broker). Above 2 ms the generator is behind for a reason other
 * than that granularity, and its latency and rates partly measure chatbench itself.
 */
export const MAX_SCHEDULE_LAG_P99_MICROS = 2_000;

/** The generator's schedule-lag p99 in a scenario, µs; null when it sent nothing measured. */
export function lagP99(s: Pick<ScenarioResult, 'scheduleLag'>): number | null {
  return s.scheduleLag.count === 0 ? null : s.scheduleLag.p99;
}

/** A p99 means something with at least 100 samples (count × (1 − 0.99) ≥ 1); below that it is the max. */
const MIN_LAG_SAMPLES = 100;

/**
 * The schedule-lag p99 (µs) when it exceeds the bound, else null. With fewer than 100 measured
 * sends one late wake-up would decide it, so no verdict about the generator is drawn from them.
 */
export function generatorLag(s: Pick<ScenarioResult, 'scheduleLag'>): number | null {
  const p99 = lagP99(s);
  return p99 !== null && s.scheduleLag.count >= MIN_LAG_SAMPLES && p99 > MAX_SCHEDULE_LAG_P99_MICROS ? p99 : null;
}
