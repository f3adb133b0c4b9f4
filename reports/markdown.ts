/**
 * A GitHub-flavoured Markdown summary for pull-request comments and CI job summaries:
 * the verdict and target, one table row per scenario, then each scenario's threshold
 * verdicts and the other reasons it failed. Returns a string; writes nothing.
 */
import { runStatus, type LatencySummary, type RunResult, type ScenarioResult } from '../core/result.js';
import { describeWorkload, formatActual, formatCount, formatMicros, notRunScenarios, passedSummary, statusLabel } from './format.js';

export function renderMarkdown(result: RunResult): string {
  const t = result.target;
  const where = t.embedded ? `embedded broker (${code(t.url)})` : code(t.url);
  const out: string[] = [
    `## chatbench ${statusLabel(runStatus(result))}: ${where}`,
    '',
    [`${t.protocol.toUpperCase()} ${inline(t.protocolVersion)}`, `run ${code(result.runId)}`, `chatbench ${inline(result.tool.version)}`, passedSummary(result)].join(' · '),
  ];
  if (result.aborted !== null) out.push('', `**Run aborted:** ${inline(result.aborted)}`);

  const notRun = notRunScenarios(result);
  out.push(
    '',
    row(['scenario', 'status', 'sent', 'delivered/s', 'p50', 'p99', 'p99.9', 'max', 'lost', 'dup', 'reordered']),
    row([':---', ':---', ...Array<string>(9).fill('---:')]),
    ...result.scenarios.map(scenarioRow),
    ...notRun.map((name) => row([inline(name), 'NOT RUN', ...Array<string>(9).fill('-')])),
  );

  for (const s of result.scenarios) out.push('', ...scenarioSection(s));
  if (notRun.length > 0) out.push('', `Not run (the run stopped first): ${notRun.map(code).join(', ')}`);
  return `${out.join('\n')}\n`;
}

function scenarioRow(s: ScenarioResult): string {
  const l = s.latency;
  const latency = (pick: (l: LatencySummary) => number): string => (l.count === 0 ? '-' : formatMicros(pick(l)));
  const d = s.delivery;
  return row([
    inline(s.name),
    statusLabel(s.status),
    formatCount(s.throughput.sent),
    formatCount(s.throughput.deliveredPerSecond),
    latency((x) => x.p50),
    latency((x) => x.p99),
    latency((x) => x.p999),
    latency((x) => x.max),
    formatCount(d.lost),
    formatCount(d.duplicated),
    formatCount(d.reordered),
  ]);
}

function scenarioSection(s: ScenarioResult): string[] {
  const out = [`### ${statusLabel(s.status)} ${inline(s.name)}`, '', describeWorkload(s)];
  if (s.thresholds.length > 0) {
    out.push(
      '',
      row(['threshold', 'verdict', 'result']),
      row([':---', ':---', ':---']),
      ...s.thresholds.map((v) => row([code(v.expression), v.passed ? 'PASS' : 'FAIL', inline(formatActual(v))])),
    );
  }
  // Threshold failures are in the table already; the other reasons (delivery, connections, abort) follow it.
  const others = s.reasons.filter((reason) => !s.thresholds.some((v) => reason.includes(v.expression)));
  if (others.length > 0) out.push('', ...others.map((reason) => `- ${inline(reason)}`));
  return out;
}

/** A table row; `|` inside a cell is escaped so it cannot split the cell (GFM tables). */
function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** Free text shown as written: Markdown punctuation backslash-escaped, line breaks as spaces. */
function inline(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>~&#!]/g, '\\$&');
}

/** A code span, for expressions and URLs; text holding a backtick or line break falls back to inline(). */
function code(text: string): string {
  return /[`\r\n]/.test(text) || text === '' ? inline(text) : `\`${text}\``;
}
