/**
 * What the two comparison renderings (console and Markdown) share: values with their units,
 * changes, verdict words, the sides described, the rules and the closing summary.
 */
import type { CompareResult, DistributionShift, MetricComparison, MetricUnit, RunSide, ScenarioComparison, ScenarioSide, Verdict } from '../../core/result/index.js';
import { DISTRIBUTION_LABEL, figuresRegressed } from '../../core/verdict/compare.js';
import { SHIFT_PERCENTILES } from '../../core/verdict/compare-rules.js';
import { describeAbort, describeWorkload, statusLabel } from '../describe.js';
import { formatMetric, plural } from '../format.js';

/** A value in its unit; a censored side reads "> value" (it is more than that); "-" when not measured. */
function formatValue(value: number | null, unit: MetricUnit, censored = false): string {
  if (value === null) return '-';
  return `${censored ? '> ' : ''}${formatMetric(value, unit)}`;
}

/** A signed difference in its unit: "+200 µs", "-50 msg/s", "+0.20 points", "+3". */
function formatDelta(change: number, unit: MetricUnit): string {
  const sign = change > 0 ? '+' : change < 0 ? '-' : '±';
  if (unit === 'ratio') return `${sign}${Number((Math.abs(change) * 100).toPrecision(3))} points`;
  return `${sign}${formatValue(Math.abs(change), unit)}`;
}

/** "+100% (+200 µs)"; from a baseline of 0 only the absolute change; "no change". */
function formatChange(m: Pick<MetricComparison, 'change' | 'relative' | 'unit'>): string {
  if (m.change === null) return '-';
  if (m.change === 0) return 'no change';
  if (m.relative === null) return formatDelta(m.change, m.unit);
  const percent = Math.abs(m.relative * 100);
  const digits = percent < 10 ? 1 : 0;
  return `${m.relative > 0 ? '+' : '-'}${percent.toFixed(digits)}% (${formatDelta(m.change, m.unit)})`;
}

export type ScenarioVerdict = 'REGRESSED' | 'IMPROVED' | 'UNCHANGED';

export function scenarioVerdict(s: ScenarioComparison): ScenarioVerdict {
  if (s.regressed) return 'REGRESSED';
  const improved = [...s.metrics, ...(s.patterns ?? [])].some((m) => m.verdict === 'improved') || s.distribution?.verdict === 'improved';
  return improved ? 'IMPROVED' : 'UNCHANGED';
}

/**
 * A regressed figure found while the generator lagged partly measures chatbench: say so beside
 * it. Never beside a status that alone got worse: an abort is not chatbench's delay.
 */
export function laggedNote(s: ScenarioComparison): string {
  return s.generatorLagged && figuresRegressed(s) ? ' (found while the generator lagged)' : '';
}

export function describeRun(side: RunSide): string {
  return `run ${side.runId} at ${side.startedAt}, chatbench ${side.toolVersion}${side.aborted === null ? '' : ' (aborted)'}`;
}

export function describeSide(s: ScenarioSide): string {
  return `${statusLabel(s.status)}, ${describeWorkload(s.workload)}`;
}

/** One table row: a metric, or the largest shift between the two HDR distributions. */
export type Row = Pick<MetricComparison, 'label' | 'unit' | 'baseline' | 'current' | 'change' | 'relative' | 'verdict' | 'censored'>;

/** The row's label is the regression's name (DISTRIBUTION_LABEL); distributionNote explains it. */
function shiftRow(d: DistributionShift): Row {
  return { ...d, label: `${DISTRIBUTION_LABEL} (p${d.percentile})`, unit: 'us', censored: { baseline: false, current: false } };
}

/**
 * What the distribution row means, and why its p50 may differ from the "latency p50" row:
 * "latency distribution of what arrived: the largest shift across p50…p99.9 of the delivered
 * messages' HDR histograms, found at p97.5 (the latency rows also count deliveries that never
 * arrived)", naming the percentiles left out for too few samples.
 */
export function distributionNote(s: ScenarioComparison): string | null {
  const d = s.distribution;
  if (d === null) return null;
  const first = d.percentiles[0];
  const last = d.percentiles.at(-1);
  const left = SHIFT_PERCENTILES.filter((p) => !d.percentiles.includes(p));
  const out = left.length === 0 ? '' : ` (${left.map((p) => `p${p}`).join(', ')} left out: too few arrivals to differ from the max)`;
  return `${DISTRIBUTION_LABEL}: the largest shift across p${first}…p${last} of the delivered messages' HDR histograms, found at p${d.percentile}${out}; the latency rows above also count deliveries that never arrived`;
}

/** The metrics, the distribution's largest shift, then the chat patterns' figures (when compared). */
export function rowsOf(s: ScenarioComparison): Row[] {
  return [...s.metrics, ...(s.distribution === null ? [] : [shiftRow(s.distribution)]), ...(s.patterns ?? [])];
}

/** [label, baseline, current, change] of a row, as text. */
export function rowCells(r: Row): [string, string, string, string] {
  return [r.label, formatValue(r.baseline, r.unit, r.censored.baseline), formatValue(r.current, r.unit, r.censored.current), formatChange(r)];
}

const RULE_NAMES: Readonly<Record<MetricUnit, string>> = { us: 'latency', 'msg/s': 'throughput', ratio: 'loss ratio', count: 'counts', bytes: 'bytes/message' };

export function rulesLine(c: CompareResult): string {
  const seen = new Map<MetricUnit, string>();
  for (const s of c.scenarios) for (const m of s.metrics) if (!seen.has(m.unit)) seen.set(m.unit, m.rule);
  return [...seen].map(([unit, rule]) => `${RULE_NAMES[unit]}: ${rule}`).join('; ');
}

/**
 * Scenarios of the baseline the current run lacks (a regression): "second (the current run
 * stopped early: first: every connection was lost)"; when the run stopped in a compared
 * scenario, its block gives the reason: "second (the current run stopped early, in first)".
 * Null when there are none.
 */
export function missingScenarios(c: CompareResult): string | null {
  if (c.onlyInBaseline.length === 0) return null;
  const a = c.current.aborted;
  const why = a === null
    ? 'not in the current run'
    : a.scenario !== null && c.scenarios.some((s) => s.name === a.scenario)
      ? `the current run stopped early, in ${a.scenario}`
      : `the current run stopped early: ${describeAbort(a)}`;
  return `${c.onlyInBaseline.join(', ')} (${why})`;
}

/**
 * The closing line, short whatever the reasons (each is given once, in its scenario's block):
 * "1 of 2 compared scenarios regressed: room (status passed → aborted). 1 baseline scenario
 * missing from the current run: direct".
 */
export function summaryLine(c: CompareResult): string {
  const regressed = c.scenarios.filter((s) => s.regressed);
  if (regressed.length === 0 && c.onlyInBaseline.length === 0) return `no regression in ${plural(c.scenarios.length, 'compared scenario')}`;
  const parts: string[] = [];
  if (regressed.length > 0) {
    const which = regressed.map((s) => `${s.name} (${s.regressions.join(', ')})${laggedNote(s)}`).join('; ');
    parts.push(`${regressed.length} of ${plural(c.scenarios.length, 'compared scenario')} regressed: ${which}`);
  }
  if (c.onlyInBaseline.length > 0) parts.push(`${plural(c.onlyInBaseline.length, 'baseline scenario')} missing from the current run: ${c.onlyInBaseline.join(', ')}`);
  return parts.join('. ');
}

/** A row's verdict in words: "not judged" when both values are there but cannot be judged (too few samples, censored). */
export type RowVerdict = Verdict | 'not-judged';

export function rowVerdict(r: Row): RowVerdict {
  return r.verdict === 'not-measured' && r.baseline !== null && r.current !== null ? 'not-judged' : r.verdict;
}

export const VERDICT_TEXT: Readonly<Record<RowVerdict, string>> = {
  regressed: '✗ regressed', improved: '✓ improved', unchanged: 'unchanged', 'not-measured': 'not measured', 'not-judged': 'not judged',
};
export const VERDICT_MARKDOWN: Readonly<Record<RowVerdict, string>> = {
  regressed: '❌ regressed', improved: '✅ improved', unchanged: 'unchanged', 'not-measured': '⚠️ not measured', 'not-judged': '⚠️ not judged',
};
