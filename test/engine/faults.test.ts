/**
 * Injected faults and takeovers: the timeline (when, whom, what; capped), slow consumers, session
 * takeovers judged on evidence — on an in-memory server the test controls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowMicros } from '../../core/clock.js';
import { runScenario } from '../../core/engine/index.js';
import { InputError } from '../../core/errors.js';
import { FaultTimeline, pickUsers, shareOf } from '../../core/engine/faults.js';
import { seededRandom } from '../../core/engine/random.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { memoryBroker } from '../helpers/memory-broker.js';
import { runOnMqtt } from '../helpers/mqtt-run.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';

describe('fault timeline', () => {
  it('keeps 1,000 events and counts the rest; the counts stay exact', () => {
    const t = new FaultTimeline(nowMicros());
    for (let i = 0; i < 1_200; i++) t.record('disconnect', [`u${i}`, `v${i}`], 'socket dropped');
    t.record('slow-consumer', ['u1'], 'reads paused for 100 ms');
    const f = t.figures();
    expect(f.timeline).toHaveLength(1_000);
    expect(f.timelineDropped).toBe(201);
    expect(f).toMatchObject({ disconnects: 2_400, reconnects: 0, slowConsumers: 1, network: null });
    expect(f.timeline[0]).toMatchObject({ kind: 'disconnect', users: ['u0', 'v0'], detail: 'socket dropped' });
  });

  it('draws users without repeats, the same for the same seed; a share is at least one user', () => {
    const pool = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const a = pickUsers(pool, 4, seededRandom(7, 4));
    expect(new Set(a).size).toBe(4);
    expect(pickUsers(pool, 4, seededRandom(7, 4))).toEqual(a);
    expect(pickUsers(pool, 40, seededRandom(7, 4))).toHaveLength(10);
    expect(shareOf(0.3, 10)).toBe(3);
    expect(shareOf(0.01, 10)).toBe(1);
    expect(shareOf(0, 10)).toBe(0);
  });
});

describe('slow consumers and takeovers on an in-memory server', () => {
  it('a slow consumer pauses its reads at atMs: on the timeline, and its deliveries arrive late, not lost', async () => {
    const { driver, stats } = memoryBroker();
    const r = await runScenario(
      spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 800, qos: 1, faults: [{ kind: 'slow-consumer', users: 2, atMs: 200, forMs: 300 }] }),
      { runId: 'flt1', driver },
    );
    expect(stats.pauses).toHaveLength(2);
    expect(r.faults).toMatchObject({ slowConsumers: 2, disconnects: 0 });
    expect(r.faults?.timeline).toHaveLength(1);
    expect(r.faults?.timeline[0]).toMatchObject({ kind: 'slow-consumer', detail: 'reads paused for 300 ms' });
    expect(r.faults?.timeline[0]?.users.sort()).toEqual([...stats.pauses].sort());
    expect(r.faults?.timeline[0]?.atMs).toBeGreaterThanOrEqual(200);
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0 });
    // Paused for 300 ms: the slowest deliveries waited about that long.
    expect(r.latency.max).toBeGreaterThan(200_000);
    expect(r.status).toBe('passed');
  });

  it('takeover: the server closes each first connection; the second device carries on and the run passes', async () => {
    const { driver } = memoryBroker();
    const r = await runScenario(
      spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 800, qos: 1, session: { persistent: true, expiryMs: 60_000 }, takeover: { share: 0.5, atMs: 200 } }),
      { runId: 'flt2', driver },
    );
    expect(r.takeover).toEqual({ attempted: 2, oldClosed: 2, oldNotClosed: 0, newConnected: 2, reasonCodes: [{ code: 0x8e, count: 2 }] });
    expect(r.connections.lost).toBe(0); // the server closing the first device is the takeover, not a loss
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0 });
    expect(r.delivery.delivered).toBe(r.delivery.expected);
    expect(r.status).toBe('passed');
  });

  it('takeover: a server that leaves the first connection open fails the scenario with the evidence', async () => {
    const { driver } = memoryBroker({ ignoreTakeover: true });
    const r = await runScenario(
      spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 100, durationMs: 500, qos: 1, connect: { concurrency: 10, timeoutMs: 600 }, takeover: { share: 0.25, atMs: 100 } }),
      { runId: 'flt3', driver },
    );
    expect(r.takeover).toMatchObject({ attempted: 1, oldClosed: 0, oldNotClosed: 1, newConnected: 1 });
    expect(r.status).toBe('failed');
    expect(r.reasons.find((x) => x.kind === 'pattern')).toMatchObject({ check: 'takeover-not-closed', count: 1 });
  });
});

describe('features a driver lacks', () => {
  it('refuses (bad input, before connecting) a slow-consumer fault and a takeover the driver cannot serve', async () => {
    const { driver, stats } = memoryBroker();
    const lacking = { ...driver, features: new Set(['persistent-session' as const]) };
    const run = runScenario(
      spec({ users: 2, rooms: { count: 1, members: 2 }, takeover: { share: 0.5, atMs: 100 }, faults: [{ kind: 'slow-consumer', users: 1, atMs: 100, forMs: 100 }] }),
      { runId: 'flt5', driver: lacking },
    );
    await expect(run).rejects.toThrow(/option `takeover` needs .*\(takeover\)[\s\S]*option `faults \(slow-consumer\)` needs read pauses \(slow-consumer\)/);
    await expect(run).rejects.toBeInstanceOf(InputError);
    expect(stats.connects).toHaveLength(0);
  });
});

describe('a scenario stopped while a user is away', () => {
  it('does not wait for a return planned far ahead: the planned return is dropped and the run ends, aborted', async () => {
    const { driver, sessionsHeld } = memoryBroker();
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort('SIGINT'), 600);
    const r = await runScenario(
      spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 100, durationMs: 1_000, qos: 1, drainMs: 300, session: { persistent: true, expiryMs: 60_000 }, offline: { share: 0.5, atMs: 100, forMs: 120_000 } }),
      { runId: 'flt4', driver, signal: stop.signal },
    );
    expect(Date.now() - started).toBeLessThan(60_000); // far less than the 120 s the return was planned for
    expect(r.status).toBe('aborted');
    expect(r.absences).toMatchObject({ absences: 2, resumed: 0, notResumed: 0 });
    expect(sessionsHeld()).toBe(0); // the sessions of the users still away were ended too
  });
});

describeWithMosquitto('faults and takeovers on mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => { mosquitto = await startMosquitto(); });
  afterAll(async () => { await mosquitto?.stop(); });

  // Mosquitto 2.0.11 closes the first connection without a DISCONNECT (plain MQTT.js sees the same);
  // a server that sends one must say Session taken over (0x8E).
  it.each([['MQTT.js', createMqttDriver], ['lean', createLeanDriver]] as const)('takeover (MQTT 5.0, %s client): mosquitto closes each first connection; any reason code it sends is Session taken over', async (client, createDriver) => {
    const r = await runOnMqtt(mosquitto.url, '5.0', `fltM1${client[0]}`,
      spec({ users: 6, rooms: { count: 1, members: 6 }, rate: 200, durationMs: 1000, qos: 1, session: { persistent: true, expiryMs: 60_000 }, takeover: { share: 0.5, atMs: 300 } }),
      false, createDriver,
    );
    expect(r.takeover).toMatchObject({ attempted: 3, oldClosed: 3, oldNotClosed: 0, newConnected: 3 });
    for (const c of r.takeover?.reasonCodes ?? []) expect(c.code).toBe(0x8e);
    expect(r.connections.lost).toBe(0);
    expect(r.delivery.lost).toBe(0);
    expect(r.reasons.filter((x) => x.kind === 'pattern' || x.kind === 'connection')).toEqual([]);
  });

  it('QoS 0 disconnect fault on clean sessions: what was sent while away is excused, the rest judged as usual', async () => {
    const r = await runOnMqtt(mosquitto.url, '3.1.1', 'fltM2',
      spec({ users: 6, rooms: { count: 1, members: 6 }, rate: 300, durationMs: 1200, qos: 0, faults: [{ kind: 'disconnect', share: 0.5, atMs: 300, reconnectWithinMs: 400 }] }),
    );
    expect(r.absences).toMatchObject({ absences: 3, abrupt: 3, notResumed: 3 });
    // Three of six away for up to 400 ms at 300/s, five receivers per message: some tens excused.
    expect(r.delivery.excused).toBeGreaterThan(10);
    expect(r.absences?.excused).toBe(r.delivery.excused);
    expect(r.delivery.duplicated).toBe(0);
    expect(r.connections.lost).toBe(0);
    expect(r.status).toBe('passed');
  });

  it('slow consumer: mosquitto queues for a paused reader; its messages arrive late, none lost', async () => {
    const r = await runOnMqtt(mosquitto.url, '3.1.1', 'fltM3',
      spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 1000, qos: 1, faults: [{ kind: 'slow-consumer', users: 1, atMs: 200, forMs: 500 }] }),
    );
    expect(r.faults).toMatchObject({ slowConsumers: 1 });
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0 });
    expect(r.latency.max).toBeGreaterThan(300_000);
    expect(r.status).toBe('passed');
  });
});
