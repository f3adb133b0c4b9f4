/**
 * Malformed input and protocol errors (3.1.1 sections 1.5.3, 2.2, 2.3.1, 4.8; 5.0 sections
 * 1.5.4, 2.1.3, 2.2.1, 4.13): ill-formed UTF-8, reserved packet types and flag bits, a fifth
 * length byte, packet identifier 0. Each is sent by hand over a raw connection and the server
 * must close it [MQTT-4.8.0-1] [MQTT-4.13.1-1]; well-formed but unusual strings (4-byte UTF-8,
 * U+FEFF, a decomposed accent) must be carried byte for byte and matched as written.
 */
import mqttPacket from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { MqttCaseContext } from '../context.js';
import { ANSWER_MS } from '../context.js';
import { expectRefused, receive, subscribe } from '../steps.js';
import { packet, properties, publishBytes, receivedFrames, splitPublish, str, subscribeBytes, u16 } from '../wire.js';

type Level = 4 | 5;

/** A case that connects, sends bytes a server must refuse, and expects the connection closed. */
interface Refusal {
  id: string;
  title: string;
  statements: Partial<Record<'3.1.1' | '5', string[]>>;
  /** What was sent, in words, for the evidence ("a PINGREQ with flags 0001"). */
  what: string;
  bytes(ctx: MqttCaseContext, level: Level): Buffer;
  /** Sent instead of CONNECT, as the first packet (no connection set up first). */
  first?: boolean;
}

/**
 * The statement a refusal is judged by: in 5.0 [MQTT-4.13.1-1] (the rule that the server closes
 * on a malformed packet); in 3.1.1 the case's first statement, which is the one that says so.
 */
function judge(statements: readonly string[]): string {
  return statements.includes('MQTT-4.13.1-1') ? 'MQTT-4.13.1-1' : (statements[0] ?? 'MQTT-4.8.0-1');
}

function refusal(r: Refusal): ConformCase<MqttCaseContext> {
  return {
    id: r.id,
    title: r.title,
    layer: 'raw',
    statements: r.statements,
    async run(ctx) {
      const client = r.first ? await ctx.raw('client') : (await ctx.connect('client')).client;
      client.sendBytes(r.bytes(ctx, ctx.level));
      await expectRefused(ctx, client, judge(r.statements[ctx.version as '3.1.1' | '5'] ?? []), r.what);
    },
  };
}

/** "chatbench/…/t" with the bytes `middle` spliced in: a topic of this case holding exactly those bytes. */
function topicWith(ctx: MqttCaseContext, middle: Buffer): Buffer {
  return Buffer.concat([Buffer.from(ctx.topic('t')), middle, Buffer.from('x')]);
}

const V311_UTF8 = (id: string): string[] => [id];
const V5_UTF8 = (id: string): string[] => [id, 'MQTT-4.13.1-1'];

const utf8Refusals: Refusal[] = [
  {
    id: 'malformed.utf8-null-in-topic',
    title: 'A topic name holding U+0000 is refused: the server closes the connection',
    statements: { '3.1.1': ['MQTT-1.5.3-2'], '5': V5_UTF8('MQTT-1.5.4-2') },
    what: 'a QoS 1 PUBLISH whose topic name holds U+0000 (byte 00)',
    bytes: (ctx, level) => publishBytes(level, { topic: topicWith(ctx, Buffer.from([0x00])), qos: 1, messageId: 1, payload: 'nul' }),
  },
  {
    id: 'malformed.utf8-surrogate-in-topic',
    title: 'A topic name holding an unpaired surrogate (CESU bytes ED A0 80) is refused',
    statements: { '3.1.1': V311_UTF8('MQTT-1.5.3-1'), '5': V5_UTF8('MQTT-1.5.4-1') },
    what: 'a QoS 1 PUBLISH whose topic name holds ED A0 80 (the surrogate U+D800)',
    bytes: (ctx, level) => publishBytes(level, { topic: topicWith(ctx, Buffer.from([0xed, 0xa0, 0x80])), qos: 1, messageId: 1, payload: 'surrogate' }),
  },
  {
    id: 'malformed.utf8-surrogate-in-filter',
    title: 'A topic filter holding an unpaired surrogate (ED B0 80) is refused',
    statements: { '3.1.1': V311_UTF8('MQTT-1.5.3-1'), '5': V5_UTF8('MQTT-1.5.4-1') },
    what: 'a SUBSCRIBE whose topic filter holds ED B0 80 (the surrogate U+DC00)',
    bytes: (ctx, level) => subscribeBytes(level, 1, topicWith(ctx, Buffer.from([0xed, 0xb0, 0x80]))),
  },
  {
    id: 'malformed.utf8-overlong-in-topic',
    title: "A topic name holding an overlong encoding ('/' as C0 AF) is refused",
    statements: { '3.1.1': V311_UTF8('MQTT-1.5.3-1'), '5': V5_UTF8('MQTT-1.5.4-1') },
    what: "a QoS 1 PUBLISH whose topic name holds C0 AF (an overlong '/')",
    bytes: (ctx, level) => publishBytes(level, { topic: topicWith(ctx, Buffer.from([0xc0, 0xaf])), qos: 1, messageId: 1, payload: 'overlong' }),
  },
  {
    id: 'malformed.utf8-invalid-byte-in-topic',
    title: 'A topic name holding a byte that never occurs in UTF-8 (FF) is refused',
    statements: { '3.1.1': V311_UTF8('MQTT-1.5.3-1'), '5': V5_UTF8('MQTT-1.5.4-1') },
    what: 'a QoS 1 PUBLISH whose topic name holds the byte FF',
    bytes: (ctx, level) => publishBytes(level, { topic: topicWith(ctx, Buffer.from([0xff])), qos: 1, messageId: 1, payload: 'ff' }),
  },
];

/** A packet with the given first byte and a body valid for its type, for the reserved-flag cases. */
const flagRefusals: Refusal[] = [
  { type: 'PUBACK', first: 0x42, body: () => u16(1), extra311: [], extra5: [] },
  { type: 'PUBREC', first: 0x51, body: () => u16(1), extra311: [], extra5: [] },
  { type: 'PUBREL', first: 0x60, body: () => u16(1), extra311: ['MQTT-3.6.1-1'], extra5: ['MQTT-3.6.1-1'] },
  { type: 'PUBCOMP', first: 0x78, body: () => u16(1), extra311: [], extra5: [] },
  { type: 'SUBSCRIBE', first: 0x80, body: (ctx: MqttCaseContext, level: Level) => Buffer.concat([u16(1), level === 5 ? properties() : Buffer.alloc(0), str(ctx.topic('f')), Buffer.from([0])]), extra311: ['MQTT-3.8.1-1'], extra5: ['MQTT-3.8.1-1'] },
  { type: 'UNSUBSCRIBE', first: 0xa0, body: (ctx: MqttCaseContext, level: Level) => Buffer.concat([u16(1), level === 5 ? properties() : Buffer.alloc(0), str(ctx.topic('f'))]), extra311: ['MQTT-3.10.1-1'], extra5: ['MQTT-3.10.1-1'] },
  { type: 'PINGREQ', first: 0xc4, body: () => Buffer.alloc(0), extra311: [], extra5: [] },
].map((f) => ({
  id: `malformed.flags-${f.type.toLowerCase()}`,
  title: `A ${f.type} with reserved fixed-header flags ${(f.first & 0x0f).toString(2).padStart(4, '0')} is malformed: the server closes the connection`,
  statements: { '3.1.1': ['MQTT-2.2.2-2', 'MQTT-2.2.2-1', ...f.extra311], '5': ['MQTT-2.1.3-1', 'MQTT-4.13.1-1', ...f.extra5] },
  what: `a ${f.type} with reserved flags ${(f.first & 0x0f).toString(2).padStart(4, '0')}`,
  bytes: (ctx: MqttCaseContext, level: Level) => packet(f.first, f.body(ctx, level)),
}));

const otherRefusals: Refusal[] = [
  {
    id: 'malformed.flags-connect',
    title: 'A CONNECT with reserved fixed-header flags 0001 is malformed: the server closes without accepting it',
    statements: { '3.1.1': ['MQTT-2.2.2-2', 'MQTT-2.2.2-1'], '5': ['MQTT-2.1.3-1', 'MQTT-4.13.1-1', 'MQTT-3.1.4-1'] },
    what: 'a CONNECT with reserved flags 0001 as the first packet',
    first: true,
    bytes(ctx, level) {
      const bytes = Buffer.from(mqttPacket.generate(ctx.connectPacket(ctx.clientId('flags')), { protocolVersion: level }));
      bytes[0] = 0x11;
      return bytes;
    },
  },
  {
    id: 'malformed.reserved-type-0',
    title: 'Packet type 0 is reserved: the server closes the connection',
    statements: { '3.1.1': ['MQTT-4.8.0-1'], '5': ['MQTT-4.13.1-1'] },
    what: 'a packet of the reserved type 0 (bytes 00 00)',
    bytes: () => Buffer.from([0x00, 0x00]),
  },
  {
    id: 'malformed.reserved-type-15',
    title: 'Packet type 15 is reserved in MQTT 3.1.1: the server closes the connection',
    statements: { '3.1.1': ['MQTT-4.8.0-1'] },
    what: 'a packet of the reserved type 15 (bytes F0 00)',
    bytes: () => Buffer.from([0xf0, 0x00]),
  },
  {
    id: 'malformed.length-fifth-byte',
    title: 'A Remaining Length of five bytes is malformed: the server closes the connection',
    statements: { '3.1.1': ['MQTT-4.8.0-1'], '5': ['MQTT-4.13.1-1'] },
    what: 'a PUBLISH whose Remaining Length runs to a fifth byte (FF FF FF FF 01)',
    bytes: () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x01, 0x61]),
  },
  {
    id: 'malformed.packet-id-zero-publish',
    title: 'A QoS 1 PUBLISH with packet identifier 0 is refused: the server closes the connection',
    statements: { '3.1.1': ['MQTT-4.8.0-1', 'MQTT-2.3.1-1'], '5': ['MQTT-4.13.1-1'] },
    what: 'a QoS 1 PUBLISH with packet identifier 0',
    bytes: (ctx, level) => publishBytes(level, { topic: ctx.topic('t'), qos: 1, messageId: 0, payload: 'id0' }),
  },
  {
    id: 'malformed.packet-id-zero-subscribe',
    title: 'A SUBSCRIBE with packet identifier 0 is refused: the server closes the connection',
    statements: { '3.1.1': ['MQTT-4.8.0-1', 'MQTT-2.3.1-1'], '5': ['MQTT-4.13.1-1'] },
    what: 'a SUBSCRIBE with packet identifier 0',
    bytes: (ctx, level) => subscribeBytes(level, 0, ctx.topic('f')),
  },
  {
    id: 'malformed.packet-id-zero-unsubscribe',
    title: 'An UNSUBSCRIBE with packet identifier 0 is refused: the server closes the connection',
    statements: { '3.1.1': ['MQTT-4.8.0-1', 'MQTT-2.3.1-1'], '5': ['MQTT-4.13.1-1'] },
    what: 'an UNSUBSCRIBE with packet identifier 0',
    bytes: (ctx, level) => packet(0xa2, u16(0), level === 5 ? properties() : Buffer.alloc(0), str(ctx.topic('f'))),
  },
];

export const cases: ConformCase<MqttCaseContext>[] = [
  ...utf8Refusals.map(refusal),
  ...flagRefusals.map(refusal),
  ...otherRefusals.map(refusal),
  {
    id: 'malformed.utf8-emoji-accepted',
    title: 'A topic and payload with 4-byte UTF-8 (emoji) are accepted and forwarded byte for byte',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-1.5.3-1'], '5': ['MQTT-1.5.4-1'] },
    async run(ctx) {
      const topic = ctx.topic('chat-💬-🙂');
      const got = await deliveredTopic(ctx, topic, topic);
      const statement = ctx.level === 5 ? 'MQTT-1.5.4-1' : 'MQTT-1.5.3-1';
      ctx.check(statement, got.closed === undefined, 'the server accepts a topic holding 4-byte UTF-8 sequences (well-formed UTF-8)', `the ${got.closed} connection was closed`);
      ctx.check(statement, got.topic !== undefined && got.topic.equals(Buffer.from(topic)), `the message arrives on topic bytes ${Buffer.from(topic).toString('hex')}`, got.topic === undefined ? 'no PUBLISH arrived' : `topic bytes ${got.topic.toString('hex')}`);
    },
  },
  {
    id: 'malformed.utf8-bom-kept',
    title: 'U+FEFF (EF BB BF) inside a topic is kept: neither stripped nor skipped when matching',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-1.5.3-3'], '5': ['MQTT-1.5.4-3'] },
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-1.5.4-3' : 'MQTT-1.5.3-3';
      const withBom = ctx.topic('a\uFEFFb');
      const got = await deliveredTopic(ctx, withBom, withBom, ctx.topic('ab'));
      ctx.require(statement, got.closed === undefined, 'the server accepts a topic holding U+FEFF', `the ${got.closed} connection was closed`);
      ctx.check(statement, got.topic !== undefined && got.topic.equals(Buffer.from(withBom)), `the subscriber of the topic with U+FEFF gets the message on exactly those bytes (${Buffer.from(withBom).toString('hex')})`, got.topic === undefined ? 'no PUBLISH arrived' : `topic bytes ${got.topic.toString('hex')}`);
      ctx.check(statement, got.alsoOnOther.length === 0, 'the subscriber of the same topic without U+FEFF gets nothing', `it received ${got.alsoOnOther.length} PUBLISH on topic ${got.alsoOnOther.map((t) => t.toString('hex')).join(', ')}`);
    },
  },
  {
    id: 'malformed.utf8-no-normalisation',
    title: 'No Unicode normalisation: a topic with é precomposed (C3 A9) and decomposed (65 CC 81) stays two topics',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.3-4'], '5': ['MQTT-4.7.3-4'] },
    async run(ctx) {
      const precomposed = ctx.topic('caf\u00e9');
      const decomposed = ctx.topic('cafe\u0301');
      const got = await deliveredTopic(ctx, precomposed, precomposed, decomposed);
      ctx.require('MQTT-4.7.3-4', got.closed === undefined, 'the server accepts both spellings', `the ${got.closed} connection was closed`);
      ctx.check('MQTT-4.7.3-4', got.topic !== undefined && got.topic.equals(Buffer.from(precomposed)), 'the subscriber of the precomposed spelling gets the message on exactly those bytes', got.topic === undefined ? 'no PUBLISH arrived' : `topic bytes ${got.topic.toString('hex')}`);
      ctx.check('MQTT-4.7.3-4', got.alsoOnOther.length === 0, 'the subscriber of the decomposed spelling gets nothing (no normalisation)', `it received ${got.alsoOnOther.length} PUBLISH on topic ${got.alsoOnOther.map((t) => t.toString('hex')).join(', ')}`);
    },
  },
];

/** What a subscriber of `filter` (and one of `other`) saw when `topic` was published at QoS 1. */
interface Delivery {
  /** Which connection the server closed, if it closed one. */
  closed: 'publisher' | 'subscriber' | undefined;
  /** The topic bytes of the PUBLISH that reached the subscriber of `filter`. */
  topic: Buffer | undefined;
  /** Topic bytes of every PUBLISH that reached the subscriber of `other` before its marker. */
  alsoOnOther: Buffer[];
}

/**
 * Subscribes to `filter` (and `other`), publishes one message on `topic` and reads the topic
 * bytes as they crossed the wire. A marker published on `other` afterwards ends the "nothing
 * else arrives there" wait on an event, not a fixed window.
 */
async function deliveredTopic(ctx: MqttCaseContext, filter: string, topic: string, other?: string): Promise<Delivery> {
  const { client: sub } = await ctx.connect('subscriber');
  await subscribe(sub, [{ topic: filter, qos: 0 }]);
  const otherSub = other === undefined ? undefined : (await ctx.connect('other')).client;
  if (otherSub !== undefined && other !== undefined) await subscribe(otherSub, [{ topic: other, qos: 0 }]);
  const { client: pub } = await ctx.connect('publisher');
  const payload = `utf8-${ctx.caseId}`;
  pub.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId: pub.packetId(), retain: false, dup: false });
  const ack = await pub.nextOf('puback', ANSWER_MS);
  if (ack.packet === undefined) return { closed: 'publisher', topic: undefined, alsoOnOther: [] };
  const got = await receive(sub);
  const frame = receivedFrames(sub)
    .map((f) => splitPublish(f, ctx.level))
    .find((p) => p !== undefined && p.payload.toString() === payload);
  const alsoOnOther: Buffer[] = [];
  if (otherSub !== undefined && other !== undefined) {
    pub.send({ cmd: 'publish', topic: other, payload: Buffer.from('marker'), qos: 0, retain: false, dup: false });
    for (;;) {
      const p = await receive(otherSub);
      if (p === undefined || p.payload.toString() === 'marker') break;
      alsoOnOther.push(Buffer.from(p.topic));
    }
  }
  return { closed: got === undefined && sub.closed ? 'subscriber' : undefined, topic: frame?.topic, alsoOnOther };
}
