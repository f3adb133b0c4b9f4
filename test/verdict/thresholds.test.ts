/**
 * Threshold evaluation (core/verdict/thresholds.ts): the actual value in the unit the
 * threshold was written in (carried by the parser, Greek mu and micro sign alike), nothing
 * measured never passes, and a percentile among never-arrived deliveries never passes an
 * upper bound — `p99 < 250ms` fails when more than 1 % of owed deliveries are missing.
 */
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, recordMicros } from '../../core/metrics/histogram.js';
import { summarise } from '../../core/metrics/latency-summary.js';
import type { ScenarioResult } from '../../core/result/index.js';
import { describeReading, describeValue, evaluateThreshold } from '../../core/verdict/thresholds.js';
import { fixtureRun, scenarioOf, variant } from '../helpers/compare-fixtures.js';
import { thresholds } from '../helpers/scenario.js';

const real = fixtureRun();
const evaluate = (s: ScenarioResult, expression: string) => evaluateThreshold(s, thresholds(expression)[0]!);

/** `arrived` deliveries at 1 ms and `missing` never delivered after waiting 12 s. */
function withMissing(arrived: number, missing: number): ScenarioResult {
  const h = createLatencyHistogram();
  for (let i = 0; i < arrived; i++) recordMicros(h, 1000);
  return scenarioOf(variant(real, 'room', (s) => { s.latency = summarise(h, { censored: missing, waited: 12_000_000 }); }), 'room');
}

describe('evaluateThreshold', () => {
  it('reports the actual value in the unit as written: ms, s, us, μs (Greek mu), µs (micro sign), %', () => {
    const room = scenarioOf(real, 'room');
    const p99 = room.latency.p99!;
    expect(evaluate(room, 'p99 < 250ms')).toEqual({ expression: 'p99 < 250ms', actual: p99 / 1000, unit: 'ms', censored: false, passed: p99 < 250_000 });
    expect(evaluate(room, 'p99 < 1s')).toMatchObject({ actual: p99 / 1_000_000, unit: 's' });
    for (const mu of ['us', '\u03bcs', '\u00b5s']) expect(evaluate(room, `p99 < 1${mu}`)).toMatchObject({ actual: p99, unit: 'us', passed: false });
    const lossy = scenarioOf(variant(real, 'room', (s) => { s.delivery.expected = 1000; s.delivery.lost = 25; }), 'room');
    expect(evaluate(lossy, 'lossRatio < 2%')).toMatchObject({ actual: 2.5, unit: '%', passed: false });
    expect(evaluate(lossy, 'lossRatio < 0.03')).toMatchObject({ actual: 0.025, unit: '', passed: true });
    expect(evaluate(room, 'deliveredPerSecond >= 1/s')).toMatchObject({ actual: room.throughput.deliveredPerSecond, unit: '/s', passed: true });
  });

  it('never passes on nothing measured, whichever way it points', () => {
    const none = scenarioOf(variant(real, 'room', (s) => { s.throughput.sent = 0; s.delivery.expected = 0; }), 'room');
    for (const e of ['deliveredPerSecond >= 0', 'deliveredPerSecond < 1000000', 'lossRatio < 1%', 'lossRatio >= 0']) {
      expect(evaluate(none, e)).toMatchObject({ actual: null, censored: false, passed: false });
    }
  });

  it('fails p99 < 250ms once more than 1 % of owed deliveries are missing, with actual "> waited" in ms', () => {
    expect(evaluate(withMissing(990, 10), 'p99 < 250ms')).toMatchObject({ actual: 1, passed: true, censored: false });
    const missing = withMissing(989, 11);
    expect(missing.latency.p99).toBeNull();
    expect(evaluate(missing, 'p99 < 250ms')).toEqual({ expression: 'p99 < 250ms', actual: 12_000, unit: 'ms', censored: true, passed: false });
  });

  it('passes a lower bound the wait already proves, and nothing else on a censored value', () => {
    const missing = withMissing(989, 11);
    expect(evaluate(missing, 'p99 > 10s')).toMatchObject({ passed: true, censored: true, actual: 12 });
    expect(evaluate(missing, 'p99 >= 12s')).toMatchObject({ passed: true });
    expect(evaluate(missing, 'p99 != 5s')).toMatchObject({ passed: true });
    expect(evaluate(missing, 'p99 > 20s')).toMatchObject({ passed: false });
    expect(evaluate(missing, 'p99 < 100s')).toMatchObject({ passed: false });
    expect(evaluate(missing, 'p99 == 12s')).toMatchObject({ passed: false });
    // p50 lies among what arrived: measured, not censored.
    expect(evaluate(missing, 'p50 < 2ms')).toMatchObject({ passed: true, censored: false, actual: 1 });
  });
});

describe('describeValue / describeReading: a threshold actual as every report and the judge write it', () => {
  it('keeps the written unit: a ratio as a ratio, "%" as a percentage, with thousands separators', () => {
    expect(describeValue(0.1263571, '', 'lossRatio')).toBe('0.126357');
    expect(describeValue(0.1263571, '%', 'lossRatio')).toBe('12.6357%');
    expect(describeValue(4498.0512, '', 'deliveredPerSecond')).toBe('4,498.05 msg/s');
    expect(describeValue(4498.0512, '/s', 'deliveredPerSecond')).toBe('4,498.05 msg/s');
    expect(describeValue(3538, '', 'sent')).toBe('3,538');
    expect(describeValue(312.5, '', 'bytesPerDelivered')).toBe('312.5 B');
  });

  it('reads a latency in the unit the tables pick for it, whatever it was written in', () => {
    expect(describeValue(609_791, 'us', 'p99')).toBe('609.791 ms');
    expect(describeValue(1_450_230, 'ms', 'p99')).toBe('1.45023 s');
    expect(describeValue(850, 's', 'p50')).toBe('850 µs');
  });

  it('says nothing for nothing measured and "> bound" for a censored value', () => {
    expect(describeReading({ kind: 'nothing' }, '', 'lossRatio')).toBeNull();
    expect(describeReading({ kind: 'censored', atLeast: 12_000_000 }, 'ms', 'p99')).toBe('> 12 s');
    expect(describeReading({ kind: 'value', value: 0.02 }, '%', 'lossRatio')).toBe('2%');
  });
});
