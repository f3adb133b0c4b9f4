/**
 * Thresholds and the scenario's verdict. A scenario fails when a threshold fails or when
 * the delivery tracker saw a loss, duplicate or reorder that the protocol does not permit
 * at that delivery level; it is aborted when a phase did not finish.
 */
import type { ScenarioResult, ThresholdVerdict } from '../result.js';
import { isLatencyMetric } from '../scenario/thresholds.js';
import type { ScenarioSpec, ThresholdSpec } from '../scenario/types.js';

export type Measured = Omit<ScenarioResult, 'status' | 'reasons' | 'thresholds'>;

/** The value of a threshold metric, in its base unit (µs for latency). null when nothing was measured. */
export function metricValue(m: Measured, metric: ThresholdSpec['metric']): number | null {
  if (metric.startsWith('service.')) {
    const key = metric.slice('service.'.length) as 'p50' | 'p90' | 'p99' | 'p999' | 'max';
    return m.serviceTime.count === 0 ? null : m.serviceTime[key];
  }
  switch (metric) {
    case 'min': case 'mean': case 'p50': case 'p90': case 'p99': case 'p999': case 'max':
      return m.latency.count === 0 ? null : m.latency[metric];
    case 'sent': return m.throughput.sent;
    case 'delivered': return m.delivery.delivered;
    case 'expected': return m.delivery.expected;
    case 'lost': return m.delivery.lost;
    case 'duplicated': return m.delivery.duplicated;
    case 'reordered': return m.delivery.reordered;
    case 'violations': return m.delivery.violations;
    case 'sendErrors': return m.delivery.sendErrors;
    case 'deliveredPerSecond': return m.throughput.deliveredPerSecond;
    case 'sentPerSecond': return m.throughput.sentPerSecond;
    case 'lossRatio': return m.delivery.expected === 0 ? 0 : m.delivery.lost / m.delivery.expected;
    default: return null;
  }
}

const LATENCY_UNIT = /(us|µs|ms|s)\s*$/;
const UNIT_MICROS: Record<string, number> = { us: 1, 'µs': 1, ms: 1000, s: 1_000_000 };

/** The unit the threshold was written in: "ms" for "p99 < 50ms", "" for counts and rates. */
function expressionUnit(t: ThresholdSpec): string {
  if (!isLatencyMetric(t.metric)) return '';
  const unit = LATENCY_UNIT.exec(t.expression)?.[1] ?? 'us';
  return unit === 'µs' ? 'us' : unit;
}

export function compare(actual: number, comparator: ThresholdSpec['comparator'], limit: number): boolean {
  switch (comparator) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return actual === limit;
    case '!=': return actual !== limit;
  }
}

export function evaluateThreshold(m: Measured, t: ThresholdSpec): ThresholdVerdict {
  const value = metricValue(m, t.metric);
  const unit = expressionUnit(t);
  if (value === null) return { expression: t.expression, actual: null, unit, passed: false };
  const actual = unit === '' ? value : value / (UNIT_MICROS[unit] ?? 1);
  return { expression: t.expression, actual, unit, passed: compare(value, t.comparator, t.value) };
}

export function judge(spec: ScenarioSpec, measured: Measured, aborted: string | null): ScenarioResult {
  const thresholds = spec.thresholds.map((t) => evaluateThreshold(measured, t));
  const reasons: string[] = [];
  if (aborted !== null) reasons.push(aborted);
  for (const t of thresholds) {
    if (!t.passed) reasons.push(t.actual === null ? `threshold ${t.expression}: nothing measured` : `threshold ${t.expression}: actual ${round(t.actual)}${t.unit}`);
  }
  if (measured.throughput.sent === 0 && aborted === null) reasons.push('nothing was measured: no message was sent after the warm-up');
  const c = measured.connections;
  if (c.lost > 0) reasons.push(`${c.lost.toLocaleString('en-US')} of ${c.opened.toLocaleString('en-US')} connections were lost mid-run (${c.lostReasons.join('; ')})`);
  if (measured.delivery.sendErrors > 0) reasons.push(`${measured.delivery.sendErrors.toLocaleString('en-US')} sends failed (the client could not complete them)`);
  for (const [level, d] of Object.entries(measured.delivery.byQos)) {
    if (d !== undefined && d.violations > 0) {
      const kinds = (['lost', 'duplicated', 'reordered'] as const).filter((k) => d[k] > 0 && !d.allowed[k]).map((k) => `${d[k].toLocaleString('en-US')} ${k}`);
      reasons.push(`QoS ${level} delivery guarantee violated: ${kinds.join(', ')}`);
    }
  }
  const status = aborted !== null ? 'aborted' : reasons.length > 0 ? 'failed' : 'passed';
  return { ...measured, status, reasons, thresholds };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
