/**
 * The one metric table (core/verdict/metrics.ts): every threshold metric has one entry, and
 * thresholds and compare read every metric the same way — on a real result and on the edge
 * cases that once disagreed (nothing sent, nothing expected) and the new one (censored).
 */
import { describe, expect, it } from 'vitest';
import type { RunResult, ScenarioResult } from '../../core/result/index.js';
import { THRESHOLD_METRICS } from '../../core/scenario/thresholds.js';
import { compareResults } from '../../core/verdict/compare.js';
import { COMPARED_METRICS, METRICS, metric } from '../../core/verdict/metrics.js';
import { evaluateThreshold } from '../../core/verdict/thresholds.js';
import { ENVELOPE, censoredLatency, fixtureRun, onSchedule, variant } from '../helpers/compare-fixtures.js';
import { thresholds } from '../helpers/scenario.js';

const real = onSchedule(fixtureRun());
const room = (r: RunResult): ScenarioResult => r.scenarios.find((s) => s.name === 'room')!;

const EDGES: Record<string, (s: ScenarioResult) => void> = {
  'a real run': () => undefined,
  'nothing sent': (s) => { s.throughput.sent = 0; s.throughput.sentPerSecond = 0; s.throughput.deliveredPerSecond = 0; },
  'nothing expected': (s) => { s.delivery.expected = 0; s.delivery.lost = 0; },
  'nothing delivered': (s) => { s.delivery.delivered = 0; },
  'latency censored': (s) => { s.latency = censoredLatency(); s.serviceTime = censoredLatency(); },
};

describe('the metric table', () => {
  it('has exactly one entry per threshold metric, undelivered and bytesPerDelivered included', () => {
    expect(METRICS.map((m) => m.name).sort()).toEqual([...THRESHOLD_METRICS].sort());
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(METRICS.length);
    expect(metric('undelivered')).toMatchObject({ unit: 'count', better: 'lower', rule: 'count' });
    expect(COMPARED_METRICS.map((m) => m.name)).toEqual([
      'p50', 'p90', 'p99', 'p999', 'max', 'service.p99', 'deliveredPerSecond', 'lossRatio', 'undelivered', 'duplicated', 'reordered', 'violations', 'bytesPerDelivered',
    ]);
  });

  it('names the percentile each latency metric reads and its samples (arrived + censored), so compare can tell it from the max', () => {
    expect(['p50', 'p90', 'p99', 'p999', 'service.p99'].map((n) => metric(n as 'p50').percentile?.at)).toEqual([50, 90, 99, 99.9, 99]);
    // The max is the p100: compare judges it only with the samples p99.9 needs (compare-rules).
    expect(metric('max').percentile?.at).toBe(100);
    expect(metric('mean').percentile).toBeUndefined();
    const censored = room(variant(real, 'room', EDGES['latency censored']!));
    expect(metric('max').percentile?.samples(censored)).toBe(100);
    expect(metric('p99').percentile?.samples(censored)).toBe(100);
    expect(metric('service.p99').percentile?.samples(room(real))).toBe(room(real).serviceTime.count);
  });

  it('reads "nothing measured" where there is nothing: no rate without sends, no loss ratio without owed deliveries', () => {
    const none = variant(real, 'room', EDGES['nothing sent']!);
    expect(metric('deliveredPerSecond').read(room(none))).toEqual({ kind: 'nothing' });
    expect(metric('sentPerSecond').read(room(none))).toEqual({ kind: 'nothing' });
    expect(metric('lossRatio').read(room(variant(real, 'room', EDGES['nothing expected']!)))).toEqual({ kind: 'nothing' });
    expect(metric('lossRatio').read(room(real))).toEqual({ kind: 'value', value: 0 });
    expect(metric('sent').read(room(none))).toEqual({ kind: 'value', value: 0 });
  });

  it('reads a percentile among never-arrived deliveries as "more than the wait", and the mean as a lower bound', () => {
    const latency = censoredLatency();
    expect(latency.p99).toBeNull();
    expect(latency.p90).not.toBeNull();
    const s = room(variant(real, 'room', (x) => { x.latency = latency; }));
    expect(metric('p99').read(s)).toEqual({ kind: 'censored', atLeast: 5_000_000 });
    expect(metric('p90').read(s)).toEqual({ kind: 'value', value: latency.p90 });
    const mean = metric('mean').read(s);
    expect(mean.kind).toBe('censored');
    expect(mean.kind === 'censored' && mean.atLeast).toBeCloseTo((latency.mean * 98 + 5_000_000 * 2) / 100, 6);
    expect(metric('min').read(s)).toEqual({ kind: 'value', value: latency.min });
  });

  describe.each(Object.keys(EDGES))('thresholds and compare agree on every compared metric: %s', (edge) => {
    const changed = variant(real, 'room', EDGES[edge]!);
    const comparison = compareResults(changed, changed, ENVELOPE);
    const compared = comparison.scenarios.find((s) => s.name === 'room')!;
    it.each(COMPARED_METRICS.map((m) => m.name))('%s', (name) => {
      const m = metric(name);
      const [t] = thresholds(`${name} >= 0${m.unit === 'us' ? 'us' : ''}`);
      const verdict = evaluateThreshold(room(changed), t!);
      const row = compared.metrics.find((x) => x.id === name)!;
      expect(verdict.actual).toBe(row.current);
      expect(verdict.censored).toBe(row.censored.current);
      if (verdict.actual === null) expect([verdict.passed, row.verdict]).toEqual([false, 'not-measured']);
      else expect(verdict.passed).toBe(true); // a measured value always meets ">= 0"
    });
  });
});
