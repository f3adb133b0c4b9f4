/**
 * The body of a `kind: "compare"` result (`chatbench compare --json`): two run results matched
 * scenario by scenario, each metric of the metric table (core/verdict/metrics.ts) judged by the
 * rules in core/verdict/compare-rules.ts, and the caveats that make a comparison mean little.
 */
import { z } from 'zod';
import { COUNT_METRICS, LATENCY_METRICS, PATTERN_COUNT_METRICS, PATTERN_LATENCY_METRICS, SERVICE_METRICS } from '../scenario/types.js';
import { envelopeFields, Target } from './envelope.js';
import { count } from './fields.js';
import { Aborted, Reason } from './reasons.js';

export const MetricName = z.enum([...LATENCY_METRICS, ...SERVICE_METRICS, ...COUNT_METRICS, ...PATTERN_LATENCY_METRICS, ...PATTERN_COUNT_METRICS]);
/** Base units of the metric table: µs, messages per second, a fraction, a count, bytes. */
export const MetricUnit = z.enum(['us', 'msg/s', 'ratio', 'count', 'bytes']);
export type MetricUnit = z.infer<typeof MetricUnit>;
export const Better = z.enum(['lower', 'higher']);
export type Better = z.infer<typeof Better>;
export const Verdict = z.enum(['regressed', 'improved', 'unchanged', 'not-measured']);
export type Verdict = z.infer<typeof Verdict>;

export const CompareOptions = z.object({
  /** Relative tolerance of latency percentiles, loss ratio, counts and bytes: 0.1 = 10%. */
  tolerance: z.number().nonnegative(),
  /** Relative tolerance of delivered messages per second: 0.05 = 5%. */
  throughputTolerance: z.number().nonnegative(),
  /** Latency changes smaller than this (µs) are `unchanged`, whatever the ratio. */
  minLatencyChangeMicros: z.number().nonnegative(),
});
export type ResolvedCompareOptions = z.infer<typeof CompareOptions>;

export const MetricComparison = z.object({
  id: MetricName,
  label: z.string(),
  unit: MetricUnit,
  better: Better,
  /** In `unit`; null when not measured. A censored side holds its lower bound ("> value"). */
  baseline: z.number().nullable(),
  current: z.number().nullable(),
  /** A side whose value fell among deliveries that never arrived: it is more than the number shown. */
  censored: z.object({ baseline: z.boolean(), current: z.boolean() }),
  /** current − baseline; null when either side was not measured. */
  change: z.number().nullable(),
  /** change / baseline; null when either side was not measured or the baseline is 0. */
  relative: z.number().nullable(),
  verdict: Verdict,
  /** The rule the verdict was reached with, in words: "±10% and ≥ 1.00 ms". */
  rule: z.string(),
});
export type MetricComparison = z.infer<typeof MetricComparison>;

/** The chat patterns `compare` judges (core/verdict/compare-patterns.ts); faults are chatbench's doing, compared only as a warning. */
export const PatternName = z.enum(['presence', 'retained', 'absences', 'takeover']);
export type PatternName = z.infer<typeof PatternName>;

/**
 * A figure of a chat pattern (core/result/patterns.ts) judged like a metric: `id` names it
 * ("presence.p99", "retained.stale", "absences.catchUp.p99"), `pattern` the pattern it belongs to.
 */
export const PatternComparison = MetricComparison.extend({ id: z.string(), pattern: PatternName });
export type PatternComparison = z.infer<typeof PatternComparison>;

/** The largest shift between two latency distributions (HDR: what arrived) across the compared percentiles. */
export const DistributionShift = z.object({
  /**
   * The percentiles compared: those of p50 … p99.9 that both sides have enough samples to tell
   * from their max (count × (1 − p) ≥ 1; compare-rules.ts minSamplesFor).
   */
  percentiles: z.array(z.number()),
  /** Where the reported (largest) shift is. */
  percentile: z.number(),
  baseline: z.number(),
  current: z.number(),
  change: z.number(),
  relative: z.number(),
  verdict: z.enum(['regressed', 'improved', 'unchanged']),
  rule: z.string(),
});
export type DistributionShift = z.infer<typeof DistributionShift>;

export const Workload = z.object({ users: count(), rooms: count(), qos: count(), payloadBytes: count(), targetRate: z.number().nonnegative() });
export type Workload = z.infer<typeof Workload>;

export const ScenarioSide = z.object({
  status: z.enum(['passed', 'failed', 'aborted']),
  reasons: z.array(Reason),
  workload: Workload,
  /** Schedule-lag p99 of the generator in this scenario, µs; null when nothing was sent. */
  scheduleLagP99: z.number().nullable(),
});
export type ScenarioSide = z.infer<typeof ScenarioSide>;

export const ScenarioComparison = z.object({
  name: z.string(),
  baseline: ScenarioSide,
  current: ScenarioSide,
  metrics: z.array(MetricComparison),
  /**
   * The chat patterns both sides measured, figure by figure (latency percentiles by the latency
   * rule, counts such as missing, stale and notCaughtUp by the count rule: any increase from 0
   * regresses). Absent when neither side has pattern figures.
   */
  patterns: z.array(PatternComparison).optional(),
  /** Whole latency distributions (HDR); null when either side has too few arrivals for even p50 (2). */
  distribution: DistributionShift.nullable(),
  /** Workloads that differ, scenarios that did not pass, metrics not measured or not judged (too few samples), a lagging generator. */
  warnings: z.array(z.string()),
  /**
   * What regressed: a status that got worse first ("status passed → aborted: every connection
   * was lost", with the current side's reasons), then the labels of the metrics ("latency p99",
   * "latency distribution").
   */
  regressions: z.array(z.string()),
  regressed: z.boolean(),
  /**
   * The generator fell behind on either side (schedule-lag p99 above the bound): the figures
   * partly measure chatbench, so a regression found here is marked as found while it lagged.
   */
  generatorLagged: z.boolean(),
});
export type ScenarioComparison = z.infer<typeof ScenarioComparison>;

export const RunSide = z.object({
  runId: z.string(),
  startedAt: z.string(),
  toolVersion: z.string(),
  target: Target,
  aborted: Aborted.nullable(),
});
export type RunSide = z.infer<typeof RunSide>;

/**
 * Why the comparison may mean little; each is a warning, and with `--strict` a failure:
 * - generator-lag: a side's schedule-lag p99 exceeded the bound (compare-rules.ts MAX_SCHEDULE_LAG_P99_MICROS);
 * - aborted: a side's run or scenario stopped early;
 * - protocol: the sides ran different protocols or protocol versions.
 */
export const Caveat = z.object({
  kind: z.enum(['generator-lag', 'aborted', 'protocol']),
  side: z.enum(['baseline', 'current', 'both']),
  /** The scenario concerned, or null for the run as a whole. */
  scenario: z.string().nullable(),
  message: z.string(),
});
export type Caveat = z.infer<typeof Caveat>;

/** Units of the claims' figures: per message or connection (bytes), per idle minute, µs, a rate, a count of levels, CPU ms. */
export const ClaimUnit = z.enum(['bytes', 'bytes/min', 'us', 'msg/s', 'levels', 'cpu-ms']);
export type ClaimUnit = z.infer<typeof ClaimUnit>;
/**
 * supported / not-supported: decided from numbers on both sides; not-measured: a side has no
 * number (or only bounds that cannot decide), and `reason` says why.
 */
export const ClaimVerdict = z.enum(['supported', 'not-supported', 'not-measured']);
export type ClaimVerdict = z.infer<typeof ClaimVerdict>;

/**
 * One popular MQTT-vs-XMPP claim tested with the two results' numbers (core/verdict/claims.ts).
 * Every claim is phrased for MQTT ("MQTT ... fewer bytes"), so `supported` means MQTT did better.
 */
export const Claim = z.object({
  id: z.string(),
  /** The claim in words: "an MQTT 1:1 chat message takes fewer wire bytes than an XMPP one". */
  claim: z.string(),
  unit: ClaimUnit,
  /** Which way MQTT must differ for the claim to hold. */
  better: Better,
  /** The MQTT result's figure, in `unit`; null when it has none. */
  mqtt: z.number().nullable(),
  xmpp: z.number().nullable(),
  /** A side whose figure is a lower bound ("at least": a rate sweep it never saturated, a percentile among what never arrived). */
  atLeast: z.object({ mqtt: z.boolean(), xmpp: z.boolean() }),
  /** mqtt / xmpp; null when either is missing or xmpp is 0. */
  ratio: z.number().nullable(),
  verdict: ClaimVerdict,
  /** How the figures were taken (which scenarios, what was divided by what), or why they could not be. */
  reason: z.string(),
  /** What weakens the comparison: different keep-alive intervals, a lagging generator, different servers. */
  notes: z.array(z.string()),
});
export type Claim = z.infer<typeof Claim>;

const compareBodyFields = {
  baseline: RunSide,
  current: RunSide,
  options: CompareOptions,
  /** Scenarios present in both results, in the baseline's order. */
  scenarios: z.array(ScenarioComparison),
  onlyInBaseline: z.array(z.string()),
  onlyInCurrent: z.array(z.string()),
  /** The conditions under which this comparison means little (also among `warnings`, in words). */
  caveats: z.array(Caveat),
  /** Run-level warnings in words: the caveats, different socket settings, nothing in common. */
  warnings: z.array(z.string()),
  /**
   * True when any matched scenario regressed, or a scenario the baseline ran is missing from the
   * current run (`onlyInBaseline`: a run that stopped early must not pass a CI gate).
   */
  regressed: z.boolean(),
  /**
   * Present when one side ran MQTT and the other XMPP: the popular claims about the two
   * protocols, each tested with both results' numbers. Absent otherwise (and in older files).
   */
  claims: z.array(Claim).optional(),
};

export const CompareResult = z.object({ ...envelopeFields, kind: z.literal('compare'), ...compareBodyFields });
export type CompareResult = z.infer<typeof CompareResult>;
