/**
 * The presence episode (scenario option `presence`): every status reaches every watcher, wills
 * fire after abrupt drops and never after clean goodbyes, counted exactly — on an in-memory
 * server that can be made to misbehave, and on the embedded broker and mosquitto.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../core/errors.js';
import { runScenario } from '../../core/engine/index.js';
import { leavers, watchedBy, watchersOf } from '../../core/engine/presence.js';
import type { Reason, ScenarioResult } from '../../core/result/index.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { FakeChatServer } from '../helpers/fake-chat.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';
import { withMqttBroker } from '../helpers/mqtt-brokers.js';
import { spec, thresholds } from '../helpers/scenario.js';

/**
 * 12 users, each watched by 2; a third (u0, u3, u6, u9: spaced so none watches another) leave,
 * u3 and u9 abruptly. Owed: 12 x 2 "online", then 2 "offline" + 2 wills per leaver's 2
 * watchers (4 + 4), then 4 x 2 "online" again: 40, of them 4 wills.
 */
function small(overrides: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return spec({
    users: 12, rooms: { count: 2, members: 6 }, rate: 100, durationMs: 300, warmupMs: 0, drainMs: 500,
    presence: { watchers: 2, offlineShare: 1 / 3, abruptShare: 0.5, awayMs: 100, waitMs: 1000 },
    ...overrides,
  });
}

const pattern = (r: ScenarioResult, check: string): Extract<Reason, { kind: 'pattern' }> | undefined =>
  r.reasons.find((x): x is Extract<Reason, { kind: 'pattern' }> => x.kind === 'pattern' && x.check === check);

describe('the watch ring and who leaves', () => {
  it('user i watches i+1..i+w; its watchers are the w before it', () => {
    const users = ['a', 'b', 'c', 'd'];
    expect(watchedBy(users, 3, 2)).toEqual(['a', 'b']);
    expect(watchersOf(users, 0, 2)).toEqual(['d', 'c']);
    // Never more watchers than other users.
    expect(watchersOf(users, 1, 9)).toEqual(['a', 'd', 'c']);
  });

  it('spreads the leavers over the ring and the abrupt ones among them', () => {
    expect(leavers(12, 1 / 3, 0.5)).toEqual({ abrupt: [3, 9], graceful: [0, 6] });
    expect(leavers(20, 0.5, 0.5)).toEqual({ abrupt: [2, 6, 10, 14, 18], graceful: [0, 4, 8, 12, 16] });
    expect(leavers(10, 0, 0.5)).toEqual({ abrupt: [], graceful: [] });
  });
});

describe('presence on an in-memory server', () => {
  it('counts every owed status and will as delivered, and leaves users chatting in their rooms', async () => {
    const server = new FakeChatServer();
    const r = await runScenario(small({ thresholds: thresholds('presence.missing == 0', 'wills.missing == 0', 'presence.p99 < 10s') }), { runId: 'p1', driver: server.driver() });
    expect(r.presence).toMatchObject({
      users: 12, watches: 24, expected: 40, delivered: 40, missing: 0,
      wills: { abruptDrops: 2, expected: 4, delivered: 4, missing: 0, cleanDisconnects: 2, afterCleanDisconnect: 0, early: 0 },
    });
    expect(r.presence?.latency.count).toBe(40);
    expect(server.willsPublished.sort()).toEqual(['u3:1', 'u9:1']);
    expect(r.status).toBe('passed');
    expect(r.thresholds.every((t) => t.passed)).toBe(true);
    // The leavers came back and rejoined their rooms: the chat after the episode reaches everyone.
    expect(r.delivery.expected).toBeGreaterThan(0);
    expect(r.delivery.delivered).toBe(r.delivery.expected);
    expect(r.connections.lost).toBe(0);
  });

  it('reports every will of a cleanly closed connection that reaches a watcher [MQTT-3.1.2-10]', async () => {
    const server = new FakeChatServer({ willAfterClean: true });
    const r = await runScenario(small(), { runId: 'p2', driver: server.driver() });
    // 2 clean goodbyes x 2 watchers each.
    expect(r.presence?.wills).toMatchObject({ cleanDisconnects: 2, afterCleanDisconnect: 4, delivered: 4, missing: 0 });
    expect(r.status).toBe('failed');
    expect(pattern(r, 'will-after-clean-disconnect')).toMatchObject({ count: 4 });
    expect(pattern(r, 'will-after-clean-disconnect')?.message).toMatch(/MQTT-3\.1\.2-10/);
  });

  it('counts wills never published as missing, saying how long chatbench waited', async () => {
    const server = new FakeChatServer({ dropWills: true });
    const s = small({ thresholds: thresholds('wills.missing == 0') });
    s.presence = { ...s.presence!, waitMs: 300 };
    const r = await runScenario(s, { runId: 'p3', driver: server.driver() });
    expect(r.presence).toMatchObject({ expected: 40, delivered: 36, missing: 4, wills: { expected: 4, delivered: 0, missing: 4 } });
    expect(r.presence!.waitedMs).toBeGreaterThanOrEqual(300);
    expect(r.presence!.latency.censored).toBe(4);
    expect(pattern(r, 'will-missing')).toMatchObject({ count: 4 });
    expect(pattern(r, 'will-missing')?.message).toMatch(/not seen within \d/);
    // The statuses themselves all arrived: no presence-missing reason.
    expect(pattern(r, 'presence-missing')).toBeUndefined();
    expect(r.thresholds[0]).toMatchObject({ passed: false, actual: 4 });
  });

  it('counts a will published before its delay as early when the session outlives the drop', async () => {
    const server = new FakeChatServer();
    const s = small({ session: { persistent: true, expiryMs: 60_000 } });
    s.presence = { ...s.presence!, willDelayMs: 3000 };
    const r = await runScenario(s, { runId: 'p4', driver: server.driver() });
    expect(r.presence?.wills).toMatchObject({ delivered: 4, early: 4 });
    expect(pattern(r, 'will-early')).toMatchObject({ count: 4 });
  });

  it('does not call an immediate will early on a clean session: the session ended with the connection', async () => {
    const server = new FakeChatServer();
    const s = small();
    s.presence = { ...s.presence!, willDelayMs: 3000 };
    const r = await runScenario(s, { runId: 'p5', driver: server.driver() });
    expect(r.presence?.wills).toMatchObject({ delivered: 4, early: 0 });
    expect(r.status).toBe('passed');
  });

  it('refuses (exit 2) a driver without presence watches, before connecting anyone', async () => {
    const server = new FakeChatServer();
    const error = await runScenario(small(), { runId: 'p6', driver: server.driver(['will', 'retained']) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    expect((error as Error).message).toMatch(/option `presence`.*presence-watch.*fake 1 driver/);
    expect(server.conns.size).toBe(0);
  });

  it('reads nothing for a presence threshold of a scenario without the episode', async () => {
    const server = new FakeChatServer();
    const r = await runScenario(spec({ users: 4, durationMs: 200, warmupMs: 0, thresholds: thresholds('presence.missing == 0') }), { runId: 'p7', driver: server.driver() });
    expect(r.presence).toBeUndefined();
    expect(r.thresholds[0]).toMatchObject({ passed: false, actual: null });
  });
});

/**
 * The presence fixture's shape: 20 users watched by 3; u0, u2, ... u18 leave (u2, u6, u10, u14,
 * u18 abruptly). Each leaver's watchers that stay are the two odd users before it. Owed:
 * 60 "online" + 10 leavers x 2 staying watchers (5 "offline", 5 wills: 10 each) + 30 "online".
 */
function fixtureShape(): ScenarioSpec {
  return spec({
    users: 20, rooms: { count: 2, members: 10 }, rate: 50, durationMs: 600, warmupMs: 0, drainMs: 1000, qos: 1,
    presence: { watchers: 3, offlineShare: 0.5, abruptShare: 0.5, awayMs: 300, waitMs: 5000 },
  });
}

function expectCleanPresence(r: ScenarioResult): void {
  expect(r.presence).toMatchObject({
    users: 20, watches: 60, expected: 110, delivered: 110, missing: 0,
    wills: { abruptDrops: 5, expected: 10, delivered: 10, missing: 0, cleanDisconnects: 5, afterCleanDisconnect: 0, early: 0 },
  });
  expect(r.reasons).toEqual([]);
  expect(r.status).toBe('passed');
  expect(r.delivery.lost).toBe(0);
  expect(r.delivery.delivered).toBe(r.delivery.expected);
}

describe('presence on the embedded broker (MQTT 3.1.1)', () => {
  it('delivers every status and will to every watcher, and no will after a clean goodbye', async () => {
    await withMqttBroker('embedded', '3.1.1', 'pe1', async (driver) => {
      expectCleanPresence(await runScenario(fixtureShape(), { runId: 'pe1', driver }));
    });
  });
});

describeWithMosquitto('presence on mosquitto', () => {
  it.each(['3.1.1', '5.0'] as const)('MQTT %s: every status and will reaches every watcher, none after a clean goodbye', async (mqttVersion) => {
    const runId = `pm${mqttVersion.replace('.', '')}`;
    await withMqttBroker('mosquitto', mqttVersion, runId, async (driver) => {
      expectCleanPresence(await runScenario(fixtureShape(), { runId, driver }));
    });
  });
});
