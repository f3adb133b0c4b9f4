/**
 * Load shapes in the engine: the intended send times of each arrival process (constant, ramp,
 * seeded Poisson), the payload sizes drawn from each distribution, and a run of every shape on
 * the embedded broker that completes with nothing lost and latency measured from the intended
 * times. Seeded, so every figure here is the same on every run; no wall-clock assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowMicros } from '../../core/clock.js';
import type { Driver, TargetHandle } from '../../core/driver.js';
import { runScenario } from '../../core/engine/index.js';
import { pace } from '../../core/engine/pacer.js';
import { plannedSends } from '../../core/engine/plan.js';
import { seededRandom } from '../../core/engine/random.js';
import { scheduleFor } from '../../core/engine/schedule.js';
import { sizeDrawer } from '../../core/engine/sizes.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { openTarget } from '../../runners/index.js';
import { spec } from '../helpers/scenario.js';

const times = (s: ScenarioSpec) => {
  const schedule = scheduleFor(s);
  return Array.from({ length: schedule.count }, (_, i) => schedule.at(i));
};
const gaps = (t: readonly number[]) => t.slice(1).map((x, i) => x - (t[i] as number));
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('schedule of intended send times', () => {
  it('constant (no arrival key): send i at i / rate, the count rate × duration as before', () => {
    const t = times(spec({ rate: 400, durationMs: 500 }));
    expect(t.length).toBe(200);
    expect(plannedSends(spec({ rate: 400, durationMs: 500 }))).toBe(200);
    expect(t[0]).toBe(0);
    expect(t[199]).toBeCloseTo(199 * 2_500, 6);
    expect(new Set(gaps(t).map((g) => g.toFixed(6)))).toEqual(new Set(['2500.000000']));
    expect(times(spec({ rate: 400, durationMs: 500, messages: 50 })).length).toBe(50);
  });

  it('a ramp phase: (from + to) / 2 × duration sends, gaps shrinking from 1/from to 1/to, ending at the end of the phase', () => {
    const s = spec({ rate: 1000, durationMs: 2_000, phases: [{ durationMs: 2_000, fromRate: 100, toRate: 1_000 }] });
    const t = times(s);
    expect(t.length).toBe(1_100); // (100 + 1000) / 2 × 2 s
    const g = gaps(t);
    // rate(t) = 100 + 450·t: the first gap is about 1/100 s, the last about 1/1000 s (the end rate reached)
    expect(g[0]).toBeGreaterThan(9_000);
    expect(g[0]).toBeLessThan(10_000);
    expect(g[g.length - 1]).toBeGreaterThan(1_000);
    expect(g[g.length - 1]).toBeLessThan(1_010);
    for (let i = 1; i < g.length; i++) expect(g[i]).toBeLessThanOrEqual((g[i - 1] as number) + 1e-6);
    // the last send lands at the end of the ramp: N(2 s) = 1100, so send 1099 is due just before 2 s
    expect(t[t.length - 1]).toBeGreaterThan(1_998_000);
    expect(t[t.length - 1]).toBeLessThanOrEqual(2_000_000);
    // sends in the last 100 ms: the rate there is ~978/s..1000/s, not the start rate
    expect(t.filter((x) => x >= 1_900_000).length).toBeGreaterThanOrEqual(97);
    // a ramp down works the same way
    const down = times(spec({ rate: 1_000, durationMs: 2_000, phases: [{ durationMs: 2_000, fromRate: 1_000, toRate: 100 }] }));
    expect(down.length).toBe(1_100);
    const dg = gaps(down);
    expect(dg[0]).toBeLessThan(1_010);
    expect(dg[dg.length - 1]).toBeGreaterThan(9_000);
  });

  it('phases ramp up from 0, hold, ramp down to 0: each stretch gets its share of sends at its own rate', () => {
    const phases = [
      { durationMs: 1_000, fromRate: 0, toRate: 400 }, //   200 sends
      { durationMs: 1_000, fromRate: 400, toRate: 400 }, // 400 sends
      { durationMs: 500, fromRate: 400, toRate: 0 }, //     100 sends
    ];
    const t = times(spec({ rate: 400, durationMs: 2_500, phases }));
    expect(t.length).toBe(700);
    const within = (a: number, b: number) => t.filter((x) => x >= a * 1_000 && x < b * 1_000).length;
    expect(within(0, 1_000)).toBe(200);
    expect(within(1_000, 2_000)).toBe(400);
    expect(within(2_000, 2_500)).toBe(100);
    // the steady stretch is evenly spaced at 1/400 s; the ramp up starts slow (N(t) = 200·t²: send 1 at √(1/200) s)
    const steady = gaps(t.filter((x) => x >= 1_000_000 && x < 2_000_000));
    expect(Math.max(...steady) - Math.min(...steady)).toBeLessThan(0.01);
    expect(steady[0]).toBeCloseTo(2_500, 3);
    expect(t[1]).toBeCloseTo(Math.sqrt(1 / 200) * 1e6, 0);
    // ramping down: the last gaps widen (rate near 0 at the end)
    const g = gaps(t);
    expect(g[g.length - 1]).toBeGreaterThan(g[g.length - 50] as number);
    expect(t[t.length - 1]).toBeLessThan(2_500_000);
  });

  it('think time: every sender once per think from its own seeded start, in time order, the same at the same seed', () => {
    // 6 senders, 1 s think, 3.5 s: 3 whole rounds and the senders whose start is before 0.5 s in the 4th
    const s = spec({ thinkMs: 1_000, durationMs: 3_500, seed: 11 });
    const schedule = scheduleFor(s, 6);
    const sends = Array.from({ length: schedule.count }, (_, i) => ({ at: schedule.at(i), stream: schedule.stream?.(i) as number }));
    const starts = Array.from({ length: 6 }, (_, st) => (sends.find((x) => x.stream === st) as { at: number }).at);
    expect(schedule.count).toBe(18 + starts.filter((p) => p < 500_000).length);
    expect(starts.every((p) => p >= 0 && p < 1_000_000)).toBe(true);
    expect(new Set(starts).size).toBe(6); // a random phase each, not all at once
    for (let st = 0; st < 6; st++) {
      const mine = sends.filter((x) => x.stream === st).map((x) => x.at);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      expect(gaps(mine).every((g) => Math.abs(g - 1_000_000) < 1e-6)).toBe(true);
    }
    for (let i = 1; i < sends.length; i++) expect(sends[i]?.at).toBeGreaterThanOrEqual(sends[i - 1]?.at as number);
    expect(sends.every((x) => x.at < 3_500_000)).toBe(true);
    const again = scheduleFor(s, 6);
    expect(Array.from({ length: again.count }, (_, i) => again.at(i))).toEqual(sends.map((x) => x.at));
    expect(scheduleFor({ ...s, seed: 12 }, 6).at(0)).not.toBe(sends[0]?.at);
  });

  it('poisson along phases: a rate-varying Poisson process (more arrivals where the rate is higher)', () => {
    const phases = [{ durationMs: 5_000, fromRate: 100, toRate: 100 }, { durationMs: 5_000, fromRate: 1_000, toRate: 1_000 }];
    const t = times(spec({ rate: 1_000, durationMs: 10_000, phases, arrival: { kind: 'poisson' }, seed: 4 }));
    const first = t.filter((x) => x < 5_000_000).length;
    const second = t.length - first;
    // expected 500 (sd 22) and 5,000 (sd 71): within 4 sd
    expect(Math.abs(first - 500)).toBeLessThan(90);
    expect(Math.abs(second - 5_000)).toBeLessThan(290);
  });

  it('poisson: the arrivals of a seeded process inside the duration, mean gap 1/rate, the same on every call', () => {
    const s = spec({ rate: 1_000, durationMs: 10_000, arrival: { kind: 'poisson' }, seed: 42 });
    const t = times(s);
    // 10,000 expected; a Poisson count has sd 100: within 4 sd
    expect(Math.abs(t.length - 10_000)).toBeLessThan(400);
    expect(t[0]).toBe(0);
    expect(t.every((x) => x < 10_000_000)).toBe(true);
    const g = gaps(t);
    // mean of ~10,000 exponential gaps of mean 1,000 µs: sd of the mean 10 µs; within 4 sd
    expect(Math.abs(mean(g) - 1_000)).toBeLessThan(40);
    // exponential, not constant: sd ≈ mean, and about e^-1 of the gaps exceed the mean
    const sd = Math.sqrt(mean(g.map((x) => (x - mean(g)) ** 2)));
    expect(sd / mean(g)).toBeGreaterThan(0.9);
    expect(sd / mean(g)).toBeLessThan(1.1);
    expect(g.filter((x) => x > 1_000).length / g.length).toBeCloseTo(Math.exp(-1), 1);
    // reproducible: the same seed gives the same times; another seed does not
    expect(times(s)).toEqual(t);
    expect(times({ ...s, seed: 43 })).not.toEqual(t);
    expect(plannedSends(s)).toBe(t.length);
  });

  it('the pacer fires each send at its schedule time, Poisson times included (intended time from the process, not from when it fired)', async () => {
    const schedule = scheduleFor(spec({ rate: 2_000, durationMs: 100, arrival: { kind: 'poisson' }, seed: 7 }));
    const fired: [number, number][] = [];
    // start in the past: every send is already due, so the pacer fires them all at once, late —
    // the intended times must still be start + schedule, not the moment they left
    const start = 1_000;
    const n = await pace({ startMicros: start, ratePerSecond: 2_000, count: schedule.count, offsetMicros: (i) => schedule.at(i), fire: (i, at) => fired.push([i, at]) });
    expect(n).toBe(schedule.count);
    const expected = Array.from({ length: schedule.count }, (_, i) => [i, Math.round(start + scheduleFor(spec({ rate: 2_000, durationMs: 100, arrival: { kind: 'poisson' }, seed: 7 })).at(i))]);
    expect(fired).toEqual(expected);
  });
});

describe('payload sizes', () => {
  it('fixed (no payloadSizes): every message is payloadBytes', () => {
    const draw = sizeDrawer(spec({ payloadBytes: 300 }));
    expect(Array.from({ length: 100 }, draw).every((b) => b === 300)).toBe(true);
  });

  it('uniform: every size within min..max, both ends reached, the mean in the middle', () => {
    const draw = sizeDrawer(spec({ payloadBytes: 164, payloadSizes: { kind: 'uniform', min: 64, max: 164 }, seed: 3 }));
    const sizes = Array.from({ length: 20_000 }, draw);
    expect(Math.min(...sizes)).toBe(64);
    expect(Math.max(...sizes)).toBe(164);
    expect(sizes.every(Number.isInteger)).toBe(true);
    // mean 114, sd of the mean ≈ 29 / √20000 ≈ 0.2: within 1
    expect(Math.abs(mean(sizes) - 114)).toBeLessThan(1);
  });

  it('weighted: only the listed sizes, in proportion to their weights, the same at the same seed', () => {
    const s = spec({
      payloadBytes: 4_096,
      payloadSizes: { kind: 'weighted', choices: [{ bytes: 128, weight: 7 }, { bytes: 1_024, weight: 2 }, { bytes: 4_096, weight: 1 }] },
      seed: 9,
    });
    const sizes = Array.from({ length: 20_000 }, sizeDrawer(s));
    const share = (b: number) => sizes.filter((x) => x === b).length / sizes.length;
    expect(new Set(sizes)).toEqual(new Set([128, 1_024, 4_096]));
    // sd of a share p over 20,000 draws ≤ 0.0036: within 0.015
    expect(Math.abs(share(128) - 0.7)).toBeLessThan(0.015);
    expect(Math.abs(share(1_024) - 0.2)).toBeLessThan(0.015);
    expect(Math.abs(share(4_096) - 0.1)).toBeLessThan(0.015);
    expect(Array.from({ length: 20_000 }, sizeDrawer(s))).toEqual(sizes);
  });

  it('the seeded source is uniform in [0, 1) and separates its streams', () => {
    const a = Array.from({ length: 10_000 }, seededRandom(1, 1));
    expect(a.every((u) => u >= 0 && u < 1)).toBe(true);
    expect(Math.abs(mean(a) - 0.5)).toBeLessThan(0.015);
    expect(Array.from({ length: 10 }, seededRandom(1, 2))).not.toEqual(a.slice(0, 10));
  });
});

describe('each shape on the embedded broker', () => {
  let target: TargetHandle;
  let n = 0;
  beforeAll(async () => {
    target = await openTarget(null);
  });
  afterAll(async () => {
    await target.close();
  });

  it('connect.rate: user k starts connecting no sooner than k / rate after the first', async () => {
    const inner = target.createDriver(`shape${n++}`);
    const starts: number[] = [];
    const driver: Driver = {
      protocol: inner.protocol,
      protocolVersion: inner.protocolVersion,
      displayTarget: inner.displayTarget,
      socketOptions: inner.socketOptions,
      connect: (options) => {
        starts.push(nowMicros());
        return inner.connect(options);
      },
      close: () => inner.close(),
    };
    const s = spec({ users: 6, rooms: { count: 1, members: 6 }, rate: 200, durationMs: 300, connect: { concurrency: 6, timeoutMs: 3_000, rate: 25 } });
    const r = await runScenario(s, { runId: `shape${n}`, driver });
    await inner.close();
    expect(starts.length).toBe(6);
    // A lower bound only (the ramp waits at least this long; how much longer depends on the machine).
    // The ramp counts from just before the first connect call, so allow that sliver (2 ms, against
    // the 40 ms per user a missing ramp would not wait at all).
    for (let k = 1; k < 6; k++) expect((starts[k] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(k * 40_000 - 2_000);
    expect(r.delivery).toMatchObject({ lost: 0, violations: 0 });
    expect(r.status).toBe('passed');
  });

  const shapes: [string, Partial<ScenarioSpec>][] = [
    ['constant', {}],
    ['ramp up, steady, ramp down', { durationMs: 600, phases: [{ durationMs: 200, fromRate: 0, toRate: 500 }, { durationMs: 200, fromRate: 500, toRate: 500 }, { durationMs: 200, fromRate: 500, toRate: 0 }] }],
    ['think time', { thinkMs: 20, seed: 3 }],
    ['connections ramped', { connect: { concurrency: 10, timeoutMs: 3_000, rate: 40 } }],
    ['poisson', { arrival: { kind: 'poisson' }, seed: 5 }],
    ['uniform sizes', { payloadBytes: 2_048, payloadSizes: { kind: 'uniform', min: 64, max: 2_048 }, seed: 2 }],
    ['weighted sizes', { payloadBytes: 8_192, payloadSizes: { kind: 'weighted', choices: [{ bytes: 128, weight: 3 }, { bytes: 8_192, weight: 1 }] }, seed: 2 }],
  ];
  it.each(shapes)('%s: every planned send is delivered to every other member, latency from the intended time', async (_name, shape) => {
    const s = spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 400, durationMs: 500, warmupMs: 100, ...shape });
    const planned = plannedSends(s);
    const driver = target.createDriver(`shape${n++}`);
    const r = await runScenario(s, { runId: `shape${n}`, driver });
    await driver.close();
    expect(planned).toBeGreaterThan(50);
    expect(r.delivery.expected).toBe(planned * 3);
    expect(r.delivery).toMatchObject({ delivered: planned * 3, lost: 0, duplicated: 0, reordered: 0, violations: 0, sendErrors: 0 });
    // the sends after the warm-up, by the schedule's own times (the warm-up ends 100 ms after the first send)
    const schedule = scheduleFor(s, 4);
    const measured = Array.from({ length: planned }, (_, i) => schedule.at(i)).filter((t) => t >= 100_000).length;
    expect(r.throughput.sent).toBe(measured);
    expect(r.latency.count).toBe(measured * 3);
    expect(r.scheduleLag.count).toBe(measured);
    expect(r.status).toBe('passed');
    // the result records the shape (absent for today's constant, fixed size)
    expect(r.spec.arrival).toEqual(shape.arrival);
    expect(r.spec.phases).toEqual(shape.phases);
    expect(r.spec.thinkMs).toEqual(shape.thinkMs);
    expect(r.spec.connect.rate).toEqual(shape.connect?.rate);
    expect(r.spec.payloadSizes).toEqual(shape.payloadSizes);
    // the sizes drawn are the sizes sent: the steady bytes out hold every payload (replayed from the
    // same seed, in send order) plus per-message framing (topic, PUBLISH header, receivers' PUBACKs)
    const payloads = Array.from({ length: planned }, sizeDrawer(s)).reduce((a, b) => a + b, 0);
    expect(r.wire.phases.steady.bytesOut).toBeGreaterThanOrEqual(payloads);
    expect(r.wire.phases.steady.bytesOut).toBeLessThan(payloads + planned * 100);
  });
});
