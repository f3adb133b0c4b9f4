/**
 * In-flight QoS 1 / 2 messages (3.1.1 / 5.0 sections 4.3, 4.4, 2.3.1 / 2.2.1, 3.6.1): how long
 * the server holds a message it sends and its packet identifier — a PUBLISH until its PUBACK /
 * PUBREC, across as many reconnects as it takes; an identifier until PUBCOMP, not PUBREC — what
 * frees an identifier the server refused (5.0: PUBREC ≥ 0x80), and the fixed headers of the
 * acknowledgements it sends (PUBREL 0110 0010). The single flows (PUBACK, PUBREC / PUBREL /
 * PUBCOMP, duplicates, PUBREL resent) are in qos.ts; one redelivery with DUP in redelivery.ts;
 * here, several redelivered in their order.
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { endSessionAfter, persistent, publish } from '../steps.js';
import { receivedFrames } from '../wire.js';
import { describePublishes, hexCode, inbox, payloadText, publisher, publishMany, QUIET_MS, reasonOf, subscriber } from './pubsub-kit.js';
import { resumed } from './session-kit.js';

/** The fixed-header first byte of each acknowledgement (3.1.1 table 2.2, 5.0 table 2-2): type, then flags 0000 — 0010 for PUBREL. */
const ACK_FIRST_BYTE: Readonly<Record<number, { name: string; first: number }>> = {
  4: { name: 'PUBACK', first: 0x40 },
  5: { name: 'PUBREC', first: 0x50 },
  6: { name: 'PUBREL', first: 0x62 },
  7: { name: 'PUBCOMP', first: 0x70 },
};

/** A raw subscriber granted `qos` on `topic` (persistent when `clientId` is given); SetupFailed when the server grants less than the case needs. */
async function grantedAt(ctx: MqttCaseContext, topic: string, qos: 1 | 2, clientId?: string, label = 'subscriber'): Promise<RawClient> {
  const s = await subscriber(ctx, label, [{ topic, qos }], clientId === undefined ? {} : { connect: persistent(ctx, clientId) });
  if (s.codes[0] !== qos) throw new SetupFailed(`the server granted ${hexCode(s.codes[0] ?? -1)} to a QoS ${qos} subscription although it announces QoS ${qos}`);
  return s.client;
}

/** What ended a wait for an acknowledgement, in evidence words. */
function whyNot(ended: { kind: string }, what: string): string {
  return ended.kind === 'timeout' ? `no ${what} within ${ANSWER_MS} ms` : ended.kind === 'closed' ? 'the server closed the connection' : 'unreadable bytes';
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'qos.held-until-acknowledged',
    title: 'An unacknowledged QoS 1 / QoS 2 PUBLISH is held and sent again on every reconnect until its PUBACK / PUBREC, and (5.0) never during a connection',
    layer: 'raw',
    needs: ['qos2'],
    timeoutMs: 10_000,
    statements: { '3.1.1': ['MQTT-4.3.2-1', 'MQTT-4.3.3-1'], '5': ['MQTT-4.3.2-3', 'MQTT-4.3.3-3', 'MQTT-4.4.0-1'] },
    async run(ctx) {
      // One session per QoS: a server may keep a single message in flight per session.
      await Promise.all([heldUntilAcknowledged(ctx, 1), heldUntilAcknowledged(ctx, 2)]);
    },
  },
  {
    id: 'qos.redelivery-order',
    title: 'After a reconnect, unacknowledged QoS 1 messages are sent again, with any queued behind them, in the order they were published',
    layer: 'raw',
    needs: ['qos1'],
    timeoutMs: 8_000,
    statements: { '3.1.1': ['MQTT-4.6.0-6', 'MQTT-4.4.0-1'], '5': ['MQTT-4.6.0-5', 'MQTT-4.4.0-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const clientId = ctx.clientId('sub');
      endSessionAfter(ctx, clientId);
      const sub = await grantedAt(ctx, topic, 1, clientId);
      const order = ['m0', 'm1', 'm2', 'm3', 'm4'];
      if ((await publishMany(await publisher(ctx), topic, order, 1)) !== order.length) throw new SetupFailed('the publisher\'s QoS 1 flows did not complete');
      // Nothing acknowledged: what arrives is in flight (a server may keep fewer in flight and queue the rest).
      const first = await inbox(sub, ANSWER_MS, { ack: false, until: (ps) => ps.length > 0 });
      const more = first.publishes.length === 0 ? [] : (await inbox(sub, QUIET_MS, { ack: false, until: (ps) => first.publishes.length + ps.length >= order.length })).publishes;
      const inFlight = [...first.publishes, ...more].map(payloadText);
      if (inFlight.length === 0) throw new SetupFailed(`the subscriber received no PUBLISH within ${ANSWER_MS} ms`);
      sub.destroy();
      const back = await resumed(ctx, 'reconnect', clientId);
      const again = await inbox(back, ANSWER_MS, { until: (ps) => order.every((m) => ps.some((p) => payloadText(p) === m)) });
      const seen = again.publishes.map(payloadText).filter((p) => order.includes(p));
      const observed = `in flight before: ${inFlight.join(', ')}; after the reconnect: ${describePublishes(again.publishes, ANSWER_MS)}`;
      ctx.check('MQTT-4.4.0-1', inFlight.every((p) => seen.includes(p)), `the ${inFlight.length} unacknowledged message(s) sent again`, observed);
      const ranks = seen.map((p) => order.indexOf(p));
      ctx.check(ctx.level === 5 ? 'MQTT-4.6.0-5' : 'MQTT-4.6.0-6', ranks.every((r, i) => i === 0 || r > (ranks[i - 1] ?? -1)), `the messages, sent again or queued, in the order published (${order.join(', ')})`, observed);
    },
  },
  {
    id: 'qos.refused-pubrec-frees-id',
    title: 'After a PUBREC of 0x80 or above, a PUBLISH with the same packet identifier is a new message',
    layer: 'raw',
    needs: ['qos2', 'denied-topic'],
    statements: { '5': ['MQTT-4.3.3-9'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await grantedAt(ctx, topic, 2);
      const client = await publisher(ctx);
      const messageId = 0x4d21;
      client.send({ cmd: 'publish', topic: ctx.caps.deniedTopic ?? '', payload: Buffer.from('refused'), qos: 2, retain: false, dup: false, messageId });
      const refused = await client.nextOf('pubrec', ANSWER_MS);
      if (refused.packet === undefined) return ctx.skip(`no PUBREC ≥ 0x80 to build on: a QoS 2 PUBLISH to the denied topic got ${whyNot(refused.ended, 'PUBREC')}`);
      const code = reasonOf(refused.packet);
      if (code < 0x80) {
        client.send({ cmd: 'pubrel', messageId });
        ctx.skip(`no PUBREC ≥ 0x80 to build on: the server answered a QoS 2 PUBLISH to the denied topic with PUBREC ${hexCode(code)}`);
      }
      const was = `PUBREC ${hexCode(code)} for the PUBLISH to the denied topic, then`;
      client.send({ cmd: 'publish', topic, payload: Buffer.from('new'), qos: 2, retain: false, dup: false, messageId });
      const rec = await client.nextOf('pubrec', ANSWER_MS);
      const recSeen = rec.packet === undefined ? whyNot(rec.ended, 'PUBREC') : `PUBREC id ${rec.packet.messageId} ${hexCode(reasonOf(rec.packet))}`;
      ctx.require('MQTT-4.3.3-9', rec.packet !== undefined && rec.packet.messageId === messageId && reasonOf(rec.packet) < 0x80, `PUBREC ${messageId} with a code below 0x80: a new PUBLISH to an allowed topic with the refused identifier is a new message, not a repeat`, `${was} ${recSeen}`);
      client.send({ cmd: 'pubrel', messageId });
      const comp = await client.nextOf('pubcomp', ANSWER_MS);
      if (comp.packet === undefined) throw new SetupFailed(`no PUBCOMP to the PUBREL (${whyNot(comp.ended, 'PUBCOMP')})`);
      const got = await inbox(sub, ANSWER_MS, { until: (ps) => ps.some((p) => payloadText(p) === 'new') });
      ctx.check('MQTT-4.3.3-9', got.publishes.some((p) => payloadText(p) === 'new'), 'the new message reaches the subscriber', `${was} ${recSeen}; the subscriber got ${describePublishes(got.publishes, ANSWER_MS)}`);
    },
  },
  {
    id: 'qos.id-held-until-pubcomp',
    title: 'The identifier of a QoS 2 PUBLISH the server sent stays in use after PUBREC until PUBCOMP: no new PUBLISH takes it',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-2.3.1-4'], '5': ['MQTT-2.2.1-4', 'MQTT-4.3.3-5'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await grantedAt(ctx, topic, 2);
      const pub = await publisher(ctx);
      await publish(pub, topic, 'first', { qos: 2 });
      const got = await sub.nextOf('publish', ANSWER_MS);
      if (got.packet === undefined) throw new SetupFailed(`the subscriber received no PUBLISH (${whyNot(got.ended, 'PUBLISH')})`);
      const held = got.packet.messageId ?? 0;
      sub.send({ cmd: 'pubrec', messageId: held });
      const rel = await sub.nextOf('pubrel', ANSWER_MS);
      if (rel.packet === undefined) throw new SetupFailed(`no PUBREL after the PUBREC (${whyNot(rel.ended, 'PUBREL')})`);
      // PUBCOMP withheld: the identifier is still in use while four new messages go out.
      for (const [i, qos] of ([1, 2, 1, 2] as const).entries()) await publish(pub, topic, `next${i}`, { qos });
      const next = await inbox(sub, ANSWER_MS, { ack: false, until: (ps) => ps.length >= 4 });
      if (next.publishes.length === 0) ctx.skip(`the server sent no new PUBLISH within ${ANSWER_MS} ms while PUBREL ${held} awaited its PUBCOMP (a server may hold further messages until then), so there is no identifier to check`);
      const reused = next.publishes.filter((p) => p.messageId === held);
      ctx.check(ctx.level === 5 ? 'MQTT-2.2.1-4' : 'MQTT-2.3.1-4', reused.length === 0, `no new PUBLISH with identifier ${held} (its PUBREL awaits PUBCOMP)`, `new PUBLISH identifiers ${next.publishes.map((p) => p.messageId).join(', ')}`);
      if (ctx.level === 5) ctx.check('MQTT-4.3.3-5', reused.length === 0, `the PUBREL ${held} held as unacknowledged until its PUBCOMP: its identifier not given to a new message`, describePublishes(reused.length > 0 ? reused : next.publishes, ANSWER_MS));
      sub.send({ cmd: 'pubcomp', messageId: held });
    },
  },
  {
    id: 'qos.ack-fixed-headers',
    title: 'The acknowledgements the server sends carry their fixed flags: PUBACK, PUBREC, PUBCOMP 0000, PUBREL 0010',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-3.6.1-1', 'MQTT-2.2.2-1'], '5': ['MQTT-3.6.1-1', 'MQTT-2.1.3-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await grantedAt(ctx, topic, 2);
      const pub = await publisher(ctx);
      // The publisher's QoS 1 and 2 flows bring PUBACK, PUBREC and PUBCOMP; the subscriber's QoS 2 flow brings PUBREL.
      pub.send({ cmd: 'publish', topic, payload: Buffer.from('q1'), qos: 1, retain: false, dup: false, messageId: 1 });
      pub.send({ cmd: 'publish', topic, payload: Buffer.from('q2'), qos: 2, retain: false, dup: false, messageId: 2 });
      await inbox(pub, ANSWER_MS, { ack: false, until: (_, others) => others.some((p) => p.cmd === 'pubrec') && others.some((p) => p.cmd === 'puback') });
      pub.send({ cmd: 'pubrel', messageId: 2 });
      await inbox(pub, ANSWER_MS, { until: (_, others) => others.some((p) => p.cmd === 'pubcomp') });
      await inbox(sub, ANSWER_MS, { until: (ps, others) => ps.length >= 2 && others.some((p) => p.cmd === 'pubrel') });
      // Read from the bytes: a packet with wrong flags does not parse, so the parsed packets cannot show it.
      const frames = [...receivedFrames(pub), ...receivedFrames(sub)].filter((f) => ACK_FIRST_BYTE[f.type] !== undefined);
      for (const [type, { name, first }] of Object.entries(ACK_FIRST_BYTE)) {
        const seen = frames.filter((f) => f.type === Number(type));
        if (seen.length === 0) throw new SetupFailed(`no ${name} arrived, so its fixed header cannot be read`);
        const wrong = seen.filter((f) => f.firstByte !== first);
        const statement = name === 'PUBREL' ? 'MQTT-3.6.1-1' : ctx.level === 5 ? 'MQTT-2.1.3-1' : 'MQTT-2.2.2-1';
        ctx.check(statement, wrong.length === 0, `every ${name} starts with ${hexCode(first)} (flags ${(first & 0x0f).toString(2).padStart(4, '0')})`, `${name} first bytes ${seen.map((f) => hexCode(f.firstByte)).join(', ')}`);
      }
    },
  },
];

/**
 * For `held-until-acknowledged`: a persistent subscriber receives one QoS `qos` message and never
 * acknowledges it; after each of two reconnects the server must send it again, then the flow ends.
 */
async function heldUntilAcknowledged(ctx: MqttCaseContext, qos: 1 | 2): Promise<void> {
  const topic = ctx.topic(`q${qos}`);
  const clientId = ctx.clientId(`sub${qos}`);
  endSessionAfter(ctx, clientId);
  const first = await grantedAt(ctx, topic, qos, clientId, `subscriber-q${qos}`);
  await publish(await publisher(ctx, `publisher-q${qos}`), topic, `qos${qos}`, { qos });
  const got = await inbox(first, ANSWER_MS, { ack: false, until: (ps) => ps.length > 0 });
  const message = got.publishes[0];
  if (message === undefined) throw new SetupFailed(`the QoS ${qos} subscriber received no PUBLISH within ${ANSWER_MS} ms`);
  const v5 = ctx.level === 5;
  if (v5) {
    // 5.0 allows a re-send only on reconnect; 3.1.1 lets a server retry during the connection, so it is not watched there.
    const meanwhile = [message, ...(await inbox(first, QUIET_MS, { ack: false })).publishes];
    ctx.check('MQTT-4.4.0-1', meanwhile.length === 1, `QoS ${qos}: no PUBLISH sent again while the connection stays up (only on reconnect)`, `on the first connection: ${describePublishes(meanwhile, QUIET_MS)}`);
  }
  first.destroy();
  const statement = qos === 1 ? (v5 ? 'MQTT-4.3.2-3' : 'MQTT-4.3.2-1') : v5 ? 'MQTT-4.3.3-3' : 'MQTT-4.3.3-1';
  const is = (p: IPublishPacket): boolean => p.messageId === message.messageId && payloadText(p) === payloadText(message);
  let last: RawClient | undefined;
  for (const round of ['first', 'second'] as const) {
    const back = await resumed(ctx, `${round}-reconnect-q${qos}`, clientId);
    const again = await inbox(back, ANSWER_MS, { ack: false, until: (ps) => ps.some(is) });
    ctx.check(statement, again.publishes.some(is), `the QoS ${qos} message (id ${message.messageId}) sent again after the ${round} reconnect: it is held until its ${qos === 1 ? 'PUBACK' : 'PUBREC'}`, describePublishes(again.publishes, ANSWER_MS));
    if (round === 'first') back.destroy();
    else last = back;
  }
  // Acknowledged at last: the flow ends as a client ends it.
  last?.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: message.messageId ?? 0 });
  if (qos === 2) {
    const rel = await last?.nextOf('pubrel', ANSWER_MS);
    if (rel?.packet !== undefined) last?.send({ cmd: 'pubcomp', messageId: rel.packet.messageId });
  }
}
