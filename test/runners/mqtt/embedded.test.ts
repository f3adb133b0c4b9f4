/**
 * The MQTT driver against the embedded broker (Aedes, in-process, MQTT 3.1.1): chat
 * behaviour, exact wire bytes, TCP_NODELAY, topic namespace, presence and wills, refusals.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { MqttClient, connectAsync } from 'mqtt';
import type { AuthenticateError, Client as AedesClient } from 'aedes';
import { SendIncompleteError, type Driver } from '../../../core/driver.js';
import { RunAbortedError, TargetUnreachableError } from '../../../core/errors.js';
import { createMqttDriver } from '../../../runners/mqtt/driver.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../runners/mqtt/embedded.js';
import { MqttChatSession } from '../../../runners/mqtt/session.js';
import { MqttVerbError } from '../../../runners/mqtt/verbs.js';
import { clientIdFor } from '../../../runners/mqtt/topics.js';
import { connectUser, nodeNoDelayFlag, recordNoDelay, sleep, uniquePayload } from '../../helpers/chat.js';
import { defineChatSuite, retainedUnder } from '../../helpers/mqtt-chat-suite.js';

let embedded: EmbeddedBroker;
beforeAll(async () => {
  embedded = await startEmbeddedBroker();
});
afterAll(async () => {
  await embedded.close();
});

describe('embedded broker, MQTT 3.1.1: chat', () => {
  defineChatSuite(() => ({ url: embedded.url, mqttVersion: '3.1.1', embedded: true }));
});

describe('embedded broker, MQTT 3.1.1: driver details', () => {
  let driver: Driver;
  const runId = 'embedrun';
  beforeEach(() => {
    driver = createMqttDriver({ url: embedded.url, mqttVersion: '3.1.1' }, { runId, embedded: true });
  });
  afterEach(async () => {
    await driver.close();
    embedded.broker.authorizeSubscribe = (_c, sub, cb) => cb(null, sub);
    embedded.broker.authenticate = (_c, _u, _p, cb) => cb(null, true);
  });

  it('wire bytes equal what the broker read and wrote on the same connection', async () => {
    const brokerSide = new Map<string, AedesClient>();
    const onClient = (c: AedesClient): void => void brokerSide.set(c.id, c);
    embedded.broker.on('client', onClient);
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob');
    await bob.session.joinRoom('r', 1);
    for (let i = 0; i < 10; i++) await alice.session.sendToRoom('r', uniquePayload('exact', 300), 1);
    await bob.inbox.waitFor(() => bob.inbox.messages.length === 10);
    await sleep(20);
    embedded.broker.off('client', onClient);
    for (const { session } of [alice, bob]) {
      const conn = brokerSide.get(clientIdFor(runId, session.user))?.conn as Socket;
      expect(session.wire()).toEqual({ bytesOut: conn.bytesRead, bytesIn: conn.bytesWritten });
    }
    expect(alice.session.wire().bytesOut).toBeGreaterThan(3000);
  });

  it('sets TCP_NODELAY on every client socket before its first byte', async () => {
    const probe = recordNoDelay();
    try {
      await connectUser(driver, 'alice');
      await connectUser(driver, 'bob');
    } finally {
      probe.restore();
    }
    const clientSide = probe.calls.filter((c) => c.socket.remotePort === embedded.port);
    expect(clientSide).toHaveLength(2);
    for (const call of clientSide) {
      expect(call).toMatchObject({ enable: true, bytesWritten: 0, beforeConnect: true });
      expect(nodeNoDelayFlag(call.socket) ?? true).toBe(true);
    }
    expect(driver.socketOptions.tcpNoDelay).toBe(true);
  });

  it('keeps every topic it publishes, subscribes or wills under chatbench/<runId>/', async () => {
    const topics: string[] = [];
    const onPublish = (packet: { topic: string }): void => void topics.push(packet.topic);
    const onSubscribe = (subs: { topic: string }[]): void => void topics.push(...subs.map((s) => s.topic));
    embedded.broker.on('publish', onPublish);
    embedded.broker.on('subscribe', onSubscribe);
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob');
    await alice.session.joinRoom('a/b+#', 2);
    await alice.session.sendToRoom('a/b+#', uniquePayload('ns'), 2);
    await bob.session.sendToUser('alice', uniquePayload('ns'), 1);
    await alice.session.setPresence('online');
    await bob.session.disconnect('abrupt'); // fires bob's will
    await alice.session.leaveRoom('a/b+#');
    await driver.close(); // clears retained presence
    embedded.broker.off('publish', onPublish);
    embedded.broker.off('subscribe', onSubscribe);
    const ours = topics.filter((t) => !t.startsWith('$SYS/'));
    expect(ours.length).toBeGreaterThanOrEqual(7);
    for (const topic of ours) expect(topic.startsWith(`chatbench/${runId}/`), topic).toBe(true);
    expect(ours).toContain(`chatbench/${runId}/room/a%2Fb%2B%23`);
    expect(ours).toContain(`chatbench/${runId}/presence/bob`); // the will
  });

  it('retains presence and the will, and clears both on close', async () => {
    const alice = await connectUser(driver, 'alice');
    const bob = await connectUser(driver, 'bob');
    const carol = await connectUser(driver, 'carol');
    await alice.session.setPresence('online');
    await bob.session.disconnect('abrupt');
    await carol.session.disconnect('graceful');
    const prefix = `chatbench/${runId}/presence/`;
    await sleep(50);
    const before = await retainedUnder(embedded.url, `${prefix}+`);
    expect(Object.fromEntries(before)).toEqual({ [`${prefix}alice`]: 'online', [`${prefix}bob`]: 'offline' });
    await driver.close();
    expect((await retainedUnder(embedded.url, `chatbench/${runId}/#`)).size).toBe(0);
  });

  it('opens no cleanup connection when nothing retained can be left', async () => {
    await connectUser(driver, 'alice');
    await connectUser(driver, 'bob');
    const connects: string[] = [];
    const onClient = (c: AedesClient): void => void connects.push(c.id);
    embedded.broker.on('client', onClient);
    await driver.close();
    embedded.broker.off('client', onClient);
    expect(connects).toEqual([]);
  });

  it('rejects a room join the server refuses (SUBACK 0x80) and records granted levels', async () => {
    // Aedes ignores a QoS lowered by authorizeSubscribe in its SUBACK (it echoes the asked QoS),
    // so downgraded grants are tested against mosquitto's max_qos instead.
    embedded.broker.authorizeSubscribe = (_c, sub, cb) => {
      if (sub.topic.endsWith('/room/secret')) return cb(null, null); // failure: SUBACK 0x80
      cb(null, sub);
    };
    const alice = await connectUser(driver, 'alice', { directLevel: 1 });
    const error = await alice.session.joinRoom('secret', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqttVerbError);
    expect((error as MqttVerbError).reasonCode).toBe(0x80);
    expect((alice.session as MqttChatSession).grantedLevel('secret')).toBeUndefined();
    await alice.session.joinRoom('open', 2);
    expect((alice.session as MqttChatSession).grantedLevel('open')).toBe(2);
    expect((alice.session as MqttChatSession).inboxLevel).toBe(1);
  });

  it('reads credentials from the named variables; CONNACK refusal is TargetUnreachableError', async () => {
    const seen: { user?: string; pass?: string }[] = [];
    embedded.broker.authenticate = (_c, username, password, cb) => {
      seen.push({ user: username, pass: password?.toString() });
      const refused = Object.assign(new Error('not authorized'), { returnCode: 5 }) as AuthenticateError;
      cb(refused, false);
    };
    const port = embedded.port;
    const d = createMqttDriver(
      { url: `mqtt://127.0.0.1:${port}`, mqttVersion: '3.1.1', usernameEnv: 'CB_U', passwordEnv: 'CB_P' },
      { runId, env: { CB_U: 'alice', CB_P: 's3cret' } },
    );
    expect(d.displayTarget).toBe(`mqtt://127.0.0.1:${port}`);
    const error = await d.connect({ user: 'u', directLevel: 0, onMessage: () => {}, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toBe(`cannot reach target mqtt://127.0.0.1:${port}: CONNACK: not authorized (5)`);
    expect(seen).toEqual([{ user: 'alice', pass: 's3cret' }]);
    await d.close();
  });

  it('explains that the embedded broker refuses MQTT 5.0', async () => {
    const d = createMqttDriver({ url: embedded.url, mqttVersion: '5.0' }, { runId, embedded: true });
    const error = await d.connect({ user: 'u', directLevel: 0, onMessage: () => {}, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toMatch(/CONNACK: unacceptable protocol version \(1\); the embedded broker .* 3\.1\.1 only/);
    await d.close();
  });

  it('rejects a pending send when the connection drops, and any verb once closed', async () => {
    embedded.broker.authorizePublish = (_c, _p, cb) => cb(new Error('denied')); // Aedes drops a 3.1.1 client for it
    try {
      const alice = await connectUser(driver, 'alice');
      const pending = await alice.session.sendToRoom('r', uniquePayload('x'), 1).catch((e: unknown) => e);
      expect(pending).toBeInstanceOf(SendIncompleteError);
      expect(pending).toMatchObject({ awaiting: 'PUBACK', because: 'connection-closed' });
      expect((pending as Error).message).toMatch(/: no PUBACK before the connection closed \(the server closed the connection\)$/);
      await expect(alice.session.sendToRoom('r', uniquePayload('x'), 0)).rejects.toThrow(/not connected \(the server closed the connection\)$/);
      await expect(alice.session.sendToRoom('r', uniquePayload('x'), 2)).rejects.toThrow(/: not sent: not connected/);
    } finally {
      embedded.broker.authorizePublish = (_c, _p, cb) => cb(null);
    }
  });

  it('close() ends every client, is idempotent, and refuses new connects', async () => {
    const alice = await connectUser(driver, 'alice');
    const before = embedded.broker.connectedClients;
    await Promise.all([driver.close(), driver.close()]);
    await sleep(20);
    expect((alice.session as MqttChatSession).open).toBe(false);
    expect(embedded.broker.connectedClients).toBe(before - 1);
    await expect(connectUser(driver, 'late')).rejects.toBeInstanceOf(RunAbortedError);
  });
});

describe('startEmbeddedBroker', () => {
  it('listens on a free loopback port and close() drops its clients', async () => {
    const b = await startEmbeddedBroker();
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    const client: MqttClient = await connectAsync(b.url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    await b.close();
    await closed;
    await b.close();
    await expect(connectAsync(b.url, { reconnectPeriod: 0, connectTimeout: 500 })).rejects.toThrow(/ECONNREFUSED/);
    expect(client.connected).toBe(false);
  });
});
