/**
 * The lean client's protocol flows against a scripted server (test/helpers/scripted-broker.ts),
 * where the server's side is exactly what the test says: CONNACK refusals, Receive Maximum,
 * packet identifiers, QoS 2 in both directions, refusals and broken acknowledgement flows,
 * server DISCONNECT / FIN / malformed packets, Maximum Packet Size, keep-alive, batched writes.
 */
import { describe, expect, it } from 'vitest';
import type { Packet } from 'mqtt-packet';
import { SendIncompleteError, type ConnectionEnd, type Driver, type ProtocolAnomaly } from '../../core/driver.js';
import { InputError, TargetUnreachableError } from '../../core/errors.js';
import { clientSettingsFor } from '../../runners/mqtt/driver.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { openLean } from '../../runners/mqtt/lean/open.js';
import { TopicBytes } from '../../runners/mqtt/lean/codec.js';
import { connectUser, sleep } from '../helpers/chat.js';
import type { ScriptedConnection } from '../helpers/scripted-broker.js';
import { of, scriptedSetup, type Version } from './mqtt-lean-scripted.js';

const { broker, lean, track } = scriptedSetup('lean', 1000);

interface Watched {
  ends: ConnectionEnd[];
  anomalies: ProtocolAnomaly[];
}

async function watchedUser(d: Driver, user = 'alice') {
  const seen: Watched = { ends: [], anomalies: [] };
  const got: Buffer[] = [];
  const session = await d.connect({
    user, directLevel: 2, timeoutMs: 2000,
    onMessage: (m) => got.push(Buffer.from(m.payload)),
    onConnectionLost: (end) => seen.ends.push(end),
    onAnomaly: (a) => seen.anomalies.push(a),
  });
  return { session, seen, got };
}

const inboxOf = (conn: ScriptedConnection): string => of(conn, 'subscribe')[0]?.subscriptions[0]?.topic ?? '';

describe.each<Version>(['3.1.1', '5.0'])('lean client, MQTT %s', (version) => {
  const v5 = version === '5.0';

  it('CONNECT carries the client id, clean session, keep-alive and the retained "offline" will', async () => {
    const b = await broker();
    await watchedUser(lean(b, version, 7));
    const connect = of(b.connections[0]!, 'connect')[0];
    expect(connect).toMatchObject({ protocolVersion: v5 ? 5 : 4, clean: true, keepalive: 7, will: { qos: 1, retain: true } });
    expect(connect?.clientId).toMatch(/^cb[0-9a-f]{8}alice$/);
    expect(connect?.will?.payload.toString()).toBe('offline');
  });

  it('a CONNACK refusal is TargetUnreachableError naming the code, as the MQTT.js client says it', async () => {
    const b = await broker({ onPacket: (p, c) => p.cmd === 'connect' && (c.send({ cmd: 'connack', sessionPresent: false, returnCode: 5, reasonCode: 0x87 }), true) });
    const error = await connectUser(lean(b, version), 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toBe(`cannot reach target ${b.url}: CONNACK: not authorized (${v5 ? 135 : 5})`);
  });

  it('no CONNACK within the timeout: says so', async () => {
    const b = await broker({ connack: 'none' });
    await expect(connectUser(lean(b, version), 'alice', { timeoutMs: 300 })).rejects.toThrow(`cannot reach target ${b.url}: no CONNACK within 300 ms`);
  });

  it('QoS 2 out: PUBLISH, PUBREC, PUBREL, PUBCOMP; packet identifiers non-zero and distinct while in flight', async () => {
    const b = await broker();
    const { session } = await watchedUser(lean(b, version));
    await Promise.all([1, 2, 3].map((i) => session.sendToUser('bob', Buffer.from(`m${i}`), 2)));
    const conn = b.connections[0]!;
    const ids = of(conn, 'publish').map((p) => p.messageId);
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain(0);
    expect(of(conn, 'pubrel').map((p) => p.messageId).sort()).toEqual([...ids].sort());
  });

  it('QoS 2 in: delivered once though the server sends the PUBLISH twice; PUBREC each time, PUBCOMP for the PUBREL', async () => {
    const b = await broker();
    const { got } = await watchedUser(lean(b, version));
    const conn = b.connections[0]!;
    const publish = { cmd: 'publish', topic: inboxOf(conn), payload: Buffer.from('once'), qos: 2, retain: false, dup: false, messageId: 7 } as const;
    conn.send(publish);
    conn.send({ ...publish, dup: true });
    await expect.poll(() => of(conn, 'pubrec').length).toBe(2);
    conn.send({ cmd: 'pubrel', messageId: 7 });
    await expect.poll(() => of(conn, 'pubcomp').map((p) => p.messageId)).toEqual([7]);
    expect(got.map(String)).toEqual(['once']);
  });

  it('QoS 1 in: delivered, then PUBACK with its identifier', async () => {
    const b = await broker();
    const { got } = await watchedUser(lean(b, version));
    const conn = b.connections[0]!;
    conn.send({ cmd: 'publish', topic: inboxOf(conn), payload: Buffer.from('one'), qos: 1, retain: false, dup: false, messageId: 300 });
    await expect.poll(() => of(conn, 'puback').map((p) => p.messageId)).toEqual([300]);
    expect(got.map(String)).toEqual(['one']);
  });

  it('packet identifiers run 1..65535 and wrap, never 0 [MQTT-2.3.1-1]', async () => {
    const b = await broker();
    const { session } = await watchedUser(lean(b, version));
    for (let batch = 0; batch < 66; batch++) {
      await Promise.all(Array.from({ length: 1000 }, () => session.sendToUser('bob', Buffer.from('x'), 1)));
    }
    const ids = of(b.connections[0]!, 'publish').map((p) => p.messageId ?? 0);
    expect(ids).toHaveLength(66_000);
    expect(Math.min(...ids)).toBe(1);
    expect(Math.max(...ids)).toBe(65_535);
    expect(ids.indexOf(1, 1)).toBeGreaterThan(60_000); // 1 again only after the wrap (the SUBSCRIBE took one id)
  }, 60_000);

  it('a refused acknowledgement (5.0 reason code) fails the send as refused; a dropped connection as never acknowledged', async () => {
    let first = true;
    const b = await broker({
      onPacket: (p, c) => {
        if (p.cmd !== 'publish' || !p.topic.includes('/user/')) return false; // (not the cleanup of the will)
        if (first && v5) c.send({ cmd: 'puback', messageId: p.messageId ?? 0, reasonCode: 0x87 });
        else c.end();
        first = false;
        return true;
      },
    });
    const { session, seen } = await watchedUser(lean(b, version));
    if (v5) {
      const refused = await session.sendToUser('bob', Buffer.from('no'), 1).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SendIncompleteError);
      expect(refused).toMatchObject({ because: 'refused', code: 135, awaiting: 'PUBACK' });
      expect((refused as Error).message).toBe(`alice: PUBLISH to chatbench/lean/user/bob at QoS 1 refused: PUBACK not authorized (135)`);
    }
    const lost = await session.sendToUser('bob', Buffer.from('lost'), 2).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(SendIncompleteError);
    expect(lost).toMatchObject({ because: 'connection-closed', awaiting: 'PUBREC', written: true });
    expect(seen.ends).toEqual([{ by: 'server', cause: `the server closed the connection${v5 ? ' without a DISCONNECT' : ''}` }]);
    await expect(session.sendToUser('bob', Buffer.from('late'), 0)).rejects.toThrow(/not connected \(the server closed the connection/);
  });

  it('a QoS 2 PUBLISH answered with PUBACK is an ack-flow anomaly (the send completes, as with MQTT.js)', async () => {
    const b = await broker({ onPacket: (p, c) => p.cmd === 'publish' && (c.send({ cmd: 'puback', messageId: p.messageId ?? 0 }), true) });
    const { session, seen } = await watchedUser(lean(b, version));
    await session.sendToUser('bob', Buffer.from('q2'), 2);
    expect(seen.anomalies).toHaveLength(1);
    expect(seen.anomalies[0]).toMatchObject({ kind: 'ack-flow', seen: ['PUBLISH qos2', 'PUBACK'] });
  });

  it('a malformed packet from the server: chatbench closes the connection and says why [MQTT-4.8.0-1]', async () => {
    const b = await broker();
    const { seen } = await watchedUser(lean(b, version));
    b.connections[0]!.sendRaw(Buffer.from([0x36, 0x02, 0x00, 0x00])); // PUBLISH with both QoS bits set
    await expect.poll(() => seen.ends.length).toBe(1);
    expect(seen.ends[0]?.by).toBe('chatbench');
    expect(seen.ends[0]?.cause).toMatch(/malformed packet \(PUBLISH with both QoS bits set/);
  });

  it('graceful disconnect waits for in-flight QoS 1 sends, then DISCONNECT; abrupt drops the socket without one', async () => {
    let hold: ScriptedConnection | undefined;
    const held: number[] = [];
    const b = await broker({ onPacket: (p, c) => p.cmd === 'publish' && p.topic.includes('/user/') && (held.push(p.messageId ?? 0), (hold = c), true) });
    const d = lean(b, version);
    const { session } = await watchedUser(d);
    const send = session.sendToUser('bob', Buffer.from('wait'), 1);
    await expect.poll(() => held.length).toBe(1);
    const bye = session.disconnect('graceful');
    await sleep(100);
    expect(of(hold!, 'disconnect')).toHaveLength(0); // still waiting for the PUBACK
    hold!.send({ cmd: 'puback', messageId: held[0]! });
    await send;
    await bye;
    expect(of(hold!, 'disconnect')).toHaveLength(1);
    const other = await watchedUser(d, 'bob');
    await other.session.disconnect('abrupt');
    expect(of(b.connections[1]!, 'disconnect')).toHaveLength(0);
  });
});

describe('lean client, MQTT 5.0 limits from CONNACK', () => {
  it('Receive Maximum: at most that many QoS 1 PUBLISHes in flight; the rest follow as acknowledgements come [MQTT-3.3.4-7]', async () => {
    const held: Packet[] = [];
    const b = await broker({
      onPacket: (p, c) => {
        if (p.cmd === 'connect') return c.send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 2 } }), true;
        return p.cmd === 'publish' && (held.push(p), true);
      },
    });
    const { session } = await watchedUser(lean(b, '5.0'));
    const sends = Array.from({ length: 5 }, (_, i) => session.sendToUser('bob', Buffer.from(`m${i}`), 1));
    await sleep(150);
    expect(held).toHaveLength(2);
    const conn = b.connections[0]!;
    for (let acked = 0; acked < 5; acked++) {
      await expect.poll(() => held.length).toBeGreaterThan(acked);
      const p = held[acked] as Packet & { cmd: 'publish' };
      conn.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    }
    await Promise.all(sends);
    expect(held.map((p) => (p as Packet & { cmd: 'publish' }).payload.toString())).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('Maximum Packet Size too small for the messages: InputError before anything is sent, and a DISCONNECT (no will)', async () => {
    const b = await broker({
      onPacket: (p, c) => p.cmd === 'connect' && (c.send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { maximumPacketSize: 100 } }), true),
    });
    const d = lean(b, '5.0');
    const error = await d.connect({ user: 'alice', directLevel: 1, timeoutMs: 2000, onMessage: () => {}, largestPayloadBytes: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/Maximum Packet Size of 100 bytes \(CONNACK\); this scenario's messages need \d+ bytes/);
    await expect.poll(() => of(b.connections[0]!, 'disconnect').length).toBe(1);
    expect(of(b.connections[0]!, 'publish')).toHaveLength(0);
  });

  it('a server DISCONNECT is the server ending the connection, with its reason code', async () => {
    const b = await broker();
    const { seen } = await watchedUser(lean(b, '5.0'));
    b.connections[0]!.send({ cmd: 'disconnect', reasonCode: 0x8b });
    b.connections[0]!.end();
    await expect.poll(() => seen.ends.length).toBe(1);
    expect(seen.ends[0]).toEqual({ by: 'server', cause: 'server sent DISCONNECT: server shutting down (139)', code: 139 });
  });

  it('Server Keep Alive in CONNACK replaces the client\'s own [MQTT-3.2.2-21]', async () => {
    const b = await broker({
      onPacket: (p, c) => p.cmd === 'connect' && (c.send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { serverKeepAlive: 9 } }), true),
    });
    const { session } = await watchedUser(lean(b, '5.0'));
    expect(session.keepAliveSeconds).toBe(9);
  });
});

describe.each<Version>(['3.1.1', '5.0'])('lean keep-alive, MQTT %s, 1 s', (version) => {
  it('PINGREQ at least every keep-alive when idle; a server silent for half a keep-alive after it is given up on by chatbench', async () => {
    const pings: number[] = [];
    let answer = true;
    const b = await broker({ onPacket: (p) => p.cmd === 'pingreq' && (pings.push(Date.now()), !answer) });
    const { seen } = await watchedUser(lean(b, version, 1));
    await sleep(2600);
    expect(pings.length).toBeGreaterThanOrEqual(2);
    const gaps = pings.slice(1).map((t, i) => t - pings[i]!);
    expect(Math.max(...gaps)).toBeLessThan(1500); // the server's own limit is 1.5× keep-alive [MQTT-3.1.2-24]
    expect(seen.ends).toEqual([]);
    answer = false;
    await expect.poll(() => seen.ends.length, { timeout: 4000 }).toBe(1);
    expect(seen.ends[0]?.by).toBe('chatbench');
    expect(seen.ends[0]?.cause).toMatch(/^chatbench's keep-alive timeout: no PINGRESP within [\d.]+ s of its PINGREQ \(keep-alive 1 s\)$/);
  }, 15_000);

  it('a server that holds PINGRESP back while it keeps delivering stays connected', async () => {
    const b = await broker({ onPacket: (p) => p.cmd === 'pingreq' });
    const { seen, got } = await watchedUser(lean(b, version, 1));
    const conn = b.connections[0]!;
    const timer = setInterval(() => conn.send({ cmd: 'publish', topic: inboxOf(conn), payload: Buffer.from('busy'), qos: 0, retain: false, dup: false }), 100);
    await sleep(3000);
    clearInterval(timer);
    expect(seen.ends).toEqual([]);
    expect(got.length).toBeGreaterThan(10);
  }, 15_000);
});

describe('lean writes', () => {
  it('1,000 sends in one tick leave as one batched write, not 1,000', async () => {
    const b = await broker();
    track(createLeanDriver({ url: b.url, mqttVersion: '3.1.1' }, { runId: 'batch' }));
    const settings = clientSettingsFor({ url: b.url, mqttVersion: '3.1.1' }, { runId: 'batch' });
    const { client } = await openLean(settings, { clientId: 'batcher', timeoutMs: 2000 });
    const socket = client.stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    let writes = 0;
    let writevs = 0;
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (...a) => (writes++, write(...a));
    socket._writev = (...a) => (writevs++, writev(...a));
    const topic = new TopicBytes().get('chatbench/batch/user/bob');
    for (let i = 0; i < 1000; i++) client.publish(topic, Buffer.from(`m${i}`), 0, false);
    await expect.poll(() => of(b.connections[0]!, 'publish').length).toBe(1000);
    expect(writes + writevs).toBe(1);
    client.transport.destroy();
  });
});
