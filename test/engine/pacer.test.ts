import { describe, expect, it } from 'vitest';
import { nowMicros } from '../../core/clock.js';
import { pace } from '../../core/engine/pacer.js';

describe('open-model pacer', () => {
  it('schedules send i at start + i / rate and fires each once, in order', async () => {
    const start = nowMicros() + 2000;
    const fired: Array<[number, number, number]> = [];
    const n = await pace({ startMicros: start, ratePerSecond: 1000, count: 50, fire: (i, intended) => fired.push([i, intended, nowMicros()]) });
    expect(n).toBe(50);
    expect(fired.map(([i]) => i)).toEqual([...Array(50).keys()]);
    for (const [i, intended, at] of fired) {
      expect(intended).toBe(Math.round(start + i * 1000));
      expect(at).toBeGreaterThanOrEqual(intended); // never early
    }
  });

  it('keeps intended times fixed while saturated, and fires the backlog at once afterwards', async () => {
    const start = nowMicros();
    let blocked = true;
    setTimeout(() => { blocked = false; }, 50);
    const fired: Array<[number, number]> = [];
    await pace({ startMicros: start, ratePerSecond: 1000, count: 20, saturated: () => blocked, fire: (i, intended) => fired.push([i, intended]) });
    expect(fired.map(([, t]) => t)).toEqual([...Array(20).keys()].map((i) => Math.round(start + i * 1000)));
  });

  it('stops at the deadline and when aborted, reporting how many it fired', async () => {
    const start = nowMicros();
    const byDeadline = await pace({ startMicros: start, ratePerSecond: 1000, count: 10_000, deadlineMicros: start + 30_000, fire: () => undefined });
    // One send per ms is due; nothing past the deadline (31 due at most by then).
    expect(byDeadline).toBeGreaterThan(0);
    expect(byDeadline).toBeLessThanOrEqual(31);

    const controller = new AbortController();
    const abortStart = nowMicros();
    setTimeout(() => controller.abort(), 30);
    const byAbort = await pace({ startMicros: abortStart, ratePerSecond: 1000, count: 10_000, signal: controller.signal, fire: () => undefined });
    const elapsedMs = (nowMicros() - abortStart) / 1000;
    expect(byAbort).toBeGreaterThan(0);
    expect(byAbort).toBeLessThanOrEqual(Math.floor(elapsedMs) + 1);
    expect(byAbort).toBeLessThan(10_000);
  });
});
