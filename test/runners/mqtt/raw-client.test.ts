/**
 * The raw-packet client conformance and fuzzing share: bytes go out exactly as given, every
 * packet the server sends comes back parsed, and who closed the connection is told apart.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../runners/mqtt/embedded.js';
import { parseEndpoint } from '../../../runners/mqtt/endpoint.js';
import { RawClient, RawConnectError } from '../../../runners/mqtt/raw/client.js';
import { describeRejection, observeRejection } from '../../../runners/mqtt/raw/rejection.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { startScriptedBroker } from '../../helpers/scripted-broker.js';

const CONNECT_311 = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'raw-test', clean: true, keepalive: 30 } as const;

describe('RawClient against the embedded broker', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(() => broker.close());

  it('writes the packet mqtt-packet encodes and parses the CONNACK; the transcript has both, in order', async () => {
    const c = await RawClient.open({ endpoint: parseEndpoint(broker.url), version: 4 });
    const sent = c.send({ ...CONNECT_311 });
    expect(sent.toString('hex')).toBe('101400044d5154540402001e00087261772d74657374');
    const ev = await c.next(2_000);
    expect(ev.kind).toBe('packet');
    if (ev.kind === 'packet') expect(ev.packet).toMatchObject({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    const t = c.transcript();
    expect(t.map((e) => [e.dir, e.hex])).toEqual([
      ['sent', sent.toString('hex')],
      ['received', '20020000'],
    ]);
    expect(t[1]!.atMs).toBeGreaterThanOrEqual(t[0]!.atMs);
    c.destroy();
  });

  it('nextOf skips other packets but keeps them; untilClosed reports the server closing after a protocol violation', async () => {
    const c = await RawClient.open({ endpoint: parseEndpoint(broker.url), version: 4 });
    c.send({ ...CONNECT_311, clientId: 'raw-test-2' });
    c.send({ cmd: 'pingreq' });
    const got = await c.nextOf('pingresp', 2_000);
    expect(got.packet?.cmd).toBe('pingresp');
    expect(got.skipped.map((p) => p.cmd)).toEqual(['connack']);
    // A second CONNECT is a protocol violation: the server closes [MQTT-3.1.0-2].
    c.send({ ...CONNECT_311, clientId: 'raw-test-2' });
    const r = await observeRejection(c, 2_000);
    expect(r.closed).toBe(true);
    expect(r.answers).toEqual([]);
    expect(describeRejection(r)).toBe('closed the connection');
    expect(c.closed).toBe(true);
    expect(await c.next(10)).toMatchObject({ kind: 'closed', by: 'server' });
  });

  it('an incomplete packet is a timeout, not a close, and the waiting time is reported', async () => {
    const c = await RawClient.open({ endpoint: parseEndpoint(broker.url), version: 4 });
    c.sendBytes(Buffer.from('e0ff', 'hex'));
    const r = await observeRejection(c, 300);
    expect(r.closed).toBe(false);
    expect(r.waitedMs).toBe(300);
    expect(describeRejection(r)).toBe('kept the connection open for 300 ms');
    c.destroy();
    expect(await c.next(1_000)).toMatchObject({ kind: 'closed', by: 'chatbench' });
  });

  it('packet identifiers run 1, 2, … and never 0', async () => {
    const c = await RawClient.open({ endpoint: parseEndpoint(broker.url), version: 4 });
    expect([c.packetId(), c.packetId(), c.packetId()]).toEqual([1, 2, 3]);
    for (let i = 3; i < 65_535; i++) c.packetId();
    expect(c.packetId()).toBe(1);
    c.destroy();
  });
});

describe('RawClient reading what servers send', () => {
  it('bytes that do not parse are an "unparsable" event, never an exception', async () => {
    // A reserved packet type 0 from the server.
    const broker = await startScriptedBroker({ onPacket: (p, conn) => (p.cmd === 'connect' ? (conn.sendRaw(Buffer.from('0000', 'hex')), true) : false) });
    try {
      const c = await RawClient.open({ endpoint: parseEndpoint(broker.url), version: 4 });
      c.send({ ...CONNECT_311 });
      const ev = await c.next(2_000);
      expect(ev.kind).toBe('unparsable');
      c.destroy();
    } finally {
      await broker.close();
    }
  });

  it('a refused TCP connection is a RawConnectError naming the phase', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const opened = RawClient.open({ endpoint: parseEndpoint(`mqtt://127.0.0.1:${port}`), version: 4, connectTimeoutMs: 2_000 });
    await expect(opened).rejects.toBeInstanceOf(RawConnectError);
    await expect(opened).rejects.toMatchObject({ phase: 'tcp', message: expect.stringContaining('ECONNREFUSED') });
  });
});

describeWithMosquitto('RawClient over TLS and WebSocket (mosquitto)', () => {
  let m: Mosquitto;
  beforeAll(async () => {
    m = await startMosquitto({ tls: true, websocket: true });
  });
  afterAll(() => m.stop());

  for (const which of ['tlsUrl', 'wsUrl', 'wssUrl'] as const) {
    it(`speaks MQTT 5.0 over ${which.replace('Url', '')}: CONNACK parsed with its properties`, async () => {
      const url = m[which];
      expect(url).toBeDefined();
      const { readFileSync } = await import('node:fs');
      const c = await RawClient.open({ endpoint: parseEndpoint(url!), version: 5, tls: { ca: readFileSync(m.caFile!) } });
      c.send({ ...CONNECT_311, protocolVersion: 5, clientId: `raw-${which}` });
      const got = await c.nextOf('connack', 3_000);
      expect(got.packet).toMatchObject({ cmd: 'connack', reasonCode: 0 });
      expect(got.packet?.properties?.topicAliasMaximum).toBeGreaterThan(0);
      expect(c.transcript()[0]?.hex.startsWith('10')).toBe(true);
      c.destroy();
    });
  }
});
