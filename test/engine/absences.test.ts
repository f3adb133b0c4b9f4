/**
 * Absences during sending (scenario options `offline` and `disconnect` faults), on an in-memory
 * server whose behaviour the test controls: what queues is owed and must arrive, what the
 * protocol does not keep is excused exactly, a server that loses a queued message is caught.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../core/engine/index.js';
import type { ScenarioResult } from '../../core/result/index.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { startEmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { memoryBroker } from '../helpers/memory-broker.js';
import { runOnMqtt } from '../helpers/mqtt-run.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';

const persistent = { persistent: true, expiryMs: 60_000 };

describe('absences on an in-memory server', () => {
  it('offline inbox: queued QoS 1 messages all arrive after the return, each return resumed and caught up', async () => {
    const { driver, stats, sessionsHeld } = memoryBroker();
    const r = await runScenario(
      spec({ users: 6, rooms: { count: 2, members: 3 }, rate: 200, durationMs: 1200, qos: 1, session: persistent, offline: { share: 0.5, atMs: 200, forMs: 500 } }),
      { runId: 'abs1', driver },
    );
    expect(stats.queued).toBeGreaterThan(0);
    expect(r.absences).toMatchObject({ absences: 3, graceful: 3, abrupt: 0, resumed: 3, notResumed: 0, stayedAway: 0, caughtUp: 3, notCaughtUp: 0, excused: 0 });
    expect(r.absences?.catchUp.count).toBe(3);
    expect(r.absences?.reconnectTime.count).toBe(3);
    // Senders away skip their sends: counted, and owed to no one.
    expect(r.absences?.sendsSkipped).toBeGreaterThan(0);
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, duplicated: 0, reordered: 0 });
    expect(r.delivery.delivered).toBe(r.delivery.expected);
    expect(r.delivery.excused).toBeUndefined();
    expect(r.connections.lost).toBe(0);
    expect(r.status).toBe('passed');
    expect(r.faults).toBeUndefined(); // offline is no fault
    expect(sessionsHeld()).toBe(0); // goodbyes at the end ended every persistent session
  });

  it('connects with the scenario\'s session, message expiry and receive maximum; a return asks to resume', async () => {
    const { driver, stats } = memoryBroker();
    await runScenario(
      spec({
        users: 2, rooms: { count: 1, members: 2 }, rate: 100, durationMs: 600, qos: 1, receiveMaximum: 7,
        session: { persistent: true, expiryMs: 90_500, messageExpiryMs: 30_000 }, offline: { share: 0.5, atMs: 100, forMs: 200 },
      }),
      { runId: 'abs0', driver },
    );
    const first = stats.connects[0];
    expect(first).toMatchObject({ session: { persistent: true, resume: false, expirySeconds: 91 }, messageExpirySeconds: 30, receiveMaximum: 7 });
    expect(first?.will).toBeUndefined(); // no presence asked for
    const returns = stats.connects.slice(2);
    expect(returns).toHaveLength(1);
    expect(returns[0]?.session).toEqual({ persistent: true, resume: true, expirySeconds: 91 });
  });

  it('a server that drops a queued QoS 1 message on resume is reported lost, a violation', async () => {
    const { driver, stats } = memoryBroker({ dropOnResume: (_user, index) => index === 1 });
    const r = await runScenario(
      spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 1200, qos: 1, session: persistent, offline: { share: 0.25, atMs: 200, forMs: 400 } }),
      { runId: 'abs2', driver },
    );
    expect(stats.droppedOnResume).toBe(1);
    expect(r.delivery.lost).toBe(1);
    expect(r.delivery.byQos[1]?.violations).toBe(1);
    expect(r.absences).toMatchObject({ resumed: 1, caughtUp: 0, notCaughtUp: 1 });
    expect(r.status).toBe('failed');
    expect(r.reasons.find((x) => x.kind === 'delivery')).toMatchObject({ level: 1, lost: 1 });
  });

  it('QoS 0 with a disconnect fault excuses exactly the deliveries sent while away', async () => {
    const { driver, stats } = memoryBroker();
    const r = await runScenario(
      spec({
        users: 6, rooms: { count: 1, members: 6 }, rate: 300, durationMs: 1200, qos: 0, session: persistent,
        faults: [{ kind: 'disconnect', share: 0.5, atMs: 200, reconnectWithinMs: 400 }],
      }),
      { runId: 'abs3', driver },
    );
    expect(stats.noConnection).toBeGreaterThan(0);
    expect(r.delivery.excused).toBe(stats.noConnection);
    expect(r.delivery.byQos[0]?.excused).toBe(stats.noConnection);
    expect(r.absences?.excused).toBe(stats.noConnection);
    // In flight at the drop: lost or undelivered at QoS 0 (allowed), never excused.
    expect(r.delivery.lost + r.delivery.undelivered).toBe(stats.inFlightDropped);
    expect(r.delivery.delivered + r.delivery.lost + r.delivery.undelivered).toBe(r.delivery.expected);
    expect(r.absences).toMatchObject({ absences: 3, abrupt: 3, resumed: 3 });
    expect(r.faults).toMatchObject({ disconnects: 3, reconnects: 3, slowConsumers: 0, timelineDropped: 0, network: null });
    const kinds = r.faults?.timeline.map((e) => e.kind);
    expect(kinds).toEqual(['disconnect', 'reconnect', 'reconnect', 'reconnect']);
    const drop = r.faults?.timeline[0];
    expect(drop?.users).toHaveLength(3);
    expect(drop?.atMs).toBeGreaterThanOrEqual(200);
    for (const e of r.faults?.timeline.slice(1) ?? []) expect(e.atMs).toBeGreaterThanOrEqual(drop?.atMs ?? 0);
    expect(r.connections.lost).toBe(0); // taken away on purpose: no lost connection
    expect(r.status).toBe('passed');
  });

  it('clean sessions: a QoS 1 return that was not resumed excuses what was sent meanwhile and in flight, and is not judged lost', async () => {
    const { driver } = memoryBroker();
    const r = await runScenario(
      spec({
        users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 1000, qos: 1,
        faults: [{ kind: 'disconnect', share: 0.5, atMs: 200, reconnectWithinMs: 300 }],
      }),
      { runId: 'abs4', driver },
    );
    expect(r.absences).toMatchObject({ absences: 2, resumed: 0, notResumed: 2, caughtUp: 0, notCaughtUp: 0 });
    expect(r.absences?.catchUp.count).toBe(0);
    expect(r.delivery.excused).toBeGreaterThan(0);
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0 });
    expect(r.status).toBe('passed');
  });

  it('users dropped for good stay away: nothing sent after is owed to them, the run passes, and no session is left on the server', async () => {
    const { driver, stats, sessionsHeld } = memoryBroker();
    const r = await runScenario(
      spec({
        users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 800, qos: 1, session: persistent,
        faults: [{ kind: 'disconnect', share: 0.25, atMs: 200, reconnectWithinMs: null }],
      }),
      { runId: 'abs5', driver },
    );
    expect(r.absences).toMatchObject({ absences: 1, stayedAway: 1, resumed: 0, notResumed: 0 });
    // The user that never came back had its kept session ended by a clean connect and a goodbye.
    expect(sessionsHeld()).toBe(0);
    const last = stats.connects.at(-1);
    expect(last?.session).toEqual({ persistent: false, resume: false });
    expect(r.faults).toMatchObject({ disconnects: 1, reconnects: 0 });
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0 });
    expect(r.connections.lost).toBe(0);
    expect(r.status).toBe('passed');
  });

  it('drops at a rate: one user every 1 / rate s over the window, each back within the window', async () => {
    const { driver } = memoryBroker();
    const r = await runScenario(
      spec({
        users: 8, rooms: { count: 2, members: 4 }, rate: 200, durationMs: 1200, qos: 1, session: persistent,
        faults: [{ kind: 'disconnect', rate: 10, atMs: 100, forMs: 500, reconnectWithinMs: 200 }],
      }),
      { runId: 'abs6', driver },
    );
    expect(r.faults?.disconnects).toBe(5);
    expect(r.faults?.reconnects).toBe(5);
    const drops = r.faults?.timeline.filter((e) => e.kind === 'disconnect') ?? [];
    expect(drops.map((e) => e.users.length)).toEqual([1, 1, 1, 1, 1]);
    expect(r.absences).toMatchObject({ absences: 5, resumed: 5, caughtUp: 5 });
    expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, duplicated: 0 });
    expect(r.status).toBe('passed');
  });
});

/** The same absences against real servers: Aedes in-process, and mosquitto when installed — on both MQTT clients. */
const CLIENTS = [['MQTT.js', createMqttDriver], ['lean', createLeanDriver]] as const;

describe.each(CLIENTS)('absences on the embedded broker (%s client)', (client, createDriver) => {
  /*
   * Upstream Aedes interleaves live messages with the backlog it is still flushing on a resume
   * (moscajs/aedes#649, [MQTT-4.6.0-6]); the embedded broker holds live deliveries until the
   * backlog is out (runners/mqtt/embedded-order.ts), so the inbox arrives whole and in order.
   */
  it('offline inbox (QoS 1, 50% away 1 s): every session resumed, nothing lost or reordered, catch-up measured', async () => {
    const broker = await startEmbeddedBroker();
    try {
      const r = await runOnMqtt(broker.url, '3.1.1', `absE1${client[0]}`, offlineInbox(), true, createDriver);
      expect(r.absences).toMatchObject({ graceful: 4, resumed: 4, notResumed: 0, excused: 0 });
      expect((r.absences?.caughtUp ?? 0) + (r.absences?.notCaughtUp ?? 0)).toBe(4);
      expect(r.absences?.catchUp.count).toBeLessThanOrEqual(r.absences?.caughtUp ?? 0);
      expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, reordered: 0, duplicated: 0 });
      expect(r.delivery.delivered).toBe(r.delivery.expected);
      expect(r.status, r.reasons.map((x) => x.message).join('; ')).toBe('passed');
    } finally {
      await broker.close();
    }
  });
});

describe.each(CLIENTS)('absences (%s client)', (client, createDriver) => describeWithMosquitto('on mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => { mosquitto = await startMosquitto(); });
  afterAll(async () => { await mosquitto?.stop(); });

  for (const mqttVersion of ['3.1.1', '5.0'] as const) {
    it(`offline inbox (QoS 1, 50% away 1 s) delivers every queued message, in order (MQTT ${mqttVersion})`, async () => {
      expectInboxDelivered(await runOnMqtt(mosquitto.url, mqttVersion, `absM1${mqttVersion[0]}${client[0]}`, offlineInbox(), false, createDriver));
    });
  }

  for (const qos of [1, 2] as const) {
    it(`reconnect storm (30% abrupt, back within 500 ms, QoS ${qos}, persistent): nothing lost${qos === 2 ? ', nothing duplicated' : ''}, every absence resumed, catch-up measured`, async () => {
      const r = await runOnMqtt(mosquitto.url, '5.0', `absM2q${qos}${client[0]}`,
        spec({
          users: 10, rooms: { count: 2, members: 5 }, rate: 300, durationMs: 1500, qos, session: { persistent: true, expiryMs: 60_000 },
          faults: [{ kind: 'disconnect', share: 0.3, atMs: 300, reconnectWithinMs: 500 }],
        }),
        false, createDriver,
      );
      expect(r.absences).toMatchObject({ absences: 3, abrupt: 3, resumed: 3, notResumed: 0, stayedAway: 0, caughtUp: 3, notCaughtUp: 0 });
      expect(r.absences?.catchUp.count).toBe(3);
      expect(r.faults).toMatchObject({ disconnects: 3, reconnects: 3 });
      expect(r.delivery.lost).toBe(0);
      if (qos === 2) expect(r.delivery.duplicated).toBe(0);
      expect(r.delivery.reordered).toBe(0);
      expect(r.connections.lost).toBe(0);
      expect(r.reasons.filter((x) => x.kind !== 'undelivered' && x.kind !== 'send')).toEqual([]);
    });
  }
}));

function offlineInbox(): ScenarioSpec {
  return spec({
    users: 8, rooms: { count: 2, members: 4 }, directPairs: 2, rate: 200, durationMs: 2000, qos: 1,
    session: { persistent: true, expiryMs: 60_000 }, offline: { share: 0.5, atMs: 300, forMs: 1000 },
  });
}

function expectInboxDelivered(r: ScenarioResult): void {
  expect(r.absences).toMatchObject({ graceful: 4, abrupt: 0, resumed: 4, notResumed: 0, caughtUp: 4, notCaughtUp: 0, excused: 0 });
  expect(r.absences?.catchUp.count).toBe(4);
  expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, reordered: 0 });
  expect(r.delivery.delivered).toBe(r.delivery.expected);
  expect(r.connections.lost).toBe(0);
  expect(r.status).toBe('passed');
}
