/**
 * Wills — presence in a chat (3.1.1 and 5.0 sections 3.1.2.5–3.1.2.7, 3.1.3.2, 3.14.4): none
 * after a clean DISCONNECT, published after an abrupt drop, retained or not as asked, and in
 * 5.0 sent on DISCONNECT 0x04, delayed by the Will Delay Interval, cancelled by a reconnect in
 * time, sent when the session ends first, with its User Properties in order.
 */
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { disconnect, endSessionAfter, persistent, receive, receiveAll, subscribe } from '../steps.js';
import { clearRetainedAfter, describePublish, QUIET_MS } from './pubsub-kit.js';
import { elapse } from './session-kit.js';

type Will = NonNullable<IConnectPacket['will']>;

/** A watcher subscribed to the presence topic, and a user connected with `will` on it. */
async function presence(ctx: MqttCaseContext, will: Omit<Will, 'topic' | 'payload'>, connect: Partial<IConnectPacket> = {}): Promise<{ watcher: RawClient; user: RawClient; topic: string; clientId: string }> {
  const topic = ctx.topic('presence');
  const { client: watcher } = await ctx.connect('watcher');
  await subscribe(watcher, [{ topic, qos: 1 }]);
  const { client: user, clientId } = await ctx.connect('user', { ...connect, will: { topic, payload: Buffer.from('offline'), ...will } });
  return { watcher, user, topic, clientId };
}

function describe(p: IPublishPacket | undefined, windowMs = ANSWER_MS): string {
  return p ? describePublish(p) : `no PUBLISH within ${windowMs} ms`;
}

/** The Will Delay Interval of the delay cases: long enough to tell "delayed" from "at once", short enough for the suite. */
const DELAY_S = 2;

/** A presence Will delayed DELAY_S on a session that outlives the connection (ended after the case). */
function delayedWill(ctx: MqttCaseContext): ReturnType<typeof presence> {
  const clientId = ctx.clientId('user');
  endSessionAfter(ctx, clientId);
  return presence(ctx, { qos: 1, retain: false, properties: { willDelayInterval: DELAY_S } }, persistent(ctx, clientId));
}

const isWill = (p: IPublishPacket | undefined): boolean => p?.payload.toString() === 'offline';

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'will.published-on-drop',
    title: 'Presence: the Will of a client that drops without DISCONNECT is published',
    layer: 'client',
    statements: { '3.1.1': ['MQTT-3.1.2-8'], '5': ['MQTT-3.1.2-7', 'MQTT-3.1.2-8'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const watcher = await ctx.client('watcher');
      const seen = new Promise<string | undefined>((resolve) => {
        watcher.on('message', (t, payload) => t === topic && resolve(payload.toString()));
        setTimeout(() => resolve(undefined), ANSWER_MS * 2).unref();
      });
      await watcher.subscribeAsync(topic, { qos: 1 });
      const user = await ctx.client('user', { will: { topic, payload: Buffer.from('offline'), qos: 1, retain: false } });
      user.stream.destroy(); // the phone lost its signal
      const got = await seen;
      const observed = got === undefined ? `no Will within ${ANSWER_MS * 2} ms` : `received "${got}"`;
      ctx.check('MQTT-3.1.2-8', got === 'offline', 'the Will "offline" published after the connection dropped', observed);
      if (ctx.level === 5) ctx.check('MQTT-3.1.2-7', got === 'offline', 'the Will stored with the session until the close', observed);
    },
  },
  {
    id: 'will.none-after-disconnect',
    title: 'Presence: no Will after a clean DISCONNECT',
    layer: 'client',
    statements: { '3.1.1': ['MQTT-3.14.4-3', 'MQTT-3.1.2-10'], '5': ['MQTT-3.14.4-3', 'MQTT-3.1.2-10'] },
    async run(ctx) {
      const topic = ctx.topic('presence');
      const watcher = await ctx.client('watcher');
      const got: string[] = [];
      watcher.on('message', (t, payload) => t === topic && got.push(payload.toString()));
      await watcher.subscribeAsync(topic, { qos: 1 });
      const user = await ctx.client('user', { will: { topic, payload: Buffer.from('offline'), qos: 1, retain: false } });
      await user.endAsync(); // DISCONNECT (reason 0x00 in 5.0), then the close
      // The close is done (endAsync resolved): a Will would reach the watcher within this window.
      await elapse(ctx, QUIET_MS);
      const observed = got.length === 0 ? `no PUBLISH within ${QUIET_MS} ms` : `received ${got.map((g) => `"${g}"`).join(', ')}`;
      ctx.check('MQTT-3.14.4-3', got.length === 0, 'no Will after DISCONNECT', observed);
      ctx.check('MQTT-3.1.2-10', got.length === 0, 'the Will deleted on DISCONNECT', observed);
    },
  },
  {
    id: 'will.none-without-flag',
    title: 'A client connected without a Will leaves nothing behind when it drops',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-12'] },
    needs: ['wildcards'],
    async run(ctx) {
      const { client: watcher } = await ctx.connect('watcher');
      await subscribe(watcher, [{ topic: ctx.topic('#'), qos: 1 }]);
      const { client: user } = await ctx.connect('user');
      await subscribe(user, [{ topic: ctx.topic('presence'), qos: 1 }]);
      user.destroy();
      const got = await receiveAll(watcher, QUIET_MS);
      ctx.check('MQTT-3.1.2-12', got.length === 0, 'no message on the case’s topics after the drop', got.length === 0 ? `no PUBLISH within ${QUIET_MS} ms` : describe(got[0]));
    },
  },
  {
    id: 'will.retain-0',
    title: 'A Will with Will Retain 0 is published as a non-retained message',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-16'], '5': ['MQTT-3.1.2-14'] },
    async run(ctx) {
      const { watcher, user, topic } = await presence(ctx, { qos: 1, retain: false });
      clearRetainedAfter(ctx, topic); // in case the server retains it anyway
      user.destroy();
      const will = await receive(watcher);
      if (!isWill(will)) ctx.skip(`the Will did not arrive (${describe(will)}): will.published-on-drop covers that`);
      const { client: late } = await ctx.connect('late');
      await subscribe(late, [{ topic, qos: 1 }]);
      const retained = await receiveAll(late, QUIET_MS);
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.2-14' : 'MQTT-3.1.2-16', retained.length === 0 && (ctx.level === 4 || !will?.retain), 'the Will not retained: nothing for a later subscriber' + (ctx.level === 5 ? ', RETAIN 0 on the Will' : ''), `Will ${describe(will)}; later subscriber: ${retained.length === 0 ? `nothing within ${QUIET_MS} ms` : describe(retained[0])}`);
    },
  },
  {
    id: 'will.retain-1',
    title: 'A Will with Will Retain 1 is published as a retained message',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-17'], '5': ['MQTT-3.1.2-15'] },
    needs: ['retain'],
    async run(ctx) {
      const { watcher, user, topic } = await presence(ctx, { qos: 1, retain: true });
      clearRetainedAfter(ctx, topic);
      user.destroy();
      const will = await receive(watcher);
      if (!isWill(will)) ctx.skip(`the Will did not arrive (${describe(will)}): will.published-on-drop covers that`);
      const { client: late } = await ctx.connect('late');
      await subscribe(late, [{ topic, qos: 1 }]);
      const retained = await receive(late);
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.2-15' : 'MQTT-3.1.2-17', isWill(retained) && retained?.retain === true, 'the Will retained: a later subscriber gets it with RETAIN 1', `later subscriber: ${describe(retained)}`);
    },
  },
  {
    id: 'will.disconnect-with-will',
    title: 'DISCONNECT with reason 0x04 (Disconnect with Will Message) publishes the Will',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-8'] },
    async run(ctx) {
      const { watcher, user } = await presence(ctx, { qos: 1, retain: false });
      user.send({ cmd: 'disconnect', reasonCode: 0x04 });
      user.end();
      const will = await receive(watcher);
      ctx.check('MQTT-3.1.2-8', isWill(will), 'the Will published after DISCONNECT 0x04', describe(will));
    },
  },
  {
    id: 'will.delay',
    title: 'A Will with a Will Delay Interval is published once the delay has passed, not before',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-8'] },
    timeoutMs: 10_000,
    async run(ctx) {
      const { watcher, user } = await delayedWill(ctx);
      const dropped = performance.now();
      user.destroy();
      const will = await receive(watcher, DELAY_S * 1_000 + 2_000);
      const afterMs = Math.round(performance.now() - dropped);
      // Servers that keep time in whole seconds may publish up to 1 s early; earlier than that is not a delay.
      ctx.check('MQTT-3.1.2-8', isWill(will) && afterMs >= DELAY_S * 1_000 - 1_000, `the Will published ${DELAY_S} s after the drop (not before ${DELAY_S - 1} s, allowing whole-second clocks)`, will ? `${describe(will)} ${afterMs} ms after the drop` : `no Will within ${afterMs} ms`);
    },
  },
  {
    id: 'will.delay-cancelled',
    title: 'A reconnect to the session within the Will Delay Interval means the Will is not sent',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.3-9'] },
    timeoutMs: 10_000,
    async run(ctx) {
      const { watcher, user, clientId } = await delayedWill(ctx);
      user.destroy();
      const back = await ctx.connect('back', persistent(ctx, clientId));
      const got = await receiveAll(watcher, DELAY_S * 1_000 + 1_000);
      ctx.check('MQTT-3.1.3-9', !got.some(isWill), `no Will: the client came back within ${DELAY_S} s`, got.length === 0 ? `no PUBLISH within ${DELAY_S * 1_000 + 1_000} ms (reconnected with ${back.connack.sessionPresent ? 'Session Present 1' : 'Session Present 0'})` : describe(got[0]));
      disconnect(back.client);
    },
  },
  {
    id: 'will.session-end',
    title: 'A Will delayed longer than the session lasts is published when the session ends',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-8'] },
    timeoutMs: 10_000,
    async run(ctx) {
      const { watcher, user } = await presence(ctx, { qos: 1, retain: false, properties: { willDelayInterval: 300 } }, { clean: true, properties: { sessionExpiryInterval: 1 } });
      const dropped = performance.now();
      user.destroy();
      const will = await receive(watcher, 4_000);
      const afterMs = Math.round(performance.now() - dropped);
      ctx.check('MQTT-3.1.2-8', isWill(will), 'the Will published when the 1 s session ended, before its 300 s delay', will ? `${describe(will)} ${afterMs} ms after the drop` : `no Will within ${afterMs} ms`);
    },
  },
  {
    id: 'will.user-properties',
    title: 'The Will is published with its User Properties in their original order',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.3-10'] },
    async run(ctx) {
      const sent = { zeta: 'last-first', alpha: 'a', mid: 'm' };
      const { watcher, user } = await presence(ctx, { qos: 1, retain: false, properties: { userProperties: sent } });
      user.destroy();
      const will = await receive(watcher);
      const got = will?.properties?.userProperties;
      const order = got ? Object.entries(got).map(([k, v]) => `${k}=${String(v)}`) : [];
      const want = Object.entries(sent).map(([k, v]) => `${k}=${v}`);
      ctx.check('MQTT-3.1.3-10', order.join(',') === want.join(','), `User Properties ${want.join(', ')}, in that order`, will ? `User Properties ${order.join(', ') || 'none'}` : describe(will));
    },
  },
];
