import { describe, expect, it } from 'vitest';
import { ThroughputMeter, mergeThroughput } from '../../core/metrics/throughput.js';
import { Throughput } from '../../core/result/index.js';

const S = 1_000_000; // µs per second
const START = 50 * S; // the monotonic clock does not start at 0

describe('ThroughputMeter', () => {
  it('counts deliveries per whole second and rates over the window', () => {
    const m = new ThroughputMeter(START);
    for (let i = 0; i < 30; i++) m.sent();
    m.sent(10);
    for (const [second, n] of [[0, 5], [1, 10], [2, 25]] as const) {
      for (let i = 0; i < n; i++) m.delivered(START + second * S + i * 1_000);
    }
    const t = m.summary(START + 3 * S);
    expect(Throughput.parse(t)).toEqual(t);
    expect(t).toEqual({ sent: 40, delivered: 40, durationSeconds: 3, sentPerSecond: 40 / 3, deliveredPerSecond: 40 / 3, series: [5, 10, 25] });
  });

  it('ignores deliveries before the window start (warm-up)', () => {
    const m = new ThroughputMeter(START);
    m.delivered(START - 1);
    m.delivered(0);
    m.delivered(Number.NaN);
    m.delivered(START);
    expect(m.summary(START + S)).toMatchObject({ delivered: 1, series: [1] });
  });

  it('includes a trailing partial second as its own bucket, rates over the exact duration', () => {
    const m = new ThroughputMeter(START);
    m.delivered(START + 100);
    m.delivered(START + 2 * S + 400_000);
    const t = m.summary(START + 2.5 * S);
    expect(t.series).toEqual([1, 0, 1]);
    expect(t.durationSeconds).toBe(2.5);
    expect(t.deliveredPerSecond).toBe(2 / 2.5);
  });

  it('leaves whole seconds after the window end out of the rate and series', () => {
    const m = new ThroughputMeter(START);
    m.delivered(START + 500_000);
    m.delivered(START + 3 * S); // drain, two seconds after the end
    expect(m.summary(START + S)).toMatchObject({ delivered: 1, series: [1] });
  });

  it('after closeWindow, cuts the drain off exactly, even inside the last partial second', () => {
    const m = new ThroughputMeter(START);
    m.delivered(START + 1_000);
    m.closeWindow(START + 1.5 * S);
    m.delivered(START + 1.5 * S - 1); // still inside
    m.delivered(START + 1.5 * S); // drain
    m.delivered(START + 1.9 * S); // drain, same bucket
    const t = m.summary();
    expect(t).toMatchObject({ delivered: 2, durationSeconds: 1.5, series: [1, 1] });
  });

  it('gives zero rates for an empty window and rejects an end before the start', () => {
    const m = new ThroughputMeter(START);
    expect(m.summary(START)).toEqual({ sent: 0, delivered: 0, durationSeconds: 0, sentPerSecond: 0, deliveredPerSecond: 0, series: [] });
    expect(() => m.summary(START - 1)).toThrow(RangeError);
    expect(() => m.summary()).toThrow(RangeError); // no end known
    expect(() => m.closeWindow(START - 1)).toThrow(RangeError);
    expect(() => new ThroughputMeter(Number.NaN)).toThrow(RangeError);
  });

  it('keeps empty seconds in the series', () => {
    const m = new ThroughputMeter(START);
    m.delivered(START + 4 * S + 1);
    expect(m.summary(START + 5 * S).series).toEqual([0, 0, 0, 0, 1]);
  });
});

describe('mergeThroughput', () => {
  it('sums totals and series second by second', () => {
    const a = new ThroughputMeter(START);
    const b = new ThroughputMeter(START);
    a.sent(4);
    b.sent(6);
    for (const at of [0, 1, 1.5]) a.delivered(START + at * S);
    for (const at of [0.2, 2.1]) b.delivered(START + at * S);
    const merged = mergeThroughput([a.summary(START + 2 * S), b.summary(START + 3 * S)]);
    expect(merged).toEqual({ sent: 10, delivered: 5, durationSeconds: 3, sentPerSecond: 10 / 3, deliveredPerSecond: 5 / 3, series: [2, 2, 1] });
  });
});
