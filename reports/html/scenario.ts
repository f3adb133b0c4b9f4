/**
 * One scenario of the HTML report: workload and traffic, why it failed, threshold verdicts,
 * latency percentiles (censored ones as "> waited"), the two charts, delivery per QoS (allowed
 * or a violation, lost beside undelivered), the drain, connections (downgrades, who closed the
 * lost ones), unfinished sends, anomalies, the wire bytes, and a section per chat pattern
 * (patterns.ts). Every text from the result is escaped.
 */
import { DELIVERY_LEVELS } from '../../core/driver.js';
import type { LevelDelivery, ScenarioResult, ThresholdVerdict } from '../../core/result/index.js';
import {
  DELIVERY_SCOPE, censoredNote, connectionLines, lagNote, describeAnomaly, downgradeLines, drainLine, lostNote, sendLines, thresholdValue, undeliveredNote, windowLine,
} from '../accounts.js';
import { describeWorkload, workloadOf } from '../describe.js';
import { xmlText } from '../escape-xml.js';
import { formatBytes, formatCount } from '../format.js';
import { injectedNote } from '../patterns.js';
import { latencyChart, throughputChart } from './charts.js';
import { badge, countCell, latencyRow } from './cells.js';
import { patternSections } from './patterns.js';
import { el, table } from './markup.js';

function thresholdsTable(s: ScenarioResult): string {
  if (s.thresholds.length === 0) return el('p', { class: 'muted' }, 'No thresholds set.');
  const verdict = (v: ThresholdVerdict): string => el('span', { class: v.passed ? 'ok' : 'bad' }, v.passed ? '✓ PASS' : '✗ FAIL');
  return table('Thresholds', ['threshold', 'verdict', 'actual'], s.thresholds.map((v) => [el('code', {}, xmlText(v.expression)), verdict(v), xmlText(thresholdValue(s, v))]), 'thresholds');
}

const KINDS = ['lost', 'duplicated', 'reordered'] as const;

/** A lost / duplicated / reordered count, marked allowed at this level or a violation. */
function deliveryCell(d: LevelDelivery, kind: (typeof KINDS)[number]): string {
  const n = xmlText(formatCount(d[kind]));
  if (d.allowed[kind]) return `${n} ${el('span', { class: 'tag allowed', title: 'the protocol permits this at this QoS' }, 'allowed')}`;
  return d[kind] > 0 ? el('span', { class: 'bad' }, `${n} ✗ violation`) : n;
}

/** Undelivered: outstanding when chatbench stopped waiting, never a violation. */
function undeliveredCell(n: number): string {
  return n > 0 ? el('span', { class: 'warn', title: 'still outstanding when chatbench stopped waiting: not a protocol violation' }, xmlText(formatCount(n))) : '0';
}

/** Paragraphs of the account, each with its class. */
function notes(lines: ReadonlyArray<readonly [string | null | undefined, string]>): string[] {
  return lines.flatMap(([text, cls]) => (text === null || text === undefined ? [] : [el('p', { class: `note ${cls}` }, xmlText(text))]));
}

function deliveryTable(s: ScenarioResult): string {
  const d = s.delivery;
  const levels = DELIVERY_LEVELS.flatMap((q) => (d.byQos[q] === undefined ? [] : [[q, d.byQos[q]] as const]));
  const rows = levels.map(([q, l]) => [
    `QoS ${q}`, xmlText(formatCount(l.expected)), xmlText(formatCount(l.delivered)), deliveryCell(l, 'lost'), undeliveredCell(l.undelivered),
    deliveryCell(l, 'duplicated'), deliveryCell(l, 'reordered'), countCell(l.violations, true),
  ]);
  rows.push(['all', ...[d.expected, d.delivered, d.lost].map((n) => xmlText(formatCount(n))), undeliveredCell(d.undelivered),
    ...[d.duplicated, d.reordered].map((n) => xmlText(formatCount(n))), countCell(d.violations, true)]);
  const head = ['level', 'expected', 'delivered', 'lost', 'undelivered', 'duplicated', 'reordered', 'violations'];
  // With injected faults: what was excused and which duplicates chatbench made, beside the counts.
  const extra = ([['excused', 'excused'], ['injectedDuplicates', 'duplicated by chatbench']] as const).filter(([key]) => d[key] !== undefined);
  const all = [...levels.map(([, l]) => l), d];
  extra.forEach(([key, label]) => {
    head.push(label);
    all.forEach((l, i) => rows[i]?.push(xmlText(formatCount(l[key] ?? 0))));
  });
  return el('div', { class: 'block' }, [
    table(`Delivery per QoS (${DELIVERY_SCOPE})`, head, rows, 'delivery', (i) => (i === rows.length - 1 ? 'total' : undefined)),
    ...notes([[lostNote(s), 'bad'], [undeliveredNote(s), 'warn'], [injectedNote(d), 'muted injected'], [drainLine(s), 'muted drain']]),
  ]);
}

const LOST_BY = [['server', 'lost: closed by the server'], ['network', 'lost: ended by the network'], ['chatbench', 'lost: closed by chatbench']] as const;

function connectionsTable(s: ScenarioResult): string {
  const c = s.connections;
  const rows = [
    ['opened', xmlText(formatCount(c.opened))],
    ['lost mid-run', countCell(c.lost, true)],
    ...LOST_BY.map(([by, label]) => [label, xmlText(formatCount(c.lostBy[by]))]),
    // Only downgrades that happened: a subscription asked at QoS 0 cannot be granted less.
    ...c.downgrades.map((g) => [`granted QoS ${g.granted} instead of ${g.asked}`, el('span', { class: 'warn' }, xmlText(formatCount(g.count)))]),
    ['sends not completed', countCell(s.sends.failed, true)],
  ];
  const [, ...ends] = connectionLines(s);
  const list = (cls: string, items: readonly string[]): string => (items.length === 0 ? '' : el('ul', { class: cls }, items.map((r) => el('li', {}, xmlText(r)))));
  return el('div', { class: 'block' }, [
    table('Connections', ['connections', 'count'], rows, 'connections'),
    ...notes(downgradeLines(s).map((line) => [line, 'warn'] as const)),
    list('lost-reasons', ends),
    list('unfinished-sends', sendLines(s)),
    list('anomalies bad', s.anomalies.map(describeAnomaly)),
  ]);
}

function wireTable(s: ScenarioResult): string {
  const w = s.wire;
  const row = (label: string, p: { bytesOut: number; bytesIn: number }): string[] => [label, xmlText(formatBytes(p.bytesOut)), xmlText(formatBytes(p.bytesIn))];
  // Steady traffic divided by the messages that caused it: per sent and per delivered message differ in a room.
  const per = (label: string, n: number): string[][] => (n > 0 ? [row(label, { bytesOut: w.phases.steady.bytesOut / n, bytesIn: w.phases.steady.bytesIn / n })] : []);
  return el('div', { class: 'block' }, table('Wire bytes', ['wire', 'out', 'in'], [
    row('handshake', w.phases.handshake), ...(w.phases.idle === undefined ? [] : [row('idle', w.phases.idle)]), row('steady', w.phases.steady), row('total', w),
    ...(w.idle === undefined ? [] : [row('idle per connection per minute', w.idle.perConnectionPerMinute)]),
    ...per('steady per sent message', s.throughput.sent), ...per('steady per delivered message', s.delivery.delivered),
  ], 'wire'));
}

export function scenarioSection(s: ScenarioResult, index: number): string {
  const id = `scenario-${index}`;
  const traffic = `${windowLine(s)} · started ${s.startedAt}`;
  const reasons = s.reasons.length === 0 ? '' : el('div', { class: 'reasons', role: 'note' }, [
    el('h3', {}, s.status === 'aborted' ? 'Why it was aborted' : 'Why it failed'),
    el('ul', {}, s.reasons.map((r) => r.message).map((r) => el('li', {}, xmlText(r)))),
  ]);
  const latency = table('Latency', ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples', 'never arrived'], [
    latencyRow('latency', s.latency), latencyRow('service time', s.serviceTime), latencyRow('schedule lag', s.scheduleLag),
    latencyRow('connect', s.connections.connectTime),
  ], 'latency');
  return el('section', { class: `scenario ${s.status}`, id, 'aria-labelledby': `${id}-h`, 'data-scenario': s.name }, [
    el('h2', { id: `${id}-h` }, `${badge(s.status)} ${xmlText(s.name)}`),
    el('p', { class: 'workload' }, xmlText(describeWorkload(workloadOf(s)))),
    el('p', { class: 'muted' }, xmlText(traffic)),
    reasons,
    el('div', { class: 'row' }, [el('div', { class: 'block' }, thresholdsTable(s)), el('div', { class: 'block' }, [latency, ...notes([[lagNote(s), 'warn'], [censoredNote(s), 'warn']])])]),
    el('div', { class: 'row charts' }, [latencyChart(s, `${id}-latency`), throughputChart(s, `${id}-throughput`)]),
    el('div', { class: 'row' }, [deliveryTable(s), connectionsTable(s), wireTable(s)]),
    ...patternSections(s, id),
  ]);
}

/** A scenario the run set out to run but never reached. */
export function notRunSection(name: string, index: number, why: string): string {
  const id = `scenario-${index}`;
  return el('section', { class: 'scenario not-run', id, 'aria-labelledby': `${id}-h`, 'data-scenario': name }, [
    el('h2', { id: `${id}-h` }, `${badge('not-run')} ${xmlText(name)}`),
    el('p', { class: 'muted' }, xmlText(why)),
  ]);
}
