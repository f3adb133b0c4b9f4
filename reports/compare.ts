/**
 * Regression verdicts between two run results (this release against the last, MQTT against
 * XMPP): scenarios matched by name, each metric judged by the rules in compare-rules.ts, and
 * whole latency distributions compared through their HDR histograms. Pure: a Comparison is
 * plain, serialisable data; compare-render.ts turns it into text.
 */
import { InputError } from '../core/errors.js';
import { decodeHistogram, valuesAtPercentiles } from '../core/metrics/histogram.js';
import type { RunResult, ScenarioResult, Target } from '../core/result.js';
import {
  DEFAULT_COMPARE_OPTIONS,
  METRICS,
  SHIFT_PERCENTILES,
  judge,
  relativeChange,
  ruleFor,
  type Better,
  type CompareOptions,
  type MetricId,
  type MetricUnit,
  type ResolvedCompareOptions,
  type Verdict,
} from './compare-rules.js';

export { DEFAULT_COMPARE_OPTIONS, METRICS, SHIFT_PERCENTILES } from './compare-rules.js';
export type { Better, CompareOptions, MetricId, MetricUnit, ResolvedCompareOptions, Verdict } from './compare-rules.js';
export { renderComparison, renderComparisonMarkdown, type CompareRenderOptions } from './compare-render.js';

export const COMPARISON_SCHEMA_VERSION = 1 as const;

export interface MetricComparison {
  id: MetricId;
  label: string;
  unit: MetricUnit;
  better: Better;
  baseline: number | null;
  current: number | null;
  /** current − baseline; null when either side was not measured. */
  change: number | null;
  /** change / baseline; null when either side was not measured or the baseline is 0. */
  relative: number | null;
  verdict: Verdict;
  /** The rule the verdict was reached with, in words: "±10% and ≥ 100 µs". */
  rule: string;
}

/** The largest shift between two latency distributions across SHIFT_PERCENTILES. */
export interface DistributionShift {
  /** The percentile of the reported shift (e.g. 97.5). */
  percentile: number;
  baseline: number;
  current: number;
  change: number;
  relative: number;
  /** Regressed when the latency rule finds any compared percentile regressed. */
  verdict: Exclude<Verdict, 'not-measured'>;
  rule: string;
}

export interface Workload {
  users: number;
  rooms: number;
  qos: number;
  payloadBytes: number;
  targetRate: number;
}

export interface ScenarioSide {
  status: ScenarioResult['status'];
  reasons: string[];
  workload: Workload;
}

export interface ScenarioComparison {
  name: string;
  baseline: ScenarioSide;
  current: ScenarioSide;
  metrics: MetricComparison[];
  /** Whole latency distributions (HDR); null when either side measured no latency. */
  distribution: DistributionShift | null;
  /** Workloads that differ, scenarios that did not pass, metrics not measured. */
  warnings: string[];
  /** Labels of the metrics that regressed ("latency p99", "latency distribution"). */
  regressions: string[];
  regressed: boolean;
}

export interface RunSide {
  runId: string;
  startedAt: string;
  toolVersion: string;
  target: Target;
  aborted: string | null;
}

export interface Comparison {
  schemaVersion: typeof COMPARISON_SCHEMA_VERSION;
  kind: 'comparison';
  baseline: RunSide;
  current: RunSide;
  options: ResolvedCompareOptions;
  /** Scenarios present in both results, in the baseline's order. */
  scenarios: ScenarioComparison[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  /** Run-level warnings: aborted runs, different socket settings, nothing in common. */
  warnings: string[];
  /** True when any matched scenario regressed. */
  regressed: boolean;
}

const WORKLOAD_KEYS = ['qos', 'payloadBytes', 'users', 'rooms', 'targetRate'] as const;

export function compareResults(baseline: RunResult, current: RunResult, options: CompareOptions = {}): Comparison {
  const o = resolveOptions(options);
  const currentByName = new Map(current.scenarios.map((s) => [s.name, s]));
  const baselineNames = new Set(baseline.scenarios.map((s) => s.name));
  const scenarios = baseline.scenarios.flatMap((b) => {
    const c = currentByName.get(b.name);
    return c === undefined ? [] : [compareScenario(b, c, o)];
  });

  const warnings: string[] = [];
  if (baseline.aborted !== null) warnings.push(`the baseline run was aborted: ${baseline.aborted}`);
  if (current.aborted !== null) warnings.push(`the current run was aborted: ${current.aborted}`);
  if (baseline.target.tcpNoDelay !== current.target.tcpNoDelay) {
    const onOff = (r: RunResult): string => (r.target.tcpNoDelay ? 'on' : 'off');
    warnings.push(`TCP_NODELAY was ${onOff(baseline)} in the baseline and ${onOff(current)} in the current run: latencies are not comparable`);
  }
  if (scenarios.length === 0) warnings.push('no scenario in common: nothing was compared');

  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    kind: 'comparison',
    baseline: runSide(baseline),
    current: runSide(current),
    options: o,
    scenarios,
    onlyInBaseline: baseline.scenarios.filter((s) => !currentByName.has(s.name)).map((s) => s.name),
    onlyInCurrent: current.scenarios.filter((s) => !baselineNames.has(s.name)).map((s) => s.name),
    warnings,
    regressed: scenarios.some((s) => s.regressed),
  };
}

function resolveOptions(options: CompareOptions): ResolvedCompareOptions {
  const d = DEFAULT_COMPARE_OPTIONS;
  const o: ResolvedCompareOptions = {
    tolerance: options.tolerance ?? d.tolerance,
    throughputTolerance: options.throughputTolerance ?? d.throughputTolerance,
    minLatencyChangeMicros: options.minLatencyChangeMicros ?? d.minLatencyChangeMicros,
  };
  for (const [key, value] of Object.entries(o)) {
    if (!Number.isFinite(value) || value < 0) throw new InputError(`compare option ${key} must be a finite number ≥ 0, got ${value}`);
  }
  return o;
}

function runSide(r: RunResult): RunSide {
  return { runId: r.runId, startedAt: r.startedAt, toolVersion: r.tool.version, target: r.target, aborted: r.aborted };
}

function scenarioSide(s: ScenarioResult): ScenarioSide {
  return {
    status: s.status,
    reasons: s.reasons,
    workload: { users: s.users, rooms: s.rooms, qos: s.qos, payloadBytes: s.payloadBytes, targetRate: s.targetRate },
  };
}

function compareScenario(b: ScenarioResult, c: ScenarioResult, o: ResolvedCompareOptions): ScenarioComparison {
  const metrics = METRICS.map((m): MetricComparison => {
    const rule = ruleFor(m.kind, o);
    const baseline = m.read(b);
    const current = m.read(c);
    const measured = baseline !== null && current !== null;
    const relative = measured ? relativeChange(baseline, current) : null;
    return {
      id: m.id,
      label: m.label,
      unit: m.unit,
      better: rule.better,
      baseline,
      current,
      change: measured ? current - baseline : null,
      relative: relative !== null && Number.isFinite(relative) ? relative : null,
      verdict: judge(baseline, current, rule),
      rule: rule.text,
    };
  });
  const distribution = b.latency.count > 0 && c.latency.count > 0 ? distributionShift(b, c, o) : null;

  const warnings: string[] = [];
  const differ = WORKLOAD_KEYS.filter((k) => b[k] !== c[k]).map((k) => `${k} ${b[k]} vs ${c[k]}`);
  if (differ.length > 0) warnings.push(`workloads differ: ${differ.join(', ')} (the comparison may be unfair)`);
  for (const [side, s] of [['baseline', b], ['current', c]] as const) {
    const why = s.reasons.length > 0 ? `: ${s.reasons.join('; ')}` : '';
    if (s.status === 'failed') warnings.push(`${side} failed${why}`);
    if (s.status === 'aborted') warnings.push(`${side} was aborted${why} (compared anyway: its figures cover only part of the scenario)`);
  }
  for (const [side, pick] of [['baseline', (m: MetricComparison) => m.baseline], ['current', (m: MetricComparison) => m.current]] as const) {
    const missing = metrics.filter((m) => pick(m) === null).map((m) => m.label);
    if (missing.length > 0) warnings.push(`not measured in the ${side}, not compared: ${missing.join(', ')}`);
  }

  const regressions = metrics.filter((m) => m.verdict === 'regressed').map((m) => m.label);
  if (distribution?.verdict === 'regressed') regressions.push('latency distribution');
  return { name: b.name, baseline: scenarioSide(b), current: scenarioSide(c), metrics, distribution, warnings, regressions, regressed: regressions.length > 0 };
}

/**
 * Whole distributions: both HDR histograms decoded and read at SHIFT_PERCENTILES, each point
 * judged by the latency rule. The distribution regressed when any point regressed (the
 * largest relative increase among them is reported); else improved when any point improved
 * (the largest decrease); else unchanged, reporting the largest shift either way.
 */
function distributionShift(b: ScenarioResult, c: ScenarioResult, o: ResolvedCompareOptions): DistributionShift {
  const rule = ruleFor('latency', o);
  const before = valuesAtPercentiles(decode(b, 'baseline'), SHIFT_PERCENTILES);
  const after = valuesAtPercentiles(decode(c, 'current'), SHIFT_PERCENTILES);
  const points = SHIFT_PERCENTILES.map((percentile, i) => {
    const baseline = before[i] ?? 0;
    const current = after[i] ?? 0;
    const relative = relativeChange(baseline, current);
    return { percentile, baseline, current, change: current - baseline, relative: Number.isFinite(relative) ? relative : 0, verdict: judge(baseline, current, rule) };
  });
  const largest = (verdict: Verdict | null): (typeof points)[number] | undefined =>
    points
      .filter((p) => verdict === null || p.verdict === verdict)
      .reduce<(typeof points)[number] | undefined>((best, p) => (best === undefined || Math.abs(p.relative) > Math.abs(best.relative) ? p : best), undefined);
  const pick = largest('regressed') ?? largest('improved') ?? largest(null);
  if (pick === undefined) throw new Error('no percentiles to compare');
  return { ...pick, verdict: pick.verdict === 'not-measured' ? 'unchanged' : pick.verdict, rule: rule.text };
}

function decode(s: ScenarioResult, side: string): ReturnType<typeof decodeHistogram> {
  try {
    return decodeHistogram(s.latency.hdr);
  } catch (error) {
    throw new InputError(`${side} scenario "${s.name}": latency.hdr: ${(error as Error).message}`);
  }
}
