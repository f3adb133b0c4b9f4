/**
 * The chat behaviour every MQTT target must show through the driver, registered as vitest
 * cases inside the caller's describe(): room and direct messages at QoS 0/1/2 with the right
 * source, level and bytes; the 3.1.1 echo versus 5.0 No Local; wire bytes that grow.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DELIVERY_LEVELS, type Driver } from '../../core/driver.js';
import type { MqttVersion } from '../../runners/mqtt/endpoint.js';
import type { TlsSpec } from '../../runners/common/tls.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { connectAsync } from 'mqtt';
import { connectUser, samePayload, sleep, uniquePayload, type ChatUser } from './chat.js';

export interface SuiteTarget {
  url: string;
  mqttVersion: MqttVersion;
  tls?: TlsSpec;
  embedded?: boolean;
}

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

/**
 * One driver and two users (alice, bob: inbox at QoS 2) per suite, so slow handshakes
 * (mosquitto answers a WebSocket upgrade after ~100 ms) are paid once; each case uses its own room.
 */
export function defineChatSuite(target: () => SuiteTarget, createDriver: typeof createMqttDriver = createMqttDriver): void {
  let driver: Driver;
  let alice: ChatUser;
  let bob: ChatUser;
  let rooms = 0;
  const freshRoom = (): string => `room${++rooms}`;

  beforeAll(async () => {
    const t = target();
    driver = createDriver(
      { url: t.url, mqttVersion: t.mqttVersion, ...(t.tls ? { tls: t.tls } : {}) },
      { runId: `t${randomUUID().slice(0, 8)}`, embedded: t.embedded ?? false },
    );
    alice = await connectUser(driver, 'alice');
    bob = await connectUser(driver, 'bob', { directLevel: 2 });
  });
  afterAll(async () => {
    await driver?.close();
  });

  it.each(DELIVERY_LEVELS)('delivers a room message at QoS %i with source, level and payload', async (level) => {
    const room = freshRoom();
    await alice.session.joinRoom(room, level);
    await bob.session.joinRoom(room, level);
    const payload = uniquePayload('room');
    await alice.session.sendToRoom(room, payload, level);
    const got = await bob.inbox.waitFor(samePayload(payload));
    expect(got.level).toBe(level);
    expect(got.source).toEqual({ kind: 'room', room });
    expect(got.receivedAt).toBeGreaterThan(0);
  });

  it.each(DELIVERY_LEVELS)('delivers a direct message at QoS %i to the inbox', async (level) => {
    const payload = uniquePayload('dm');
    await alice.session.sendToUser('bob', payload, level);
    const got = await bob.inbox.waitFor(samePayload(payload));
    expect(got).toMatchObject({ level, source: { kind: 'direct' } });
    expect(alice.inbox.messages.some(samePayload(payload))).toBe(false);
  });

  it('delivers at the lower of the send QoS and the inbox QoS granted', async () => {
    const carol = await connectUser(driver, 'carol', { directLevel: 1 });
    const payload = uniquePayload('downgrade');
    await alice.session.sendToUser('carol', payload, 2);
    expect((await carol.inbox.waitFor(samePayload(payload))).level).toBe(1);
  });

  it('echoes a sender its own room message on 3.1.1 and not on 5.0 (No Local)', async () => {
    const room = freshRoom();
    await alice.session.joinRoom(room, 1);
    await bob.session.joinRoom(room, 1);
    const own = uniquePayload('own');
    await alice.session.sendToRoom(room, own, 1);
    // bob's later message reaches alice after any echo of her own would have.
    const later = uniquePayload('later');
    await bob.inbox.waitFor(samePayload(own));
    await bob.session.sendToRoom(room, later, 1);
    await alice.inbox.waitFor(samePayload(later));
    const echo = alice.inbox.messages.find(samePayload(own));
    if (target().mqttVersion === '3.1.1') expect(echo?.source).toEqual({ kind: 'room', room });
    else expect(echo).toBeUndefined();
  });

  it('counts wire bytes: bytesOut exceeds the payload bytes sent, bytesIn grows on the receiver', async () => {
    const room = freshRoom();
    await bob.session.joinRoom(room, 1);
    expect(alice.session.wire().bytesOut).toBeGreaterThan(10); // CONNECT + SUBSCRIBE at least
    const aliceBefore = alice.session.wire();
    const bobBefore = bob.session.wire();
    const payloads = Array.from({ length: 20 }, () => uniquePayload('bytes', 256));
    for (const p of payloads) await alice.session.sendToRoom(room, p, 1);
    await Promise.all(payloads.map((p) => bob.inbox.waitFor(samePayload(p))));
    const sent = payloads.reduce((n, p) => n + p.length, 0);
    expect(alice.session.wire().bytesOut - aliceBefore.bytesOut).toBeGreaterThan(sent);
    expect(bob.session.wire().bytesIn - bobBefore.bytesIn).toBeGreaterThan(sent);
  });
}
