/**
 * A self-contained HTML report: one file with inline CSS and inline SVG charts, no scripts
 * and no external resources, so it opens offline, prints, and can be attached to a CI job.
 * Header (verdict, target, run), an overview table of every scenario, then one section per
 * scenario (html-scenario.ts). Returns a string; writes nothing.
 */
import { runStatus, type RunResult, type ScenarioResult } from '../core/result.js';
import { formatBytes, formatCount, formatRate, notRunScenarios, passedSummary, statusLabel } from './format.js';
import { badge, micros, notRunSection, scenarioSection, table } from './html-scenario.js';
import { HTML_STYLE } from './html-style.js';
import { el, esc } from './svg.js';

export function renderHtml(result: RunResult): string {
  const status = runStatus(result);
  const t = result.target;
  const where = t.embedded ? `embedded broker (${t.url})` : t.url;
  const title = `chatbench ${statusLabel(status)}: ${where}`;
  const notRun = notRunScenarios(result);
  const sections = [
    ...result.scenarios.map((s, i) => scenarioSection(s, i)),
    ...notRun.map((name, i) => notRunSection(name, result.scenarios.length + i, notRunReason(result, name))),
  ];
  const head = el('head', {}, [
    el('meta', { charset: 'utf-8' }, null),
    el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }, null),
    el('meta', { name: 'color-scheme', content: 'light dark' }, null),
    el('meta', { name: 'generator', content: `chatbench ${result.tool.version}` }, null),
    el('title', {}, esc(title)),
    el('style', {}, HTML_STYLE),
  ]);
  const body = el('body', {}, [
    header(result, status, where),
    el('main', {}, [overview(result, notRun), ...sections]),
    el('footer', { class: 'muted' }, esc(`chatbench ${result.tool.version} · result schema ${result.schemaVersion} · latencies from HDR histograms (3 significant digits), measured from the intended send time`)),
  ]);
  return `<!DOCTYPE html>\n${el('html', { lang: 'en' }, [head, body])}\n`;
}

function header(result: RunResult, status: ReturnType<typeof runStatus>, where: string): string {
  const t = result.target;
  const env = result.environment;
  const seconds = (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000;
  const meta: Array<[string, string]> = [
    ['target', where],
    ['protocol', `${t.protocol.toUpperCase()} ${t.protocolVersion}${t.embedded ? ', embedded broker (a smoke test, not a broker benchmark)' : ''}`],
    ['TCP_NODELAY', t.tcpNoDelay ? 'on' : 'off'],
    ['run id', result.runId],
    ['started', result.startedAt],
    ['finished', `${result.finishedAt}${Number.isFinite(seconds) && seconds >= 0 ? ` (${seconds.toFixed(1)} s)` : ''}`],
    ['scenario file', result.scenarioFile ?? '-'],
    ['tool', `${result.tool.name} ${result.tool.version}`],
    ['machine', `Node ${env.node}, ${env.platform}/${env.arch}, ${env.cpus} CPUs`],
  ];
  const aborted = result.aborted === null ? '' : el('p', { class: 'aborted', role: 'alert' }, `${el('strong', {}, 'Run aborted:')} ${esc(result.aborted)}`);
  return el('header', {}, [
    el('h1', {}, `chatbench report ${el('span', { id: 'verdict', class: `badge ${status}` }, statusLabel(status))}`),
    el('p', { class: 'summary' }, esc(passedSummary(result))),
    aborted,
    el('dl', { class: 'meta' }, meta.map(([k, v]) => el('div', {}, [el('dt', {}, esc(k)), el('dd', {}, esc(v))]))),
  ]);
}

const OVERVIEW_HEAD = [
  'scenario', 'status', 'users', 'rooms', 'pairs', 'QoS', 'payload', 'rate', 'sent', 'delivered/s',
  'p50', 'p99', 'p99.9', 'max', 'lost', 'dup', 'reordered', 'violations',
];

function overviewRow(s: ScenarioResult, index: number): string[] {
  const l = s.latency;
  const d = s.delivery;
  const pairs = typeof s.spec['directPairs'] === 'number' ? s.spec['directPairs'] : 0;
  const count = (n: number, bad = false): string => (bad && n > 0 ? el('span', { class: 'bad' }, esc(formatCount(n))) : esc(formatCount(n)));
  return [
    el('a', { href: `#scenario-${index}` }, esc(s.name)),
    badge(s.status),
    count(s.users), count(s.rooms), count(pairs), String(s.qos),
    esc(formatBytes(s.payloadBytes)), esc(formatRate(s.targetRate)),
    count(s.throughput.sent), count(s.throughput.deliveredPerSecond),
    micros(l, l.p50), micros(l, l.p99), micros(l, l.p999), micros(l, l.max),
    count(d.lost, violates(s, 'lost')), count(d.duplicated, violates(s, 'duplicated')), count(d.reordered, violates(s, 'reordered')),
    count(d.violations, true),
  ];
}

/** Whether some delivery level counted `kind` where the protocol does not permit it. */
function violates(s: ScenarioResult, kind: 'lost' | 'duplicated' | 'reordered'): boolean {
  return Object.values(s.delivery.byQos).some((l) => l !== undefined && !l.allowed[kind] && l[kind] > 0);
}

function overview(result: RunResult, notRun: readonly string[]): string {
  const rows = [
    ...result.scenarios.map(overviewRow),
    ...notRun.map((name, i) => [el('a', { href: `#scenario-${result.scenarios.length + i}` }, esc(name)), badge('not-run'), ...Array<string>(OVERVIEW_HEAD.length - 2).fill('-')]),
  ];
  return el('section', { class: 'overview', 'aria-labelledby': 'overview-h' }, [
    el('h2', { id: 'overview-h' }, 'Scenarios'),
    el('div', { class: 'scroll' }, table(null, OVERVIEW_HEAD, rows, 'overview numeric')),
  ]);
}

/** Why a selected scenario has no result: the run stopped on it, or before it. */
function notRunReason(result: RunResult, name: string): string {
  const prefix = `${name}: `;
  if (result.aborted?.startsWith(prefix)) return `Not run: ${result.aborted.slice(prefix.length)}`;
  return `Not run: the run stopped before this scenario (${result.aborted ?? 'no reason recorded'}).`;
}
