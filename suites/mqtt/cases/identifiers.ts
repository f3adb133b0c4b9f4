/**
 * Packet identifiers (3.1.1 2.3.1, 5.0 2.2.1): every acknowledgement carries the identifier of
 * the packet it answers, the server's own QoS 1 / 2 PUBLISHes carry distinct non-zero ones while
 * in flight, and a QoS 0 PUBLISH carries none. (Identifier 0 from a client: malformed.ts.)
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { publish, receive, subscribe } from '../steps.js';
import { publishBytes, receivedFrames } from '../wire.js';

const v = (v311: string[], v5: string[]): Record<string, string[]> => ({ '3.1.1': v311, '5': v5 });

/** PUBLISHes that arrive within `windowMs`, not acknowledged (the server's quota stays spent). */
export async function unacked(client: RawClient, count: number, windowMs: number): Promise<IPublishPacket[]> {
  const out: IPublishPacket[] = [];
  const deadline = performance.now() + windowMs;
  while (out.length < count) {
    const got = await client.nextOf('publish', Math.max(0, deadline - performance.now()));
    if (got.packet === undefined) break;
    out.push(got.packet);
  }
  return out;
}

/** A subscriber of `topic` at QoS 1 with the CONNECT properties given, and a publisher that sent `count` QoS 1 messages. */
export async function backlog(ctx: MqttCaseContext, topic: string, count: number, properties: Record<string, number>): Promise<RawClient> {
  const { client: sub } = await ctx.connect('subscriber', { properties });
  await subscribe(sub, [{ topic, qos: 1 }]);
  const { client: pub } = await ctx.connect('publisher');
  for (let i = 0; i < count; i++) pub.send({ cmd: 'publish', topic, payload: Buffer.from(`m${i}`), qos: 1, messageId: pub.packetId(), retain: false, dup: false });
  return sub;
}

export const describeIds = (ps: readonly IPublishPacket[]): string => (ps.length === 0 ? 'no PUBLISH' : `PUBLISH ids ${ps.map((p) => p.messageId).join(', ')}`);

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'flow.puback-id',
    title: 'PUBACK carries the packet identifier of the QoS 1 PUBLISH it answers',
    layer: 'raw',
    statements: v(['MQTT-2.3.1-6'], ['MQTT-2.2.1-5']),
    needs: ['qos1'],
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-2.2.1-5' : 'MQTT-2.3.1-6';
      const { client } = await ctx.connect('publisher');
      for (const id of [0x1234, 0xffff, 1]) {
        client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from('q1'), qos: 1, messageId: id, retain: false, dup: false });
        const ack = await client.nextOf('puback', ANSWER_MS);
        if (ack.packet === undefined) throw new SetupFailed(`no PUBACK for packet id ${id} (${ack.ended.kind})`);
        ctx.check(statement, ack.packet.messageId === id, `PUBACK with packet id ${id}`, `PUBACK with packet id ${ack.packet.messageId}`);
      }
    },
  },
  {
    id: 'flow.qos2-receiver-ids',
    title: 'PUBREC and PUBCOMP carry the packet identifier of the QoS 2 PUBLISH they answer',
    layer: 'raw',
    statements: v(['MQTT-2.3.1-6'], ['MQTT-2.2.1-5']),
    needs: ['qos2'],
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-2.2.1-5' : 'MQTT-2.3.1-6';
      const { client } = await ctx.connect('publisher');
      const id = 0xabcd;
      client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from('q2'), qos: 2, messageId: id, retain: false, dup: false });
      const rec = await client.nextOf('pubrec', ANSWER_MS);
      if (rec.packet === undefined) throw new SetupFailed(`no PUBREC (${rec.ended.kind})`);
      ctx.check(statement, rec.packet.messageId === id, `PUBREC with packet id ${id}`, `PUBREC with packet id ${rec.packet.messageId}`);
      client.send({ cmd: 'pubrel', messageId: id });
      const comp = await client.nextOf('pubcomp', ANSWER_MS);
      if (comp.packet === undefined) throw new SetupFailed(`no PUBCOMP (${comp.ended.kind})`);
      // 3.1.1 names PUBACK, PUBREC and PUBREL in [MQTT-2.3.1-6]; 5.0 adds PUBCOMP [MQTT-2.2.1-5].
      if (ctx.level === 5) ctx.check(statement, comp.packet.messageId === id, `PUBCOMP with packet id ${id}`, `PUBCOMP with packet id ${comp.packet.messageId}`);
    },
  },
  {
    id: 'flow.server-pubrel-id',
    title: 'Sending QoS 2, the server answers PUBREC with a PUBREL of the same packet identifier',
    layer: 'raw',
    statements: v(['MQTT-2.3.1-6'], ['MQTT-2.2.1-5']),
    needs: ['qos2'],
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-2.2.1-5' : 'MQTT-2.3.1-6';
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 2 }]);
      const { client: pub } = await ctx.connect('publisher');
      // The whole inbound flow first: a server may hold a QoS 2 message until PUBREL (4.3.3).
      await publish(pub, topic, 'q2', { qos: 2 });
      const p = await sub.nextOf('publish', ANSWER_MS);
      if (p.packet === undefined || p.packet.messageId === undefined) throw new SetupFailed(`no QoS 2 PUBLISH reached the subscriber (${p.packet === undefined ? p.ended.kind : 'no packet id'})`);
      const id = p.packet.messageId;
      sub.send({ cmd: 'pubrec', messageId: id });
      const rel = await sub.nextOf('pubrel', ANSWER_MS);
      ctx.check(statement, rel.packet?.messageId === id, `PUBREL with packet id ${id} (the PUBLISH's)`, rel.packet === undefined ? `no PUBREL (${rel.ended.kind})` : `PUBREL with packet id ${rel.packet.messageId}`);
      sub.send({ cmd: 'pubcomp', messageId: id });
    },
  },
  {
    id: 'flow.suback-unsuback-ids',
    title: 'SUBACK and UNSUBACK carry the packet identifier of the SUBSCRIBE and UNSUBSCRIBE they answer',
    layer: 'raw',
    statements: v(['MQTT-2.3.1-7'], ['MQTT-2.2.1-6']),
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-2.2.1-6' : 'MQTT-2.3.1-7';
      const topic = ctx.topic('t');
      const { client } = await ctx.connect('client');
      client.send({ cmd: 'subscribe', messageId: 0x7fff, subscriptions: [{ topic, qos: 0 }] });
      const sub = await client.nextOf('suback', ANSWER_MS);
      ctx.check(statement, sub.packet?.messageId === 0x7fff, 'SUBACK with packet id 32767', sub.packet === undefined ? `no SUBACK (${sub.ended.kind})` : `SUBACK with packet id ${sub.packet.messageId}`);
      client.send({ cmd: 'unsubscribe', messageId: 0x8001, unsubscriptions: [topic] });
      const unsub = await client.nextOf('unsuback', ANSWER_MS);
      ctx.check(statement, unsub.packet?.messageId === 0x8001, 'UNSUBACK with packet id 32769', unsub.packet === undefined ? `no UNSUBACK (${unsub.ended.kind})` : `UNSUBACK with packet id ${unsub.packet.messageId}`);
    },
  },
  {
    id: 'flow.server-ids-distinct',
    title: 'QoS 1 PUBLISHes the server has in flight to one client carry distinct, non-zero packet identifiers',
    layer: 'raw',
    statements: v(['MQTT-2.3.1-4', 'MQTT-2.3.1-1'], ['MQTT-2.2.1-4']),
    needs: ['qos1'],
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-2.2.1-4' : 'MQTT-2.3.1-4';
      const sub = await backlog(ctx, ctx.topic('t'), 4, {});
      const got = await unacked(sub, 4, ANSWER_MS);
      if (got.length === 0) throw new SetupFailed('none of the 4 QoS 1 messages arrived');
      // A server may keep one message in flight at a time (ejabberd does): then no two identifiers are ever outstanding together.
      if (got.length < 2) ctx.skip(`the server sent ${got.length} of 4 QoS 1 messages before the first PUBACK (it may hold the rest until then), so no two identifiers were in flight together`);
      const ids = got.map((p) => p.messageId ?? 0);
      ctx.check(ctx.level === 5 ? statement : 'MQTT-2.3.1-1', ids.every((id) => id > 0), 'every QoS 1 PUBLISH has a non-zero packet id', describeIds(got));
      ctx.check(statement, new Set(ids).size === ids.length, 'no packet id is used twice while unacknowledged', describeIds(got));
      for (const p of got) sub.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    },
  },
  {
    id: 'flow.qos0-no-id',
    title: 'A QoS 0 PUBLISH from the server has no packet identifier: topic, then (5.0) properties, then the payload',
    layer: 'raw',
    statements: v(['MQTT-2.3.1-5'], ['MQTT-2.2.1-2']),
    async run(ctx) {
      const statement = ctx.level === 5 ? 'MQTT-2.2.1-2' : 'MQTT-2.3.1-5';
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const { client: pub } = await ctx.connect('publisher');
      pub.send({ cmd: 'publish', topic, payload: Buffer.from('zero'), qos: 0, retain: false, dup: false });
      if ((await receive(sub)) === undefined) throw new SetupFailed('the QoS 0 message did not arrive');
      const frame = receivedFrames(sub).find((f) => f.type === 3);
      const expected = publishBytes(ctx.level, { topic, payload: 'zero' }).subarray(2);
      const body = frame?.body ?? Buffer.alloc(0);
      // With no properties a 5.0 server writes Property Length 0; any 2-byte identifier would sit before it.
      ctx.check(statement, frame !== undefined && ((frame.firstByte >> 1) & 3) === 0 && body.length === expected.length, `a QoS 0 PUBLISH body of ${expected.length} bytes with no packet id (${expected.toString('hex')})`, `QoS ${frame ? (frame.firstByte >> 1) & 3 : '?'} PUBLISH body ${body.toString('hex')}`);
    },
  },
];
