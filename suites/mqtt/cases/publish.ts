/**
 * PUBLISH (3.1.1 / 5.0 section 3.3, 4.5, 4.6): what the server forwards — QoS, DUP, packet
 * identifier, topic — to every matching subscriber and in order; PUBLISH packets it must refuse
 * (QoS 3, wildcards, empty or U+0000 topic names); acknowledgements that respect the client's
 * Maximum Packet Size. The QoS flows (qos.ts) and retained messages (retain.ts) are gathered here.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { expectRefused } from '../steps.js';
import { describePublish, describePublishes, frame, hexCode, idField, inbox, noProperties, payloadText, publish, publisher, publishMany, subscribe, subscriber, utf8Field } from './pubsub-kit.js';
import { cases as qosCases } from './qos.js';
import { cases as retainCases } from './retain.js';

/** How many messages per QoS the ordering case sends. */
const ORDERED = 20;

/** A QoS 0 PUBLISH to `topic` the server must refuse, built by hand so any topic bytes go out as given. */
async function refusedTopic(ctx: MqttCaseContext, label: string, topic: string, statement: string, what: string): Promise<void> {
  const { client } = await ctx.connect(label);
  client.sendBytes(frame(0x30, utf8Field(topic), noProperties(ctx.level), Buffer.from('x')));
  await expectRefused(ctx, client, statement, what);
}

const publishCases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'publish.qos0-forwarded',
    title: 'A QoS 0 message is forwarded with QoS 0, DUP 0, no packet identifier, its topic and payload unchanged',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.3.1-1', 'MQTT-3.3.1-2', 'MQTT-2.3.1-5', 'MQTT-3.3.2-1', 'MQTT-3.3.2-3'], '5': ['MQTT-4.3.1-1', 'MQTT-3.3.1-2', 'MQTT-2.2.1-2', 'MQTT-3.3.2-1', 'MQTT-3.3.2-3'] },
    async run(ctx) {
      const topic = ctx.topic('room/ünï');
      const sub = await subscriber(ctx, 'subscriber', [{ topic, qos: 0 }]);
      await publish(await publisher(ctx), topic, 'hello', { qos: 0 });
      const got = await inbox(sub.client, ANSWER_MS, { until: (ps) => ps.length > 0 });
      const p = got.publishes[0];
      ctx.require('MQTT-4.3.1-1', p !== undefined, 'the QoS 0 message reaches the subscriber', describePublishes(got.publishes, ANSWER_MS));
      if (p === undefined) return;
      ctx.check('MQTT-4.3.1-1', p.qos === 0, 'QoS 0', describePublish(p));
      ctx.check('MQTT-3.3.1-2', !p.dup, 'DUP 0 on a QoS 0 PUBLISH', describePublish(p));
      // A packet identifier on a QoS 0 PUBLISH would be read as the first two payload bytes.
      ctx.check(ctx.level === 5 ? 'MQTT-2.2.1-2' : 'MQTT-2.3.1-5', payloadText(p) === 'hello', 'payload "hello" right after the topic (no packet identifier)', describePublish(p));
      ctx.check('MQTT-3.3.2-1', p.topic === topic, `topic name "${topic}" first in the variable header, as UTF-8`, describePublish(p));
      ctx.check('MQTT-3.3.2-3', p.topic === topic, `the topic of the subscription's filter "${topic}"`, describePublish(p));
    },
  },
  {
    id: 'publish.qos-downgrade',
    title: 'Messages reach a subscriber at the lower of the published QoS and the granted QoS',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-3.8.4-6'], '5': ['MQTT-3.8.4-8'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await subscriber(ctx, 'subscriber', [{ topic, qos: 1 }]);
      const granted = sub.codes[0] ?? 0x80;
      if (granted > 2) throw new SetupFailed(`the QoS 1 subscription was refused with ${hexCode(granted)}`);
      const pub = await publisher(ctx);
      for (const qos of [2, 0, 1] as const) await publish(pub, topic, `q${qos}`, { qos });
      const got = await inbox(sub.client, ANSWER_MS, { until: (ps) => ['q2', 'q1'].every((t) => ps.some((p) => payloadText(p) === t)) });
      const statement = ctx.level === 5 ? 'MQTT-3.8.4-8' : 'MQTT-3.8.4-6';
      for (const qos of [2, 1] as const) {
        const p = got.publishes.find((x) => payloadText(x) === `q${qos}`);
        const want = Math.min(qos, granted);
        ctx.check(statement, p?.qos === want, `the QoS ${qos} message delivered at QoS ${want} (granted ${granted})`, p ? describePublish(p) : `no "q${qos}" within ${ANSWER_MS} ms`);
      }
      const q0 = got.publishes.find((x) => payloadText(x) === 'q0');
      if (q0 !== undefined) ctx.check(statement, q0.qos === 0, 'the QoS 0 message delivered at QoS 0', describePublish(q0));
    },
  },
  {
    id: 'publish.dup-not-copied',
    title: 'DUP on a forwarded PUBLISH is set by the server for its own retransmissions only, not copied from the publisher',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-3.3.1-3'], '5': ['MQTT-3.3.1-3'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await subscriber(ctx, 'subscriber', [{ topic, qos: 1 }]);
      await publish(await publisher(ctx), topic, 'dup', { qos: 1, dup: true });
      const got = await inbox(sub.client, ANSWER_MS, { until: (ps) => ps.length > 0 });
      const p = got.publishes[0];
      ctx.check('MQTT-3.3.1-3', p !== undefined && !p.dup, 'the first delivery to the subscriber has DUP 0 (the incoming DUP 1 is not propagated)', p ? describePublish(p) : describePublishes([], ANSWER_MS));
    },
  },
  {
    id: 'publish.qos3-refused',
    title: 'A PUBLISH with both QoS bits set is malformed: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.3.1-4'], '5': ['MQTT-3.3.1-4'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.sendBytes(frame(0x36, utf8Field(ctx.topic('t')), idField(1), noProperties(ctx.level), Buffer.from('x')));
      await expectRefused(ctx, client, 'MQTT-3.3.1-4', 'a PUBLISH with QoS bits 11');
    },
  },
  {
    id: 'publish.wildcard-topic-refused',
    title: "A PUBLISH whose topic name holds '+' or '#' is refused: the server closes the connection",
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.3.2-2', 'MQTT-4.7.1-1'], '5': ['MQTT-3.3.2-2', 'MQTT-4.7.0-1'] },
    async run(ctx) {
      const statement = 'MQTT-3.3.2-2';
      await Promise.all([
        refusedTopic(ctx, 'plus', `${ctx.topic('a')}/+`, statement, "a PUBLISH to a topic name with '+'"),
        refusedTopic(ctx, 'hash', `${ctx.topic('a')}/#`, ctx.level === 5 ? 'MQTT-4.7.0-1' : 'MQTT-4.7.1-1', "a PUBLISH to a topic name with '#'"),
      ]);
    },
  },
  {
    id: 'publish.empty-topic-refused',
    title: 'A PUBLISH with a zero-length topic name (and, in 5.0, no Topic Alias) is refused: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.3-1'], '5': ['MQTT-4.7.3-1'] },
    async run(ctx) {
      await refusedTopic(ctx, 'client', '', 'MQTT-4.7.3-1', 'a PUBLISH with a zero-length topic name');
    },
  },
  {
    id: 'publish.null-in-topic-refused',
    title: 'A PUBLISH whose topic name holds U+0000 is refused: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.3-2'], '5': ['MQTT-4.7.3-2'] },
    async run(ctx) {
      await refusedTopic(ctx, 'client', `${ctx.topic('a')}\u0000b`, 'MQTT-4.7.3-2', 'a PUBLISH whose topic name holds U+0000');
    },
  },
  {
    id: 'publish.order',
    title: 'Messages from one publisher on one topic at one QoS reach a subscriber in the order they were published',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-4.6.0-5', 'MQTT-4.6.0-6'], '5': ['MQTT-4.6.0-5', 'MQTT-4.6.0-6'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await subscriber(ctx, 'subscriber', [{ topic, qos: 2 }]);
      const pub = await publisher(ctx);
      for (const qos of [0, 1, 2] as const) {
        await publishMany(pub, topic, Array.from({ length: ORDERED }, (_, i) => `q${qos}-${String(i).padStart(2, '0')}`), qos);
      }
      const got = await inbox(sub.client, ANSWER_MS * 2, { until: (ps) => ps.filter((p) => !payloadText(p).startsWith('q0')).length >= ORDERED * 2 });
      // 3.1.1 numbers "in order" 4.6.0-6 and "ordered by default" 4.6.0-5; 5.0 the other way round. No option asked for ordering: both hold or neither.
      const [inOrder, byDefault] = ctx.level === 5 ? ['MQTT-4.6.0-5', 'MQTT-4.6.0-6'] : ['MQTT-4.6.0-6', 'MQTT-4.6.0-5'];
      for (const qos of [0, 1, 2] as const) {
        const seq = got.publishes.map(payloadText).filter((t) => t.startsWith(`q${qos}-`)).map((t) => Number(t.slice(3)));
        const ordered = seq.every((n, i) => i === 0 || n > (seq[i - 1] ?? -1));
        const observed = `QoS ${qos} order received: ${seq.join(', ') || 'none'}`;
        ctx.check(inOrder, ordered, `the QoS ${qos} messages arrive in the order published (0, 1, 2, …; QoS 0 may lose some)`, observed);
        ctx.check(byDefault, ordered, 'the topic is ordered without asking', observed);
      }
    },
  },
  {
    id: 'publish.every-matching-subscriber',
    title: 'A message the server accepted reaches every client with a matching subscription',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-4.5.0-1'], '5': ['MQTT-4.5.0-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const subs = await Promise.all(['one', 'two', 'three'].map((label) => subscriber(ctx, label, [{ topic, qos: 1 }])));
      await publish(await publisher(ctx), topic, 'all', { qos: 1 });
      const got = await Promise.all(subs.map((s) => inbox(s.client, ANSWER_MS, { until: (ps) => ps.length > 0 })));
      got.forEach((g, i) => ctx.check('MQTT-4.5.0-1', g.publishes.some((p) => payloadText(p) === 'all'), `subscriber ${i + 1} of 3 receives the message`, describePublishes(g.publishes, ANSWER_MS)));
    },
  },
  {
    id: 'publish.not-authorized',
    title: 'A PUBLISH the client may not make is either acknowledged as usual or the connection is closed',
    layer: 'raw',
    needs: ['denied-topic', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.3.5-2'] },
    async run(ctx) {
      const client = await publisher(ctx);
      const messageId = 0x0404;
      client.send({ cmd: 'publish', topic: ctx.caps.deniedTopic ?? '', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, messageId });
      const got = await client.nextOf('puback', ANSWER_MS);
      const ok = got.packet?.messageId === messageId || (got.packet === undefined && got.ended.kind === 'closed');
      ctx.check('MQTT-3.3.5-2', ok, `PUBACK ${messageId}, or the connection closed`, got.packet ? `PUBACK ${got.packet.messageId}` : got.ended.kind === 'closed' ? 'closed' : `no PUBACK and the connection open for ${ANSWER_MS} ms`);
      if (ok) ctx.chose('MQTT-3.3.5-2', got.packet ? 'acknowledged the unauthorised PUBLISH with PUBACK' : 'closed the connection');
    },
  },
  {
    id: 'publish.acks-within-maximum-packet-size',
    title: "Acknowledgements leave out Reason String and User Properties that would exceed the client's Maximum Packet Size",
    layer: 'raw',
    needs: ['qos2'],
    statements: {
      '5': ['MQTT-3.4.2-2', 'MQTT-3.4.2-3', 'MQTT-3.5.2-2', 'MQTT-3.5.2-3', 'MQTT-3.6.2-2', 'MQTT-3.6.2-3', 'MQTT-3.7.2-2', 'MQTT-3.7.2-3', 'MQTT-3.9.2-1', 'MQTT-3.9.2-2', 'MQTT-3.11.2-1', 'MQTT-3.11.2-2'],
    },
    async run(ctx) {
      const topic = ctx.topic('t');
      // The subscriber accepts exactly the PUBLISH it will be sent; the PUBREL that follows must fit too.
      const publishSize = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 2, retain: false, dup: false, messageId: 1 }, { protocolVersion: 5 }).length;
      const sub = await subscriber(ctx, 'subscriber', [{ topic, qos: 2 }], { connect: { properties: { maximumPacketSize: publishSize } } });
      const limit = 24;
      const { client } = await ctx.connect('client', { properties: { maximumPacketSize: limit } });
      // Provoke every acknowledgement, failures included (that is where servers add reasons).
      const acks: Packet[] = [await subscribe(client, [{ topic: ctx.topic('s'), qos: 1 }])];
      acks.push(...(await publish(client, ctx.topic('nobody'), 'x', { qos: 1 }))); // PUBACK, perhaps 0x10
      acks.push(...(await publish(client, topic, 'x', { qos: 2 }))); // PUBREC, PUBCOMP
      client.send({ cmd: 'pubrel', messageId: 0x7777 }); // unknown identifier: PUBCOMP 0x92
      client.send({ cmd: 'unsubscribe', messageId: client.packetId(), unsubscriptions: [ctx.topic('none')] }); // UNSUBACK 0x11
      const has = (others: readonly Packet[], ...cmds: Packet['cmd'][]): boolean => cmds.every((cmd) => others.some((p) => p.cmd === cmd));
      const rest = await inbox(client, ANSWER_MS, { until: (_, others) => has(others, 'unsuback', 'pubcomp') });
      const fromSub = await inbox(sub.client, ANSWER_MS, { until: (_, others) => has(others, 'pubrel') });
      const seen: { p: Packet; limit: number }[] = [...[...acks, ...rest.others].map((p) => ({ p, limit })), ...fromSub.others.map((p) => ({ p, limit: publishSize }))];
      if (!has(fromSub.others, 'pubrel')) throw new SetupFailed(`the subscriber got no PUBREL to check (${describePublishes(fromSub.publishes, ANSWER_MS)})`);
      const statements: Partial<Record<Packet['cmd'], [string, string]>> = {
        puback: ['MQTT-3.4.2-2', 'MQTT-3.4.2-3'],
        pubrec: ['MQTT-3.5.2-2', 'MQTT-3.5.2-3'],
        pubrel: ['MQTT-3.6.2-2', 'MQTT-3.6.2-3'],
        pubcomp: ['MQTT-3.7.2-2', 'MQTT-3.7.2-3'],
        suback: ['MQTT-3.9.2-1', 'MQTT-3.9.2-2'],
        unsuback: ['MQTT-3.11.2-1', 'MQTT-3.11.2-2'],
      };
      for (const { p, limit: max } of seen) {
        const pair = statements[p.cmd];
        if (pair === undefined) continue;
        const size = mqttPacket.generate(p, { protocolVersion: 5 }).length;
        const props = ('properties' in p ? p.properties : undefined) as { reasonString?: string; userProperties?: unknown } | undefined;
        const observed = `${p.cmd.toUpperCase()} of ${size} bytes${props?.reasonString !== undefined ? ` with Reason String "${props.reasonString}"` : ''}${props?.userProperties !== undefined ? ' with User Properties' : ''}`;
        ctx.check(pair[0], size <= max || props?.reasonString === undefined, `no Reason String that takes the ${p.cmd.toUpperCase()} over ${max} bytes`, observed);
        ctx.check(pair[1], size <= max || props?.userProperties === undefined, `no User Properties that take the ${p.cmd.toUpperCase()} over ${max} bytes`, observed);
      }
    },
  },
];

export const cases: ConformCase<MqttCaseContext>[] = [...publishCases, ...qosCases, ...retainCases];
