/**
 * MQTT's side of the network fault (runners/mqtt/fault-proxy.ts, packet-framer.ts): packets
 * framed exactly however the bytes are cut, CONNECT read for the client id and level, client
 * ids mapped back to users, the transport refusals, and on a real broker which PUBLISHes the
 * proxy may drop or double (chat deliveries to a known user, not retained, QoS 0 / 1) and how
 * a copy looks on the wire.
 */
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectedDelivery, NetworkFaultProxy } from '../../../core/driver.js';
import { InputError } from '../../../core/errors.js';
import { decodeHeader, encodeMessage, runTag } from '../../../core/metrics/header.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../runners/mqtt/embedded.js';
import { parseEndpoint } from '../../../runners/mqtt/endpoint.js';
import { networkFaultRefusal, startMqttNetworkFaults } from '../../../runners/mqtt/fault-proxy.js';
import { PacketFramer, readConnect } from '../../../runners/mqtt/packet-framer.js';
import { clientIdFor, userOfClientId } from '../../../runners/mqtt/topics.js';

const gen = (p: Packet, protocolVersion: 4 | 5 = 4): Buffer => mqttPacket.generate(p, { protocolVersion });

describe('PacketFramer', () => {
  const packets = [
    gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'abc', clean: true, keepalive: 30 }),
    gen({ cmd: 'publish', topic: 't/1', payload: Buffer.alloc(200, 1), qos: 0, dup: false, retain: false }),
    gen({ cmd: 'publish', topic: 't/2', payload: Buffer.alloc(300_000, 2), qos: 1, messageId: 7, dup: false, retain: false }), // 3 length bytes
    gen({ cmd: 'pingresp' }),
    gen({ cmd: 'puback', messageId: 7 }),
  ];
  const stream = Buffer.concat(packets);

  it.each([1, 2, 3, 7, 1000, 65_536, stream.length])('gives back the same packets with the stream cut every %i bytes', (size) => {
    const framer = new PacketFramer();
    const out: Buffer[] = [];
    for (let at = 0; at < stream.length; at += size) out.push(...framer.push(stream.subarray(at, at + size)));
    expect(out.map((b) => b.toString('hex'))).toEqual(packets.map((b) => b.toString('hex')));
    expect(framer.broken).toBe(false);
    expect(framer.takeRest()).toHaveLength(0);
  });

  it('gives up on a Remaining Length longer than four bytes and hands the held bytes back', () => {
    const framer = new PacketFramer();
    expect(framer.push(Buffer.from([0xd0, 0x00]))).toHaveLength(1); // a PINGRESP-like packet first
    expect(framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toEqual([]);
    expect(framer.broken).toBe(true);
    expect(framer.takeRest().toString('hex')).toBe('30ffffffff01');
  });
});

describe('CONNECT and client ids', () => {
  it.each([4, 5] as const)('reads the client id and level of a level-%i CONNECT', (level) => {
    const connect = gen({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: level, clientId: 'cbdeadbeefu12', clean: true, keepalive: 30,
      ...(level === 5 ? { properties: { sessionExpiryInterval: 300, receiveMaximum: 10 } } : {}),
      will: { topic: 'w', payload: Buffer.from('offline'), qos: 1, retain: true },
    }, level);
    expect(readConnect(connect)).toEqual({ level, clientId: 'cbdeadbeefu12' });
  });

  it('maps a chat client id back to its user, and refuses to guess a hashed one', () => {
    for (const user of ['u0', 'u12345', 'U9z']) expect(userOfClientId(clientIdFor('run1', user))).toBe(user);
    expect(userOfClientId(clientIdFor('run1', 'a user with spaces'))).toBeNull();
    expect(userOfClientId(clientIdFor('run1', 'averyverylongusername'))).toBeNull();
    expect(userOfClientId('ccdeadbeef123456')).toBeNull();
  });
});

describe('transports', () => {
  const fault = { delayMs: 10, jitterMs: 0, loss: 0.01, duplicate: 0, seed: 1 };
  it.each(['mqtts://h:8883', 'ws://h/mqtt', 'wss://h/mqtt'])('refuses loss and duplication for %s (packets unseen) but not delay', async (url) => {
    expect(networkFaultRefusal(parseEndpoint(url), fault)).toMatch(/cannot see MQTT packets inside (TLS|WebSocket)/);
    expect(networkFaultRefusal(parseEndpoint(url), { ...fault, loss: 0 })).toBeNull();
    await expect(startMqttNetworkFaults(parseEndpoint(url), fault, () => undefined)).rejects.toBeInstanceOf(InputError);
  });
  it('allows everything on plain mqtt://', () => {
    expect(networkFaultRefusal(parseEndpoint('mqtt://h:1883'), { ...fault, duplicate: 0.5 })).toBeNull();
  });
});

describe('the MQTT fault proxy on the embedded broker', () => {
  let broker: EmbeddedBroker;
  let proxy: NetworkFaultProxy;
  const injected: InjectedDelivery[] = [];
  const clients: MqttClient[] = [];
  const tag = runTag('fp-run');
  const chat = (streamId: number, seq: number): Buffer => encodeMessage({ runTag: tag, streamId, seq, intendedSendMicros: 1, actualSendMicros: 1 }, 64);

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    // Everything that may be dropped is; everything else that may be doubled is.
    proxy = await startMqttNetworkFaults(parseEndpoint(broker.url), { delayMs: 0, jitterMs: 0, loss: 1, duplicate: 1, seed: 3 }, (e) => injected.push(e));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await proxy.close();
    await broker.close();
  });

  const client = async (url: string, clientId: string): Promise<MqttClient> => {
    const c = await connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };

  it('drops QoS 0 chat deliveries, doubles QoS 1 ones (the copy marked DUP), leaves the rest alone', async () => {
    const received: IPublishPacket[] = [];
    const receiver = await client(`mqtt://${proxy.via.host}:${proxy.via.port}`, clientIdFor('fp-run', 'u1'));
    receiver.on('message', (_topic, _payload, packet) => received.push(packet));
    await receiver.subscribeAsync('chat/#', { qos: 1 });
    const sender = await client(broker.url, clientIdFor('fp-run', 'u0'));
    await sender.publishAsync('chat/a', chat(1, 0), { qos: 0 }); // dropped
    await sender.publishAsync('chat/a', Buffer.from('not a chat message'), { qos: 0 }); // passes: no chatbench header
    await sender.publishAsync('chat/b', chat(2, 0), { qos: 1 }); // doubled
    await sender.publishAsync('chat/r', chat(3, 0), { qos: 0, retain: true }); // live: dropped
    const late = await client(`mqtt://${proxy.via.host}:${proxy.via.port}`, clientIdFor('fp-run', 'u2'));
    const lateGot: IPublishPacket[] = [];
    late.on('message', (_topic, _payload, packet) => lateGot.push(packet));
    await late.subscribeAsync('chat/r', { qos: 0 }); // the retained copy sent on subscribing passes [MQTT-3.3.1-9]
    const deadline = Date.now() + 10_000;
    while ((received.length < 3 || lateGot.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100)); // anything more would show now

    expect(received.map((p) => `${p.topic} qos${p.qos} dup${p.dup ? 1 : 0}`)).toEqual(['chat/a qos0 dup0', 'chat/b qos1 dup0', 'chat/b qos1 dup1']);
    expect(received[0]?.payload.toString()).toBe('not a chat message');
    expect(lateGot).toHaveLength(1);
    expect(lateGot[0]?.retain).toBe(true);
    expect(injected.map((e) => [e.action, e.receiver, decodeHeader(e.payload)?.streamId])).toEqual([
      ['dropped', 'u1', 1],
      ['duplicated', 'u1', 2],
      ['dropped', 'u1', 3],
    ]);
    expect(proxy.stats()).toMatchObject({ connections: 2, dropped: 2, duplicated: 1 });
    await sender.publishAsync('chat/r', Buffer.alloc(0), { qos: 0, retain: true }); // leave no retained message behind
  });
});
