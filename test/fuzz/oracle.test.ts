/**
 * The MQTT fuzz oracle: what each step must get, judged from what the server did — on hand-made
 * observations (every branch, with the statement it cites) and on live servers: the embedded
 * Aedes for what a conformant answer looks like, and Aedes behind a tampering proxy for answers
 * a real broker never gives on purpose (a wrong identifier, silence).
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { Rejection } from '../../runners/mqtt/raw/rejection.js';
import { decodePacket, expectedAnswer, isAnswer, judgeAnswer, judgeRejection } from '../../runners/mqtt/fuzz/oracle.js';
import { NO_ANSWER_GRACE } from '../../runners/mqtt/fuzz/execute.js';
import { replayMqttCase } from '../../runners/mqtt/fuzz/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';

const rejection = (r: Partial<Rejection>): Rejection => ({ closed: true, waitedMs: 0, disconnectReason: undefined, connackCode: undefined, answers: [], unparsable: false, ...r });
const step = { note: 'SUBSCRIBE with flags 0x0', statements: ['MQTT-2.2.2-2'] };
const hex = (p: Packet, v: 4 | 5 = 4) => mqttPacket.generate(p, { protocolVersion: v }).toString('hex');
const CONNECT = hex({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'oracle', clean: true, keepalive: 0 });

describe('judgeRejection: a malformed packet must get the connection closed', () => {
  it('closed with nothing sent first: no verdict', () => {
    expect(judgeRejection(rejection({}), step, 4, true)).toBeNull();
  });

  it('kept open: not-closed, citing the mutation and the close statement of the version', () => {
    expect(judgeRejection(rejection({ closed: false, waitedMs: 500 }), step, 4, true)).toEqual({
      kind: 'not-closed',
      message: 'SUBSCRIBE with flags 0x0: the server kept the connection open for 500 ms (chatbench stopped waiting then)',
      statements: ['MQTT-2.2.2-2', 'MQTT-4.8.0-1'],
    });
    expect(judgeRejection(rejection({ closed: false, waitedMs: 500 }), step, 5, true)?.statements).toEqual(['MQTT-2.2.2-2', 'MQTT-4.13.1-1']);
  });

  it('answered as if valid: accepted-malformed, even when the server closed afterwards', () => {
    const v = judgeRejection(rejection({ answers: [{ cmd: 'suback', messageId: 1, granted: [0] }] }), step, 4, true);
    expect(v?.kind).toBe('accepted-malformed');
    expect(v?.message).toBe('SUBSCRIBE with flags 0x0: the server answered with SUBACK instead of closing the connection');
  });

  it("a delivery of someone's message is not an answer; a refusing CONNACK or a DISCONNECT >= 0x80 may come first", () => {
    const delivery: Packet = { cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false };
    expect(judgeRejection(rejection({ answers: [delivery] }), step, 4, true)).toBeNull();
    expect(judgeRejection(rejection({ connackCode: 0x02 }), { note: 'CONNECT', statements: ['MQTT-3.1.2-2'] }, 4, false)).toBeNull();
    expect(judgeRejection(rejection({ connackCode: 0x84 }), { note: 'CONNECT', statements: ['MQTT-3.1.2-2'] }, 5, false)).toBeNull();
    // A 5.0 server that cannot tell the version of a bad CONNECT may refuse in 3.1.1's form (0x01).
    expect(judgeRejection(rejection({ connackCode: 0x01 }), { note: 'CONNECT level 0', statements: ['MQTT-3.1.2-2'] }, 5, false)).toBeNull();
    expect(judgeRejection(rejection({ disconnectReason: 0x81 }), step, 5, true)).toBeNull();
    expect(isAnswer(delivery, 4)).toBe(false);
    expect(isAnswer({ cmd: 'pingresp' }, 4)).toBe(true);
  });

  it('a CONNACK that accepts a malformed CONNECT is accepted-malformed; a second CONNACK on a connection is wrong-answer [MQTT-3.2.0-2]', () => {
    expect(judgeRejection(rejection({ connackCode: 0 }), { note: 'CONNECT with the reserved flag', statements: ['MQTT-3.1.2-3'] }, 4, false)?.kind).toBe('accepted-malformed');
    expect(judgeRejection(rejection({ connackCode: 0x87 }), { note: 'second CONNECT', statements: ['MQTT-3.1.0-2'] }, 5, true)).toEqual(
      expect.objectContaining({ kind: 'wrong-answer', statements: ['MQTT-3.2.0-2'] }),
    );
  });

  it('5.0: a DISCONNECT below 0x80 before the close is wrong-answer; bytes that are not MQTT are too', () => {
    expect(judgeRejection(rejection({ disconnectReason: 0x00 }), step, 5, true)?.kind).toBe('wrong-answer');
    expect(judgeRejection(rejection({ unparsable: true }), step, 4, true)?.kind).toBe('wrong-answer');
  });

  it('a wrong protocol name proves nothing: the server MAY go on under another specification [MQTT-3.1.2-1]', () => {
    expect(judgeRejection(rejection({ connackCode: 0, closed: false }), { note: 'CONNECT named "MQIsdp"', statements: ['MQTT-3.1.2-1'] }, 4, false)).toBeNull();
    expect(judgeRejection(rejection({ closed: false }), { note: 'CONNECT named "MQTX"', statements: ['MQTT-3.1.2-1', 'MQTT-4.13.1-1'] }, 5, false)).toBeNull();
  });
});

describe('expectedAnswer and judgeAnswer: a valid packet must get its answer', () => {
  const subscribe: Packet = { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a', qos: 1 }, { topic: 'b', qos: 0 }] };
  const ctx = { note: 'SUBSCRIBE id=7', version: 4 as const };

  it('names the answer each packet needs, with its statements', () => {
    expect(expectedAnswer(subscribe, 4)).toEqual({ kind: 'answer', cmd: 'suback', packetId: 7, codes: 2, statements: { answer: ['MQTT-3.8.4-1'], id: ['MQTT-3.8.4-2'], codes: ['MQTT-3.8.4-5'] } });
    expect(expectedAnswer(subscribe, 5)).toMatchObject({ statements: { codes: ['MQTT-3.8.4-6'] } });
    expect(expectedAnswer({ cmd: 'publish', topic: 't', payload: '', qos: 2, messageId: 3, retain: false, dup: false }, 5)).toMatchObject({ cmd: 'pubrec', packetId: 3, statements: { id: ['MQTT-4.3.3-8'] } });
    expect(expectedAnswer({ cmd: 'publish', topic: 't', payload: '', qos: 0, retain: false, dup: false }, 4)).toEqual({ kind: 'nothing' });
    expect(expectedAnswer({ cmd: 'pingreq' }, 4)).toMatchObject({ cmd: 'pingresp', statements: { answer: ['MQTT-3.12.4-1'] } });
    expect(expectedAnswer({ cmd: 'disconnect' }, 4)).toEqual({ kind: 'ends' });
  });

  it('judges the identifier, the number of codes, silence, and allows a close', () => {
    const want = expectedAnswer(subscribe, 4);
    if (want.kind !== 'answer') throw new Error('expected an answer');
    expect(judgeAnswer(want, { packet: { cmd: 'suback', messageId: 7, granted: [1, 0] } }, ctx)).toEqual({ verdict: null, connectionOver: false });
    expect(judgeAnswer(want, { packet: { cmd: 'suback', messageId: 8, granted: [1, 0] } }, ctx).verdict).toEqual(
      expect.objectContaining({ kind: 'wrong-answer', statements: ['MQTT-3.8.4-2'] }),
    );
    expect(judgeAnswer(want, { packet: { cmd: 'suback', messageId: 7, granted: [1] } }, ctx).verdict).toEqual(
      expect.objectContaining({ kind: 'wrong-answer', statements: ['MQTT-3.8.4-5'] }),
    );
    const silent = judgeAnswer(want, { packet: undefined, ended: { kind: 'timeout', waitedMs: 300 } }, ctx).verdict;
    expect(silent).toEqual({ kind: 'no-answer', message: 'SUBSCRIBE id=7 got no SUBACK: chatbench stopped waiting after 300 ms', statements: ['MQTT-3.8.4-1'] });
    expect(judgeAnswer(want, { packet: undefined, ended: { kind: 'closed', by: 'server', atMs: 1 } }, ctx)).toEqual({ verdict: null, connectionOver: true });
  });

  it('decodePacket reads exactly one packet, or nothing', () => {
    expect(decodePacket(Buffer.from('c000', 'hex'), 4)).toMatchObject({ cmd: 'pingreq' });
    expect(decodePacket(Buffer.from('c000c000', 'hex'), 4)).toBeUndefined();
    expect(decodePacket(Buffer.from('c0', 'hex'), 4)).toBeUndefined();
    expect(decodePacket(Buffer.from('36020001', 'hex'), 4)).toBeUndefined(); // QoS 3
  });
});

describe('a case run against live servers', () => {
  let aedes: EmbeddedBroker | undefined;
  afterEach(async () => {
    await aedes?.close();
    aedes = undefined;
  });
  const opts = (url: string) => ({ url, version: 4 as const, answerTimeoutMs: 300, canaryTimeoutMs: 1_000 });

  it('a conformant exchange on Aedes has no verdict; every byte received is kept per connection', async () => {
    aedes = await startEmbeddedBroker();
    const outcome = await replayMqttCase([
      { connection: 0, hex: CONNECT },
      { connection: 0, hex: hex({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/y', qos: 1 }] }) },
      { connection: 0, hex: hex({ cmd: 'publish', topic: 'x/y', payload: Buffer.from('hi'), qos: 1, messageId: 2, retain: false, dup: false }) },
      { connection: 0, hex: 'c000' },
      // QoS 3 PUBLISH: Aedes closes the connection, as it must [MQTT-3.3.1-4].
      { connection: 0, hex: '36020001', malformed: true, statements: ['MQTT-3.3.1-4'] },
      // Nothing more is sent on a connection the server closed.
      { connection: 0, hex: 'c000' },
    ], opts(aedes.url));
    expect(outcome.verdict).toBeNull();
    expect(outcome.steps).toHaveLength(5);
    expect(outcome.received).toHaveLength(1);
    expect(outcome.received[0]?.hex.startsWith('20020000')).toBe(true); // CONNACK accepted
    expect(outcome.received[0]?.hex).toContain('d000'); // PINGRESP
  });

  it('each case starts from the state the server had: a kept session and a retained message are removed afterwards', async () => {
    aedes = await startEmbeddedBroker();
    const keep = hex({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'keeper', clean: false, keepalive: 0 });
    const first = await replayMqttCase([
      { connection: 0, hex: keep },
      { connection: 0, hex: hex({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'kept/#', qos: 1 }] }) },
      { connection: 0, hex: hex({ cmd: 'publish', topic: 'kept/r', payload: Buffer.from('old'), qos: 0, retain: true, dup: false }) },
    ], opts(aedes.url));
    expect(first.verdict).toBeNull();
    const second = await replayMqttCase([
      { connection: 0, hex: keep },
      { connection: 0, hex: hex({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'kept/#', qos: 0 }] }) },
      { connection: 0, hex: 'c000' },
    ], opts(aedes.url));
    // CONNACK with Session Present 0 [MQTT-3.2.2-1], SUBACK, PINGRESP: no session, no retained message.
    expect(second.received).toEqual([{ connection: 0, hex: '20020000' + '9003000100' + 'd000' }]);
  });

  it('a PUBACK with another identifier is wrong-answer; a PINGREQ never answered is no-answer, saying chatbench stopped waiting', async () => {
    aedes = await startEmbeddedBroker();
    // Aedes made to break two rules on the connections of client "oracle" only (the canary's pass).
    const proxy = await startTamperProxy(aedes.url, {
      toServer(packet, conn) {
        if (packet.cmd === 'connect') oracleConns.set(conn.index, packet.clientId === 'oracle');
        if (packet.cmd === 'pingreq' && oracleConns.get(conn.index) === true) return [];
        return undefined;
      },
      toClient(packet, conn) {
        if (packet.cmd === 'puback' && oracleConns.get(conn.index) === true) return [{ ...packet, messageId: (packet.messageId ?? 0) + 1 }];
        return undefined;
      },
    });
    const oracleConns = new Map<number, boolean>();
    try {
      const wrong = await replayMqttCase([
        { connection: 0, hex: CONNECT },
        { connection: 0, hex: hex({ cmd: 'publish', topic: 'fuzz', payload: '', qos: 1, messageId: 5, retain: false, dup: false }) },
      ], opts(proxy.url));
      expect(wrong.verdict).toEqual(expect.objectContaining({ kind: 'wrong-answer', statements: ['MQTT-4.3.2-2'] }));
      expect(wrong.verdict?.message).toContain('packet identifier 6');

      const silent = await replayMqttCase([{ connection: 0, hex: CONNECT }, { connection: 0, hex: 'c000' }], opts(proxy.url));
      expect(silent.verdict).toEqual(expect.objectContaining({ kind: 'no-answer', statements: ['MQTT-3.12.4-1'] }));
      // 300 ms, then NO_ANSWER_GRACE times as long again before a missing answer is a finding.
      expect(silent.verdict?.message).toMatch(new RegExp(`stopped waiting after ${300 * (1 + NO_ANSWER_GRACE)} ms`));
    } finally {
      await proxy.close();
    }
  });
});
