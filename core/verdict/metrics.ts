/**
 * The one metric table: every metric a threshold can name and `compare` can judge, with its
 * label, base unit, which way is better, how it is read from a scenario result and what
 * "nothing measured" means for it. Thresholds (thresholds.ts), compare (compare.ts) and every
 * report read metrics through here, so they cannot disagree on an edge case again.
 */
import type { Better, LatencySummary, MetricUnit, PercentileKey, ScenarioResult } from '../result/index.js';
import type { ThresholdMetric } from '../scenario/types.js';

/** The figures of a scenario result a metric can read (a judged or a not-yet-judged result). */
export type Measurable = Pick<ScenarioResult, 'latency' | 'serviceTime' | 'throughput' | 'delivery' | 'wire' | 'presence' | 'retained' | 'absences' | 'takeover'>;

/**
 * What a metric reads from a result:
 * - value: measured, in the metric's base unit;
 * - nothing: there is nothing to measure (see the metric's `nothing`): no threshold passes on
 *   it and compare leaves it out;
 * - censored: a latency that falls among deliveries that never arrived: it is more than
 *   `atLeast` µs (how long they were waited for), and nothing more is known.
 */
export type Reading = { kind: 'value'; value: number } | { kind: 'nothing' } | { kind: 'censored'; atLeast: number };

export type MetricName = ThresholdMetric;
export type { Better, MetricUnit };
/** Which tolerance and floor `compare` judges a change with (compare-rules.ts). */
export type RuleKind = 'latency' | 'throughput' | 'ratio' | 'count' | 'bytes';

export interface Metric {
  name: MetricName;
  label: string;
  unit: MetricUnit;
  better: Better;
  /**
   * How `compare` judges a change; null: `compare` leaves it out (a size of the workload rather
   * than a quality, or a figure another compared metric already covers).
   */
  rule: RuleKind | null;
  /** What "nothing measured" means for this metric, in words (docs, messages). */
  nothing: string;
  read(s: Measurable): Reading;
  /**
   * For a percentile: which one (99.9 for p99.9, 100 for the max) and how many samples it is
   * read over (owed deliveries, arrived or censored), so `compare` judges it only where one
   * sample does not decide it (compare-rules minSamplesFor).
   */
  percentile?: { at: number; samples(s: Measurable): number };
}

const value = (v: number): Reading => ({ kind: 'value', value: v });
const NOTHING: Reading = { kind: 'nothing' };
const NO_LATENCY = 'no measured delivery was owed (nothing sent after the warm-up)';

/** Nothing owed at all: no sample and nothing censored. */
const empty = (l: LatencySummary): boolean => l.count === 0 && l.censored === 0;

/** A percentile over arrived + censored deliveries: null in the summary means "> waited". */
export function percentile(l: LatencySummary, key: PercentileKey): Reading {
  if (empty(l)) return NOTHING;
  const v = l[key];
  return v === null ? { kind: 'censored', atLeast: l.waited } : value(v);
}

/** The smallest latency: among what arrived; when nothing arrived, more than the wait. */
function minimum(l: LatencySummary): Reading {
  if (empty(l)) return NOTHING;
  return l.count > 0 ? value(l.min) : { kind: 'censored', atLeast: l.waited };
}

/**
 * The mean over every owed delivery. With censored deliveries the true mean is unknown; taking
 * each of them at `waited` gives a lower bound, so it is reported as "more than" that bound.
 */
function average(l: LatencySummary): Reading {
  if (empty(l)) return NOTHING;
  if (l.censored === 0) return value(l.mean);
  return { kind: 'censored', atLeast: (l.mean * l.count + l.waited * l.censored) / (l.count + l.censored) };
}

function latency(name: MetricName, label: string, compared: boolean, pick: (s: Measurable) => LatencySummary, read: (l: LatencySummary) => Reading, at: number | null = null): Metric {
  const m: Metric = { name, label, unit: 'us', better: 'lower', rule: compared ? 'latency' : null, nothing: NO_LATENCY, read: (s) => read(pick(s)) };
  if (at !== null) m.percentile = { at, samples: (s) => pick(s).count + pick(s).censored };
  return m;
}

function count(name: MetricName, label: string, rule: RuleKind | null, better: Better, read: (s: Measurable) => number): Metric {
  return { name, label, unit: 'count', better, rule, nothing: 'never: a count is measured even when it is 0', read: (s) => value(read(s)) };
}

const WORDS: Readonly<Record<PercentileKey, string>> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', max: 'max' };
const KEYS = Object.keys(WORDS) as PercentileKey[];
/** Where each key sits in the distribution: the max is its p100 (compare-rules minSamplesFor). */
const AT: Readonly<Record<PercentileKey, number>> = { p50: 50, p90: 90, p99: 99, p999: 99.9, max: 100 };

/** Latency percentiles, all compared; service time only at p99 (its shape follows latency's). */
const latencyPercentiles = KEYS.map((key) => latency(key, `latency ${WORDS[key]}`, true, (s) => s.latency, (l) => percentile(l, key), AT[key]));
const servicePercentiles = KEYS.map((key) =>
  latency(`service.${key}`, `service time ${WORDS[key]}`, key === 'p99', (s) => s.serviceTime, (l) => percentile(l, key), AT[key]));

const NO_PRESENCE = 'the scenario has no presence episode (option `presence`)';
const NO_RETAINED = 'the scenario has no retained room (option `retained`)';
const NO_ABSENCES = 'no user left and came back (options `offline`, `faults: disconnect`)';
const NO_TAKEOVER = 'the scenario has no session takeover (option `takeover`)';

/** A figure of a pattern the scenario may not have asked for: nothing to read then. */
function patternCount(name: MetricName, label: string, nothing: string, read: (s: Measurable) => number | undefined): Metric {
  return { name, label, unit: 'count', better: 'lower', rule: null, nothing, read: (s) => { const v = read(s); return v === undefined ? NOTHING : value(v); } };
}

/** A percentile of a pattern's latency summary (`<prefix>.p99`), nothing to read when the pattern is absent. */
function patternLatency(prefix: string, label: string, nothing: string, pick: (s: Measurable) => LatencySummary | undefined) {
  return (key: 'p50' | 'p99' | 'max'): Metric => ({
    name: `${prefix}.${key}` as MetricName, label: `${label} ${WORDS[key]}`, unit: 'us', better: 'lower', rule: null, nothing,
    read: (s) => { const l = pick(s); return l === undefined ? NOTHING : percentile(l, key); },
    percentile: { at: AT[key], samples: (s) => (pick(s)?.count ?? 0) + (pick(s)?.censored ?? 0) },
  });
}
const PATTERN_KEYS = ['p50', 'p99', 'max'] as const;

/**
 * The chat patterns' figures a threshold can name. `compare` judges the patterns' figures on its
 * own (compare-patterns.ts), so these are left out of it here (rule null).
 */
const PATTERN_METRICS: readonly Metric[] = [
  ...PATTERN_KEYS.map(patternLatency('presence', 'presence latency', NO_PRESENCE, (s) => s.presence?.latency)),
  ...PATTERN_KEYS.map(patternLatency('retained', 'retained-message latency', NO_RETAINED, (s) => s.retained?.latency)),
  ...PATTERN_KEYS.map(patternLatency('catchUp', 'catch-up time', NO_ABSENCES, (s) => s.absences?.catchUp)),
  patternCount('presence.missing', 'presence updates missing', NO_PRESENCE, (s) => s.presence?.missing),
  patternCount('wills.missing', 'wills missing', NO_PRESENCE, (s) => s.presence?.wills.missing),
  patternCount('wills.afterCleanDisconnect', 'wills after a clean disconnect', NO_PRESENCE, (s) => s.presence?.wills.afterCleanDisconnect),
  patternCount('wills.early', 'wills before their delay', NO_PRESENCE, (s) => s.presence?.wills.early),
  patternCount('retained.missing', 'late joins without the retained message', NO_RETAINED, (s) => s.retained?.missing),
  patternCount('retained.stale', 'late joins given a stale retained message', NO_RETAINED, (s) => s.retained?.stale),
  patternCount('absences.notCaughtUp', 'returning users not caught up', NO_ABSENCES, (s) => s.absences?.notCaughtUp),
  patternCount('absences.notResumed', 'returns whose session was not kept', NO_ABSENCES, (s) => s.absences?.notResumed),
  patternCount('takeover.notClosed', 'taken-over connections left open', NO_TAKEOVER, (s) => s.takeover?.oldNotClosed),
];

/** Every metric, in the order tables show them. */
export const METRICS: readonly Metric[] = [
  latency('min', 'latency min', false, (s) => s.latency, minimum),
  latency('mean', 'latency mean', false, (s) => s.latency, average),
  ...latencyPercentiles,
  ...servicePercentiles,
  // Nothing sent in the measurement window: there is no rate (0/s would read as a measurement).
  {
    name: 'deliveredPerSecond', label: 'delivered/s', unit: 'msg/s', better: 'higher', rule: 'throughput', nothing: 'nothing was sent after the warm-up',
    read: (s) => (s.throughput.sent > 0 ? value(s.throughput.deliveredPerSecond) : NOTHING),
  },
  {
    name: 'sentPerSecond', label: 'sent/s', unit: 'msg/s', better: 'higher', rule: null, nothing: 'nothing was sent after the warm-up',
    read: (s) => (s.throughput.sent > 0 ? value(s.throughput.sentPerSecond) : NOTHING),
  },
  // Lost (with evidence) per owed delivery; nothing owed: no ratio (0 would read as "no loss").
  {
    name: 'lossRatio', label: 'loss ratio', unit: 'ratio', better: 'lower', rule: 'ratio', nothing: 'no delivery was owed',
    read: (s) => (s.delivery.expected > 0 ? value(s.delivery.lost / s.delivery.expected) : NOTHING),
  },
  count('sent', 'sent', null, 'higher', (s) => s.throughput.sent),
  count('delivered', 'delivered', null, 'higher', (s) => s.delivery.delivered),
  count('expected', 'owed deliveries', null, 'higher', (s) => s.delivery.expected),
  count('lost', 'lost', null, 'lower', (s) => s.delivery.lost),
  count('undelivered', 'undelivered', 'count', 'lower', (s) => s.delivery.undelivered),
  count('duplicated', 'duplicated', 'count', 'lower', (s) => s.delivery.duplicated),
  count('reordered', 'reordered', 'count', 'lower', (s) => s.delivery.reordered),
  count('violations', 'violations', 'count', 'lower', (s) => s.delivery.violations),
  count('sendErrors', 'send errors', null, 'lower', (s) => s.delivery.sendErrors),
  // Handshakes included: both sides of the ratio cover the whole scenario, warm-up too.
  {
    name: 'bytesPerDelivered', label: 'wire bytes/delivered', unit: 'bytes', better: 'lower', rule: 'bytes', nothing: 'nothing was delivered',
    read: (s) => (s.delivery.delivered > 0 ? value((s.wire.bytesOut + s.wire.bytesIn) / s.delivery.delivered) : NOTHING),
  },
  ...PATTERN_METRICS,
];

const BY_NAME: ReadonlyMap<MetricName, Metric> = new Map(METRICS.map((m) => [m.name, m]));

/** The table's entry for a metric name (every ThresholdMetric has one: test/verdict/metrics.test.ts). */
export function metric(name: MetricName): Metric {
  const m = BY_NAME.get(name);
  if (m === undefined) throw new Error(`metric ${name} is missing from the metric table`);
  return m;
}

/** The metrics `compare` judges, in table order. */
export const COMPARED_METRICS: readonly (Metric & { rule: RuleKind })[] = METRICS.filter((m): m is Metric & { rule: RuleKind } => m.rule !== null);
