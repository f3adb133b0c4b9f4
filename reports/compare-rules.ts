/**
 * The verdict rules of `chatbench compare`: which metrics of a scenario are compared, which
 * way is better for each, and how large a change must be before it counts.
 *
 * Every rule has two gates, and a change must pass both to be `regressed` or `improved`:
 *   - a relative tolerance: |current − baseline| / baseline must exceed it (a change of
 *     exactly the tolerance is `unchanged`); from a baseline of 0 any change exceeds it;
 *   - an absolute floor: |current − baseline| must be at least the floor, so tiny numbers
 *     (a 40 µs p50 that becomes 60 µs: +50%) do not flap.
 * Otherwise the metric is `unchanged`; `not-measured` when either side has no value.
 */
import type { ScenarioResult } from '../core/result.js';
import { formatMicros } from './format.js';

export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'not-measured';
export type MetricUnit = 'us' | 'msg/s' | 'ratio' | 'count' | 'bytes';
export type Better = 'lower' | 'higher';

export interface CompareOptions {
  /** Relative tolerance of latency percentiles, loss ratio, counts and bytes: 0.1 = 10%. */
  tolerance?: number;
  /** Relative tolerance of delivered messages per second: 0.05 = 5%. */
  throughputTolerance?: number;
  /** Latency changes smaller than this (µs) are `unchanged`, whatever the ratio. */
  minLatencyChangeMicros?: number;
}
export type ResolvedCompareOptions = Required<CompareOptions>;

export const DEFAULT_COMPARE_OPTIONS: ResolvedCompareOptions = { tolerance: 0.1, throughputTolerance: 0.05, minLatencyChangeMicros: 1000 };

/** Fixed floors of the metrics that have no option: below these a change is noise. */
export const THROUGHPUT_FLOOR = 1; // msg/s
export const LOSS_RATIO_FLOOR = 0.001; // 0.1 percentage point
export const COUNT_FLOOR = 1; // one message: with a baseline of 0, any increase regresses
export const BYTES_FLOOR = 1; // byte per delivered message

/** Relative changes are compared with this slack, so 1100 vs 1000 at 10% stays `unchanged`. */
const EPSILON = 1e-9;

export type RuleKind = 'latency' | 'throughput' | 'ratio' | 'count' | 'bytes';

export interface Rule {
  better: Better;
  tolerance: number;
  floor: number;
  /** The rule in words, e.g. "±10% and ≥ 100 µs". */
  text: string;
}

const pct = (fraction: number): string => `${Number((fraction * 100).toPrecision(6))}%`;

/** The tolerance and floor each kind of metric is judged with (see the file comment). */
export function ruleFor(kind: RuleKind, o: ResolvedCompareOptions): Rule {
  switch (kind) {
    // Latency percentiles (µs), lower is better: --tolerance and --min-latency-change.
    case 'latency':
      return { better: 'lower', tolerance: o.tolerance, floor: o.minLatencyChangeMicros, text: `±${pct(o.tolerance)} and ≥ ${formatMicros(o.minLatencyChangeMicros)}` };
    // Delivered msg/s, higher is better: --throughput-tolerance, and at least 1 msg/s.
    case 'throughput':
      return { better: 'higher', tolerance: o.throughputTolerance, floor: THROUGHPUT_FLOOR, text: `±${pct(o.throughputTolerance)} and ≥ ${THROUGHPUT_FLOOR} msg/s` };
    // lost / expected, lower is better: --tolerance, and at least 0.1 percentage point.
    case 'ratio':
      return { better: 'lower', tolerance: o.tolerance, floor: LOSS_RATIO_FLOOR, text: `±${pct(o.tolerance)} and ≥ ${LOSS_RATIO_FLOOR * 100} points` };
    // Duplicates, reorders, violations, lower is better: from 0 any increase regresses
    // (relative change from 0 is unbounded, floor 1); otherwise --tolerance.
    case 'count':
      return { better: 'lower', tolerance: o.tolerance, floor: COUNT_FLOOR, text: `any increase from 0, else ±${pct(o.tolerance)}` };
    // Wire bytes per delivered message, lower is better: --tolerance, and at least 1 byte.
    case 'bytes':
      return { better: 'lower', tolerance: o.tolerance, floor: BYTES_FLOOR, text: `±${pct(o.tolerance)} and ≥ ${BYTES_FLOOR} B` };
  }
}

/** current − baseline relative to baseline; Infinity from a baseline of 0 (kept out of the JSON). */
export function relativeChange(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : Number.POSITIVE_INFINITY;
  return (current - baseline) / Math.abs(baseline);
}

/** The verdict of one metric: both gates of the file comment, then the direction. */
export function judge(baseline: number | null, current: number | null, rule: Rule): Verdict {
  if (baseline === null || current === null) return 'not-measured';
  const change = current - baseline;
  if (Math.abs(change) < rule.floor) return 'unchanged';
  if (Math.abs(relativeChange(baseline, current)) <= rule.tolerance + EPSILON) return 'unchanged';
  const worse = rule.better === 'lower' ? change > 0 : change < 0;
  return worse ? 'regressed' : 'improved';
}

export type MetricId =
  | 'latency.p50' | 'latency.p90' | 'latency.p99' | 'latency.p999' | 'latency.max' | 'serviceTime.p99'
  | 'deliveredPerSecond' | 'lossRatio' | 'duplicated' | 'reordered' | 'violations' | 'bytesPerDelivered';

export interface MetricDef {
  id: MetricId;
  label: string;
  unit: MetricUnit;
  kind: RuleKind;
  /** The value from a scenario result; null when the scenario measured nothing to compare. */
  read(s: ScenarioResult): number | null;
}

const latency = (s: ScenarioResult, p: 'p50' | 'p90' | 'p99' | 'p999' | 'max'): number | null => (s.latency.count > 0 ? s.latency[p] : null);

/** What is compared, in the order the tables show it. */
export const METRICS: readonly MetricDef[] = [
  { id: 'latency.p50', label: 'latency p50', unit: 'us', kind: 'latency', read: (s) => latency(s, 'p50') },
  { id: 'latency.p90', label: 'latency p90', unit: 'us', kind: 'latency', read: (s) => latency(s, 'p90') },
  { id: 'latency.p99', label: 'latency p99', unit: 'us', kind: 'latency', read: (s) => latency(s, 'p99') },
  { id: 'latency.p999', label: 'latency p99.9', unit: 'us', kind: 'latency', read: (s) => latency(s, 'p999') },
  { id: 'latency.max', label: 'latency max', unit: 'us', kind: 'latency', read: (s) => latency(s, 'max') },
  { id: 'serviceTime.p99', label: 'service time p99', unit: 'us', kind: 'latency', read: (s) => (s.serviceTime.count > 0 ? s.serviceTime.p99 : null) },
  // Nothing sent in the measurement window: there is no rate to compare.
  { id: 'deliveredPerSecond', label: 'delivered/s', unit: 'msg/s', kind: 'throughput', read: (s) => (s.throughput.sent > 0 ? s.throughput.deliveredPerSecond : null) },
  { id: 'lossRatio', label: 'loss ratio', unit: 'ratio', kind: 'ratio', read: (s) => (s.delivery.expected > 0 ? s.delivery.lost / s.delivery.expected : null) },
  { id: 'duplicated', label: 'duplicated', unit: 'count', kind: 'count', read: (s) => s.delivery.duplicated },
  { id: 'reordered', label: 'reordered', unit: 'count', kind: 'count', read: (s) => s.delivery.reordered },
  { id: 'violations', label: 'violations', unit: 'count', kind: 'count', read: (s) => s.delivery.violations },
  // Handshakes included: both sides of the ratio cover the whole scenario, warm-up too.
  { id: 'bytesPerDelivered', label: 'wire bytes/delivered', unit: 'bytes', kind: 'bytes', read: (s) => (s.delivery.delivered > 0 ? (s.wire.bytesOut + s.wire.bytesIn) / s.delivery.delivered : null) },
];

/** Percentiles at which whole latency distributions are compared (HDR, p50 to p99.9). */
export const SHIFT_PERCENTILES: readonly number[] = [50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9];
