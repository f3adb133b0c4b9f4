/**
 * Retained messages (3.1.1 / 5.0 section 3.3.1.3, 3.8.4, 5.0 subscription options 3.8.3.1): stored,
 * sent to new subscriptions with RETAIN 1, replaced (also by QoS 0), cleared by an empty payload
 * (a chat client clearing its presence), untouched by non-retained messages, the RETAIN flag on
 * forwarded messages, 5.0 Retain Handling and Retain As Published, and what a re-subscription
 * re-sends. Every case clears the retained messages it set.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { grantedCodes } from '../steps.js';
import { awaitMessage, clearRetainedAfter, describePublish, describePublishes, hexCode, inbox, payloadText, publish, publisher, type QoS, QUIET_MS, subscribe, subscriber } from './pubsub-kit.js';

/** Sets the retained message of `topic` (cleared after the case) and waits until a watcher saw it, so the server has processed it. */
async function retainOn(ctx: MqttCaseContext, pub: RawClient, watcher: RawClient, topic: string, payload: string, qos: QoS): Promise<void> {
  clearRetainedAfter(ctx, topic);
  await publish(pub, topic, payload, { qos, retain: true });
  const seen = await awaitMessage(watcher, topic, payload);
  if (seen.found === undefined) throw new SetupFailed(`the watcher never received the retained "${payload}" (${describePublishes(seen.inbox.publishes, ANSWER_MS)})`);
}

/** A publisher and a watcher already subscribed to `topic`. */
async function pubAndWatcher(ctx: MqttCaseContext, topic: string): Promise<{ pub: RawClient; watcher: RawClient }> {
  const [pub, watcher] = await Promise.all([publisher(ctx), subscriber(ctx, 'watcher', [{ topic, qos: 1 }])]);
  return { pub, watcher: watcher.client };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'retain.sent-on-subscribe',
    title: 'A retained message is stored and sent, with RETAIN 1, to a new subscription that matches',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.3.1-5', 'MQTT-3.3.1-6', 'MQTT-3.3.1-8'], '5': ['MQTT-3.3.1-5', 'MQTT-3.3.1-9'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'online', 1);
      const late = await subscriber(ctx, 'late', [{ topic, qos: 1 }]);
      const got = await awaitMessage(late.client, topic, 'online');
      const p = got.found;
      const sent = ctx.level === 5 ? 'MQTT-3.3.1-9' : 'MQTT-3.3.1-6';
      ctx.require(sent, p !== undefined, 'the retained "online" sent to the new subscription', describePublishes(got.inbox.publishes, ANSWER_MS));
      if (p === undefined) return;
      ctx.check('MQTT-3.3.1-5', p.qos === Math.min(1, late.codes[0] ?? 0), `stored with its QoS 1 (delivered at min(1, granted ${late.codes[0]}))`, describePublish(p));
      ctx.check(ctx.level === 5 ? 'MQTT-3.3.1-9' : 'MQTT-3.3.1-8', p.retain, 'RETAIN 1 on a message sent because the subscription was made', describePublish(p));
    },
  },
  {
    id: 'retain.replaced-by-qos0',
    title: 'A retained QoS 0 message replaces the retained message of its topic',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.3.1-7'], '5': ['MQTT-3.3.1-5'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'old', 1);
      await retainOn(ctx, pub, watcher, topic, 'new', 0);
      const late = await subscriber(ctx, 'late', [{ topic, qos: 1 }]);
      const got = await inbox(late.client, QUIET_MS);
      const texts = got.publishes.map(payloadText);
      ctx.check(ctx.level === 5 ? 'MQTT-3.3.1-5' : 'MQTT-3.3.1-7', texts.length === 1 && texts[0] === 'new', 'only the QoS 0 "new" is retained and sent to a new subscription', describePublishes(got.publishes, QUIET_MS));
    },
  },
  {
    id: 'retain.cleared-by-empty',
    title: 'A retained PUBLISH with an empty payload is forwarded as usual and clears the retained message',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.3.1-10', 'MQTT-3.3.1-11'], '5': ['MQTT-3.3.1-6', 'MQTT-3.3.1-7'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'online', 1);
      await publish(pub, topic, Buffer.alloc(0), { qos: 1, retain: true });
      const forwarded = await awaitMessage(watcher, topic, '');
      const first = ctx.level === 5 ? 'MQTT-3.3.1-6' : 'MQTT-3.3.1-10';
      ctx.check(first, forwarded.found !== undefined, 'the empty retained message forwarded to the existing subscriber as usual', describePublishes(forwarded.inbox.publishes, ANSWER_MS));
      const late = await subscriber(ctx, 'late', [{ topic, qos: 1 }]);
      const got = await inbox(late.client, QUIET_MS);
      ctx.check(first, !got.publishes.some((p) => payloadText(p) === 'online'), 'the retained "online" is gone: a new subscription gets nothing', describePublishes(got.publishes, QUIET_MS));
      ctx.check(ctx.level === 5 ? 'MQTT-3.3.1-7' : 'MQTT-3.3.1-11', !got.publishes.some((p) => p.retain && payloadText(p) === ''), 'no empty message retained in its place', describePublishes(got.publishes, QUIET_MS));
    },
  },
  {
    id: 'retain.non-retained-keeps',
    title: 'A PUBLISH with RETAIN 0 neither replaces nor removes the retained message',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.3.1-12'], '5': ['MQTT-3.3.1-8'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'kept', 1);
      await publish(pub, topic, 'live', { qos: 1 });
      await awaitMessage(watcher, topic, 'live');
      const late = await subscriber(ctx, 'late', [{ topic, qos: 1 }]);
      const got = await inbox(late.client, QUIET_MS);
      const texts = got.publishes.map(payloadText);
      ctx.check(ctx.level === 5 ? 'MQTT-3.3.1-8' : 'MQTT-3.3.1-12', texts.length === 1 && texts[0] === 'kept', 'the new subscription gets the retained "kept" only', describePublishes(got.publishes, QUIET_MS));
    },
  },
  {
    id: 'retain.flag-on-forward',
    title: 'RETAIN on a message forwarded to an existing subscription: 0 (3.1.1; 5.0 Retain As Published 0), as published with Retain As Published 1',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.3.1-9'], '5': ['MQTT-3.3.1-12', 'MQTT-3.3.1-13'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const plain = await subscriber(ctx, 'plain', [{ topic, qos: 1 }]);
      const asPublished = ctx.level === 5 ? await subscriber(ctx, 'rap', [{ topic, qos: 1, rap: true }]) : undefined;
      const pub = await publisher(ctx);
      clearRetainedAfter(ctx, topic);
      await publish(pub, topic, 'r', { qos: 1, retain: true });
      const p = (await awaitMessage(plain.client, topic, 'r')).found;
      ctx.check(ctx.level === 5 ? 'MQTT-3.3.1-12' : 'MQTT-3.3.1-9', p !== undefined && !p.retain, 'RETAIN 0 on the live message to the existing subscription', p ? describePublish(p) : describePublishes([], ANSWER_MS));
      if (asPublished !== undefined) {
        const q = (await awaitMessage(asPublished.client, topic, 'r')).found;
        ctx.check('MQTT-3.3.1-13', q !== undefined && q.retain, 'RETAIN 1, as published, to the subscription with Retain As Published 1', q ? describePublish(q) : describePublishes([], ANSWER_MS));
      }
    },
  },
  {
    id: 'retain.handling-1',
    title: 'Retain Handling 1: retained messages are sent for a new subscription but not when it already existed',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '5': ['MQTT-3.3.1-10'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'online', 1);
      const sub = await subscriber(ctx, 'sub', [{ topic, qos: 1, rh: 1 }]);
      const first = await awaitMessage(sub.client, topic, 'online');
      ctx.check('MQTT-3.3.1-10', first.found !== undefined, 'the retained message sent for the new subscription', describePublishes(first.inbox.publishes, ANSWER_MS));
      await subscribe(sub.client, [{ topic, qos: 1, rh: 1 }]);
      const again = await inbox(sub.client, QUIET_MS);
      ctx.check('MQTT-3.3.1-10', again.publishes.length === 0, 'nothing sent when the same subscription is made again', describePublishes(again.publishes, QUIET_MS));
    },
  },
  {
    id: 'retain.handling-2',
    title: 'Retain Handling 2: no retained message is sent when the subscription is made',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '5': ['MQTT-3.3.1-11'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'online', 1);
      const sub = await subscriber(ctx, 'sub', [{ topic, qos: 1, rh: 2 }]);
      const got = await inbox(sub.client, QUIET_MS);
      ctx.check('MQTT-3.3.1-11', got.publishes.length === 0, 'no retained message sent', describePublishes(got.publishes, QUIET_MS));
    },
  },
  {
    id: 'subscribe.resubscribe-replaces',
    title: 'Subscribing again to the same filter replaces the subscription (new QoS, one copy) and re-sends retained messages',
    layer: 'raw',
    needs: ['retain', 'qos1'],
    statements: { '3.1.1': ['MQTT-3.8.4-3'], '5': ['MQTT-3.8.4-3', 'MQTT-3.8.4-4'] },
    async run(ctx) {
      const topic = ctx.topic('room');
      const { pub, watcher } = await pubAndWatcher(ctx, topic);
      await retainOn(ctx, pub, watcher, topic, 'topic-of-the-day', 1);
      const sub = await subscriber(ctx, 'sub', [{ topic, qos: 0 }]);
      await awaitMessage(sub.client, topic, 'topic-of-the-day');
      const suback = await subscribe(sub.client, [{ topic, qos: 1 }]);
      const granted = grantedCodes(suback)[0] ?? 0x80;
      if (granted >= 0x80) throw new SetupFailed(`the replacing QoS 1 subscription was refused with ${hexCode(granted)}`);
      const resent = await awaitMessage(sub.client, topic, 'topic-of-the-day');
      const statement = ctx.level === 5 ? 'MQTT-3.8.4-4' : 'MQTT-3.8.4-3';
      ctx.check(statement, resent.found !== undefined, 'the retained message re-sent for the replacing subscription', describePublishes(resent.inbox.publishes, ANSWER_MS));
      await publish(pub, topic, 'live', { qos: 1 });
      const first = await awaitMessage(sub.client, topic, 'live');
      const rest = await inbox(sub.client, QUIET_MS);
      const copies = [...first.inbox.publishes, ...rest.publishes].filter((p) => payloadText(p) === 'live');
      ctx.check('MQTT-3.8.4-3', copies.length === 1 && copies[0]?.qos === Math.min(1, granted), `one copy of "live" at the new subscription's QoS ${Math.min(1, granted)}`, describePublishes(copies, ANSWER_MS));
    },
  },
];
