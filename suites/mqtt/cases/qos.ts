/**
 * QoS delivery protocols (3.1.1 / 5.0 sections 4.3, 4.4 and the acknowledgements 3.4–3.7): the
 * server as the receiver of a client's PUBLISH and as the sender of the PUBLISH it forwards —
 * packet identifiers, DUP, PUBACK / PUBREC / PUBREL / PUBCOMP and their reason codes, what is
 * re-sent after a reconnect and what never is.
 */
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { endSessionAfter, persistent } from '../steps.js';
import { deliveredTo, describePublish, describePublishes, hexCode, inbox, nextKeeping, payloadText, publish, publisher, QUIET_MS, reasonOf, subscriber } from './pubsub-kit.js';

/** Reason codes each acknowledgement may carry (5.0 tables 3.4, 3.5, 3.6, 3.7). */
const ACK_CODES: Readonly<Record<'puback' | 'pubrec' | 'pubrel' | 'pubcomp', readonly number[]>> = {
  puback: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrec: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrel: [0x00, 0x92],
  pubcomp: [0x00, 0x92],
};
const CODE_STATEMENT = { puback: 'MQTT-3.4.2-1', pubrec: 'MQTT-3.5.2-1', pubrel: 'MQTT-3.6.2-1', pubcomp: 'MQTT-3.7.2-1' } as const;

/** 5.0: an acknowledgement's reason code is one its table lists. */
function checkAckCode(ctx: MqttCaseContext, p: Packet & { cmd: keyof typeof ACK_CODES }): void {
  if (ctx.level !== 5) return;
  const code = reasonOf(p);
  ctx.check(CODE_STATEMENT[p.cmd], ACK_CODES[p.cmd].includes(code), `a ${p.cmd.toUpperCase()} reason code from its table (${ACK_CODES[p.cmd].map(hexCode).join(', ')})`, `${p.cmd.toUpperCase()} ${hexCode(code)}`);
}

/** A subscriber granted QoS 2 on `topic` (the case needs qos2), or SetupFailed. */
async function qos2Subscriber(ctx: MqttCaseContext, topic: string, connect?: Partial<IConnectPacket>): Promise<{ client: RawClient; clientId: string }> {
  const s = await subscriber(ctx, 'subscriber', [{ topic, qos: 2 }], connect ? { connect } : {});
  if (s.codes[0] !== 2) throw new SetupFailed(`the server granted ${hexCode(s.codes[0] ?? -1)} for a QoS 2 subscription although it announces QoS 2`);
  return { client: s.client, clientId: s.clientId };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'qos.qos1-receiver',
    title: 'A QoS 1 PUBLISH is answered with a PUBACK carrying its packet identifier',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-3.3.4-1', 'MQTT-4.3.2-2', 'MQTT-2.3.1-6'], '5': ['MQTT-3.3.4-1', 'MQTT-4.3.2-4', 'MQTT-2.2.1-5', 'MQTT-3.4.2-1'] },
    async run(ctx) {
      const client = await publisher(ctx);
      const messageId = 0x2a17; // not the first identifier a client would use: an echoed constant would not match
      client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from('q1'), qos: 1, retain: false, dup: false, messageId });
      const ack = await nextKeeping(client, 'puback');
      ctx.require('MQTT-3.3.4-1', ack.packet !== undefined, 'a PUBACK for a QoS 1 PUBLISH', ack.why);
      if (ack.packet === undefined) return;
      ctx.check(ctx.level === 5 ? 'MQTT-2.2.1-5' : 'MQTT-2.3.1-6', ack.packet.messageId === messageId, `PUBACK with packet identifier ${messageId}`, `PUBACK with packet identifier ${ack.packet.messageId}`);
      if (ctx.level === 5) ctx.check('MQTT-4.3.2-4', ack.packet.messageId === messageId, 'the PUBACK answers the PUBLISH it owns', `PUBACK id ${ack.packet.messageId}`);
      checkAckCode(ctx, ack.packet);
    },
  },
  {
    id: 'qos.qos2-receiver',
    title: 'A QoS 2 PUBLISH is answered with PUBREC, and its PUBREL with PUBCOMP, both with its packet identifier',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-3.3.4-1', 'MQTT-4.3.3-2', 'MQTT-2.3.1-6'], '5': ['MQTT-3.3.4-1', 'MQTT-4.3.3-8', 'MQTT-4.3.3-11', 'MQTT-2.2.1-5', 'MQTT-3.5.2-1', 'MQTT-3.7.2-1'] },
    async run(ctx) {
      const client = await publisher(ctx);
      const messageId = 0x3b05;
      client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from('q2'), qos: 2, retain: false, dup: false, messageId });
      const rec = await nextKeeping(client, 'pubrec');
      ctx.require('MQTT-3.3.4-1', rec.packet !== undefined, 'a PUBREC for a QoS 2 PUBLISH', rec.why);
      if (rec.packet === undefined) return;
      ctx.check(ctx.level === 5 ? 'MQTT-4.3.3-8' : 'MQTT-2.3.1-6', rec.packet.messageId === messageId, `PUBREC with packet identifier ${messageId}`, `PUBREC with packet identifier ${rec.packet.messageId}`);
      checkAckCode(ctx, rec.packet);
      client.send({ cmd: 'pubrel', messageId });
      const comp = await nextKeeping(client, 'pubcomp');
      const statement = ctx.level === 5 ? 'MQTT-4.3.3-11' : 'MQTT-4.3.3-2';
      ctx.require(statement, comp.packet !== undefined, 'a PUBCOMP for the PUBREL', comp.why);
      if (comp.packet === undefined) return;
      ctx.check(statement, comp.packet.messageId === messageId, `PUBCOMP with packet identifier ${messageId}`, `PUBCOMP with packet identifier ${comp.packet.messageId}`);
      checkAckCode(ctx, comp.packet);
    },
  },
  {
    id: 'qos.qos2-no-duplicate',
    title: 'A QoS 2 PUBLISH repeated before PUBREL gets PUBREC again and is passed on once; after PUBCOMP the identifier is new',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-4.3.3-2'], '5': ['MQTT-4.3.3-10', 'MQTT-4.3.3-12'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await qos2Subscriber(ctx, topic);
      const client = await publisher(ctx);
      const messageId = 0x0101;
      const first = { cmd: 'publish' as const, topic, payload: Buffer.from('first'), qos: 2 as const, retain: false, messageId };
      client.send({ ...first, dup: false });
      const rec1 = await nextKeeping(client, 'pubrec');
      if (rec1.packet === undefined) throw new SetupFailed(`no PUBREC to a QoS 2 PUBLISH (${rec1.why})`);
      client.send({ ...first, dup: true });
      const rec2 = await nextKeeping(client, 'pubrec');
      const again = ctx.level === 5 ? 'MQTT-4.3.3-10' : 'MQTT-4.3.3-2';
      ctx.check(again, rec2.packet?.messageId === messageId, `PUBREC ${messageId} again for the repeated PUBLISH`, rec2.packet ? `PUBREC ${rec2.packet.messageId}` : rec2.why);
      client.send({ cmd: 'pubrel', messageId });
      const comp = await nextKeeping(client, 'pubcomp');
      if (comp.packet === undefined) throw new SetupFailed(`no PUBCOMP (${comp.why})`);
      // The identifier is free again: the same id now carries a new message.
      client.send({ cmd: 'publish', topic, payload: Buffer.from('second'), qos: 2, retain: false, dup: false, messageId });
      const rec3 = await nextKeeping(client, 'pubrec');
      if (rec3.packet !== undefined) client.send({ cmd: 'pubrel', messageId });
      const got = await inbox(sub.client, ANSWER_MS, { until: (ps) => ps.some((p) => payloadText(p) === 'second') });
      await inbox(sub.client, 100); // anything still in flight behind "second"
      const firsts = got.publishes.filter((p) => payloadText(p) === 'first').length;
      ctx.check(again, firsts === 1, 'the subscriber receives "first" exactly once', `${firsts} copies of "first": ${describePublishes(got.publishes, ANSWER_MS)}`);
      if (ctx.level === 5) ctx.check('MQTT-4.3.3-12', got.publishes.some((p) => payloadText(p) === 'second'), 'after PUBCOMP, a PUBLISH with the same identifier is a new message and reaches the subscriber', describePublishes(got.publishes, ANSWER_MS));
    },
  },
  {
    id: 'qos.qos1-id-reuse',
    title: 'After PUBACK, a QoS 1 PUBLISH with the same identifier (DUP set or not) is a new message',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-4.3.2-2'], '5': ['MQTT-4.3.2-5'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await subscriber(ctx, 'subscriber', [{ topic, qos: 1 }]);
      const client = await publisher(ctx);
      const messageId = 0x0202;
      for (const dup of [false, true]) {
        client.send({ cmd: 'publish', topic, payload: Buffer.from('same'), qos: 1, retain: false, dup, messageId });
        const ack = await nextKeeping(client, 'puback');
        if (ack.packet === undefined) throw new SetupFailed(`no PUBACK (${ack.why})`);
      }
      const got = await inbox(sub.client, ANSWER_MS, { until: (ps) => ps.length >= 2 });
      const statement = ctx.level === 5 ? 'MQTT-4.3.2-5' : 'MQTT-4.3.2-2';
      ctx.check(statement, got.publishes.length >= 2, 'two messages reach the subscriber: the second PUBLISH (same id, DUP 1, sent after the PUBACK) is new', describePublishes(got.publishes, ANSWER_MS));
    },
  },
  {
    id: 'qos.server-packet-ids',
    title: 'The server gives each QoS 1 / 2 PUBLISH it sends a non-zero identifier not in use, with DUP 0 on the first attempt',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-2.3.1-1', 'MQTT-2.3.1-4', 'MQTT-4.3.2-1', 'MQTT-4.3.3-1'], '5': ['MQTT-2.2.1-4', 'MQTT-4.3.2-1', 'MQTT-4.3.2-2', 'MQTT-4.3.3-1', 'MQTT-4.3.3-2'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await qos2Subscriber(ctx, topic);
      const client = await publisher(ctx);
      for (const qos of [1, 1, 1, 2, 2, 2] as const) await publish(client, topic, `q${qos}`, { qos });
      // Nothing acknowledged at first: every identifier the server sends stays in use.
      const held = await inbox(sub.client, ANSWER_MS, { ack: false, until: (ps) => ps.length >= 6 });
      const heldIds = held.publishes.map((p) => p.messageId ?? 0);
      const v5 = ctx.level === 5;
      const distinct = v5 ? 'MQTT-2.2.1-4' : 'MQTT-2.3.1-4';
      ctx.check(distinct, new Set(heldIds).size === heldIds.length, 'no identifier reused while the earlier PUBLISH with it is unacknowledged', `unacknowledged identifiers ${heldIds.join(', ')}`);
      // A server may keep fewer messages in flight (3.1.1 4.6; 5.0 up to the Receive Maximum): the rest come once these are answered.
      for (const p of held.publishes) sub.client.send({ cmd: p.qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId ?? 0 });
      const rest = await inbox(sub.client, ANSWER_MS, { until: (ps) => held.publishes.length + ps.length >= 6 });
      const all = [...held.publishes, ...rest.publishes];
      ctx.check(v5 ? 'MQTT-2.2.1-4' : 'MQTT-2.3.1-1', all.length === 6 && all.every((p) => (p.messageId ?? 0) > 0), 'six PUBLISH packets, each with a non-zero packet identifier', describePublishes(all, ANSWER_MS));
      for (const qos of [1, 2] as const) {
        const sent = all.filter((p) => payloadText(p) === `q${qos}`);
        const statement = qos === 1 ? (v5 ? 'MQTT-4.3.2-2' : 'MQTT-4.3.2-1') : v5 ? 'MQTT-4.3.3-2' : 'MQTT-4.3.3-1';
        ctx.check(statement, sent.every((p) => p.qos === qos && !p.dup), `QoS ${qos} messages sent with QoS ${qos} and DUP 0 on the first attempt`, describePublishes(sent, ANSWER_MS));
        // An identifier is free again once acknowledged: only the ones held unacknowledged together must differ.
        const unacked = held.publishes.filter((p) => p.qos === qos).map((p) => p.messageId);
        if (v5) ctx.check(qos === 1 ? 'MQTT-4.3.2-1' : 'MQTT-4.3.3-1', new Set(unacked).size === unacked.length, `each new QoS ${qos} message gets an identifier not in use`, `unacknowledged QoS ${qos} identifiers ${unacked.join(', ')}`);
      }
    },
  },
  {
    id: 'qos.qos2-sender',
    title: 'As a QoS 2 sender the server answers PUBREC with a PUBREL of the same identifier and never re-sends the PUBLISH',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-4.3.3-1', 'MQTT-2.3.1-6'], '5': ['MQTT-4.3.3-4', 'MQTT-4.3.3-6', 'MQTT-2.2.1-5', 'MQTT-3.6.2-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await qos2Subscriber(ctx, topic);
      const first = await deliveredTo(ctx, sub.client, topic, 'x', { qos: 2 });
      const messageId = first.messageId ?? 0;
      sub.client.send({ cmd: 'pubrec', messageId });
      const rel = await nextKeeping(sub.client, 'pubrel');
      const v5 = ctx.level === 5;
      ctx.require(v5 ? 'MQTT-4.3.3-4' : 'MQTT-4.3.3-1', rel.packet !== undefined, 'a PUBREL after the PUBREC', rel.why);
      if (rel.packet === undefined) return;
      ctx.check(v5 ? 'MQTT-2.2.1-5' : 'MQTT-2.3.1-6', rel.packet.messageId === messageId, `PUBREL with the PUBLISH's identifier ${messageId}`, `PUBREL ${rel.packet.messageId}`);
      checkAckCode(ctx, rel.packet);
      // PUBCOMP held back a moment: the PUBLISH must not come again meanwhile.
      const later = await inbox(sub.client, QUIET_MS, { ack: false });
      ctx.check(v5 ? 'MQTT-4.3.3-6' : 'MQTT-4.3.3-1', later.publishes.length === 0, 'no PUBLISH re-sent after the PUBREL', describePublishes(later.publishes, QUIET_MS));
      sub.client.send({ cmd: 'pubcomp', messageId });
    },
  },
  {
    id: 'qos.pubrel-resent-after-reconnect',
    title: 'A PUBREL left unanswered is re-sent with its identifier when the session resumes, and the PUBLISH is not',
    layer: 'raw',
    needs: ['qos2'],
    timeoutMs: 8_000,
    statements: { '3.1.1': ['MQTT-4.4.0-1', 'MQTT-4.3.3-1'], '5': ['MQTT-4.4.0-1', 'MQTT-4.3.3-5', 'MQTT-4.3.3-6'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const clientId = ctx.clientId('sub');
      endSessionAfter(ctx, clientId);
      const sub = await qos2Subscriber(ctx, topic, persistent(ctx, clientId));
      const first = await deliveredTo(ctx, sub.client, topic, 'x', { qos: 2 });
      const messageId = first.messageId ?? 0;
      sub.client.send({ cmd: 'pubrec', messageId });
      const rel = await nextKeeping(sub.client, 'pubrel');
      if (rel.packet === undefined) throw new SetupFailed(`no PUBREL after PUBREC (${rel.why})`);
      sub.client.destroy(); // the connection drops before PUBCOMP
      const { client: again } = await ctx.connect('resumed', persistent(ctx, clientId));
      const seen = await inbox(again, ANSWER_MS, { ack: false, until: () => false });
      const rels = seen.others.filter((p) => p.cmd === 'pubrel');
      const v5 = ctx.level === 5;
      ctx.check('MQTT-4.4.0-1', rels.some((p) => p.messageId === messageId), `PUBREL ${messageId} re-sent after the session resumed`, `${rels.length === 0 ? 'no PUBREL' : rels.map((p) => `PUBREL ${p.messageId}`).join(', ')} within ${ANSWER_MS} ms`);
      if (v5) ctx.check('MQTT-4.3.3-5', rels.some((p) => p.messageId === messageId), 'the PUBREL stays unacknowledged (and re-sent) until its PUBCOMP', `${rels.length} PUBREL`);
      ctx.check(v5 ? 'MQTT-4.3.3-6' : 'MQTT-4.3.3-1', seen.publishes.length === 0, 'the PUBLISH is not sent again once PUBREL was sent', describePublishes(seen.publishes, ANSWER_MS));
      again.send({ cmd: 'pubcomp', messageId });
    },
  },
  {
    id: 'qos.refused-ack-is-final',
    title: 'A PUBLISH the client refused (PUBACK / PUBREC 0x80) is acknowledged: no PUBREL, never re-sent after a reconnect',
    layer: 'raw',
    needs: ['qos2'],
    timeoutMs: 8_000,
    statements: { '5': ['MQTT-4.4.0-2'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const clientId = ctx.clientId('sub');
      endSessionAfter(ctx, clientId);
      const sub = await qos2Subscriber(ctx, topic, persistent(ctx, clientId));
      const pub = await publisher(ctx);
      await publish(pub, topic, 'one', { qos: 1 });
      await publish(pub, topic, 'two', { qos: 2 });
      // Each refused as it arrives: a server may send the next only once the previous is answered.
      const refuse = (p: IPublishPacket): Packet => ({ cmd: p.qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId ?? 0, reasonCode: 0x80 });
      const got = await inbox(sub.client, ANSWER_MS, { reply: refuse, until: (ps) => ps.length >= 2 });
      if (got.publishes.length < 2) throw new SetupFailed(`the subscriber received ${describePublishes(got.publishes, ANSWER_MS)}`);
      const after = await inbox(sub.client, QUIET_MS, { ack: false });
      const rel = after.others.filter((p) => p.cmd === 'pubrel');
      ctx.check('MQTT-4.4.0-2', rel.length === 0, 'no PUBREL after a PUBREC of 0x80: the message is acknowledged', `${rel.length} PUBREL within ${QUIET_MS} ms`);
      sub.client.destroy();
      const { client: again } = await ctx.connect('resumed', persistent(ctx, clientId));
      const resent = await inbox(again, QUIET_MS, { ack: false });
      const bad = [...resent.publishes.map(describePublish), ...resent.others.filter((p) => p.cmd === 'pubrel').map((p) => `PUBREL ${p.messageId}`)];
      ctx.check('MQTT-4.4.0-2', bad.length === 0, 'nothing re-sent after the reconnect: both messages were acknowledged (0x80)', bad.length ? bad.join('; ') : 'nothing');
    },
  },
  {
    id: 'qos.qos2-receiver-finishes-expired',
    title: 'A QoS 2 receiver answers PUBREL with PUBCOMP even when the message has expired meanwhile',
    layer: 'raw',
    needs: ['qos2'],
    timeoutMs: 8_000,
    statements: { '5': ['MQTT-4.3.3-13'] },
    async run(ctx) {
      const client = await publisher(ctx);
      const messageId = 0x0303;
      client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from('x'), qos: 2, retain: false, dup: false, messageId, properties: { messageExpiryInterval: 1 } });
      const rec = await nextKeeping(client, 'pubrec');
      if (rec.packet === undefined) throw new SetupFailed(`no PUBREC (${rec.why})`);
      await expire(client);
      client.send({ cmd: 'pubrel', messageId });
      const comp = await nextKeeping(client, 'pubcomp');
      ctx.check('MQTT-4.3.3-13', comp.packet?.messageId === messageId, `PUBCOMP ${messageId} though the message expired (1 s) before the PUBREL`, comp.packet ? `PUBCOMP ${comp.packet.messageId}` : comp.why);
    },
  },
  {
    id: 'qos.qos2-sender-keeps-sent',
    title: 'A QoS 2 message already sent is not expired: a late PUBREC still gets its PUBREL',
    layer: 'raw',
    needs: ['qos2'],
    timeoutMs: 8_000,
    statements: { '5': ['MQTT-4.3.3-7'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await qos2Subscriber(ctx, topic);
      const first = await deliveredTo(ctx, sub.client, topic, 'x', { qos: 2, properties: { messageExpiryInterval: 1 } });
      const messageId = first.messageId ?? 0;
      await expire(sub.client);
      sub.client.send({ cmd: 'pubrec', messageId });
      const rel = await nextKeeping(sub.client, 'pubrel');
      ctx.check('MQTT-4.3.3-7', rel.packet?.messageId === messageId, `PUBREL ${messageId} for a PUBREC sent after the message's 1 s expiry`, rel.packet ? `PUBREL ${rel.packet.messageId}` : rel.why);
    },
  },
];

/** Lets a 1-second Message Expiry Interval pass (the server counts whole seconds), reading what arrives meanwhile. */
async function expire(client: RawClient): Promise<void> {
  await inbox(client, 2_100, { ack: false });
}
