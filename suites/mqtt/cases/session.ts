/**
 * Sessions (3.1.1 and 5.0 sections 3.1.2.4, 3.1.4, 3.2.2, 4.1, 4.4): Session Present, clean
 * start, the offline queue and its order, session takeover, redelivery of unacknowledged QoS 1
 * and 2 messages after a reconnect, session expiry (5.0). Wills are in will.ts.
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import { hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { SESSION_EXPIRY_S, disconnect, endSessionAfter, persistent, publish, receive, receiveAll, subscribe } from '../steps.js';
import { clearRetainedAfter, describePublish, inbox, payloadText, QUIET_MS } from './pubsub-kit.js';
import { checkServerDisconnect, describeConnack } from './observe.js';
import { cases as redeliveryCases } from './redelivery.js';
import { deliver, elapse, sessionSubscribedTo } from './session-kit.js';
import { cases as willCases } from './will.js';

function describe(p: IPublishPacket | undefined, windowMs = ANSWER_MS): string {
  return p ? describePublish(p) : `no PUBLISH within ${windowMs} ms`;
}

const sessionCases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'session.resume',
    title: 'Reconnecting without clean start resumes the session: Session Present 1 and the subscription still delivers',
    layer: 'raw',
    statements: {
      '3.1.1': ['MQTT-3.2.2-3', 'MQTT-3.2.2-2', 'MQTT-3.1.2-4', 'MQTT-3.1.3-2', 'MQTT-3.1.4-3', 'MQTT-4.1.0-1'],
      '5': ['MQTT-3.1.2-6', 'MQTT-3.2.2-3', 'MQTT-3.1.2-5', 'MQTT-3.1.2-23', 'MQTT-3.1.3-2', 'MQTT-3.1.4-4'],
    },
    needs: ['qos1'],
    async run(ctx) {
      const id = ctx.clientId('sub');
      const topic = ctx.topic('t');
      endSessionAfter(ctx, id);
      const firstPresent = await sessionSubscribedTo(ctx, id, topic);
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.2-6' : 'MQTT-3.2.2-3', !firstPresent, 'Session Present 0 for a client id with no session', `Session Present ${firstPresent ? 1 : 0}`);
      const { client, connack } = await ctx.connect('again', persistent(ctx, id));
      const observed = describeConnack(connack);
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-3' : 'MQTT-3.2.2-2', connack.sessionPresent, 'Session Present 1 when resuming a stored session', observed);
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.2-5' : 'MQTT-3.1.2-4', connack.sessionPresent, 'the session of that client id resumed', observed);
      const got = await deliver(ctx, client, topic, 'after resume');
      const delivered = got?.payload.toString() === 'after resume';
      ctx.check('MQTT-3.1.3-2', delivered, 'the subscription found by client id delivers without subscribing again', describe(got));
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.2-23' : 'MQTT-4.1.0-1', delivered, 'the subscription kept as session state across the disconnect', describe(got));
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.4-4' : 'MQTT-3.1.4-3', connack.sessionPresent && delivered, 'clean-start processing: the stored session used', `${observed}; ${describe(got)}`);
    },
  },
  {
    id: 'session.clean-start-discards',
    title: 'Connecting with clean start discards the stored session: Session Present 0, no old subscription',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.2.2-1', 'MQTT-3.1.2-6'], '5': ['MQTT-3.2.2-2', 'MQTT-3.1.2-4'] },
    async run(ctx) {
      const id = ctx.clientId('sub');
      const topic = ctx.topic('t');
      endSessionAfter(ctx, id);
      await sessionSubscribedTo(ctx, id, topic);
      const { client, connack } = await ctx.connect('clean', { clientId: id, clean: true });
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-2' : 'MQTT-3.2.2-1', !connack.sessionPresent, 'Session Present 0 with clean start', describeConnack(connack));
      const { client: pub } = await ctx.connect('publisher');
      await publish(pub, topic, 'to the old subscription', { qos: 1 });
      const got = await receiveAll(client, QUIET_MS);
      const stmt = ctx.level === 5 ? 'MQTT-3.1.2-4' : 'MQTT-3.1.2-6';
      ctx.check(stmt, got.length === 0, 'no message through the discarded session’s subscription', got.length === 0 ? `no PUBLISH within ${QUIET_MS} ms` : describe(got[0]));
      if (ctx.level === 4) {
        // A clean session ends with its connection and is never reused [MQTT-3.1.2-6].
        disconnect(client);
        await client.untilClosed(ANSWER_MS);
        const again = await ctx.connect('again', persistent(ctx, id));
        ctx.check(stmt, !again.connack.sessionPresent, 'Session Present 0 after a clean session ended', describeConnack(again.connack));
      }
    },
  },
  {
    id: 'session.offline-queue',
    title: 'QoS 1 and 2 messages published while a persistent subscriber is away are delivered on its return, in order',
    layer: 'client',
    statements: { '3.1.1': ['MQTT-3.1.2-5', 'MQTT-4.6.0-6', 'MQTT-4.6.0-5'], '5': ['MQTT-3.1.2-23', 'MQTT-4.6.0-5', 'MQTT-4.6.0-6'] },
    needs: ['qos2'],
    async run(ctx) {
      const id = ctx.clientId('sub');
      const topic = ctx.topic('inbox');
      endSessionAfter(ctx, id);
      // The chat user's app: a full client subscribes, goes away cleanly; friends keep writing.
      const app = await ctx.client('app', { clientId: id, clean: false, ...(ctx.level === 5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}) });
      await app.subscribeAsync(topic, { qos: 2 });
      await app.endAsync();
      const friend = await ctx.client('friend');
      const sent = ['q1-0', 'q1-1', 'q1-2', 'q2-0', 'q2-1', 'q2-2'];
      for (const text of sent) await friend.publishAsync(topic, text, { qos: text.startsWith('q1') ? 1 : 2 });
      // Back online: read with the raw client so nothing is missed between CONNACK and the first message.
      const { client } = await ctx.connect('back', persistent(ctx, id));
      const got = await inbox(client, ANSWER_MS, { until: (ps) => ps.length >= sent.length });
      const texts = got.publishes.map(payloadText);
      const observed = texts.length ? `received ${texts.join(', ')}` : `no PUBLISH within ${ANSWER_MS} ms`;
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.2-23' : 'MQTT-3.1.2-5', sent.every((s) => texts.includes(s)), `all of ${sent.join(', ')} delivered after the reconnect`, observed);
      const inOrder = (prefix: string) => {
        const seq = texts.filter((t) => t.startsWith(prefix));
        return seq.every((t, i) => i === 0 || t > (seq[i - 1] ?? ''));
      };
      ctx.check(ctx.level === 5 ? 'MQTT-4.6.0-5' : 'MQTT-4.6.0-6', inOrder('q1') && inOrder('q2'), 'each QoS’s messages in the order published', observed);
      ctx.check(ctx.level === 5 ? 'MQTT-4.6.0-6' : 'MQTT-4.6.0-5', inOrder('q1') && inOrder('q2'), 'the topic ordered by default', observed);
    },
  },
  {
    id: 'session.takeover',
    title: 'A second connection with the same client id closes the first (5.0: DISCONNECT 0x8E first)',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.4-2'], '5': ['MQTT-3.1.4-3', 'MQTT-3.14.2-1', 'MQTT-3.14.2-2', 'MQTT-3.14.4-1', 'MQTT-3.14.4-2'] },
    async run(ctx) {
      const id = ctx.clientId('user');
      const { client: old } = await ctx.connect('old', { clientId: id });
      await ctx.connect('new', { clientId: id });
      const { end, packets } = await old.untilClosed(ANSWER_MS);
      const closed = end.kind === 'closed';
      const observed = `old connection: ${packets.map((p) => (p.cmd === 'disconnect' ? `DISCONNECT ${hexCode(p.reasonCode ?? 0)}` : p.cmd.toUpperCase())).join(', ') || 'no packet'}, ${closed ? 'closed' : `open after ${ANSWER_MS} ms`}`;
      if (ctx.level === 4) {
        ctx.check('MQTT-3.1.4-2', closed, 'the older connection closed', observed);
        return;
      }
      const code = checkServerDisconnect(ctx, packets, closed);
      ctx.check('MQTT-3.1.4-3', closed && (code === undefined || code === 0x8e), 'the older connection closed, after DISCONNECT 0x8E (Session taken over) if any', observed);
      ctx.chose('MQTT-3.1.4-3', code === undefined ? 'closed the old connection without a DISCONNECT' : `sent DISCONNECT ${hexCode(code)} to the old connection`);
    },
  },
  {
    id: 'session.takeover-resumes',
    title: 'A client that takes over its own persistent session keeps its subscriptions on the new connection',
    layer: 'client',
    statements: { '3.1.1': ['MQTT-3.1.4-2', 'MQTT-3.2.2-2'], '5': ['MQTT-3.1.4-3', 'MQTT-3.2.2-3'] },
    needs: ['qos1'],
    async run(ctx) {
      const id = ctx.clientId('user');
      const topic = ctx.topic('inbox');
      endSessionAfter(ctx, id);
      // A phone on a dying network: its old connection still looks open when it reconnects from a new one.
      const phone = await ctx.client('phone', { clientId: id, clean: false, ...(ctx.level === 5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}) });
      await phone.subscribeAsync(topic, { qos: 1 });
      const oldClosed = new Promise<boolean>((resolve) => {
        phone.once('close', () => resolve(true));
        setTimeout(() => resolve(false), ANSWER_MS).unref();
      });
      const { client, connack } = await ctx.connect('phone-again', persistent(ctx, id));
      const closed = await oldClosed;
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.4-3' : 'MQTT-3.1.4-2', closed, 'the old connection closed', closed ? 'old connection closed' : `old connection open after ${ANSWER_MS} ms`);
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-3' : 'MQTT-3.2.2-2', connack.sessionPresent, 'Session Present 1 on the new connection', describeConnack(connack));
      const got = await deliver(ctx, client, topic, 'after takeover');
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-3' : 'MQTT-3.2.2-2', got?.payload.toString() === 'after takeover', 'the subscription delivers on the new connection', describe(got));
    },
  },
  {
    id: 'session.retained-survives',
    title: 'A retained message outlives the session of the client that published it',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-7'] },
    needs: ['retain'],
    async run(ctx) {
      const topic = ctx.topic('status');
      clearRetainedAfter(ctx, topic);
      const { client: pub } = await ctx.connect('publisher');
      await publish(pub, topic, 'kept', { qos: 1, retain: true });
      disconnect(pub);
      await pub.untilClosed(ANSWER_MS);
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 1 }]);
      const got = await receive(sub);
      ctx.check('MQTT-3.1.2-7', got?.payload.toString() === 'kept' && got.retain, 'the retained message delivered (RETAIN 1) after its publisher’s session ended', describe(got));
    },
  },
  {
    id: 'session.kept-while-connected',
    title: 'A session is kept as long as its connection is open, even past its Session Expiry Interval',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.1.0-2'], '5': ['MQTT-4.1.0-1'] },
    timeoutMs: 8_000,
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client } = await ctx.connect('client', ctx.level === 5 ? { properties: { sessionExpiryInterval: 1 } } : {});
      await subscribe(client, [{ topic, qos: 0 }]);
      await elapse(ctx, 1_500);
      const got = await deliver(ctx, client, topic, 'still here', 0);
      ctx.check(ctx.level === 5 ? 'MQTT-4.1.0-1' : 'MQTT-4.1.0-2', got?.payload.toString() === 'still here', 'the subscription still delivers 1.5 s later on the open connection', describe(got));
    },
  },
  {
    id: 'session.expiry-elapsed',
    title: 'A session whose Session Expiry Interval has passed after the close is discarded',
    layer: 'raw',
    statements: { '5': ['MQTT-4.1.0-2'] },
    timeoutMs: 10_000,
    async run(ctx) {
      const id = ctx.clientId('sub');
      endSessionAfter(ctx, id);
      const { client } = await ctx.connect('first', { clientId: id, clean: false, properties: { sessionExpiryInterval: 1 } });
      await subscribe(client, [{ topic: ctx.topic('t'), qos: 1 }]);
      disconnect(client);
      await client.untilClosed(ANSWER_MS);
      // Servers keep time in whole seconds: 1 s of expiry may take up to 2 s to notice.
      await elapse(ctx, 3_000);
      const again = await ctx.connect('again', persistent(ctx, id));
      ctx.check('MQTT-4.1.0-2', !again.connack.sessionPresent, 'Session Present 0: the session expired 1 s after the close (checked 3 s after)', describeConnack(again.connack));
    },
  },
  {
    id: 'session.disconnect-expiry-zero',
    title: 'A DISCONNECT setting Session Expiry Interval 0 ends the session with the connection',
    layer: 'raw',
    statements: { '5': ['MQTT-4.1.0-2'] },
    async run(ctx) {
      const id = ctx.clientId('sub');
      endSessionAfter(ctx, id);
      const { client } = await ctx.connect('first', persistent(ctx, id));
      await subscribe(client, [{ topic: ctx.topic('t'), qos: 1 }]);
      client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
      client.end();
      await client.untilClosed(ANSWER_MS);
      const again = await ctx.connect('again', persistent(ctx, id));
      ctx.check('MQTT-4.1.0-2', !again.connack.sessionPresent, 'Session Present 0: the DISCONNECT set the expiry to 0', describeConnack(again.connack));
    },
  },
];

export const cases: ConformCase<MqttCaseContext>[] = [...sessionCases, ...redeliveryCases, ...willCases];
