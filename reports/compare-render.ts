/**
 * A Comparison as text: a side-by-side table per scenario for the console, and Markdown for
 * pull-request comments. Each returns a string and writes nothing.
 */
import type { Comparison, DistributionShift, MetricComparison, RunSide, ScenarioComparison, ScenarioSide } from './compare.js';
import type { MetricUnit, Verdict } from './compare-rules.js';
import { formatBytes, formatCount, formatMicros, formatRate, plural, statusLabel, table } from './format.js';

export interface CompareRenderOptions {
  color: boolean;
}

const paint = (on: boolean, code: number) => (s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/** A value in its unit: "1.00 ms", "4,500 msg/s", "0.05%", "3", "312.5 B". */
export function formatValue(value: number | null, unit: MetricUnit): string {
  if (value === null) return '-';
  switch (unit) {
    case 'us': return formatMicros(value);
    case 'msg/s': return formatRate(value);
    case 'ratio': return `${Number((value * 100).toPrecision(3))}%`;
    case 'count': return formatCount(value);
    case 'bytes': return value < 1024 ? `${Number(value.toFixed(1))} B` : formatBytes(value);
  }
}

/** A signed difference in its unit: "+200 µs", "-50 msg/s", "+0.20 points", "+3". */
function formatDelta(change: number, unit: MetricUnit): string {
  const sign = change > 0 ? '+' : change < 0 ? '-' : '±';
  if (unit === 'ratio') return `${sign}${Number((Math.abs(change) * 100).toPrecision(3))} points`;
  return `${sign}${formatValue(Math.abs(change), unit)}`;
}

/** "+100% (+200 µs)"; from a baseline of 0 only the absolute change; "no change". */
export function formatChange(m: Pick<MetricComparison, 'change' | 'relative' | 'unit'>): string {
  if (m.change === null) return '-';
  if (m.change === 0) return 'no change';
  if (m.relative === null) return formatDelta(m.change, m.unit);
  const percent = Math.abs(m.relative * 100);
  const digits = percent < 10 ? 1 : 0;
  return `${m.relative > 0 ? '+' : '-'}${percent.toFixed(digits)}% (${formatDelta(m.change, m.unit)})`;
}

const VERDICT_TEXT: Record<Verdict, string> = { regressed: '✗ regressed', improved: '✓ improved', unchanged: 'unchanged', 'not-measured': 'not measured' };
const VERDICT_MARKDOWN: Record<Verdict, string> = { regressed: '❌ regressed', improved: '✅ improved', unchanged: 'unchanged', 'not-measured': '⚠️ not measured' };

function scenarioVerdict(s: ScenarioComparison): 'REGRESSED' | 'IMPROVED' | 'UNCHANGED' {
  if (s.regressed) return 'REGRESSED';
  const improved = s.metrics.some((m) => m.verdict === 'improved') || s.distribution?.verdict === 'improved';
  return improved ? 'IMPROVED' : 'UNCHANGED';
}

function describeTarget(side: RunSide): string {
  const t = side.target;
  const where = t.embedded ? `embedded broker (${t.url})` : t.url;
  return `${t.protocol.toUpperCase()} ${t.protocolVersion} ${where}`;
}

function describeRun(side: RunSide): string {
  return `run ${side.runId} at ${side.startedAt}, chatbench ${side.toolVersion}${side.aborted === null ? '' : ' (aborted)'}`;
}

function describeSide(s: ScenarioSide): string {
  const w = s.workload;
  return `${statusLabel(s.status)}, ${plural(w.users, 'user')}, ${plural(w.rooms, 'room')}, QoS ${w.qos}, ${formatBytes(w.payloadBytes)} at ${formatRate(w.targetRate)}`;
}

/** One table row: a metric, or the largest shift between the two HDR distributions. */
type Row = Pick<MetricComparison, 'label' | 'unit' | 'baseline' | 'current' | 'change' | 'relative' | 'verdict'>;

function shiftRow(d: DistributionShift): Row {
  return { ...d, label: `latency shift (p${d.percentile})`, unit: 'us' };
}

function rowsOf(s: ScenarioComparison): Row[] {
  return s.distribution === null ? s.metrics : [...s.metrics, shiftRow(s.distribution)];
}

function rulesLine(c: Comparison): string {
  const seen = new Map<string, string>();
  for (const s of c.scenarios) for (const m of s.metrics) if (!seen.has(m.unit)) seen.set(m.unit, m.rule);
  const names: Record<string, string> = { us: 'latency', 'msg/s': 'throughput', ratio: 'loss ratio', count: 'counts', bytes: 'bytes/message' };
  return [...seen].map(([unit, rule]) => `${names[unit] ?? unit}: ${rule}`).join('; ');
}

function summaryLine(c: Comparison): string {
  const regressed = c.scenarios.filter((s) => s.regressed);
  if (regressed.length === 0) return `no regression in ${plural(c.scenarios.length, 'compared scenario')}`;
  const which = regressed.map((s) => `${s.name} (${s.regressions.join(', ')})`).join('; ');
  return `${regressed.length} of ${plural(c.scenarios.length, 'compared scenario')} regressed: ${which}`;
}

export function renderComparison(c: Comparison, options: CompareRenderOptions = { color: false }): string {
  const red = paint(options.color, 31);
  const green = paint(options.color, 32);
  const yellow = paint(options.color, 33);
  const bold = paint(options.color, 1);
  const byVerdict: Record<Verdict, (s: string) => string> = { regressed: red, improved: green, unchanged: (s) => s, 'not-measured': yellow };
  const headline = { REGRESSED: red('REGRESSED'), IMPROVED: green('IMPROVED'), UNCHANGED: 'UNCHANGED' };

  const out = [
    bold(`chatbench compare: ${c.regressed ? 'regressed' : 'no regression'}`),
    `  baseline  ${describeTarget(c.baseline)}, ${describeRun(c.baseline)}`,
    `  current   ${describeTarget(c.current)}, ${describeRun(c.current)}`,
    `  rules     ${rulesLine(c) || '-'}`,
    ...c.warnings.map((w) => yellow(`  ! ${w}`)),
  ];
  for (const s of c.scenarios) {
    out.push('', `${headline[scenarioVerdict(s)]} ${bold(s.name)}`);
    out.push(`  baseline: ${describeSide(s.baseline)}`, `  current:  ${describeSide(s.current)}`);
    for (const w of s.warnings) out.push(yellow(`  ! ${w}`));
    const rows = rowsOf(s);
    // table() right-aligns every column but the first: pad the verdicts to read left-aligned.
    const width = Math.max(...rows.map((r) => VERDICT_TEXT[r.verdict].length));
    const lines = table([
      ['metric', 'baseline', 'current', 'change', 'verdict'.padEnd(width)],
      ...rows.map((r) => [r.label, formatValue(r.baseline, r.unit), formatValue(r.current, r.unit), formatChange(r), VERDICT_TEXT[r.verdict].padEnd(width)]),
    ]).split('\n');
    out.push(lines[0] ?? '', ...lines.slice(1).map((line, i) => byVerdict[rows[i]?.verdict ?? 'unchanged'](line)));
  }
  if (c.onlyInBaseline.length > 0) out.push('', `only in baseline: ${c.onlyInBaseline.join(', ')}`);
  if (c.onlyInCurrent.length > 0) out.push(`${c.onlyInBaseline.length > 0 ? '' : '\n'}only in current: ${c.onlyInCurrent.join(', ')}`);
  out.push('', (c.regressed ? red : green)(summaryLine(c)));
  return `${out.join('\n')}\n`;
}

const md = (text: string): string => text.replace(/[|\\`*_<>[\]]/g, (ch) => `\\${ch}`).replace(/\n/g, ' ');

export function renderComparisonMarkdown(c: Comparison): string {
  const out = [
    `## chatbench compare: ${c.regressed ? '❌ regressed' : '✅ no regression'}`,
    '',
    '| | baseline | current |',
    '|---|---|---|',
    `| target | ${md(describeTarget(c.baseline))} | ${md(describeTarget(c.current))} |`,
    `| run | ${md(describeRun(c.baseline))} | ${md(describeRun(c.current))} |`,
  ];
  if (c.warnings.length > 0) out.push('', ...c.warnings.map((w) => `> ⚠️ ${md(w)}  `));
  for (const s of c.scenarios) {
    const verdict = scenarioVerdict(s);
    const mark = verdict === 'REGRESSED' ? '❌' : verdict === 'IMPROVED' ? '✅' : '➖';
    out.push('', `### ${mark} ${md(s.name)}: ${verdict.toLowerCase()}`, '');
    out.push(`Baseline: ${md(describeSide(s.baseline))}  `, `Current: ${md(describeSide(s.current))}`);
    if (s.warnings.length > 0) out.push('', ...s.warnings.map((w) => `> ⚠️ ${md(w)}  `));
    out.push('', '| metric | baseline | current | change | verdict |', '|---|--:|--:|--:|---|');
    for (const r of rowsOf(s)) {
      const name = r.verdict === 'regressed' ? `**${md(r.label)}**` : md(r.label);
      out.push(`| ${name} | ${formatValue(r.baseline, r.unit)} | ${formatValue(r.current, r.unit)} | ${formatChange(r)} | ${VERDICT_MARKDOWN[r.verdict]} |`);
    }
  }
  if (c.onlyInBaseline.length > 0 || c.onlyInCurrent.length > 0) out.push('');
  if (c.onlyInBaseline.length > 0) out.push(`Only in baseline: ${c.onlyInBaseline.map((n) => `\`${n}\``).join(', ')}  `);
  if (c.onlyInCurrent.length > 0) out.push(`Only in current: ${c.onlyInCurrent.map((n) => `\`${n}\``).join(', ')}`);
  out.push('', `**${md(summaryLine(c))}**`, '', `<sub>Rules: ${md(rulesLine(c) || '-')}. A change counts only when it passes both the relative tolerance and the absolute floor.</sub>`);
  return `${out.join('\n')}\n`;
}
