/**
 * Late is not lost, a frozen server is a stall, and every account is kept: the drain waits
 * while deliveries keep coming (progress resets its clock) up to its cap; no progress for the
 * stall timeout aborts the scenario whatever the number in flight; unfinished sends, protocol
 * anomalies, progress events and checkpoints carry what the driver reported. On the embedded
 * broker, with drivers that delay, withhold or misreport on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowMicros } from '../../core/clock.js';
import { SendIncompleteError, type ChatSession, type ConnectOptions, type Driver, type TargetHandle } from '../../core/driver.js';
import { runScenario, type EngineEvent } from '../../core/engine/index.js';
import { ScenarioResult } from '../../core/result/index.js';
import { openTarget } from '../../runners/index.js';
import { spec } from '../helpers/scenario.js';

let target: TargetHandle;
let runs = 0;
const fresh = () => {
  const runId = `drn${runs++}`;
  return { runId, driver: target.createDriver(runId) };
};

beforeAll(async () => {
  target = await openTarget(null);
});
afterAll(async () => {
  await target.close();
});

/** Each inbound message reaches chatbench `delayMs` late: a server that delivers late, in order. */
function delayed(inner: Driver, delayMs: number): Driver {
  return {
    ...inner,
    close: () => inner.close(),
    connect: (o: ConnectOptions) => inner.connect({
      ...o,
      onMessage: (m) => { setTimeout(() => o.onMessage({ ...m, receivedAt: nowMicros() }), delayMs); },
    }),
  };
}

/** Sessions whose sends go through `send` instead (withhold, reject, ...). */
function withSend(inner: Driver, send: (real: () => Promise<void>, index: number) => Promise<void>, extra?: (o: ConnectOptions) => void): Driver {
  let index = 0;
  return {
    ...inner,
    close: () => inner.close(),
    connect: async (o: ConnectOptions) => {
      const session = await inner.connect(o);
      extra?.(o);
      const wrapped: ChatSession = Object.create(session) as ChatSession;
      return Object.assign(wrapped, {
        sendToRoom: (room: string, payload: Uint8Array, level: 0 | 1 | 2) => send(() => session.sendToRoom(room, payload, level), index++),
        disconnect: (mode: 'graceful' | 'abrupt') => session.disconnect(mode),
        joinRoom: (room: string, level: 0 | 1 | 2) => session.joinRoom(room, level),
        wire: () => session.wire(),
      });
    },
  };
}

describe('the drain', () => {
  it('waits for late deliveries while they keep coming: late is not lost', async () => {
    const { runId, driver } = fresh();
    // Every delivery arrives 1.2 s late, well past a 700 ms drain: they start coming before the
    // drain goes quiet, and then progress keeps resetting it (a fixed 700 ms drain ends with most missing).
    const s = spec({ users: 3, rooms: { count: 1, members: 3 }, rate: 300, durationMs: 600, warmupMs: 100, drainMs: 700 });
    const r = await runScenario(s, { runId, driver: delayed(driver, 1_200) });
    await driver.close();
    expect(r.drain.endedBy).toBe('all-delivered');
    expect(r.drain.owedAtStart).toBeGreaterThan(0);
    expect(r.drain.owedAtEnd).toBe(0);
    expect(r.drain.seconds).toBeGreaterThan(0.7);
    expect(r.delivery).toMatchObject({ expected: 180 * 2, delivered: 360, lost: 0, undelivered: 0 });
    expect(r.latency).toMatchObject({ censored: 0, waited: 0 });
    expect(r.status).toBe('passed');
  });

  it('stops at its cap: what is missing is undelivered (never lost), and censors the percentiles', async () => {
    const { runId, driver } = fresh();
    // Deliveries 400 ms late are still arriving (progress) when the drain reaches its 300 ms cap.
    const s = spec({ users: 3, rooms: { count: 1, members: 3 }, rate: 300, durationMs: 500, warmupMs: 100, drainMs: 300, drainMaxMs: 300 });
    const r = await runScenario(s, { runId, driver: delayed(driver, 400) });
    await driver.close();
    expect(r.drain.endedBy).toBe('cap');
    expect(r.drain.seconds).toBeGreaterThanOrEqual(0.3);
    expect(r.delivery.lost).toBe(0);
    expect(r.delivery.undelivered).toBeGreaterThan(0);
    expect(r.delivery.undelivered).toBe(r.delivery.expected - r.delivery.delivered);
    expect(r.delivery.violations).toBe(0);
    // Measured sends whose deliveries never came are censored: the top percentiles are unknown, "> waited".
    expect(r.latency.censored).toBeGreaterThan(0);
    expect(r.latency.censored).toBeLessThanOrEqual(r.delivery.undelivered);
    expect(r.latency.waited).toBeGreaterThanOrEqual(300_000);
    expect(r.latency.max).toBeNull();
    expect(r.serviceTime.censored).toBe(r.latency.censored);
    expect(r.reasons.map((x) => x.kind)).toContain('undelivered');
    expect(r.reasons.map((x) => x.kind)).not.toContain('delivery');
  });
});

describe('a stalled server', () => {
  it('aborts with cause stall after the stall timeout, whatever the number in flight, keeping the measurements', async () => {
    const { runId, driver } = fresh();
    // From the 60th send on, the server neither acknowledges nor delivers: sends hang, and the
    // receivers see nothing more. Far fewer than the in-flight bound (20,000) are outstanding.
    let frozen = false;
    const stalling = withSend(driver, (real, i) => {
      if (i < 60) return real();
      frozen = true;
      return new Promise<void>(() => undefined);
    });
    const silenced: Driver = {
      ...stalling,
      connect: (o) => stalling.connect({ ...o, onMessage: (m) => { if (!frozen) o.onMessage(m); } }),
    };
    const s = spec({ users: 3, rooms: { count: 1, members: 3 }, rate: 200, durationMs: 3_000, warmupMs: 0, stallTimeoutMs: 400 });
    const r = await runScenario(s, { runId, driver: silenced });
    await driver.close();
    // The stall cut the schedule short: fewer sends were made than 3 s at 200/s plans.
    expect(r.throughput.sent).toBeLessThan(s.rate * (s.durationMs / 1000));
    expect(r.status).toBe('aborted');
    const abort = r.reasons.find((x) => x.kind === 'abort');
    expect(abort).toMatchObject({ kind: 'abort', cause: 'stall' });
    expect(abort?.message).toMatch(/^the server stopped responding for at least 0\.4 s at t = \d+(\.\d)? s/);
    expect(r.drain.endedBy).toBe('stall');
    // What was measured before the stall is kept.
    expect(r.delivery.delivered).toBeGreaterThan(0);
    expect(r.latency.count).toBeGreaterThan(0);
    expect(r.throughput.sent).toBeGreaterThan(60);
  });
});

describe('accounts of what the driver reported', () => {
  it('groups unfinished sends by what was missing and anomalies by kind', async () => {
    const { runId, driver } = fresh();
    const d = withSend(
      driver,
      (real, i) => {
        // Neither reached the server (the fake drops them before the real send): not written.
        if (i % 10 === 3) return Promise.reject(new SendIncompleteError('no PUBACK', 'PUBACK', 'connection-closed', undefined, { written: false }));
        if (i % 10 === 7) return Promise.reject(new SendIncompleteError('no PUBREC', 'PUBREC', 'stopped-waiting', undefined, { written: false }));
        return real();
      },
      (o) => {
        o.onAnomaly?.({ kind: 'ack-flow', detail: 'PUBLISH qos 2 answered with PUBACK', seen: ['PUBLISH qos2', 'PUBACK'] });
      },
    );
    const s = spec({ users: 2, rooms: { count: 1, members: 2 }, rate: 200, messages: 100, durationMs: 1000, warmupMs: 0 });
    const r = await runScenario(s, { runId, driver: d });
    await driver.close();
    expect(r.sends.failed).toBe(20);
    expect(r.delivery.sendErrors).toBe(20);
    expect(r.sends.unfinished).toEqual(expect.arrayContaining([
      { awaiting: 'PUBACK', because: 'connection-closed', count: 10 },
      { awaiting: 'PUBREC', because: 'stopped-waiting', count: 10 },
    ]));
    expect(r.sends.unfinished).toHaveLength(2);
    // Failed sends are not owed: everything else arrived.
    expect(r.delivery).toMatchObject({ expected: 80, delivered: 80, lost: 0, undelivered: 0 });
    expect(r.anomalies).toEqual([{ kind: 'ack-flow', detail: 'PUBLISH qos 2 answered with PUBACK', seen: ['PUBLISH qos2', 'PUBACK'], count: 2 }]);
  });

  it('keeps a written but unacknowledged send owed: undelivered and censored, never silently dropped; a refused one is not owed', async () => {
    const { runId, driver } = fresh();
    const d = withSend(driver, (_real, i) => {
      // Written to a server that then went quiet (no PUBACK before chatbench stopped waiting)...
      if (i % 10 === 3) return Promise.reject(new SendIncompleteError('no PUBACK', 'PUBACK', 'stopped-waiting'));
      // ...and refused by the server with a reason code: not owed.
      if (i % 10 === 7) return Promise.reject(new SendIncompleteError('PUBACK not authorized (135)', 'PUBACK', 'refused', 135));
      return _real();
    });
    const s = spec({ users: 2, rooms: { count: 1, members: 2 }, rate: 200, messages: 100, durationMs: 1000, warmupMs: 0, drainMs: 200 });
    const r = await runScenario(s, { runId, driver: d });
    await driver.close();
    expect(r.sends.failed).toBe(20);
    expect(r.delivery.sendErrors).toBe(10);
    expect(r.delivery).toMatchObject({ expected: 90, delivered: 80, lost: 0, undelivered: 10 });
    // The ten that never arrived count in the percentiles as slower than the wait.
    expect(r.latency.censored).toBe(10);
    expect(r.reasons.map((x) => x.kind)).toEqual(expect.arrayContaining(['undelivered', 'send']));
  });

  it('reports progress for a status line and checkpoints that match the result schema', async () => {
    const { runId, driver } = fresh();
    const events: EngineEvent[] = [];
    const snapshots: ScenarioResult[] = [];
    const s = spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 1_500, warmupMs: 100 });
    const r = await runScenario(s, { runId, driver, onEvent: (e) => events.push(e), onSnapshot: (p) => { snapshots.push(p); }, snapshotEveryMs: 200 });
    await driver.close();
    // Connecting reports progress too when it takes over a second (a loaded machine): not looked at here.
    const progress = events.filter((e): e is Extract<EngineEvent, { type: 'progress' }> => e.type === 'progress' && e.phase !== 'connect' && e.phase !== 'join');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    const first = progress[0]!;
    expect(first).toMatchObject({ scenario: 'test', phase: 'send', connected: 4, planned: 300, totalMs: 1_500 });
    expect(first.sent).toBeGreaterThan(0);
    expect(first.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(first.delivered).toBeGreaterThan(0);
    expect(first.p99Micros).toBeGreaterThan(0);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    for (const p of snapshots) {
      expect(ScenarioResult.parse(p)).toEqual(p);
      expect(p.status).toBe('aborted');
      expect(p.reasons[0]).toMatchObject({ kind: 'abort', cause: 'incomplete' });
    }
    // Later checkpoints have measured more.
    expect(snapshots.at(-1)!.throughput.sent).toBeGreaterThan(snapshots[0]!.throughput.sent);
    expect(r.status).toBe('passed');
  });
});
