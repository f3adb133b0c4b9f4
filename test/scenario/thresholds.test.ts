import { expect, test } from 'vitest';
import { THRESHOLD_METRICS, parseThreshold } from '../../core/scenario/thresholds.js';
import type { ThresholdSpec } from '../../core/scenario/types.js';

/** Each threshold with its value in the base unit and the unit as written (normalised), which the verdict shows the actual in. */
test.each<[string, Omit<ThresholdSpec, 'expression'>]>([
  ['p99 < 50ms', { metric: 'p99', comparator: '<', value: 50_000, unit: 'ms' }],
  ['p50<=2ms', { metric: 'p50', comparator: '<=', value: 2_000, unit: 'ms' }],
  ['max < 1s', { metric: 'max', comparator: '<', value: 1_000_000, unit: 's' }],
  ['mean < 250us', { metric: 'mean', comparator: '<', value: 250, unit: 'us' }],
  ['p90 < 1.5 ms', { metric: 'p90', comparator: '<', value: 1_500, unit: 'ms' }],
  // The micro sign (U+00B5) and the Greek mu (U+03BC) look alike and both mean microseconds.
  ['p99 < 800\u00b5s', { metric: 'p99', comparator: '<', value: 800, unit: 'us' }],
  ['p99 < 800\u03bcs', { metric: 'p99', comparator: '<', value: 800, unit: 'us' }],
  ['p99.9 < 100ms', { metric: 'p999', comparator: '<', value: 100_000, unit: 'ms' }],
  ['service.p99 <= 2ms', { metric: 'service.p99', comparator: '<=', value: 2_000, unit: 'ms' }],
  ['lost == 0', { metric: 'lost', comparator: '==', value: 0, unit: '' }],
  ['undelivered == 0', { metric: 'undelivered', comparator: '==', value: 0, unit: '' }],
  ['bytesPerDelivered < 300', { metric: 'bytesPerDelivered', comparator: '<', value: 300, unit: '' }],
  ['duplicated != 0', { metric: 'duplicated', comparator: '!=', value: 0, unit: '' }],
  ['deliveredPerSecond >= 1000', { metric: 'deliveredPerSecond', comparator: '>=', value: 1_000, unit: '' }],
  ['sentPerSecond > 500/s', { metric: 'sentPerSecond', comparator: '>', value: 500, unit: '/s' }],
  ['lossRatio < 0.01', { metric: 'lossRatio', comparator: '<', value: 0.01, unit: '' }],
  ['lossRatio < 1%', { metric: 'lossRatio', comparator: '<', value: 0.01, unit: '%' }],
  ['sent > 1e3', { metric: 'sent', comparator: '>', value: 1_000, unit: '' }],
])('%s', (expression, expected) => {
  const parsed = parseThreshold(expression);
  expect(parsed).toEqual({ ok: true, value: { expression, ...expected } });
});

test.each<[string, RegExp]>([
  ['p99 < 50', /p99 is a latency: give a unit, e.g. 50ms/],
  ['service.p99 <= 2', /service\.p99 is a latency: give a unit/],
  ['p99 < 50 minutes', /unknown latency unit "minutes"/],
  ['p99 < -1ms', /cannot be negative/],
  ['p95 < 50ms', /unknown metric "p95" \(did you mean "p90"\?\); valid metrics: min, mean, p50, p90, p99, p999, max, service\.p50/],
  ['latency < 50ms', /unknown metric "latency"; valid metrics: min, .*lost, undelivered, .*lossRatio, bytesPerDelivered, presence\.p50, .*takeover\.notClosed$/],
  ['lost = 0', /use "==" to compare/],
  ['lost =< 3', /write "<=" instead of "=<"/],
  ['p99 <> 5ms', /unknown comparator "<>"; use one of < <= > >= == !=/],
  ['lost =! 0', /unknown comparator "=!"/],
  ['lost == 0ms', /lost is a plain number and takes no unit "ms"/],
  ['lost == ', /missing value after "=="/],
  ['lost == zero', /"zero" is not a number/],
  ['lost == -1', /lost cannot be negative/],
  ['lossRatio < 1.5', /fraction between 0 and 1/],
  ['p99 50ms', /expected <metric> <comparator> <value>/],
  ['', /expected <metric> <comparator> <value>/],
])('%j is rejected', (expression, message) => {
  const parsed = parseThreshold(expression);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) {
    expect(parsed.error).toMatch(new RegExp(`^threshold ${JSON.stringify(expression).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(parsed.error).toMatch(message);
  }
});

test('the unknown-metric message lists every metric', () => {
  const parsed = parseThreshold('nope < 1');
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) for (const metric of THRESHOLD_METRICS) expect(parsed.error).toContain(metric);
});
