/**
 * A scenario's account in sentences, written once for every report: what a threshold measured
 * (in the tables' units), what never arrived and why that is or is not a violation, how the
 * drain ended, which subscriptions were downgraded to what, who closed lost connections, what
 * unfinished sends were missing, and the acknowledgement-flow anomalies with the packets seen.
 * Each reads typed fields of the result; none decides a verdict.
 */
import type { AbortCause, DeliveryCounts, Reason, ScenarioResult, ThresholdVerdict } from '../core/result/index.js';
import { MAX_SCHEDULE_LAG_P99_MICROS, generatorLag } from '../core/verdict/generator.js';
import { METRICS } from '../core/verdict/metrics.js';
import { describeReading } from '../core/verdict/thresholds.js';
import { duration } from '../core/words.js';
import { formatCount, formatExact, formatMicros, formatRate, formatSeconds, plural } from './format.js';

type Drain = ScenarioResult['drain'];
type End = ScenarioResult['connections']['ends'][number];
type Unfinished = ScenarioResult['sends']['unfinished'][number];
type Anomaly = ScenarioResult['anomalies'][number];

/**
 * A threshold's actual, read through the metric table and written as the judge's reason writes
 * it (core/verdict/thresholds.ts): "0.126357" for `lossRatio < 0.01`, "12.6357%" for
 * `lossRatio < 1%`, "> 12 s" among deliveries that never arrived; null when nothing was measured.
 */
function measuredValue(s: ScenarioResult, v: ThresholdVerdict): string | null {
  const t = s.spec.thresholds.find((x) => x.expression === v.expression);
  const m = METRICS.find((x) => x.name === t?.metric);
  return t === undefined || m === undefined ? writtenValue(v) : describeReading(m.read(s), t.unit, m.name);
}

/** The verdict's own figure in the unit it was written in, for a threshold the spec does not list. */
function writtenValue(v: ThresholdVerdict): string | null {
  if (v.actual === null) return null;
  const unit = v.unit === '' || v.unit === '%' ? v.unit : ` ${v.unit === 'us' ? 'µs' : v.unit}`;
  return `${v.censored ? '> ' : ''}${formatExact(v.actual)}${unit}`;
}

/** For a table cell: "1.2345 ms", "> 12.0 s", or "nothing measured". */
export function thresholdValue(s: ScenarioResult, v: ThresholdVerdict): string {
  return measuredValue(s, v) ?? 'nothing measured';
}

/** For a sentence: "actual 1.2345 ms", "actual > 12.0 s", or "nothing measured". */
export function thresholdActual(s: ScenarioResult, v: ThresholdVerdict): string {
  const value = measuredValue(s, v);
  return value === null ? 'nothing measured' : `actual ${value}`;
}

/** The reasons not already shown as a threshold verdict (delivery, undelivered, connections, sends, protocol, abort...). */
export function otherReasons(s: ScenarioResult): Exclude<Reason, { kind: 'threshold' }>[] {
  return s.reasons.filter((r): r is Exclude<Reason, { kind: 'threshold' }> => r.kind !== 'threshold');
}

/**
 * The three totals a scenario has, each named by what it covers: the measurement window's sends
 * and deliveries (the rates), the latency samples (every delivery owed for those sends, drain
 * included) and the delivery counts (the whole scenario, warm-up and drain included).
 */
export function windowLine(s: ScenarioResult): string {
  const th = s.throughput;
  return `measurement window (${formatSeconds(th.durationSeconds)} after the warm-up): sent ${formatCount(th.sent)} (${formatRate(th.sentPerSecond)}), ` +
    `delivered ${formatCount(th.delivered)} within it (${formatRate(th.deliveredPerSecond)}); latency counts every delivery owed for those sends, drain included`;
}

/** What the delivery counts cover, for their heading. */
export const DELIVERY_SCOPE = 'whole scenario, warm-up and drain included';

/**
 * "expected 10,000, delivered 9,990, lost 0, undelivered 10, duplicated 0, reordered 0"; with
 * figures of injected faults, "duplicated 5 (3 injected by chatbench), reordered 0, excused 12"
 * (reports/patterns.ts injectedNote says why those are not held against the server).
 */
export function deliveryCounts(d: DeliveryCounts): string {
  const injected = d.injectedDuplicates === undefined ? '' : ` (${formatCount(d.injectedDuplicates)} injected by chatbench)`;
  const excused = d.excused === undefined ? '' : `, excused ${formatCount(d.excused)}`;
  return `expected ${formatCount(d.expected)}, delivered ${formatCount(d.delivered)}, lost ${formatCount(d.lost)}, ` +
    `undelivered ${formatCount(d.undelivered)}, duplicated ${formatCount(d.duplicated)}${injected}, reordered ${formatCount(d.reordered)}${excused}`;
}

/** chatbench itself fell behind its schedule: its figures partly measure the tool. */
export function lagNote(s: ScenarioResult): string | null {
  const p99 = generatorLag(s);
  if (p99 === null) return null;
  return `chatbench itself fell behind: schedule lag p99 ${formatMicros(p99)} (bound ${formatMicros(MAX_SCHEDULE_LAG_P99_MICROS)}), ` +
    'so latency and rates here partly measure the tool, not the server; lower the rate or give chatbench more CPU';
}

/** Latency percentiles count what never arrived: say how many, and what "> waited" means. */
export function censoredNote(s: ScenarioResult): string | null {
  const l = s.latency;
  if (l.censored === 0) return null;
  return `${plural(l.censored, 'owed delivery', 'owed deliveries')} never arrived: each counts as slower than ${formatMicros(l.waited)} ` +
    `(how long chatbench waited), so a percentile among them reads "> ${formatMicros(l.waited)}"`;
}

/** Why the drain after the last send ended, in words. */
function drainEnd(s: ScenarioResult): string {
  switch (s.drain.endedBy) {
    case 'all-delivered': return 'every owed delivery arrived';
    case 'quiet': return `nothing arrived for ${duration(s.spec.drainMs)}`;
    case 'cap': return `it reached its ${duration(s.spec.drainMaxMs)} cap`;
    case 'stall': return 'the server stopped responding';
    case 'interrupted': return cutShort(s);
  }
}

const CUT_SHORT: Readonly<Record<AbortCause, string>> = {
  signal: 'a signal interrupted the run',
  'connections-lost': 'every connection was lost',
  stall: 'the server stopped responding',
  timeout: 'a phase overran its time limit',
  unreachable: 'the target could not be reached',
  incomplete: 'the run was still going when this checkpoint was written',
};

/** Which of the ways to cut a drain short it was: the scenario's abort reason has the cause. */
function cutShort(s: ScenarioResult): string {
  const abort = s.reasons.find((r): r is Extract<Reason, { kind: 'abort' }> => r.kind === 'abort');
  return abort === undefined ? 'it was cut short' : CUT_SHORT[abort.cause];
}

/** "drain: 3.2 s, every owed delivery arrived (602,749 owed when it began)". */
export function drainLine(s: ScenarioResult): string {
  const d: Drain = s.drain;
  const owed = d.owedAtEnd > 0
    ? `${formatCount(d.owedAtStart)} owed when it began, ${formatCount(d.owedAtEnd)} still owed at its end${lateArrivals(s)}`
    : `${formatCount(d.owedAtStart)} owed when it began`;
  return `drain: ${formatSeconds(d.seconds)}, ended because ${drainEnd(s)} (${owed})`;
}

/**
 * Deliveries owed when the drain ended that are not missing in the final counts arrived after
 * it, while chatbench was closing its connections: without this the drain's "still owed" and
 * the delivery counts' "undelivered" disagree with nothing to say why.
 */
function lateArrivals(s: ScenarioResult): string {
  const late = s.drain.owedAtEnd - (s.delivery.undelivered + s.delivery.lost);
  return late > 0 ? `; ${formatCount(late)} of them arrived while chatbench was disconnecting` : '';
}

/** Undelivered is not lost: say so, with how the waiting ended. */
export function undeliveredNote(s: ScenarioResult): string | null {
  const n = s.delivery.undelivered;
  if (n === 0) return null;
  const why = stalled(s) ? 'the server stopped responding — not a protocol violation'
    : 'a server too slow for this load (or a session chatbench ended), not a protocol violation';
  return `${formatCount(n)} undelivered: still outstanding when chatbench stopped waiting (${drainEnd(s)}); ${why}`;
}

/** The server stopped responding (the stall watch fired), as opposed to serving the load slowly. */
function stalled(s: ScenarioResult): boolean {
  return s.drain.endedBy === 'stall' || s.reasons.some((r) => r.kind === 'abort' && r.cause === 'stall');
}

/** Lost comes with evidence: say what it is. */
export function lostNote(s: ScenarioResult): string | null {
  const n = s.delivery.lost;
  if (n === 0) return null;
  return `${formatCount(n)} lost: the server acknowledged the send and the receiver, whose connection stayed up, got later messages of the same stream but never this one`;
}

/** "the server granted QoS 0 instead of 2 on 20 subscriptions: ..." for every downgrade. */
export function downgradeLines(s: ScenarioResult): string[] {
  return s.connections.downgrades.map((g) => {
    const exactlyOnce = g.asked === 2 && g.granted < 2 ? '; exactly-once was not exercised on them' : '';
    return `the server granted QoS ${g.granted} instead of ${g.asked} on ${plural(g.count, 'subscription')}: ` +
      `their deliveries are judged at QoS ${g.granted}${exactlyOnce}`;
  });
}

const BY_WORDS: Readonly<Record<End['by'], string>> = { server: 'closed by the server', network: 'ended by the network', chatbench: 'closed by chatbench' };

/** "u12: closed by chatbench: keep-alive timeout (code 0x8d)". */
function describeEnd(e: End): string {
  return `${e.user}: ${BY_WORDS[e.by]}: ${e.cause}${e.code === undefined ? '' : ` (code 0x${e.code.toString(16).padStart(2, '0')})`}`;
}

/** "3 of 200 connections lost: 2 closed by the server, 1 ended by the network", then the first ends. */
export function connectionLines(s: ScenarioResult): string[] {
  const c = s.connections;
  if (c.lost === 0) return [];
  const who = (['server', 'network', 'chatbench'] as const).filter((by) => c.lostBy[by] > 0).map((by) => `${formatCount(c.lostBy[by])} ${BY_WORDS[by]}`);
  const head = `${formatCount(c.lost)} of ${plural(c.opened, 'connection')} lost${who.length > 0 ? `: ${who.join(', ')}` : ''}`;
  return [head, ...c.ends.map(describeEnd)];
}

/** "12 sends got no PUBACK before the connection closed". */
function describeUnfinished(u: Unfinished): string {
  const sends = plural(u.count, 'send');
  switch (u.because) {
    case 'connection-closed': return `${sends} got no ${u.awaiting} before the connection closed`;
    case 'stopped-waiting': return `${sends} got no ${u.awaiting} before chatbench stopped waiting`;
    case 'refused': return `${sends} refused by the server (an error code where ${u.awaiting} was due)`;
  }
}

/** One line per group of unfinished sends; the bare count when the result has no breakdown. */
export function sendLines(s: ScenarioResult): string[] {
  if (s.sends.unfinished.length > 0) return s.sends.unfinished.map(describeUnfinished);
  return s.sends.failed > 0 ? [`${plural(s.sends.failed, 'send')} not completed`] : [];
}

/** "ack-flow (20 times): QoS 2 PUBLISH answered with PUBACK; packets seen: PUBLISH qos2 → PUBACK". */
export function describeAnomaly(a: Anomaly): string {
  return `${a.kind} (${plural(a.count, 'time')}): ${a.detail}${a.seen.length > 0 ? `; packets seen: ${a.seen.join(' → ')}` : ''}`;
}
