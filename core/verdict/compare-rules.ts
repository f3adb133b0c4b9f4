/**
 * The verdict rules of `chatbench compare`: how large a change must be before it counts, and
 * when a comparison means little. Which metrics are compared and which way is better comes
 * from the metric table (metrics.ts).
 *
 * Every rule has two gates, and a change must pass both to be `regressed` or `improved`:
 *   - a relative tolerance: |current − baseline| / baseline must exceed it (a change of
 *     exactly the tolerance is `unchanged`); from a baseline of 0 any change exceeds it;
 *   - an absolute floor: |current − baseline| must be at least the floor, so tiny numbers
 *     (a 40 µs p50 that becomes 60 µs: +50%) do not flap.
 * Otherwise the metric is `unchanged`; `not-measured` when either side has no value.
 */
import { formatDuration } from '../scenario/units.js';
import type { Better, ResolvedCompareOptions, Verdict } from '../result/compare.js';
import type { RuleKind } from './metrics.js';

export type CompareOptions = Partial<ResolvedCompareOptions>;

export const DEFAULT_COMPARE_OPTIONS: ResolvedCompareOptions = { tolerance: 0.1, throughputTolerance: 0.05, minLatencyChangeMicros: 1000 };

/** Fixed floors of the metrics that have no option: below these a change is noise. */
const THROUGHPUT_FLOOR = 1; // msg/s
const LOSS_RATIO_FLOOR = 0.001; // 0.1 percentage point
const COUNT_FLOOR = 1; // one message: with a baseline of 0, any increase regresses
const BYTES_FLOOR = 1; // byte per delivered message

export { MAX_SCHEDULE_LAG_P99_MICROS } from './generator.js';

/** Relative changes are compared with this slack, so 1100 vs 1000 at 10% stays `unchanged`. */
const EPSILON = 1e-9;

export interface Rule {
  better: Better;
  tolerance: number;
  floor: number;
  /** The rule in words, e.g. "±10% and ≥ 1ms". */
  text: string;
}

const pct = (fraction: number): string => `${Number((fraction * 100).toPrecision(6))}%`;
const latencyFloor = (micros: number): string => (micros % 1000 === 0 ? formatDuration(micros / 1000) : `${micros}us`);

/** The tolerance and floor each kind of metric is judged with (see the file comment). */
export function ruleFor(kind: RuleKind, better: Better, o: ResolvedCompareOptions): Rule {
  switch (kind) {
    case 'latency':
      return { better, tolerance: o.tolerance, floor: o.minLatencyChangeMicros, text: `±${pct(o.tolerance)} and ≥ ${latencyFloor(o.minLatencyChangeMicros)}` };
    case 'throughput':
      return { better, tolerance: o.throughputTolerance, floor: THROUGHPUT_FLOOR, text: `±${pct(o.throughputTolerance)} and ≥ ${THROUGHPUT_FLOOR} msg/s` };
    case 'ratio':
      return { better, tolerance: o.tolerance, floor: LOSS_RATIO_FLOOR, text: `±${pct(o.tolerance)} and ≥ ${LOSS_RATIO_FLOOR * 100} points` };
    // From 0 any increase regresses (relative change from 0 is unbounded, floor 1).
    case 'count':
      return { better, tolerance: o.tolerance, floor: COUNT_FLOOR, text: `any increase from 0, else ±${pct(o.tolerance)}` };
    case 'bytes':
      return { better, tolerance: o.tolerance, floor: BYTES_FLOOR, text: `±${pct(o.tolerance)} and ≥ ${BYTES_FLOOR} B` };
  }
}

/** current − baseline relative to baseline; Infinity from a baseline of 0 (kept out of the JSON). */
export function relativeChange(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : Number.POSITIVE_INFINITY;
  return (current - baseline) / Math.abs(baseline);
}

/** The verdict of one metric: both gates of the file comment, then the direction. */
export function verdictOf(baseline: number | null, current: number | null, rule: Rule): Verdict {
  if (baseline === null || current === null) return 'not-measured';
  const change = current - baseline;
  if (Math.abs(change) < rule.floor) return 'unchanged';
  if (Math.abs(relativeChange(baseline, current)) <= rule.tolerance + EPSILON) return 'unchanged';
  const worse = rule.better === 'lower' ? change > 0 : change < 0;
  return worse ? 'regressed' : 'improved';
}

/**
 * The verdict when a side is censored (a latency known only as "more than" its bound; lower is
 * better). Only what the bound proves counts: a censored current whose bound already regressed
 * has regressed; a censored baseline that the current beats even at its bound has improved;
 * anything else cannot be known and is `not-measured`.
 */
export function censoredVerdictOf(baseline: number, current: number, censored: { baseline: boolean; current: boolean }, rule: Rule): Verdict {
  if (censored.baseline && censored.current) return 'not-measured';
  const bound = verdictOf(baseline, current, rule);
  if (censored.current) return bound === 'regressed' ? 'regressed' : 'not-measured';
  return bound === 'improved' ? 'improved' : 'not-measured';
}

/** Percentiles at which whole latency distributions are compared (HDR, p50 to p99.9). */
export const SHIFT_PERCENTILES: readonly number[] = [50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9];

/** The highest percentile compare judges; the max (p100) is judged with as many samples. */
const HIGHEST_JUDGED_PERCENTILE = 99.9;

/**
 * The fewest samples at which percentile `p` (e.g. 99.9) is distinct from the max:
 * count × (1 − p/100) ≥ 1, so p99 needs 100 samples and p99.9 needs 1,000. With fewer, the
 * percentile is the largest sample, and judging it judges one outlier. The max itself (p100) is
 * always one sample: it is judged only with as many samples as p99.9 needs, so that a single
 * slow message in a tiny run does not fail the build where p99 and p99.9 could not. The slack
 * absorbs floating point (100 − 99.9 is not exactly 0.1).
 */
export function minSamplesFor(percentile: number): number {
  return Math.ceil(100 / (100 - Math.min(percentile, HIGHEST_JUDGED_PERCENTILE)) - 1e-9);
}
