/**
 * The chat behaviour every MQTT target must show through the driver, registered as vitest
 * cases inside the caller's describe(): room and direct messages at QoS 0/1/2 with the right
 * source, level and bytes; the 3.1.1 echo versus 5.0 No Local; wire bytes that grow.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { DeliveryLevel, Driver } from '../../core/driver.js';
import type { MqttVersion, TlsSpec } from '../../core/scenario/types.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { connectAsync } from 'mqtt';
import { connectUser, samePayload, sleep, uniquePayload } from './chat.js';

export interface SuiteTarget {
  url: string;
  mqttVersion: MqttVersion;
  tls?: TlsSpec;
  embedded?: boolean;
}

const LEVELS: DeliveryLevel[] = [0, 1, 2];

/** Retained messages matching `filter`, as a fresh plain MQTT.js client sees them on subscribing. */
export async function retainedUnder(url: string, filter: string): Promise<Map<string, string>> {
  const watcher = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, clientId: `w${randomUUID().slice(0, 8)}` });
  const seen = new Map<string, string>();
  watcher.on('message', (topic, payload, packet) => {
    if (packet.retain) seen.set(topic, payload.toString());
  });
  await watcher.subscribeAsync(filter, { qos: 1 });
  await sleep(100);
  await watcher.endAsync();
  return seen;
}

export function defineChatSuite(target: () => SuiteTarget): void {
  let driver: Driver;
  let runId: string;

  beforeEach(() => {
    const t = target();
    runId = `t${randomUUID().slice(0, 8)}`;
    driver = createMqttDriver(
      { url: t.url, mqttVersion: t.mqttVersion, ...(t.tls ? { tls: t.tls } : {}) },
      { runId, embedded: t.embedded ?? false },
    );
  });
  afterEach(async () => {
    await driver.close();
  });

  it.each(LEVELS)('delivers a room message at QoS %i with source, level and payload', async (level) => {
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob');
    await alice.session.joinRoom('lobby', level);
    await bob.session.joinRoom('lobby', level);
    const payload = uniquePayload('room');
    await alice.session.sendToRoom('lobby', payload, level);
    const got = await bob.inbox.waitFor(samePayload(payload));
    expect(got.level).toBe(level);
    expect(got.source).toEqual({ kind: 'room', room: 'lobby' });
    expect(got.receivedAt).toBeGreaterThan(0);
  });

  it.each(LEVELS)('delivers a direct message at QoS %i to the inbox', async (level) => {
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob', { directLevel: 2 });
    const payload = uniquePayload('dm');
    await alice.session.sendToUser('bob', payload, level);
    const got = await bob.inbox.waitFor(samePayload(payload));
    expect(got).toMatchObject({ level, source: { kind: 'direct' } });
    expect(alice.inbox.messages).toHaveLength(0);
  });

  it('delivers at the lower of the send QoS and the inbox QoS granted', async () => {
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob', { directLevel: 1 });
    const payload = uniquePayload('downgrade');
    await alice.session.sendToUser('bob', payload, 2);
    expect((await bob.inbox.waitFor(samePayload(payload))).level).toBe(1);
  });

  it('echoes a sender its own room message on 3.1.1 and not on 5.0 (No Local)', async () => {
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob');
    await alice.session.joinRoom('echo', 1);
    await bob.session.joinRoom('echo', 1);
    const own = uniquePayload('own');
    await alice.session.sendToRoom('echo', own, 1);
    // bob's later message reaches alice after any echo of her own would have.
    const later = uniquePayload('later');
    await bob.inbox.waitFor(samePayload(own));
    await bob.session.sendToRoom('echo', later, 1);
    await alice.inbox.waitFor(samePayload(later));
    const echoed = alice.inbox.messages.some(samePayload(own));
    expect(echoed).toBe(target().mqttVersion === '3.1.1');
  });

  it('counts wire bytes: bytesOut exceeds the payload bytes sent, bytesIn grows on the receiver', async () => {
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob');
    await bob.session.joinRoom('bytes', 1);
    const afterConnect = alice.session.wire();
    expect(afterConnect.bytesOut).toBeGreaterThan(10); // CONNECT + SUBSCRIBE at least
    const bobBefore = bob.session.wire();
    const payloads = Array.from({ length: 20 }, () => uniquePayload('bytes', 256));
    for (const p of payloads) await alice.session.sendToRoom('bytes', p, 1);
    await Promise.all(payloads.map((p) => bob.inbox.waitFor(samePayload(p))));
    const sent = payloads.reduce((n, p) => n + p.length, 0);
    expect(alice.session.wire().bytesOut - afterConnect.bytesOut).toBeGreaterThan(sent);
    expect(bob.session.wire().bytesIn - bobBefore.bytesIn).toBeGreaterThan(sent);
  });
}
