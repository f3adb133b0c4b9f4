/**
 * The MQTT driver against a real mosquitto 2 on loopback: 3.1.1 and 5.0 over TCP, TLS
 * (verified against a generated test CA), WebSocket and secure WebSocket; TLS failures;
 * granted-QoS downgrades (max_qos); presence cleanup; TCP_NODELAY on every layer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendIncompleteError, type ConnectionEnd, type Driver } from '../../../core/driver.js';
import { TargetUnreachableError } from '../../../core/errors.js';
import type { MqttTarget, MqttVersion } from '../../../runners/mqtt/endpoint.js';
import { createMqttDriver } from '../../../runners/mqtt/driver.js';
import type { MqttChatSession } from '../../../runners/mqtt/session.js';
import { connectUser, recordNoDelay, samePayload, uniquePayload } from '../../helpers/chat.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { defineChatSuite, retainedUnder } from '../../helpers/mqtt-chat-suite.js';
import { makeTestCertificates } from '../../helpers/tls.js';

const VERSIONS: MqttVersion[] = ['3.1.1', '5.0'];

describeWithMosquitto('mosquitto', () => {
  let m: Mosquitto;
  const drivers: Driver[] = [];
  const driverFor = (target: MqttTarget, runId = `m${Date.now() % 1e8}`): Driver => {
    const d = createMqttDriver(target, { runId });
    drivers.push(d);
    return d;
  };
  const verified = () => ({ ca: m.caFile ?? '', rejectUnauthorized: true });

  beforeAll(async () => {
    m = await startMosquitto({ tls: true, websocket: true });
  }, 20_000);
  afterAll(async () => {
    await m?.stop();
  });
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  describe.each(VERSIONS)('TCP, MQTT %s', (mqttVersion) => {
    defineChatSuite(() => ({ url: m.url, mqttVersion }));
  });
  describe.each(VERSIONS)('TLS verified with the test CA, MQTT %s', (mqttVersion) => {
    defineChatSuite(() => ({ url: m.tlsUrl ?? '', mqttVersion, tls: verified() }));
  });
  describe.each(VERSIONS)('WebSocket, MQTT %s', (mqttVersion) => {
    defineChatSuite(() => ({ url: m.wsUrl ?? '', mqttVersion }));
  });
  describe('secure WebSocket, MQTT 5.0', () => {
    defineChatSuite(() => ({ url: m.wssUrl ?? '', mqttVersion: '5.0', tls: verified() }));
  });

  describe('TLS failures are TargetUnreachableError with the TLS reason', () => {
    it('a server certificate from another CA', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'chatbench-otherca-'));
      try {
        const other = await makeTestCertificates(dir);
        const d = driverFor({ url: m.tlsUrl ?? '', mqttVersion: '5.0', tls: { ca: other.caFile, rejectUnauthorized: true } });
        const error = await connectUser(d, 'alice').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TargetUnreachableError);
        expect((error as Error).message).toBe(`cannot reach target ${m.tlsUrl}: TLS: self-signed certificate in certificate chain`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('a name the certificate does not carry', async () => {
      const d = driverFor({ url: m.tlsUrl ?? '', mqttVersion: '3.1.1', tls: { ...verified(), servername: 'wrong.example' } });
      await expect(connectUser(d, 'alice')).rejects.toThrow(/: TLS: Hostname\/IP does not match certificate's altnames/);
    });

    it('over wss:// too, and connects once verification is turned off', async () => {
      const d = driverFor({ url: m.wssUrl ?? '', mqttVersion: '5.0', tls: { rejectUnauthorized: true } });
      await expect(connectUser(d, 'alice')).rejects.toThrow(/: TLS: self-signed certificate in certificate chain$/);
      const lax = driverFor({ url: m.wssUrl ?? '', mqttVersion: '5.0', tls: { rejectUnauthorized: false } });
      await connectUser(lax, 'alice');
    });
  });

  it.each([
    ['mqtt', () => m.url, undefined],
    ['mqtts', () => m.tlsUrl ?? '', verified],
    ['ws', () => m.wsUrl ?? '', undefined],
    ['wss', () => m.wssUrl ?? '', verified],
  ] as const)('%s:// sets TCP_NODELAY on the raw socket before its first byte', async (_scheme, url, tls) => {
    const port = Number(new URL(url()).port);
    const d = driverFor({ url: url(), mqttVersion: '5.0', ...(tls ? { tls: tls() } : {}) });
    const probe = recordNoDelay();
    try {
      await connectUser(d, 'alice');
    } finally {
      probe.restore();
    }
    const ours = probe.calls.filter((c) => c.socket.remotePort === port);
    expect(ours.filter((c) => c.enable && c.bytesWritten === 0 && c.beforeConnect)).toHaveLength(1);
    expect(ours.filter((c) => !c.enable)).toHaveLength(0);
  });

  it.each([
    ['mqtt', () => m.url, 0],
    ['ws', () => m.wsUrl ?? '', 6], // one masked client frame: 2 header bytes + 4 mask bytes
  ] as const)('%s:// puts one PUBLISH on the wire as exactly its MQTT bytes (+ one frame)', async (_s, url, framing) => {
    for (const mqttVersion of VERSIONS) {
      const runId = `exact${mqttVersion === '5.0' ? 5 : 4}`;
      const d = driverFor({ url: url(), mqttVersion }, runId);
      const alice = await connectUser(d, 'alice');
      const payload = uniquePayload('exact', 64);
      const topic = `chatbench/${runId}/room/r`;
      // fixed header (1) + remaining length (1) + topic length (2) + topic + [5.0: properties length (1)] + payload
      const publishBytes = 2 + 2 + topic.length + (mqttVersion === '5.0' ? 1 : 0) + payload.length;
      const before = alice.session.wire().bytesOut;
      await alice.session.sendToRoom('r', payload, 0);
      await expect.poll(() => alice.session.wire().bytesOut - before).toBe(publishBytes + framing);
    }
  });

  it('counts the TLS handshake in wire bytes', async () => {
    const plain = await connectUser(driverFor({ url: m.url, mqttVersion: '5.0' }), 'alice');
    const secure = await connectUser(driverFor({ url: m.tlsUrl ?? '', mqttVersion: '5.0', tls: verified() }), 'alice');
    expect(secure.session.wire().bytesOut).toBeGreaterThan(plain.session.wire().bytesOut + 200);
    expect(secure.session.wire().bytesIn).toBeGreaterThan(plain.session.wire().bytesIn + 500); // server certificate
  });

  it('clears retained presence and wills on close', async () => {
    const runId = `p${Date.now() % 1e8}`;
    const d = driverFor({ url: m.url, mqttVersion: '5.0' }, runId);
    const alice = await connectUser(d, 'alice');
    const bob = await connectUser(d, 'bob');
    await alice.session.setPresence('away');
    await bob.session.disconnect('abrupt');
    const prefix = `chatbench/${runId}/presence/`;
    await expect.poll(async () => Object.fromEntries(await retainedUnder(m.url, `${prefix}+`)))
      .toEqual({ [`${prefix}alice`]: 'away', [`${prefix}bob`]: 'offline' });
    await d.close();
    expect((await retainedUnder(m.url, `chatbench/${runId}/#`)).size).toBe(0);
  });

  describe('a listener with max_qos 1', () => {
    let limited: Mosquitto;
    beforeAll(async () => {
      limited = await startMosquitto({ maxQos: 1 });
    }, 20_000);
    afterAll(async () => {
      await limited?.stop();
    });

    it.each(VERSIONS)('MQTT %s: grants QoS 1 for 2, exposes it, and delivers at 1', async (mqttVersion) => {
      const d = driverFor({ url: limited.url, mqttVersion });
      const alice = await connectUser(d, 'alice');
      const bob = await connectUser(d, 'bob', { directLevel: 2 });
      await bob.session.joinRoom('r', 2);
      expect((bob.session as MqttChatSession).grantedLevel('r')).toBe(1);
      expect((bob.session as MqttChatSession).inboxLevel).toBe(1);
      const payload = uniquePayload('limited');
      await alice.session.sendToRoom('r', payload, 1);
      expect((await bob.inbox.waitFor(samePayload(payload))).level).toBe(1);
    });

    it('MQTT 5.0: a QoS 2 send is cut off with the DISCONNECT reason, not left hanging', async () => {
      const d = driverFor({ url: limited.url, mqttVersion: '5.0' });
      const lost: ConnectionEnd[] = [];
      const alice = await d.connect({ user: 'alice', directLevel: 0, onMessage: () => {}, timeoutMs: 3000, onConnectionLost: (end) => lost.push(end) });
      const error = await alice.sendToUser('alice', uniquePayload('too-high'), 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SendIncompleteError);
      expect((error as Error).message).toMatch(/: no PUBREC before the connection closed \(server sent DISCONNECT: qos not supported \(155\)\)$/);
      expect(error).toMatchObject({ awaiting: 'PUBREC', because: 'connection-closed', code: 0x9b });
      expect(lost).toEqual([{ by: 'server', cause: 'server sent DISCONNECT: qos not supported (155)', code: 0x9b }]);
    });
  });
});
