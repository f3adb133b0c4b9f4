/**
 * A self-contained HTML report: one file with inline CSS and inline SVG charts, no scripts
 * and no external resources, so it opens offline, prints, and can be attached to a CI job.
 * Header (verdict, target, run), an overview table of every scenario, then one section per
 * scenario (scenario.ts). Returns a string; writes nothing.
 */
import { runStatus, type RunResult, type ScenarioResult } from '../../core/result/index.js';
import {
  describeAbort, describeProtocol, describeWhere, describeWorkload, notRunReason, notRunScenarios, passedSummary, statusLabel, workloadOf,
} from '../describe.js';
import { xmlText } from '../escape-xml.js';
import { el, table } from './markup.js';
import { badge, countCell, percentileCell } from './cells.js';
import { notRunSection, scenarioSection } from './scenario.js';
import { finishedText, htmlDocument, machineText, pageHeader } from './document.js';

export function renderHtml(result: RunResult): string {
  const status = runStatus(result);
  const t = result.target;
  const where = describeWhere(t);
  const title = `chatbench ${statusLabel(status)}: ${where}`;
  const notRun = notRunScenarios(result);
  const sections = [
    ...result.scenarios.map((s, i) => scenarioSection(s, i)),
    ...notRun.map((name, i) => notRunSection(name, result.scenarios.length + i, notRunText(result, name))),
  ];
  return htmlDocument({
    title,
    toolVersion: result.tool.version,
    header: header(result, status, where),
    main: [overview(result, notRun), ...sections],
    footer: `chatbench ${result.tool.version} · result schema ${result.schemaVersion} · latencies from HDR histograms (3 significant digits), measured from the intended send time`,
  });
}

function header(result: RunResult, status: ReturnType<typeof runStatus>, where: string): string {
  const t = result.target;
  const meta: Array<[string, string]> = [
    ['target', where],
    ['protocol', `${describeProtocol(t)}${t.embedded ? ', embedded broker (a smoke test, not a broker benchmark)' : ''}`],
    ['TCP_NODELAY', t.tcpNoDelay ? 'on' : 'off'],
    ['run id', result.runId],
    ['started', result.startedAt],
    ['finished', finishedText(result.startedAt, result.finishedAt)],
    ['scenario file', result.scenarioFile ?? '-'],
    ['tool', `${result.tool.name} ${result.tool.version}`],
    ['machine', machineText(result.environment)],
  ];
  return pageHeader({
    heading: 'chatbench report', status, label: statusLabel(status), summary: passedSummary(result),
    aborted: result.aborted === null ? null : describeAbort(result.aborted), meta,
  });
}

/**
 * The workload is one wrapping cell (the scenario's section spells it out too), so every
 * column fits a 1280 px page without a sideways scroll.
 */
const OVERVIEW_HEAD = [
  'scenario', 'status', 'workload', 'sent', 'delivered/s',
  'p50', 'p99', 'p99.9', 'max', 'lost', 'undelivered', 'dup', 'reordered', 'violations',
];

function overviewRow(s: ScenarioResult, index: number): string[] {
  const l = s.latency;
  const d = s.delivery;
  return [
    el('a', { href: `#scenario-${index}` }, xmlText(s.name)),
    badge(s.status),
    xmlText(describeWorkload(workloadOf(s))),
    countCell(s.throughput.sent), countCell(s.throughput.deliveredPerSecond),
    percentileCell(l, 'p50'), percentileCell(l, 'p99'), percentileCell(l, 'p999'), percentileCell(l, 'max'),
    countCell(d.lost, violates(s, 'lost')), countCell(d.undelivered), countCell(d.duplicated, violates(s, 'duplicated')), countCell(d.reordered, violates(s, 'reordered')),
    countCell(d.violations, true),
  ];
}

/** Whether some delivery level counted `kind` where the protocol does not permit it (the result's own `allowed` flags). */
function violates(s: ScenarioResult, kind: 'lost' | 'duplicated' | 'reordered'): boolean {
  return Object.values(s.delivery.byQos).some((l) => l !== undefined && !l.allowed[kind] && l[kind] > 0);
}

function overview(result: RunResult, notRun: readonly string[]): string {
  const rows = [
    ...result.scenarios.map(overviewRow),
    ...notRun.map((name, i) => [el('a', { href: `#scenario-${result.scenarios.length + i}` }, xmlText(name)), badge('not-run'), ...Array<string>(OVERVIEW_HEAD.length - 2).fill('-')]),
  ];
  return el('section', { class: 'overview', 'aria-labelledby': 'overview-h' }, [
    el('h2', { id: 'overview-h' }, 'Scenarios'),
    el('div', { class: 'scroll' }, table(null, OVERVIEW_HEAD, rows, 'overview numeric')),
  ]);
}

/** Why a selected scenario has no result: the run stopped on it, or before it. */
function notRunText(result: RunResult, name: string): string {
  const why = notRunReason(result, name);
  return why.stoppedHere ? `Not run: ${why.text}` : `Not run: ${why.text}.`;
}
