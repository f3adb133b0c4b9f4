/**
 * The chat patterns' figures (core/result/patterns.ts) told once for every report: per pattern
 * a one-line summary, its figures as labelled counts, its latency summaries, and whether the
 * verdict failed one of its checks (read from the typed `pattern` reasons, never judged here).
 * Also the delivery counts' excused deliveries and injected duplicates, with why they are not
 * held against the server. Each returns data or strings; writes nothing.
 */
import type { DeliveryCounts, LatencySummary, Reason, ScenarioResult } from '../core/result/index.js';
import { duration } from '../core/words.js';
import { formatCount, formatExact, formatPercentile, formatSeconds, plural } from './format.js';

export type PatternKey = 'presence' | 'retained' | 'absences' | 'takeover' | 'faults';
type FaultEvent = NonNullable<ScenarioResult['faults']>['timeline'][number];
type PatternReason = Extract<Reason, { kind: 'pattern' }>;

/** One figure of a pattern: its label, its count, and whether a failed check of the verdict is about it. */
export interface PatternFigure {
  label: string;
  value: string;
  bad: boolean;
}

export interface PatternAccount {
  key: PatternKey;
  title: string;
  /** The pattern in one line: "presence: 360 of 360 status updates reached their watchers, …". */
  summary: string;
  figures: PatternFigure[];
  latencies: Array<readonly [string, LatencySummary]>;
  /** The verdict failed a check of this pattern (a `pattern` reason names it). */
  failed: boolean;
}

/** Which pattern each check of the verdict (Reason kind 'pattern', core/result/reasons.ts) belongs to. */
export const CHECK_PATTERN: Readonly<Record<string, PatternKey>> = {
  'presence-missing': 'presence',
  'will-missing': 'presence',
  'will-after-clean-disconnect': 'presence',
  'will-early': 'presence',
  'retained-stale': 'retained',
  'retained-missing': 'retained',
  'not-caught-up': 'absences',
  'takeover-not-closed': 'takeover',
};

export function patternReasons(s: ScenarioResult, checks?: readonly string[]): PatternReason[] {
  return s.reasons.filter((r): r is PatternReason => r.kind === 'pattern' && (checks === undefined || checks.includes(r.check)));
}

const failedCheck = (s: ScenarioResult, check: string): boolean => patternReasons(s, [check]).length > 0;

/** "p50 1.20 ms, p99 4.10 ms" (censored ones as "> waited"); "none measured" when empty. */
export function latencyBrief(l: LatencySummary): string {
  if (l.count === 0 && l.censored === 0) return 'none measured';
  return `p50 ${formatPercentile(l, 'p50')}, p99 ${formatPercentile(l, 'p99')}`;
}

/** "p50 1.20 ms, p90 …, p99 …, p99.9 …, max … (360 samples)". */
export function latencyFull(l: LatencySummary): string {
  if (l.count === 0 && l.censored === 0) return 'none measured';
  const never = l.censored > 0 ? `, ${formatCount(l.censored)} never arrived` : '';
  return `p50 ${formatPercentile(l, 'p50')}, p90 ${formatPercentile(l, 'p90')}, p99 ${formatPercentile(l, 'p99')}, ` +
    `p99.9 ${formatPercentile(l, 'p999')}, max ${formatPercentile(l, 'max')} (${plural(l.count, 'sample')}${never})`;
}

const fig = (label: string, n: number, bad = false): PatternFigure => ({ label, value: formatCount(n), bad: bad && n > 0 });

function presence(s: ScenarioResult, p: NonNullable<ScenarioResult['presence']>): PatternAccount {
  const w = p.wills;
  const failed = (check: string): boolean => failedCheck(s, check);
  const summary = `presence: ${formatCount(p.delivered)} of ${plural(p.expected, 'status update')} reached their watchers ` +
    `(${plural(p.users, 'user')}, ${plural(p.watches, 'watch', 'watches')}), ${latencyBrief(p.latency)}, ${p.missing > 0 ? `${formatCount(p.missing)} missing after waiting ${duration(p.waitedMs)}` : 'none missing'}; ` +
    `wills ${formatCount(w.delivered)} of ${formatCount(w.expected)} after ${plural(w.abruptDrops, 'abrupt drop')}, ` +
    `${formatCount(w.afterCleanDisconnect)} after ${plural(w.cleanDisconnects, 'clean disconnect')}, ${formatCount(w.early)} early`;
  return {
    key: 'presence', title: 'Presence', summary,
    figures: [
      fig('users', p.users), fig('watches', p.watches), fig('status updates owed', p.expected), fig('status updates delivered', p.delivered),
      fig('status updates missing', p.missing, failed('presence-missing')),
      { label: 'waited for them', value: duration(p.waitedMs), bad: false },
      fig('abrupt drops', w.abruptDrops), fig('wills owed', w.expected), fig('wills delivered', w.delivered),
      fig('wills missing', w.missing, failed('will-missing')), fig('clean disconnects', w.cleanDisconnects),
      fig('wills after a clean disconnect', w.afterCleanDisconnect, failed('will-after-clean-disconnect')),
      fig('wills before their delay', w.early, failed('will-early')),
    ],
    latencies: [['presence propagation', p.latency]],
    failed: patternReasons(s).some((r) => CHECK_PATTERN[r.check] === 'presence'),
  };
}

function retained(s: ScenarioResult, r: NonNullable<ScenarioResult['retained']>): PatternAccount {
  const summary = `retained: ${plural(r.joins, 'late join')} in ${plural(r.rooms, 'room')}: ${formatCount(r.current)} got the room's last message, ` +
    `${formatCount(r.stale)} a superseded one, ${formatCount(r.missing)} none; ${latencyBrief(r.latency)}`;
  return {
    key: 'retained', title: 'Retained room messages', summary,
    figures: [
      fig('rooms', r.rooms), fig('late joins', r.joins), fig("got the room's last message", r.current),
      fig('got a superseded message', r.stale, failedCheck(s, 'retained-stale')), fig('got none', r.missing, failedCheck(s, 'retained-missing')),
    ],
    latencies: [['retained message to a late joiner', r.latency]],
    failed: patternReasons(s).some((x) => CHECK_PATTERN[x.check] === 'retained'),
  };
}

function absences(s: ScenarioResult, a: NonNullable<ScenarioResult['absences']>): PatternAccount {
  const summary = `absences: ${formatCount(a.absences)} (${formatCount(a.graceful)} graceful, ${formatCount(a.abrupt)} abrupt): ` +
    `${formatCount(a.resumed)} resumed their session, ${formatCount(a.notResumed)} started afresh, ${formatCount(a.stayedAway)} stayed away; ` +
    `reconnect ${latencyBrief(a.reconnectTime)}; ${formatCount(a.caughtUp)} caught up, ${formatCount(a.notCaughtUp)} not, catch-up ${latencyBrief(a.catchUp)}; ` +
    `${plural(a.excused, 'delivery', 'deliveries')} excused (sent while away at a level the protocol does not keep)`;
  return {
    key: 'absences', title: 'Absences and catch-up', summary,
    figures: [
      fig('absences', a.absences), fig('graceful', a.graceful), fig('abrupt', a.abrupt), fig('resumed their session', a.resumed),
      fig('started afresh', a.notResumed), fig('stayed away', a.stayedAway), fig('caught up', a.caughtUp),
      fig('not caught up', a.notCaughtUp, failedCheck(s, 'not-caught-up')), fig('deliveries excused', a.excused),
    ],
    latencies: [['reconnect', a.reconnectTime], ['catch-up', a.catchUp]],
    failed: failedCheck(s, 'not-caught-up'),
  };
}

/** "0x8e × 10". */
function reasonCodes(codes: NonNullable<ScenarioResult['takeover']>['reasonCodes']): string {
  return codes.map((c) => `0x${c.code.toString(16).padStart(2, '0')} × ${formatCount(c.count)}`).join(', ');
}

function takeover(s: ScenarioResult, t: NonNullable<ScenarioResult['takeover']>): PatternAccount {
  const codes = t.reasonCodes.length > 0 ? ` (reason codes ${reasonCodes(t.reasonCodes)})` : '';
  const summary = `takeover: ${plural(t.attempted, 'second device')}: ${formatCount(t.newConnected)} connected, ` +
    `${formatCount(t.oldClosed)} first connections closed by the server${codes}, ${formatCount(t.oldNotClosed)} still open after the wait`;
  return {
    key: 'takeover', title: 'Session takeover', summary,
    figures: [
      fig('second devices', t.attempted), fig('second devices connected', t.newConnected), fig('first connections closed', t.oldClosed),
      fig('first connections still open', t.oldNotClosed, failedCheck(s, 'takeover-not-closed')),
      ...t.reasonCodes.map((c) => fig(`closed with reason code 0x${c.code.toString(16).padStart(2, '0')}`, c.count)),
    ],
    latencies: [],
    failed: failedCheck(s, 'takeover-not-closed'),
  };
}

const percent = (fraction: number): string => `${formatExact(fraction * 100)}%`;

/** "delay 20 ms ± 5 ms, loss 1%, duplication 0.5% on 10 connections". */
export function describeNetwork(n: NonNullable<NonNullable<ScenarioResult['faults']>['network']>): string {
  const jitter = n.jitterMs > 0 ? ` ± ${duration(n.jitterMs)}` : '';
  return `delay ${duration(n.delayMs)}${jitter}, loss ${percent(n.loss)}, duplication ${percent(n.duplicate)} on ${plural(n.connections, 'connection')}`;
}

function faults(f: NonNullable<ScenarioResult['faults']>): PatternAccount {
  const n = f.network;
  const network = n === null ? '' : `; network ${describeNetwork(n)}: ${formatCount(n.framesDelayed)} frames delayed, ` +
    `${formatCount(n.dropped)} chat deliveries dropped and ${formatCount(n.duplicated)} duplicated by chatbench's proxy (not held against the server)`;
  const summary = `faults: ${plural(f.disconnects, 'disconnect')}, ${plural(f.reconnects, 'reconnect')}, ${plural(f.slowConsumers, 'slow consumer')}${network}`;
  return {
    key: 'faults', title: 'Injected faults', summary,
    figures: [
      fig('disconnects', f.disconnects), fig('reconnects', f.reconnects), fig('slow consumers', f.slowConsumers),
      ...(n === null ? [] : [
        { label: 'network', value: describeNetwork(n), bad: false }, fig('frames delayed', n.framesDelayed),
        fig('deliveries dropped by the proxy', n.dropped), fig('deliveries duplicated by the proxy', n.duplicated),
      ]),
      fig('timeline events', f.timeline.length + f.timelineDropped),
    ],
    latencies: [],
    failed: false,
  };
}

/** Every pattern the scenario has figures for, in a fixed order; empty when it has none. */
export function patternAccounts(s: ScenarioResult): PatternAccount[] {
  return [
    ...(s.presence === undefined ? [] : [presence(s, s.presence)]),
    ...(s.retained === undefined ? [] : [retained(s, s.retained)]),
    ...(s.absences === undefined ? [] : [absences(s, s.absences)]),
    ...(s.takeover === undefined ? [] : [takeover(s, s.takeover)]),
    ...(s.faults === undefined ? [] : [faults(s.faults)]),
  ];
}

/** "at 1.2 s disconnect u3, u4: abrupt close". */
export function describeFaultEvent(e: FaultEvent): string {
  return `at ${formatSeconds(e.atMs / 1000)} ${e.kind} ${e.users.join(', ') || '(all)'}${e.detail === '' ? '' : `: ${e.detail}`}`;
}

/** How many timeline events a result had but a report does not list: those past `shown`, and those dropped past the result's cap. */
export function unlistedEvents(f: NonNullable<ScenarioResult['faults']>, shown: number): number {
  return Math.max(0, f.timeline.length - shown) + f.timelineDropped;
}

/**
 * Beside the delivery counts: the deliveries not held against the server, and why. Null when
 * the result has neither (absent, or 0).
 */
export function injectedNote(d: Pick<DeliveryCounts, 'excused' | 'injectedDuplicates'>): string | null {
  const parts: string[] = [];
  if ((d.excused ?? 0) > 0) {
    parts.push(`${plural(d.excused ?? 0, 'delivery', 'deliveries')} excused: not owed, sent while the receiver was away at a level the protocol does not keep for it, or dropped by chatbench's own fault proxy`);
  }
  if ((d.injectedDuplicates ?? 0) > 0) parts.push(`${formatCount(d.injectedDuplicates ?? 0)} of the duplicated are copies chatbench's fault proxy made itself`);
  return parts.length === 0 ? null : `${parts.join('; ')} — not held against the server`;
}
