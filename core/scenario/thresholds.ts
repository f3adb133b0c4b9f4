/**
 * Threshold expressions: `<metric> <comparator> <value>`, e.g. `p99 < 50ms`, `lost == 0`,
 * `service.p99 <= 2ms`, `deliveredPerSecond >= 1000`, `lossRatio < 0.01` (or `< 1%`).
 *
 * Latency metrics need a unit (us, µs or μs, ms, s: units.ts) and are stored in microseconds,
 * the unit the histograms record in. Count and ratio metrics are plain numbers; the per-second
 * metrics also accept a `/s` suffix and `lossRatio` a `%` suffix. The unit as written travels
 * with the threshold (`unit`), so the verdict shows the actual value in it without re-parsing.
 */
import { didYouMean } from './suggest.js';
import { parseLatency, type Parsed } from './units.js';
import { COUNT_METRICS, LATENCY_METRICS, PATTERN_COUNT_METRICS, PATTERN_LATENCY_METRICS, SERVICE_METRICS } from './types.js';
import type { Comparator, ThresholdMetric, ThresholdSpec, ThresholdUnit } from './types.js';

export const THRESHOLD_METRICS: readonly ThresholdMetric[] = [...LATENCY_METRICS, ...SERVICE_METRICS, ...COUNT_METRICS, ...PATTERN_LATENCY_METRICS, ...PATTERN_COUNT_METRICS];
export const COMPARATORS: readonly Comparator[] = ['<', '<=', '>', '>=', '==', '!='];

/** Spellings people reach for, mapped to the metric they mean. */
const ALIASES: Readonly<Record<string, ThresholdMetric>> = {
  'p99.9': 'p999',
  'service.p99.9': 'service.p999',
  avg: 'mean',
};

const EXPRESSION = /^\s*([A-Za-z][\w.]*)\s*([<>=!]+)\s*(.*?)\s*$/;
const VALUE = /^([-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?)\s*(\S*)$/i;

export function isLatencyMetric(metric: ThresholdMetric): boolean {
  return [LATENCY_METRICS, SERVICE_METRICS, PATTERN_LATENCY_METRICS].some((group) => (group as readonly string[]).includes(metric));
}

function toMetric(name: string): ThresholdMetric | undefined {
  return ALIASES[name] ?? THRESHOLD_METRICS.find((m) => m === name);
}

export function parseThreshold(expression: string): Parsed<ThresholdSpec> {
  const fail = (error: string): Parsed<ThresholdSpec> => ({ ok: false, error: `threshold "${expression}": ${error}` });
  const match = EXPRESSION.exec(expression);
  if (!match) return fail('expected <metric> <comparator> <value>, e.g. "p99 < 50ms" or "lost == 0"');
  const [, name = '', written = '', valueText = ''] = match;

  const metric = toMetric(name);
  if (!metric) {
    const guess = didYouMean(name, THRESHOLD_METRICS);
    return fail(`unknown metric "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; valid metrics: ${THRESHOLD_METRICS.join(', ')}`);
  }
  if (written === '=') return fail('use "==" to compare for equality');
  if (written === '=<' || written === '=>') return fail(`write "${written[1]}=" instead of "${written}"`);
  const comparator = COMPARATORS.find((c) => c === written);
  if (!comparator) return fail(`unknown comparator "${written}"; use one of ${COMPARATORS.join(' ')}`);

  if (valueText === '') return fail(`missing value after "${comparator}"`);
  const value = VALUE.exec(valueText);
  if (!value) return fail(`"${valueText}" is not a number`);
  const amount = Number(value[1]);
  const unit = value[2] ?? '';

  if (isLatencyMetric(metric)) {
    if (unit === '') return fail(`${metric} is a latency: give a unit, e.g. ${valueText}ms (us, ms or s)`);
    if (amount < 0) return fail('a latency cannot be negative');
    const latency = parseLatency(amount, unit);
    if (!latency.ok) return fail(latency.error);
    return { ok: true, value: { expression, metric, comparator, value: latency.value.micros, unit: latency.value.unit } };
  }

  let scaled = amount;
  let asWritten: ThresholdUnit = '';
  if (unit === '%' && metric === 'lossRatio') [scaled, asWritten] = [amount / 100, '%'];
  else if (unit === '/s' && metric.endsWith('PerSecond')) asWritten = '/s';
  else if (unit !== '') return fail(`${metric} is a plain number and takes no unit "${unit}"`);
  if (scaled < 0) return fail(`${metric} cannot be negative`);
  if (metric === 'lossRatio' && scaled > 1) return fail('lossRatio is a fraction between 0 and 1 (or a percentage: "< 1%")');
  return { ok: true, value: { expression, metric, comparator, value: scaled, unit: asWritten } };
}
