/**
 * A GitHub-flavoured Markdown summary for pull-request comments and CI job summaries:
 * the verdict and target, one table row per scenario, then each scenario's threshold
 * verdicts, the other reasons it failed and the account behind them, and a table per chat
 * pattern the scenario has (with the first fault events). Returns a string.
 */
import { runStatus, type RunResult, type ScenarioResult } from '../core/result/index.js';
import {
  DELIVERY_SCOPE, censoredNote, connectionLines, lagNote, describeAnomaly, downgradeLines, drainLine, lostNote, otherReasons, sendLines, thresholdActual, undeliveredNote,
} from './accounts.js';
import { describeAbort, describeProtocol, describeWhere, describeWorkload, notRunScenarios, passedSummary, statusLabel, workloadOf } from './describe.js';
import { mdCode, mdRow, mdText } from './escape-markdown.js';
import { formatCount, formatPercentile, plural } from './format.js';
import { describeFaultEvent, injectedNote, latencyFull, patternAccounts, unlistedEvents, type PatternAccount } from './patterns.js';

// The rates cover the measurement window, the delivery counts the whole scenario: the heads and the note under the table say so.
const HEAD = ['scenario', 'status', 'sent (window)', 'delivered/s (window)', 'p50', 'p99', 'p99.9', 'max', 'lost', 'undelivered', 'dup', 'reordered'];
const TABLE_SCOPE = `sent and delivered/s: the measurement window (after the warm-up); lost, undelivered, dup and reordered: the ${DELIVERY_SCOPE}`;

export function renderMarkdown(result: RunResult): string {
  const t = result.target;
  const out: string[] = [
    `## chatbench ${statusLabel(runStatus(result))}: ${describeWhere(t, mdCode)}`,
    '',
    [mdText(describeProtocol(t)), `run ${mdCode(result.runId)}`, `chatbench ${mdText(result.tool.version)}`, passedSummary(result)].join(' · '),
  ];
  if (result.aborted !== null) out.push('', `**Run aborted:** ${mdText(describeAbort(result.aborted))}`);

  const notRun = notRunScenarios(result);
  out.push(
    '',
    mdRow(HEAD),
    mdRow([':---', ':---', ...Array<string>(HEAD.length - 2).fill('---:')]),
    ...result.scenarios.map(scenarioRow),
    ...notRun.map((name) => mdRow([mdText(name), 'NOT RUN', ...Array<string>(HEAD.length - 2).fill('-')])),
    '',
    mdText(TABLE_SCOPE),
  );

  for (const s of result.scenarios) out.push('', ...scenarioSection(s));
  if (notRun.length > 0) out.push('', `Not run (the run stopped first): ${notRun.map(mdCode).join(', ')}`);
  return `${out.join('\n')}\n`;
}

function scenarioRow(s: ScenarioResult): string {
  const l = s.latency;
  const d = s.delivery;
  return mdRow([
    mdText(s.name),
    statusLabel(s.status),
    formatCount(s.throughput.sent),
    formatCount(s.throughput.deliveredPerSecond),
    ...(['p50', 'p99', 'p999', 'max'] as const).map((key) => mdText(formatPercentile(l, key))),
    formatCount(d.lost),
    formatCount(d.undelivered),
    formatCount(d.duplicated),
    formatCount(d.reordered),
  ]);
}

function scenarioSection(s: ScenarioResult): string[] {
  const out = [`### ${statusLabel(s.status)} ${mdText(s.name)}`, '', mdText(describeWorkload(workloadOf(s)))];
  if (s.thresholds.length > 0) {
    out.push(
      '',
      mdRow(['threshold', 'verdict', 'result']),
      mdRow([':---', ':---', ':---']),
      ...s.thresholds.map((v) => mdRow([mdCode(v.expression), v.passed ? 'PASS' : 'FAIL', mdText(thresholdActual(s, v))])),
    );
  }
  // Threshold failures are in the table already; the other reasons follow it, then the evidence.
  const reasons = otherReasons(s).map((r) => `- ${mdText(r.message)}`);
  if (reasons.length > 0) out.push('', ...reasons);
  const [lost, ...ends] = connectionLines(s);
  const account = [
    lagNote(s), censoredNote(s), lostNote(s), undeliveredNote(s), injectedNote(s.delivery), unremarkableDrain(s) ? null : drainLine(s), ...downgradeLines(s),
    lost === undefined ? null : `connections: ${lost}${ends.length > 0 ? ` (${ends.join('; ')})` : ''}`,
    ...sendLines(s).map((line) => `unfinished sends: ${line}`),
    ...s.anomalies.map((a) => `protocol anomaly: ${describeAnomaly(a)}`),
  ].filter((line): line is string => line !== null);
  out.push('', ...account.map((line) => `> ${mdText(line)}  `));
  for (const a of patternAccounts(s)) out.push('', ...patternTable(a));
  if (s.faults !== undefined) out.push(...faultTimeline(s.faults));
  return out;
}

/** A pattern as a table: its figures, then its latency summaries; a failed check's figure in bold. */
function patternTable(a: PatternAccount): string[] {
  return [
    `#### ${mdText(a.title)}${a.failed ? ' (FAIL)' : ''}`,
    '',
    mdRow(['figure', 'value']),
    mdRow([':---', '---:']),
    ...a.figures.map((f) => mdRow([mdText(f.label), f.bad ? `**${mdText(f.value)}**` : mdText(f.value)])),
    ...a.latencies.map(([label, l]) => mdRow([`${mdText(label)} latency`, mdText(latencyFull(l))])),
  ];
}

/** Fault events a pull-request comment lists; the HTML report lists more. */
const MARKDOWN_FAULT_EVENTS = 10;

function faultTimeline(f: NonNullable<ScenarioResult['faults']>): string[] {
  if (f.timeline.length === 0) return [];
  const more = unlistedEvents(f, MARKDOWN_FAULT_EVENTS);
  return [
    '',
    ...f.timeline.slice(0, MARKDOWN_FAULT_EVENTS).map((e) => `- ${mdText(describeFaultEvent(e))}`),
    ...(more > 0 ? [`- … ${plural(more, 'more event')}`] : []),
  ];
}

/** Under this, a drain that delivered everything is not worth a line in a pull-request comment. */
const BRIEF_DRAIN_SECONDS = 0.1;

/** A passing scenario whose drain ended at once with everything delivered: "drain: 0.0 s" says nothing. */
function unremarkableDrain(s: ScenarioResult): boolean {
  return s.status === 'passed' && s.drain.endedBy === 'all-delivered' && s.drain.seconds < BRIEF_DRAIN_SECONDS;
}
