/**
 * SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (3.1.1 / 5.0 sections 3.8–3.11): the SUBACK and its
 * codes, SUBSCRIBE packets the server must refuse, overlapping subscriptions (3.1.1 3.3.5, 5.0
 * 3.3.4 with Subscription Identifiers), 5.0 No Local, and unsubscribing (in-flight completion,
 * nothing after UNSUBACK). Topic matching (topics.ts) and shared subscriptions (shared.ts) are
 * gathered here.
 */
import type { ISubscription } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { expectRefused, grantedCodes } from '../steps.js';
import { awaitMessage, deliveredTo, describeCodes, describePublish, describePublishes, frame, hexCode, idField, inbox, nextKeeping, noProperties, payloadText, publish, publisher, QUIET_MS, subscribe, subscriber, subscriptionIds, utf8Field } from './pubsub-kit.js';
import { cases as sharedCases } from './shared.js';
import { cases as topicCases } from './topics.js';

/** Codes a SUBACK may carry: 3.1.1 (3.9.3) and 5.0 (table 3.9). */
const SUBACK_CODES: Readonly<Record<4 | 5, readonly number[]>> = {
  4: [0x00, 0x01, 0x02, 0x80],
  5: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
};
/** Codes an UNSUBACK may carry (5.0 table 3.11). */
const UNSUBACK_CODES: readonly number[] = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];

/** UNSUBSCRIBE `filters` and the UNSUBACK with its codes (5.0), SetupFailed when none comes. */
async function unsubscribe(client: RawClient, filters: string[], messageId = client.packetId()): Promise<{ messageId: number; codes: number[]; got: number }> {
  client.send({ cmd: 'unsubscribe', messageId, unsubscriptions: filters });
  const ack = await nextKeeping(client, 'unsuback');
  if (ack.packet === undefined) throw new SetupFailed(ack.why);
  const codes = ack.packet.granted;
  return { messageId, codes: Array.isArray(codes) ? codes.map(Number) : [], got: ack.packet.messageId ?? -1 };
}

/** A SUBSCRIBE built by hand, for what mqtt-packet refuses to encode: `flags` in the fixed header, the filter, the options byte. */
function rawSubscribe(level: 4 | 5, filter: string, options: number, flags = 0x02): Buffer {
  return frame(0x80 | flags, idField(1), noProperties(level), utf8Field(filter), Buffer.from([options]));
}

const subscribeCases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'subscribe.suback',
    title: 'A SUBSCRIBE with several filters is answered by one SUBACK with its identifier and one valid code per filter, in order',
    layer: 'raw',
    needs: ['qos2'],
    statements: {
      '3.1.1': ['MQTT-3.8.4-1', 'MQTT-3.8.4-2', 'MQTT-2.3.1-7', 'MQTT-3.8.4-4', 'MQTT-3.8.4-5', 'MQTT-3.9.3-1', 'MQTT-3.9.3-2'],
      '5': ['MQTT-3.8.4-1', 'MQTT-3.8.4-2', 'MQTT-2.2.1-6', 'MQTT-3.8.4-5', 'MQTT-3.8.4-6', 'MQTT-3.8.4-7', 'MQTT-3.9.3-1', 'MQTT-3.9.3-2'],
    },
    async run(ctx) {
      const v5 = ctx.level === 5;
      const { client } = await ctx.connect('subscriber');
      const filters: ISubscription[] = [{ topic: ctx.topic('two'), qos: 2 }, { topic: ctx.topic('zero'), qos: 0 }, { topic: ctx.topic('one'), qos: 1 }];
      const messageId = 0x1234;
      client.send({ cmd: 'subscribe', messageId, subscriptions: filters });
      const got = await nextKeeping(client, 'suback');
      ctx.require('MQTT-3.8.4-1', got.packet !== undefined, 'a SUBACK', got.why);
      if (got.packet === undefined) return;
      const more = await inbox(client, 200);
      ctx.check(v5 ? 'MQTT-3.8.4-5' : 'MQTT-3.8.4-4', !more.others.some((p) => p.cmd === 'suback'), 'a single SUBACK for the three filters', `${1 + more.others.filter((p) => p.cmd === 'suback').length} SUBACK packets`);
      ctx.check('MQTT-3.8.4-2', got.packet.messageId === messageId, `SUBACK with packet identifier ${messageId}`, `SUBACK ${got.packet.messageId}`);
      ctx.check(v5 ? 'MQTT-2.2.1-6' : 'MQTT-2.3.1-7', got.packet.messageId === messageId, `the SUBSCRIBE's identifier ${messageId}`, `SUBACK ${got.packet.messageId}`);
      const codes = grantedCodes(got.packet);
      const shown = describeCodes('SUBACK', codes);
      ctx.require(v5 ? 'MQTT-3.8.4-6' : 'MQTT-3.8.4-5', codes.length === 3, 'three codes, one per filter', shown);
      const allowed = SUBACK_CODES[ctx.level];
      ctx.check('MQTT-3.9.3-2', codes.every((c) => allowed.includes(c)), `only codes ${allowed.map(hexCode).join(', ')}`, shown);
      ctx.check(v5 ? 'MQTT-3.8.4-7' : 'MQTT-3.8.4-5', codes.every((c, i) => c >= 0x80 || c <= (filters[i]?.qos ?? 0)), 'each code a QoS no higher than the one asked for that filter (2, 0, 1), or a failure', shown);
      // Which code belongs to which filter shows in delivery: each topic arrives at its own code's QoS.
      const pub = await publisher(ctx);
      for (const f of filters) await publish(pub, f.topic, f.topic, { qos: 2 });
      const seen = await inbox(client, ANSWER_MS, { until: (ps) => ps.length >= codes.filter((c) => c < 0x80).length });
      filters.forEach((f, i) => {
        const code = codes[i] ?? 0x80;
        const p = seen.publishes.find((x) => x.topic === f.topic);
        if (code >= 0x80) ctx.check('MQTT-3.9.3-1', p === undefined, `nothing on "${f.topic}" (its code is a failure)`, p ? describePublish(p) : 'nothing');
        else ctx.check('MQTT-3.9.3-1', p?.qos === code, `"${f.topic}" delivered at QoS ${code}, the code in position ${i + 1}`, p ? describePublish(p) : `nothing on "${f.topic}" within ${ANSWER_MS} ms`);
      });
      ctx.check(v5 ? 'MQTT-3.8.4-5' : 'MQTT-3.8.4-4', seen.publishes.length === codes.filter((c) => c < 0x80).length, 'each granted filter acts as its own subscription', describePublishes(seen.publishes, ANSWER_MS));
    },
  },
  {
    id: 'subscribe.reserved-flags',
    title: 'A SUBSCRIBE whose fixed-header flags are not 0010 is malformed: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.8.1-1'], '5': ['MQTT-3.8.1-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.sendBytes(rawSubscribe(ctx.level, ctx.topic('t'), 0x00, 0x00));
      await expectRefused(ctx, client, 'MQTT-3.8.1-1', 'a SUBSCRIBE with fixed-header flags 0000');
    },
  },
  {
    id: 'subscribe.options-reserved-bits',
    title: 'A SUBSCRIBE with reserved bits set in a subscription options byte is malformed: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.8.3-4'], '5': ['MQTT-3.8.3-5'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      // 3.1.1: bits 7–2 are reserved; 5.0: bits 7–6.
      client.sendBytes(rawSubscribe(ctx.level, ctx.topic('t'), ctx.level === 5 ? 0xc1 : 0x05));
      await expectRefused(ctx, client, ctx.level === 5 ? 'MQTT-3.8.3-5' : 'MQTT-3.8.3-4', `a SUBSCRIBE with options byte ${ctx.level === 5 ? '0xC1' : '0x05'} (reserved bits set)`);
    },
  },
  {
    id: 'subscribe.qos3-refused',
    title: 'A SUBSCRIBE asking for QoS 3 is malformed: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.8.3-4'], '5': ['MQTT-4.13.1-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.sendBytes(rawSubscribe(ctx.level, ctx.topic('t'), 0x03));
      await expectRefused(ctx, client, ctx.level === 5 ? 'MQTT-4.13.1-1' : 'MQTT-3.8.3-4', 'a SUBSCRIBE asking for QoS 3');
    },
  },
  {
    id: 'subscribe.no-filter-refused',
    title: 'A SUBSCRIBE with no topic filter is a protocol violation: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.8.0-1'], '5': ['MQTT-4.13.1-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.sendBytes(frame(0x82, idField(1), noProperties(ctx.level)));
      await expectRefused(ctx, client, ctx.level === 5 ? 'MQTT-4.13.1-1' : 'MQTT-4.8.0-1', 'a SUBSCRIBE with no topic filter');
    },
  },
  {
    id: 'subscribe.no-wildcard-support',
    title: 'A server without wildcard support refuses every subscription whose filter has a wildcard',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.8.3-2'] },
    async run(ctx) {
      if (ctx.caps.wildcardSubscriptionAvailable) ctx.skip('the server supports wildcard subscriptions (profile wildcardSubscriptionAvailable is not false)');
      const { client } = await ctx.connect('client');
      const suback = await subscribe(client, [{ topic: `${ctx.topic('t')}/+`, qos: 0 }, { topic: `${ctx.topic('t')}/#`, qos: 0 }]);
      const codes = grantedCodes(suback);
      ctx.check('MQTT-3.8.3-2', codes.length === 2 && codes.every((c) => c === 0x80), 'failure 0x80 for both wildcard filters', describeCodes('SUBACK', codes));
    },
  },
  {
    id: 'subscribe.overlapping',
    title: 'With overlapping subscriptions the message is delivered at the highest QoS granted among them (further copies allowed)',
    layer: 'raw',
    needs: ['wildcards', 'qos2'],
    statements: { '3.1.1': ['MQTT-3.3.5-1'], '5': ['MQTT-3.3.4-2'] },
    async run(ctx) {
      const topic = ctx.topic('room/7');
      const { client } = await ctx.connect('member');
      const codes = grantedCodes(await subscribe(client, [{ topic: `${ctx.topic('room')}/+`, qos: 0 }, { topic, qos: 2 }]));
      const best = Math.max(...codes.filter((c) => c < 0x80));
      if (!Number.isFinite(best)) throw new SetupFailed(`both subscriptions refused: ${describeCodes('SUBACK', codes)}`);
      await publish(await publisher(ctx), topic, 'hi', { qos: 2 });
      const got = await inbox(client, ANSWER_MS, { until: (ps) => ps.some((p) => p.qos === best) });
      const rest = await inbox(client, QUIET_MS);
      const copies = [...got.publishes, ...rest.publishes].filter((p) => payloadText(p) === 'hi');
      const statement = ctx.level === 5 ? 'MQTT-3.3.4-2' : 'MQTT-3.3.5-1';
      ctx.check(statement, copies.some((p) => p.qos === best), `a copy at QoS ${best}, the highest granted (${codes.join(', ')})`, describePublishes(copies, ANSWER_MS));
      if (copies.length > 0) ctx.chose(statement, copies.length === 1 ? 'one copy for the overlapping subscriptions' : `${copies.length} copies, one per subscription (QoS ${copies.map((p) => p.qos).join(', ')})`);
    },
  },
  {
    id: 'subscribe.overlapping-identifiers',
    title: 'Overlapping subscriptions with Subscription Identifiers: one copy carries every identifier, or each copy its own',
    layer: 'raw',
    needs: ['wildcards', 'subscription-identifiers', 'qos1'],
    statements: { '5': ['MQTT-3.3.4-3', 'MQTT-3.3.4-4', 'MQTT-3.3.4-5'] },
    async run(ctx) {
      const topic = ctx.topic('room/7');
      const { client } = await ctx.connect('member');
      await subscribe(client, [{ topic, qos: 1 }], { subscriptionIdentifier: 11 });
      await subscribe(client, [{ topic: `${ctx.topic('room')}/+`, qos: 1 }], { subscriptionIdentifier: 12 });
      await publish(await publisher(ctx), topic, 'hi', { qos: 1 });
      const got = await inbox(client, ANSWER_MS, { until: (ps) => ps.length > 0 });
      const rest = await inbox(client, QUIET_MS);
      const copies = [...got.publishes, ...rest.publishes];
      const ids = copies.map(subscriptionIds);
      const shown = describePublishes(copies, ANSWER_MS);
      ctx.check('MQTT-3.3.4-3', ids.flat().includes(11) && ids.flat().includes(12), 'identifiers 11 and 12 sent with the message', shown);
      if (copies.length === 1) {
        ctx.chose('MQTT-3.3.4-2', 'one copy for both subscriptions');
        ctx.check('MQTT-3.3.4-4', [11, 12].every((i) => ids[0]?.includes(i)), 'the single copy carries 11 and 12', shown);
      } else if (copies.length > 1) {
        ctx.chose('MQTT-3.3.4-2', `${copies.length} copies, one per subscription`);
        ctx.check('MQTT-3.3.4-5', ids.every((l) => l.length === 1) && new Set(ids.flat()).size === copies.length, 'each copy carries its own subscription identifier only', shown);
      }
    },
  },
  {
    id: 'subscribe.no-local',
    title: "No Local: the server does not send a client's own messages back to it, while others still get them",
    layer: 'raw',
    needs: ['qos1'],
    statements: { '5': ['MQTT-3.8.3-3'] },
    async run(ctx) {
      const topic = ctx.topic('room');
      const me = await subscriber(ctx, 'me', [{ topic, qos: 1, nl: true }]);
      const other = await subscriber(ctx, 'other', [{ topic, qos: 1 }]);
      // Sent raw: an echo arriving before the PUBACK must not be skipped over.
      me.client.send({ cmd: 'publish', topic, payload: Buffer.from('mine'), qos: 1, retain: false, dup: false, messageId: me.client.packetId() });
      const theirs = await awaitMessage(other.client, topic, 'mine');
      if (theirs.found === undefined) throw new SetupFailed(`the other subscriber never received the message (${describePublishes(theirs.inbox.publishes, ANSWER_MS)})`);
      const echo = await inbox(me.client, QUIET_MS);
      ctx.check('MQTT-3.8.3-3', echo.publishes.length === 0, 'nothing sent back to the publishing client', describePublishes(echo.publishes, QUIET_MS));
    },
  },
  {
    id: 'subscribe.no-local-shared-refused',
    title: 'No Local on a shared subscription is a protocol error: the server closes the connection',
    layer: 'raw',
    needs: ['shared-subscriptions'],
    statements: { '5': ['MQTT-3.8.3-4'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `$share/g/${ctx.topic('t')}`, qos: 0, nl: true }] });
      await expectRefused(ctx, client, 'MQTT-3.8.3-4', 'a shared subscription with No Local 1');
    },
  },
  {
    id: 'unsubscribe.unsuback',
    title: 'UNSUBSCRIBE is answered by one UNSUBACK with its identifier, also when nothing was subscribed',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.10.4-4', 'MQTT-3.10.4-5', 'MQTT-2.3.1-7'], '5': ['MQTT-3.10.4-4', 'MQTT-3.10.4-5', 'MQTT-2.2.1-6', 'MQTT-3.11.3-1', 'MQTT-3.11.3-2'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client } = await subscriber(ctx, 'client', [{ topic, qos: 0 }]);
      const r = await unsubscribe(client, [topic, ctx.topic('never')], 0x4321);
      ctx.check('MQTT-3.10.4-4', r.got === 0x4321, 'UNSUBACK with packet identifier 0x4321', `UNSUBACK ${r.got}`);
      ctx.check(ctx.level === 5 ? 'MQTT-2.2.1-6' : 'MQTT-2.3.1-7', r.got === 0x4321, "the UNSUBSCRIBE's identifier", `UNSUBACK ${r.got}`);
      const none = await unsubscribe(client, [ctx.topic('never')]);
      ctx.check('MQTT-3.10.4-5', none.got === none.messageId, `an UNSUBACK (${none.messageId}) though no subscription matched`, `UNSUBACK ${none.got}`);
      if (ctx.level === 5) {
        const shown = describeCodes('UNSUBACK', r.codes);
        ctx.check('MQTT-3.11.3-2', r.codes.length === 2 && r.codes.every((c) => UNSUBACK_CODES.includes(c)), `two codes from ${UNSUBACK_CODES.map(hexCode).join(', ')}`, shown);
        // In order: the filter that existed cannot be answered "no subscription existed" (0x11).
        ctx.check('MQTT-3.11.3-1', r.codes[0] !== 0x11, 'the first code (an existing subscription) is not 0x11', shown);
        if (r.codes[1] !== undefined) ctx.chose('MQTT-3.11.3-1', `answered ${hexCode(r.codes[1])} for a filter that was never subscribed`);
      }
    },
  },
  {
    id: 'unsubscribe.stops-delivery',
    title: 'UNSUBSCRIBE deletes the subscription whose filter matches character for character; nothing arrives through it afterwards',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-3.10.4-1', 'MQTT-3.10.4-2'], '5': ['MQTT-3.10.4-1', 'MQTT-3.10.4-2'] },
    async run(ctx) {
      const topic = ctx.topic('room');
      const sub = await subscriber(ctx, 'sub', [{ topic, qos: 1 }]);
      const pub = await publisher(ctx);
      // A filter that matches the topic but is not the same string deletes nothing.
      await unsubscribe(sub.client, [`${ctx.topic('room')}/#`, `${topic}/`]);
      await publish(pub, topic, 'still', { qos: 1 });
      const still = await awaitMessage(sub.client, topic, 'still');
      ctx.check('MQTT-3.10.4-1', still.found !== undefined, 'the subscription survives UNSUBSCRIBE of other filter strings', describePublishes(still.inbox.publishes, ANSWER_MS));
      await unsubscribe(sub.client, [topic]);
      await publish(pub, topic, 'gone', { qos: 1 });
      const after = (await inbox(sub.client, QUIET_MS)).publishes.filter((p) => payloadText(p) === 'gone');
      ctx.check('MQTT-3.10.4-2', after.length === 0, 'nothing published after the UNSUBACK is delivered', describePublishes(after, QUIET_MS));
    },
  },
  {
    id: 'unsubscribe.several',
    title: 'An UNSUBSCRIBE with several filters acts as one per filter, answered by a single UNSUBACK',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-3.10.4-6'], '5': ['MQTT-3.10.4-6'] },
    async run(ctx) {
      const a = ctx.topic('a');
      const b = ctx.topic('b');
      const sub = await subscriber(ctx, 'sub', [{ topic: a, qos: 1 }, { topic: b, qos: 1 }]);
      const r = await unsubscribe(sub.client, [a, b]);
      const pub = await publisher(ctx);
      await publish(pub, a, 'a', { qos: 1 });
      await publish(pub, b, 'b', { qos: 1 });
      const after = await inbox(sub.client, QUIET_MS);
      ctx.check('MQTT-3.10.4-6', !after.others.some((p) => p.cmd === 'unsuback'), 'one UNSUBACK', `${1 + after.others.filter((p) => p.cmd === 'unsuback').length} UNSUBACK packets`);
      ctx.check('MQTT-3.10.4-6', after.publishes.length === 0, 'both subscriptions deleted: nothing delivered', describePublishes(after.publishes, QUIET_MS));
      if (ctx.level === 5) ctx.check('MQTT-3.10.4-6', r.codes.length === 2, 'two codes, one per filter', describeCodes('UNSUBACK', r.codes));
    },
  },
  {
    id: 'unsubscribe.inflight-completed',
    title: 'A QoS 2 delivery under way when its subscription is deleted is still completed (PUBREL after PUBREC)',
    layer: 'raw',
    needs: ['qos2'],
    statements: { '3.1.1': ['MQTT-3.10.4-3'], '5': ['MQTT-3.10.4-3'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const sub = await subscriber(ctx, 'sub', [{ topic, qos: 2 }]);
      if (sub.codes[0] !== 2) throw new SetupFailed(`QoS 2 not granted: ${describeCodes('SUBACK', sub.codes)}`);
      const first = await deliveredTo(ctx, sub.client, topic, 'x', { qos: 2 });
      await unsubscribe(sub.client, [topic]);
      sub.client.send({ cmd: 'pubrec', messageId: first.messageId ?? 0 });
      const rel = await nextKeeping(sub.client, 'pubrel');
      ctx.check('MQTT-3.10.4-3', rel.packet?.messageId === first.messageId, `PUBREL ${first.messageId} after the PUBREC, though the subscription was deleted`, rel.packet ? `PUBREL ${rel.packet.messageId}` : rel.why);
      if (rel.packet) sub.client.send({ cmd: 'pubcomp', messageId: rel.packet.messageId });
    },
  },
  {
    id: 'unsubscribe.reserved-flags',
    title: 'An UNSUBSCRIBE whose fixed-header flags are not 0010 is malformed: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.10.1-1'], '5': ['MQTT-3.10.1-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.sendBytes(frame(0xa0, idField(1), noProperties(ctx.level), utf8Field(ctx.topic('t'))));
      await expectRefused(ctx, client, 'MQTT-3.10.1-1', 'an UNSUBSCRIBE with fixed-header flags 0000');
    },
  },
];

export const cases: ConformCase<MqttCaseContext>[] = [...subscribeCases, ...topicCases, ...sharedCases];
