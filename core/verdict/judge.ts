/**
 * The scenario's verdict: thresholds from the metric table, delivery violations, deliveries
 * still outstanding, lost connections, unfinished sends, protocol anomalies, the chat patterns'
 * checks (pattern-checks.ts), nothing measured and aborts — each a typed Reason whose
 * `message` says the same fact in words.
 *
 * Status: aborted when the scenario stopped early, failed when there is any reason, else passed.
 */
import { DELIVERY_LEVELS } from '../driver.js';
import { violationsByKind } from '../metrics/delivery-levels.js';
import type { AbortCause, LevelDelivery, Reason, ScenarioResult, ThresholdVerdict } from '../result/index.js';
import type { ScenarioSpec, ThresholdSpec } from '../scenario/types.js';
import { count as n, duration, plural } from '../words.js';
import { generatorLag } from './generator.js';
import { metric } from './metrics.js';
import { patternReasons } from './pattern-checks.js';
import { describeReading, evaluateThreshold } from './thresholds.js';

export type Measured = Omit<ScenarioResult, 'status' | 'reasons' | 'thresholds'>;
export interface AbortInfo {
  cause: AbortCause;
  message: string;
}

/** Only the thresholds of `spec` are read: a merge (core/result/merge.ts) judges with those of the result's records. */
export function judge(spec: Pick<ScenarioSpec, 'thresholds'>, measured: Measured, aborted: AbortInfo | null): ScenarioResult {
  const thresholds = spec.thresholds.map((t) => evaluateThreshold(measured, t));
  const reasons: Reason[] = [
    ...(aborted === null ? [] : [{ kind: 'abort' as const, cause: aborted.cause, message: aborted.message }]),
    ...thresholds.flatMap((t, i) => (t.passed ? [] : [thresholdReason(t, generatorLag(measured), actualText(measured, spec.thresholds[i]))])),
    ...(measured.throughput.sent === 0 && aborted === null
      ? [{ kind: 'nothing-measured' as const, message: 'nothing was measured: no message was sent after the warm-up' }]
      : []),
    ...deliveryReasons(measured),
    ...undeliveredReasons(measured, aborted),
    ...connectionReasons(measured),
    ...sendReasons(measured),
    ...protocolReasons(measured),
    ...patternReasons(measured),
  ];
  const status = aborted !== null ? 'aborted' : reasons.length > 0 ? 'failed' : 'passed';
  return { ...measured, status, reasons, thresholds };
}

/** The actual as every report writes it (core/verdict/thresholds.ts); null when nothing was measured. */
function actualText(m: Measured, t: ThresholdSpec | undefined): string | null {
  return t === undefined ? null : describeReading(metric(t.metric).read(m), t.unit, t.metric);
}

function thresholdReason(t: ThresholdVerdict, lag: number | null, value: string | null): Reason {
  const actual = value === null ? 'nothing measured' : `actual ${value}`;
  const why = t.censored ? ' (the value falls among owed deliveries that never arrived)' : '';
  const tool = lag === null ? '' : `; chatbench itself fell behind (schedule lag p99 ${(lag / 1000).toFixed(1)} ms), so this may be the tool's delay, not the server's`;
  return { kind: 'threshold', expression: t.expression, message: `threshold ${t.expression}: ${actual}${why}${tool}` };
}

/** What the protocol does not permit at a level, counted (permitted kinds count 0). */
function violationsAt(d: LevelDelivery): { lost: number; duplicated: number; reordered: number } {
  return violationsByKind(d.allowed, d);
}

/**
 * Real violations only: `lost` carries evidence (a later message of the same stream arrived on
 * a connection that stayed up, and the server had acknowledged the send), so a loss at a level
 * that promises delivery is the server breaking its guarantee. Late messages are `undelivered`.
 */
function deliveryReasons(m: Measured): Reason[] {
  return DELIVERY_LEVELS.flatMap((level) => {
    const d = m.delivery.byQos[level];
    if (d === undefined) return [];
    const v = violationsAt(d);
    const kinds = (['lost', 'duplicated', 'reordered'] as const).filter((k) => v[k] > 0).map((k) => `${n(v[k])} ${k}`);
    if (kinds.length === 0) return [];
    const evidence = v.lost > 0 ? ' (lost: later messages of the same sender arrived on a connection that stayed up, and the server had acknowledged these)' : '';
    return [{ kind: 'delivery', level, ...v, message: `QoS ${level} delivery guarantee violated: ${kinds.join(', ')}${evidence}` }];
  });
}

/**
 * Deliveries still owed when chatbench stopped waiting. Where the level permits loss (QoS 0)
 * they are within the contract; elsewhere they fail the scenario because the workload was not
 * served — but they are the server being slow, not breaking the protocol, and the message says so.
 */
function undeliveredReasons(m: Measured, aborted: AbortInfo | null): Reason[] {
  const undelivered = DELIVERY_LEVELS.reduce<number>((sum, level) => {
    const d = m.delivery.byQos[level];
    return d === undefined || d.allowed.lost ? sum : sum + d.undelivered;
  }, 0);
  if (undelivered === 0) return [];
  const stopped = drainEnd(m);
  // A stalled server did not serve the load slowly: it stopped serving it.
  const stalled = m.drain.endedBy === 'stall' || aborted?.cause === 'stall';
  const why = stalled ? 'the server stopped responding' : 'the server was too slow for this load';
  return [{
    kind: 'undelivered',
    undelivered,
    message: `${plural(undelivered, 'owed delivery was', 'owed deliveries were')} still outstanding when chatbench stopped waiting (${stopped}): ${why} — not a protocol violation`,
  }];
}

function drainEnd(m: Measured): string {
  const after = `after a drain of ${duration(Math.round(m.drain.seconds * 1000))}`;
  switch (m.drain.endedBy) {
    case 'quiet': return `nothing arrived for ${duration(m.spec.drainMs)}, ${after}`;
    case 'cap': return `the drain reached its cap of ${duration(m.spec.drainMaxMs)}`;
    case 'stall': return `the server stopped responding, ${after}`;
    case 'interrupted': return `the run was interrupted, ${after}`;
    case 'all-delivered': return `the scenario ended, ${after}`;
  }
}

/** Lost connections, with who ended them: a keep-alive timeout of chatbench's own is not the server's doing. */
function connectionReasons(m: Measured): Reason[] {
  const c = m.connections;
  if (c.lost === 0) return [];
  const by = (['server', 'network', 'chatbench'] as const)
    .filter((k) => c.lostBy[k] > 0)
    .map((k) => `${n(c.lostBy[k])} ${k === 'network' ? 'by the network' : `closed by ${k === 'server' ? 'the server' : 'chatbench'}`}`);
  const causes = [...new Set(c.ends.map((e) => e.cause))];
  const detail = [by.join(', '), causes.length > 0 ? `e.g. ${causes.slice(0, 3).join('; ')}` : ''].filter((s) => s !== '').join(': ');
  return [{
    kind: 'connection',
    lost: c.lost,
    opened: c.opened,
    message: `${n(c.lost)} of ${plural(c.opened, 'connection was', 'connections were')} lost mid-run${detail === '' ? '' : ` (${detail})`}`,
  }];
}

const BECAUSE: Readonly<Record<'connection-closed' | 'stopped-waiting' | 'refused', string>> = {
  'connection-closed': 'before the connection closed',
  'stopped-waiting': 'before chatbench stopped waiting',
  refused: 'because the server refused them',
};

/** Sends the protocol did not complete, by what never came back ("12 sends got no PUBACK before the connection closed"). */
function sendReasons(m: Measured): Reason[] {
  const failed = m.sends.failed;
  if (failed === 0) return [];
  const parts = m.sends.unfinished.map((u) =>
    u.because === 'refused'
      ? `${plural(u.count, 'send was', 'sends were')} refused by the server (${u.awaiting})`
      : `${plural(u.count, 'send', 'sends')} got no ${u.awaiting} ${BECAUSE[u.because]}`);
  const message = parts.length > 0 ? parts.join('; ') : `${plural(failed, 'send', 'sends')} did not complete`;
  return [{ kind: 'send', failed, message }];
}

/** Broken acknowledgement flows: a QoS 2 send answered with PUBACK never passes as exactly-once. */
function protocolReasons(m: Measured): Reason[] {
  return m.anomalies.map((a) => ({
    kind: 'protocol' as const,
    anomaly: a.kind,
    message: `the server broke the acknowledgement flow ${plural(a.count, 'time', 'times')}: ${a.detail}${a.seen.length > 0 ? ` (packets seen: ${a.seen.join(', ')})` : ''}`,
  }));
}

