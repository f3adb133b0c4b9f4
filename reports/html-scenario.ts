/**
 * One scenario of the HTML report: workload and traffic, why it failed, threshold verdicts,
 * latency percentiles, the two charts, delivery per QoS (allowed or a violation), the
 * connections and the wire bytes. Every text from the result is escaped.
 */
import type { LatencySummary, LevelDelivery, ScenarioResult, ThresholdVerdict } from '../core/result.js';
import { describeWorkload, formatBytes, formatCount, formatMicros, formatRate, formatThresholdValue, statusLabel } from './format.js';
import { latencyChart, throughputChart } from './html-charts.js';
import { el, esc } from './svg.js';

type Status = ScenarioResult['status'] | 'not-run';

/** A status badge: PASS, FAIL, ABORTED or NOT RUN. */
export function badge(status: Status): string {
  return el('span', { class: `badge ${status}` }, status === 'not-run' ? 'NOT RUN' : statusLabel(status));
}

/**
 * A table: column headers, then rows whose first cell is the row's header. Cells are markup
 * (escape text before passing it); `rowClass` may class a row.
 */
export function table(caption: string | null, head: readonly string[], rows: ReadonlyArray<readonly string[]>, className = '', rowClass?: (i: number) => string | undefined): string {
  const th = (cell: string): string => el('th', { scope: 'col' }, cell);
  const body = rows.map((row, i) =>
    el('tr', { class: rowClass?.(i) }, row.map((cell, j) => (j === 0 ? el('th', { scope: 'row' }, cell) : el('td', {}, cell)))),
  );
  return el('table', { class: className || undefined }, [
    ...(caption === null ? [] : [el('caption', {}, esc(caption))]),
    el('thead', {}, el('tr', {}, head.map(th))),
    el('tbody', {}, body),
  ]);
}

/** A latency figure, or "-" when nothing was measured. */
export function micros(l: LatencySummary, value: number): string {
  return l.count === 0 ? '-' : esc(formatMicros(value));
}

function latencyRow(label: string, l: LatencySummary): string[] {
  return [esc(label), micros(l, l.p50), micros(l, l.p90), micros(l, l.p99), micros(l, l.p999), micros(l, l.max), esc(formatCount(l.count))];
}

function thresholdsTable(s: ScenarioResult): string {
  if (s.thresholds.length === 0) return el('p', { class: 'muted' }, 'No thresholds set.');
  const verdict = (v: ThresholdVerdict): string => el('span', { class: v.passed ? 'ok' : 'bad' }, v.passed ? '✓ PASS' : '✗ FAIL');
  return table('Thresholds', ['threshold', 'verdict', 'actual'], s.thresholds.map((v) => [el('code', {}, esc(v.expression)), verdict(v), esc(formatThresholdValue(v))]), 'thresholds');
}

const KINDS = ['lost', 'duplicated', 'reordered'] as const;

/** A lost / duplicated / reordered count, marked allowed at this level or a violation. */
function deliveryCell(d: LevelDelivery, kind: (typeof KINDS)[number]): string {
  const n = esc(formatCount(d[kind]));
  if (d.allowed[kind]) return `${n} ${el('span', { class: 'tag allowed', title: 'the protocol permits this at this QoS' }, 'allowed')}`;
  return d[kind] > 0 ? el('span', { class: 'bad' }, `${n} ✗ violation`) : n;
}

function deliveryTable(s: ScenarioResult): string {
  const d = s.delivery;
  const levels = (['0', '1', '2'] as const).flatMap((q) => (d.byQos[q] === undefined ? [] : [[q, d.byQos[q]] as const]));
  const rows = levels.map(([q, l]) => [
    `QoS ${q}`, esc(formatCount(l.expected)), esc(formatCount(l.delivered)), ...KINDS.map((k) => deliveryCell(l, k)),
    l.violations > 0 ? el('span', { class: 'bad' }, esc(formatCount(l.violations))) : '0',
  ]);
  rows.push(['all', ...[d.expected, d.delivered, d.lost, d.duplicated, d.reordered].map((n) => esc(formatCount(n))),
    d.violations > 0 ? el('span', { class: 'bad' }, esc(formatCount(d.violations))) : '0']);
  const head = ['level', 'expected', 'delivered', 'lost', 'duplicated', 'reordered', 'violations'];
  const errors = d.sendErrors > 0 ? el('p', { class: 'bad' }, esc(`${formatCount(d.sendErrors)} sends failed (not expected)`)) : '';
  return el('div', { class: 'block' }, [table('Delivery per QoS', head, rows, 'delivery', (i) => (i === rows.length - 1 ? 'total' : undefined)), errors]);
}

function connectionsTable(s: ScenarioResult): string {
  const c = s.connections;
  const rows = [
    ['opened', esc(formatCount(c.opened))],
    ['lost mid-run', c.lost > 0 ? el('span', { class: 'bad' }, esc(formatCount(c.lost))) : '0'],
    [`granted below QoS ${s.qos}`, c.downgraded > 0 ? el('span', { class: 'warn' }, esc(formatCount(c.downgraded))) : '0'],
  ];
  const reasons = c.lostReasons.length > 0 ? el('ul', { class: 'lost-reasons' }, c.lostReasons.map((r) => el('li', {}, esc(r)))) : '';
  return el('div', { class: 'block' }, [table('Connections', ['connections', 'count'], rows, 'connections'), reasons]);
}

function wireTable(s: ScenarioResult): string {
  const w = s.wire;
  const row = (label: string, p: { bytesOut: number; bytesIn: number }): string[] => [label, esc(formatBytes(p.bytesOut)), esc(formatBytes(p.bytesIn))];
  const delivered = s.delivery.delivered;
  const perMessage = delivered > 0 ? [['per message', esc(formatBytes(Math.round(w.phases.steady.bytesOut / delivered))), esc(formatBytes(Math.round(w.phases.steady.bytesIn / delivered)))]] : [];
  return el('div', { class: 'block' }, table('Wire bytes', ['wire', 'out', 'in'], [
    row('handshake', w.phases.handshake), row('steady', w.phases.steady), row('total', w), ...perMessage,
  ], 'wire'));
}

export function scenarioSection(s: ScenarioResult, index: number): string {
  const id = `scenario-${index}`;
  const th = s.throughput;
  const traffic = `sent ${formatCount(th.sent)} (${formatRate(th.sentPerSecond)}) · delivered ${formatCount(th.delivered)} (${formatRate(th.deliveredPerSecond)}) over ${th.durationSeconds.toFixed(1)} s · started ${s.startedAt}`;
  const reasons = s.reasons.length === 0 ? '' : el('div', { class: 'reasons', role: 'note' }, [
    el('h3', {}, s.status === 'aborted' ? 'Why it was aborted' : 'Why it failed'),
    el('ul', {}, s.reasons.map((r) => el('li', {}, esc(r)))),
  ]);
  const latency = table('Latency', ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'], [
    latencyRow('latency', s.latency), latencyRow('service time', s.serviceTime), latencyRow('schedule lag', s.scheduleLag),
    latencyRow('connect', s.connections.connectTime),
  ], 'latency');
  return el('section', { class: `scenario ${s.status}`, id, 'aria-labelledby': `${id}-h`, 'data-scenario': s.name }, [
    el('h2', { id: `${id}-h` }, `${badge(s.status)} ${esc(s.name)}`),
    el('p', { class: 'workload' }, esc(describeWorkload(s))),
    el('p', { class: 'muted' }, esc(traffic)),
    reasons,
    el('div', { class: 'row' }, [el('div', { class: 'block' }, thresholdsTable(s)), el('div', { class: 'block' }, latency)]),
    el('div', { class: 'row charts' }, [latencyChart(s, `${id}-latency`), throughputChart(s, `${id}-throughput`)]),
    el('div', { class: 'row' }, [deliveryTable(s), connectionsTable(s), wireTable(s)]),
  ]);
}

/** A scenario the run set out to run but never reached. */
export function notRunSection(name: string, index: number, why: string): string {
  const id = `scenario-${index}`;
  return el('section', { class: 'scenario not-run', id, 'aria-labelledby': `${id}-h`, 'data-scenario': name }, [
    el('h2', { id: `${id}-h` }, `${badge('not-run')} ${esc(name)}`),
    el('p', { class: 'muted' }, esc(why)),
  ]);
}
