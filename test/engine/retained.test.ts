/**
 * The retained room (scenario option `retained`): room messages are sent retained; after the
 * drain, late joiners must each get the room's last message — counted current, stale or
 * missing exactly — on an in-memory server made to misbehave, the embedded broker and mosquitto;
 * and the run leaves no retained message behind.
 */
import { describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { ExitCode, InputError } from '../../core/errors.js';
import { runScenario } from '../../core/engine/index.js';
import type { Reason, ScenarioResult } from '../../core/result/index.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { FakeChatServer } from '../helpers/fake-chat.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';
import { withMqttBroker } from '../helpers/mqtt-brokers.js';
import { spec, thresholds } from '../helpers/scenario.js';

/** 4 rooms of 4 at QoS 1, 3 late joiners per room: 12 joins. */
function rooms(overrides: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return spec({
    users: 16, rooms: { count: 4, members: 4 }, rate: 200, durationMs: 500, warmupMs: 0, drainMs: 1000, qos: 1,
    retained: { lateJoiners: 3 }, ...overrides,
  });
}

const pattern = (r: ScenarioResult, check: string): Extract<Reason, { kind: 'pattern' }> | undefined =>
  r.reasons.find((x): x is Extract<Reason, { kind: 'pattern' }> => x.kind === 'pattern' && x.check === check);

describe('the retained room on an in-memory server', () => {
  it('gives every late joiner the current last message, then clears the rooms', async () => {
    const server = new FakeChatServer();
    const r = await runScenario(rooms({ thresholds: thresholds('retained.missing == 0', 'retained.stale == 0') }), { runId: 'r1', driver: server.driver() });
    expect(r.retained).toMatchObject({ rooms: 4, joins: 12, current: 12, stale: 0, missing: 0 });
    expect(r.retained?.latency.count).toBe(12);
    expect(r.status).toBe('passed');
    expect(r.thresholds.every((t) => t.passed)).toBe(true);
    // The late joiners are not the plan's receivers: their retained copies are no duplicates.
    expect(r.delivery.duplicated).toBe(0);
    expect(server.retainedRooms.size).toBe(0);
    expect(server.conns.size).toBe(0);
  });

  it('reports a retained message a later one of the same sender should have replaced as stale [MQTT-3.3.1-5]', async () => {
    const server = new FakeChatServer({ staleRetained: true });
    const r = await runScenario(rooms({ thresholds: thresholds('retained.stale == 0') }), { runId: 'r2', driver: server.driver() });
    expect(r.retained).toMatchObject({ joins: 12, current: 0, stale: 12, missing: 0 });
    expect(pattern(r, 'retained-stale')).toMatchObject({ count: 12 });
    expect(pattern(r, 'retained-stale')?.message).toMatch(/MQTT-3\.3\.1-5/);
    expect(r.thresholds[0]).toMatchObject({ passed: false, actual: 12 });
    expect(r.status).toBe('failed');
  });

  it('counts late joins that got no retained message as missing, saying how long chatbench waited', async () => {
    const server = new FakeChatServer({ noRetained: true });
    const r = await runScenario(rooms({ drainMs: 300 }), { runId: 'r3', driver: server.driver() });
    expect(r.retained).toMatchObject({ joins: 12, current: 0, stale: 0, missing: 12 });
    expect(r.retained?.latency.censored).toBe(12);
    expect(pattern(r, 'retained-missing')).toMatchObject({ count: 12 });
    expect(pattern(r, 'retained-missing')?.message).toMatch(/within 5 s/);
  }, 20_000);

  it('does not hold a missing retained QoS 0 message against the server (it may drop one)', async () => {
    const server = new FakeChatServer({ noRetained: true });
    const r = await runScenario(rooms({ qos: 0, drainMs: 300 }), { runId: 'r4', driver: server.driver() });
    expect(r.retained).toMatchObject({ joins: 12, current: 0, stale: 0, missing: 0 });
    expect(pattern(r, 'retained-missing')).toBeUndefined();
  });

  it('refuses (exit 2) a driver without retained messages', async () => {
    const server = new FakeChatServer();
    const error = await runScenario(rooms(), { runId: 'r5', driver: server.driver(['will']) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    expect((error as Error).message).toMatch(/option `retained` needs retained room messages \(retained\)/);
  });
});

/** Subscribes a plain client to everything of the run and says whether a retained message is still there. */
async function retainedLeft(url: string, runId: string): Promise<string[]> {
  const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
  const topics: string[] = [];
  client.on('message', (topic, payload, packet) => { if (packet.retain && payload.length > 0) topics.push(topic); });
  await client.subscribeAsync(`chatbench/${runId}/#`, { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  await client.endAsync();
  return topics;
}

function expectCurrent(r: ScenarioResult): void {
  expect(r.retained).toMatchObject({ rooms: 4, joins: 12, current: 12, stale: 0, missing: 0 });
  expect(r.retained?.latency.count).toBe(12);
  expect(r.reasons).toEqual([]);
  expect(r.delivery.lost).toBe(0);
  expect(r.delivery.delivered).toBe(r.delivery.expected);
}

describe('the retained room on the embedded broker (MQTT 3.1.1)', () => {
  it('late joiners get each room\'s last message; nothing retained stays behind', async () => {
    await withMqttBroker('embedded', '3.1.1', 're1', async (driver, url) => {
      expectCurrent(await runScenario(rooms(), { runId: 're1', driver }));
      await driver.close();
      expect(await retainedLeft(url, 're1')).toEqual([]);
    });
  });
});

describeWithMosquitto('the retained room on mosquitto', () => {
  it.each(['3.1.1', '5.0'] as const)('MQTT %s: late joiners get each room\'s last message; nothing retained stays behind', async (mqttVersion) => {
    const runId = `rm${mqttVersion.replace('.', '')}`;
    await withMqttBroker('mosquitto', mqttVersion, runId, async (driver, url) => {
      expectCurrent(await runScenario(rooms(), { runId, driver }));
      await driver.close();
      expect(await retainedLeft(url, runId)).toEqual([]);
    });
  });
});
