/**
 * The engine end to end on the embedded broker: plans, connects, waits for readiness,
 * sends on schedule, drains, and judges delivery per QoS. Faults injected on the receiving
 * side must show up as loss, duplicates and reorders, allowed or violations by level.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenario, runScenarios } from '../../core/engine/index.js';
import { RunResult } from '../../core/result/index.js';
import { openTarget, targetFromUrl } from '../../runners/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { holdBack, withFault } from '../helpers/faulty-driver.js';
import { spec, thresholds } from '../helpers/scenario.js';
import { closedPort } from '../helpers/ports.js';

let target: TargetHandle;
let runCounter = 0;
const driver = () => target.createDriver(`eng${runCounter++}`);

beforeAll(async () => {
  target = await openTarget(null);
});
afterAll(async () => {
  await target.close();
});

describe('engine on the embedded broker', () => {
  it('delivers every room message to every other member, and measures each once', async () => {
    const d = driver();
    const s = spec({ users: 6, rooms: { count: 2, members: 3 }, rate: 300, durationMs: 600, warmupMs: 100, qos: 1 });
    const r = await runScenario(s, { runId: `eng${runCounter}`, driver: d });
    await d.close();
    // 600 ms at 300/s = 180 sends; each room message is owed to the 2 other members.
    expect(r.delivery.expected).toBe(180 * 2);
    expect(r.delivery.delivered).toBe(360);
    expect(r.delivery).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, violations: 0, sendErrors: 0 });
    // Warm-up sends (the first 100 ms = 30 sends) are tracked but not measured.
    expect(r.throughput.sent).toBe(150);
    // The window spans the schedule of the measured sends (150 sends at 300/s = 0.5 s), so a run
    // that keeps up reads its rate; on a loaded machine the last send may leave a little late.
    expect(r.throughput.durationSeconds).toBeGreaterThanOrEqual(0.5);
    // The rate is read over that window: never more than the sends over the schedule's span.
    expect(r.throughput.durationSeconds).toBeGreaterThanOrEqual(r.throughput.sent / s.rate);
    expect(r.throughput.sentPerSecond).toBeCloseTo(r.throughput.sent / r.throughput.durationSeconds, 6);
    expect(r.throughput.sentPerSecond).toBeGreaterThan(150);
    expect(r.throughput.sentPerSecond).toBeLessThanOrEqual(300);
    expect(r.latency.count).toBe(300);
    expect(r.serviceTime.count).toBe(300);
    expect(r.scheduleLag.count).toBe(150);
    expect(r.connections).toMatchObject({ opened: 6, lost: 0, lostBy: { server: 0, network: 0, chatbench: 0 }, ends: [], downgrades: [] });
    expect(r.delivery.undelivered).toBe(0);
    expect(r.drain).toMatchObject({ endedBy: 'all-delivered', owedAtEnd: 0 });
    expect(r.sends).toEqual({ failed: 0, unfinished: [] });
    expect(r.anomalies).toEqual([]);
    expect(r.spec).toMatchObject({ name: 'test', rate: 300, drainMs: 2000, drainMaxMs: 60_000, stallTimeoutMs: 5_000 });
    expect(r.latency).toMatchObject({ censored: 0, waited: 0 });
    expect(r.connections.connectTime.count).toBe(6);
    expect(r.connections.connectTime.min).toBeGreaterThan(0);
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.latency.max).toBeGreaterThanOrEqual(r.latency.p99 ?? Number.POSITIVE_INFINITY);
    expect(r.wire.bytesOut).toBeGreaterThan(180 * 128);
    expect(r.wire.bytesIn).toBeGreaterThan(360 * 128);
    expect(r.wire.phases.handshake.bytesOut).toBeGreaterThan(0);
    expect(r.status).toBe('passed');
  });

  it('fails a scenario in which nothing was measured', async () => {
    const d = driver();
    const r = await runScenario(spec({ messages: 10, warmupMs: 100, rate: 400 }), { runId: `eng${runCounter}`, driver: d });
    await d.close();
    expect(r.throughput.sent).toBe(0);
    expect(r.status).toBe('failed');
    expect(r.reasons.map((x) => x.kind)).toContain('nothing-measured');
  });

  it('sends direct messages both ways in every pair at QoS 2', async () => {
    const d = driver();
    const s = spec({ users: 4, rooms: { count: 0, members: 0 }, directPairs: 2, rate: 200, messages: 40, durationMs: 1000, warmupMs: 0, qos: 2 });
    const r = await runScenario(s, { runId: `eng${runCounter}`, driver: d });
    await d.close();
    expect(r.delivery.expected).toBe(40);
    expect(r.delivery.byQos['2']).toMatchObject({ expected: 40, delivered: 40, lost: 0, violations: 0 });
    expect(r.delivery.byQos['1']).toBeUndefined();
  });

  it('finds loss and calls it a violation at QoS 1 but not at QoS 0', async () => {
    const dropEvery7th = (_: string, m: Parameters<Parameters<typeof withFault>[1]>[1], i: number) => (i % 7 === 3 ? [] : [m]);
    const run = async (qos: 0 | 1) => {
      const d = withFault(driver(), dropEvery7th);
      const r = await runScenario(spec({ qos, drainMs: 300, thresholds: thresholds('lost == 0') }), { runId: `eng${runCounter}`, driver: d });
      await d.close();
      return r;
    };
    const q1 = await run(1);
    // Dropped with later messages of the stream arriving, on a connection that stayed up, of
    // sends the server acknowledged: lost with evidence (at most the stream's tail is undelivered).
    expect(q1.delivery.lost).toBeGreaterThan(0);
    expect(q1.delivery.lost + q1.delivery.undelivered).toBe(q1.delivery.expected - q1.delivery.delivered);
    expect(q1.delivery.undelivered).toBeLessThan(q1.delivery.lost);
    expect(q1.delivery.byQos['1']?.violations).toBe(q1.delivery.lost);
    expect(q1.status).toBe('failed');
    expect(q1.reasons.find((x) => x.kind === 'delivery')).toMatchObject({ level: 1, lost: q1.delivery.lost });
    expect(q1.thresholds).toEqual([{ expression: 'lost == 0', actual: q1.delivery.lost, unit: '', censored: false, passed: false }]);

    const q0 = await run(0);
    expect(q0.delivery.lost).toBeGreaterThan(0);
    expect(q0.delivery.violations).toBe(0);
    expect(q0.reasons.some((r) => r.kind === 'delivery')).toBe(false);
  });

  it('allows duplicates at QoS 1 and flags them at QoS 2', async () => {
    const dupEvery5th = (_: string, m: Parameters<Parameters<typeof withFault>[1]>[1], i: number) => (i % 5 === 0 ? [m, m] : [m]);
    const run = async (qos: 1 | 2) => {
      const d = withFault(driver(), dupEvery5th);
      const r = await runScenario(spec({ qos }), { runId: `eng${runCounter}`, driver: d });
      await d.close();
      return r;
    };
    const q1 = await run(1);
    expect(q1.delivery.duplicated).toBeGreaterThan(0);
    expect(q1.delivery.lost).toBe(0);
    expect(q1.status).toBe('passed');
    const q2 = await run(2);
    expect(q2.delivery.duplicated).toBeGreaterThan(0);
    expect(q2.delivery.byQos['2']?.violations).toBe(q2.delivery.duplicated);
    expect(q2.status).toBe('failed');
  });

  it('judges a receiver at the QoS its subscription was granted, not the one asked', async () => {
    // The server grants u1 only QoS 0 for the room: losing some of u1's messages is then
    // allowed, while the same loss at u2 (granted QoS 1) stays a violation.
    const base = driver();
    const downgrading = {
      ...base,
      connect: async (o: Parameters<typeof base.connect>[0]) => {
        const session = await base.connect(o);
        if (o.user !== 'u1') return session;
        return Object.assign(Object.create(session) as typeof session, {
          joinRoom: async (room: string, level: 0 | 1 | 2) => { await session.joinRoom(room, level); return 0 as const; },
        });
      },
    };
    const seen = new Map<string, number>();
    const d = withFault(downgrading, (u, m) => {
      const n = (seen.get(u) ?? 0) + 1;
      seen.set(u, n);
      return u !== 'u0' && n % 7 === 3 ? [] : [m]; // drop some of u1's and u2's messages
    });
    const r = await runScenario(spec({ users: 3, rooms: { count: 1, members: 3 }, drainMs: 300 }), { runId: `eng${runCounter}`, driver: d });
    await base.close();
    expect(r.connections.downgraded).toBe(1);
    expect(r.connections.downgrades).toEqual([{ asked: 1, granted: 0, count: 1 }]);
    expect(r.delivery.byQos['0']?.lost).toBeGreaterThan(0);
    expect(r.delivery.byQos['0']?.violations).toBe(0);
    expect(r.delivery.byQos['1']?.lost).toBeGreaterThan(0);
    expect(r.delivery.byQos['1']?.violations).toBe(r.delivery.byQos['1']?.lost);
    expect(r.delivery.byQos['0']!.expected + r.delivery.byQos['1']!.expected).toBe(r.delivery.expected);
  });

  it('finds reordering and never allows it', async () => {
    const d = withFault(driver(), holdBack('u1', 5, 3));
    const r = await runScenario(spec({ qos: 1, users: 2, rooms: { count: 1, members: 2 } }), { runId: `eng${runCounter}`, driver: d });
    await d.close();
    expect(r.delivery.reordered).toBeGreaterThan(0);
    expect(r.delivery.lost).toBe(0);
    expect(r.status).toBe('failed');
  });

  it('measures latency from the intended send time, so a stalled receiver shows in latency', async () => {
    // Every message for u1 sits in the handler queue behind a 150 ms stall once: latency from
    // intended time and service time both include it; the p99 must reflect the stall.
    let stalled = false;
    const base = driver();
    const d = withFault(base, (u, m) => {
      if (u === 'u1' && !stalled) {
        stalled = true;
        const until = Date.now() + 150;
        while (Date.now() < until) { /* block the loop: nothing is received meanwhile */ }
      }
      return [m];
    });
    const r = await runScenario(spec({ users: 2, rooms: { count: 1, members: 2 }, rate: 500, durationMs: 600, warmupMs: 0 }), { runId: `eng${runCounter}`, driver: d });
    await d.close();
    expect(r.latency.max).toBeGreaterThan(100_000);
    expect(r.delivery.lost).toBe(0);
  });
});

describe('runScenarios', () => {
  it('returns a result that matches the contract and keeps scenario order', async () => {
    const file = { file: 'inline', target: null, scenarios: [spec({ name: 'a', thresholds: thresholds('p99 < 10s') }), spec({ name: 'b' })] };
    const r = await runScenarios({ scenarioFile: file, target, toolVersion: '9.9.9', runId: 'tstrun' });
    expect(RunResult.parse(r)).toEqual(r);
    expect(r.scenarios.map((s) => s.name)).toEqual(['a', 'b']);
    expect(r.target.embedded).toBe(true);
    expect(r.aborted).toBeNull();
    expect(r.scenarios[0]?.thresholds[0]).toMatchObject({ expression: 'p99 < 10s', unit: 's', passed: true });
  });

  it('runs only the scenarios asked for, and rejects unknown names', async () => {
    const file = { file: 'inline', target: null, scenarios: [spec({ name: 'a' }), spec({ name: 'b' })] };
    const r = await runScenarios({ scenarioFile: file, target, toolVersion: '0', only: ['b'] });
    expect(r.scenarios.map((s) => s.name)).toEqual(['b']);
    await expect(runScenarios({ scenarioFile: file, target, toolVersion: '0', only: ['nope'] })).rejects.toThrow(/unknown scenario "nope"; the file has: a, b/);
  });

  it('stops on an unreachable target and keeps what was measured before', async () => {
    const closed = await closedPort();
    let calls = 0;
    const flaky: TargetHandle = {
      info: target.info,
      close: async () => undefined,
      createDriver: (runId) => (calls++ === 0 ? target.createDriver(runId) : createMqttDriver({ url: `mqtt://127.0.0.1:${closed}`, mqttVersion: '3.1.1' }, { runId })),
    };
    const checkpoints: number[] = [];
    const marks: RunResult['aborted'][] = [];
    const file = { file: 'inline', target: null, scenarios: [spec({ name: 'first' }), spec({ name: 'second' }), spec({ name: 'third' })] };
    const r = await runScenarios({ scenarioFile: file, target: flaky, toolVersion: '0', onCheckpoint: (p) => { checkpoints.push(p.scenarios.length); marks.push(p.aborted); } });
    expect(r.scenarios.map((s) => s.name)).toEqual(['first']);
    expect(r.aborted).toMatchObject({ scenario: 'second', cause: 'unreachable' });
    expect(r.aborted?.message).toMatch(new RegExp(`cannot reach target mqtt://127.0.0.1:${closed}`));
    expect(checkpoints).toEqual([1, 1]);
    // A checkpoint between scenarios never passes for a finished run.
    expect(marks[0]).toEqual({ scenario: null, cause: 'incomplete', message: '1 of 3 scenarios had finished when this checkpoint was written' });
    expect(marks[1]).toEqual(r.aborted);
    expect(r.selected).toEqual(['first', 'second', 'third']);
  });

  it('aborts within the connect timeout when the server accepts but never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const handle = await openTarget(targetFromUrl(`mqtt://127.0.0.1:${port}`, { mqttVersion: '3.1.1' }));
    const started = Date.now();
    const file = { file: 'inline', target: null, scenarios: [spec({ connect: { concurrency: 4, timeoutMs: 400 } })] };
    const r = await runScenarios({ scenarioFile: file, target: handle, toolVersion: '0' });
    silent.close();
    expect(r.aborted?.message).toMatch(/cannot reach target|did not finish/);
    expect(['unreachable', 'timeout']).toContain(r.aborted?.cause);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up, never hangs, when the server stops acknowledging sends', async () => {
    const base = driver();
    const stalled = { ...base, connect: async (o: Parameters<typeof base.connect>[0]) => {
      const session = await base.connect(o);
      return Object.assign(Object.create(session) as typeof session, { sendToRoom: () => new Promise<void>(() => undefined) });
    } };
    const s = spec({ rate: 200, durationMs: 500, connect: { concurrency: 4, timeoutMs: 300 } });
    const started = Date.now();
    const r = await runScenario(s, { runId: `eng${runCounter}`, driver: stalled, maxInFlight: 10 });
    await base.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.status).toBe('aborted');
    expect(r.reasons[0]).toMatchObject({ kind: 'abort', cause: 'timeout' });
    expect(r.reasons[0]?.message).toMatch(/send phase overran by 300 ms: 10 of 100 messages sent, 10 still unacknowledged/);
  });

  it('stops sending when aborted and returns the partial measurement', async () => {
    const controller = new AbortController();
    const file = { file: 'inline', target: null, scenarios: [spec({ name: 'long', durationMs: 20_000, rate: 200 })] };
    setTimeout(() => controller.abort('SIGINT'), 700);
    const started = Date.now();
    const r = await runScenarios({ scenarioFile: file, target, toolVersion: '0', signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.aborted).toEqual({ scenario: 'long', cause: 'signal', message: 'interrupted by SIGINT' });
    const s = r.scenarios[0];
    expect(s?.status).toBe('aborted');
    expect(s?.delivery.expected).toBeGreaterThan(0);
    expect(s?.delivery.expected).toBeLessThan(200 * 20 * 3);
    // Interrupted, it still drains: what was in flight arrives instead of counting as lost.
    expect(s?.delivery.lost).toBe(0);
    expect(s?.delivery.undelivered).toBe(0);
    expect(s?.drain.endedBy).toBe('all-delivered');
    expect(s?.delivery.violations).toBe(0);
  });
});
