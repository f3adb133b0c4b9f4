/**
 * Keep alive, PINGREQ / PINGRESP, DISCONNECT and AUTH (3.1.1 and 5.0 sections 3.1.2.10, 3.12,
 * 3.14, 3.15, 4.12): the server answers pings, drops a client silent for 1.5 × its keep alive,
 * checks DISCONNECT's flags, and refuses authentication it cannot do.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import { describeRejection, hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { expectRefused, receive, subscribe } from '../steps.js';
import { checkLeftOut, checkServerDisconnect, connackCode, describeConnack } from './observe.js';

/**
 * What the keep-alive check allows past 1.5 × keep alive: servers keep time in whole seconds
 * and check on a timer, and the close crosses a loaded test machine before chatbench sees it.
 */
const KEEP_ALIVE_SLACK_MS = 1_000;
/**
 * How much longer chatbench watches a connection that outlived the limit, so a late close is
 * reported with its time (a server checking every few seconds) rather than as "never".
 */
const KEEP_ALIVE_LATE_MS = 8_000;
/** The longest keep alive the case will wait out (the profile allows up to 60 s). */
const KEEP_ALIVE_MAX_S = 60;

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'ping.pingresp',
    title: 'Every PINGREQ is answered by a PINGRESP',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.12.4-1'], '5': ['MQTT-3.12.4-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      for (let i = 0; i < 3; i++) client.send({ cmd: 'pingreq' });
      const deadline = performance.now() + ANSWER_MS;
      let answered = 0;
      while (answered < 3) {
        const got = await client.nextOf('pingresp', Math.max(0, deadline - performance.now()));
        if (got.packet === undefined) break;
        answered++;
      }
      ctx.check('MQTT-3.12.4-1', answered === 3, 'a PINGRESP to each of 3 PINGREQs', `${answered} PINGRESP within ${ANSWER_MS} ms`);
    },
  },
  {
    id: 'keepalive.enforced',
    title: 'A client silent for 1.5 × its keep alive is disconnected',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-24'], '5': ['MQTT-3.1.2-22', 'MQTT-3.2.2-22'] },
    timeoutMs: KEEP_ALIVE_MAX_S * 1_500 + KEEP_ALIVE_LATE_MS + 5_000,
    async run(ctx) {
      const keepAlive = ctx.profile.keepAliveSeconds ?? 2;
      const { client, connack } = await ctx.connect('client', { keepalive: keepAlive });
      const started = performance.now();
      const imposed = connack.properties?.serverKeepAlive;
      const effective = imposed ?? keepAlive;
      if (effective === 0) ctx.skip('the server imposes Server Keep Alive 0 (no keep alive)');
      if (effective > KEEP_ALIVE_MAX_S) ctx.skip(`the server imposes Server Keep Alive ${effective} s: longer than chatbench waits`);
      const limitMs = effective * 1_500;
      const { end, packets } = await client.untilClosed(limitMs + KEEP_ALIVE_LATE_MS);
      const afterMs = Math.round(performance.now() - started);
      const closed = end.kind === 'closed';
      const inTime = closed && afterMs <= limitMs + KEEP_ALIVE_SLACK_MS;
      const observed = closed ? `closed ${afterMs} ms after CONNACK${packets.length ? ` (sent ${packets.map((p) => (p.cmd === 'disconnect' ? `DISCONNECT ${hexCode(p.reasonCode ?? 0)}` : p.cmd.toUpperCase())).join(', ')} first)` : ''}` : `still open ${afterMs} ms after CONNACK`;
      const expected = `the close within 1.5 × ${effective} s = ${limitMs} ms (+ ${KEEP_ALIVE_SLACK_MS} ms for timers)`;
      if (ctx.level === 4) {
        ctx.check('MQTT-3.1.2-24', inTime, expected, observed);
        return;
      }
      ctx.check('MQTT-3.1.2-22', inTime, expected, observed);
      if (imposed === undefined) ctx.check('MQTT-3.2.2-22', inTime, `the client’s own keep alive (${keepAlive} s) applied: ${expected}`, observed);
      else ctx.chose('MQTT-3.2.2-22', `imposed Server Keep Alive ${imposed} s`);
      checkServerDisconnect(ctx, packets, closed);
    },
  },
  {
    id: 'disconnect.reserved-flags',
    title: 'A DISCONNECT with reserved flags set is not a normal disconnect: the server closes and publishes the Will',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.14.1-1'], '5': ['MQTT-3.14.1-1'] },
    async run(ctx) {
      const topic = ctx.topic('will');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const { client } = await ctx.connect('client', { will: { topic, payload: Buffer.from('gone'), qos: 0, retain: false } });
      client.sendBytes(Buffer.from([0xe1, 0x00]));
      const r = await expectRefused(ctx, client, 'MQTT-3.14.1-1', 'a DISCONNECT with flags 0001');
      const will = await receive(sub, ANSWER_MS);
      // Had the server taken it as a normal DISCONNECT it would have dropped the Will: publishing it shows the flags were checked.
      ctx.check('MQTT-3.14.1-1', will !== undefined, 'the Will published, as after any malformed packet (not discarded as after a DISCONNECT)', will ? 'Will published' : `${describeRejection(r)}; no Will within ${ANSWER_MS} ms`);
    },
  },
  {
    id: 'auth.unknown-method',
    title: 'A CONNECT with an Authentication Method the server does not support is refused and the connection closed',
    layer: 'raw',
    statements: { '5': ['MQTT-4.12.0-1', 'MQTT-4.12.0-4', 'MQTT-3.2.2-7'] },
    async run(ctx) {
      const client = await ctx.raw('client');
      client.send(ctx.connectPacket(ctx.clientId('client'), { properties: { authenticationMethod: 'chatbench-unknown-method', authenticationData: Buffer.from('x') } }));
      const { end, packets } = await client.untilClosed(ANSWER_MS);
      const connack = packets.find((p) => p.cmd === 'connack');
      const code = connack?.cmd === 'connack' ? connackCode(connack) : undefined;
      const closed = end.kind === 'closed';
      const observed = `${packets.map((p) => (p.cmd === 'connack' ? describeConnack(p) : p.cmd === 'auth' ? `AUTH ${hexCode(p.reasonCode)}` : p.cmd.toUpperCase())).join(', ') || 'no packet'}, ${closed ? 'closed' : `kept open for ${ANSWER_MS} ms`}`;
      ctx.check('MQTT-4.12.0-1', closed && code !== 0, 'the close (a CONNACK 0x8C or 0x87 first allowed), never a successful CONNACK', observed);
      ctx.check('MQTT-4.12.0-4', code === undefined || code >= 0x80, 'a refusal CONNACK, if any, with a reason code ≥ 0x80', observed);
      ctx.check('MQTT-3.2.2-7', code === undefined || code < 0x80 || closed, 'the close after a CONNACK ≥ 0x80', observed);
      ctx.chose('MQTT-4.12.0-1', code === undefined ? 'closed without a CONNACK' : `sent CONNACK ${hexCode(code)}`);
    },
  },
  {
    id: 'auth.reauthenticate-without-method',
    title: 'Re-authentication (AUTH 0x19) on a connection without an Authentication Method fails: the server closes',
    layer: 'raw',
    statements: { '5': ['MQTT-4.12.1-2'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'chatbench-unknown-method' } });
      await expectRefused(ctx, client, 'MQTT-4.12.1-2', 'an AUTH 0x19 on a connection that used no Authentication Method');
    },
  },
  {
    id: 'auth.reserved-flags',
    title: 'An AUTH with reserved flags set is malformed: the server closes the connection',
    layer: 'raw',
    statements: { '5': ['MQTT-3.15.1-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('client');
      client.sendBytes(Buffer.from([0xf1, 0x00]));
      await expectRefused(ctx, client, 'MQTT-3.15.1-1', 'an AUTH with flags 0001');
    },
  },
  {
    id: 'disconnect.within-client-maximum',
    title: 'A DISCONNECT from the server that would exceed the client’s Maximum Packet Size leaves out Reason String and User Properties',
    layer: 'raw',
    statements: { '5': ['MQTT-3.14.2-3', 'MQTT-3.14.2-4'] },
    async run(ctx) {
      const limit = 16;
      const { client } = await ctx.connect('client', { properties: { maximumPacketSize: limit } });
      // PUBLISH with QoS 3 is malformed: a server that sends DISCONNECT may want to explain it.
      client.sendBytes(Buffer.from([0x36, 0x04, 0x00, 0x01, 0x61, 0x00]));
      const { packets } = await client.untilClosed(ANSWER_MS);
      const d = packets.find((p) => p.cmd === 'disconnect');
      if (d?.cmd !== 'disconnect') {
        ctx.chose('MQTT-3.14.2-3', 'closed without a DISCONNECT');
        return;
      }
      checkLeftOut(ctx, d, limit, 'MQTT-3.14.2-3', 'MQTT-3.14.2-4', `DISCONNECT ${hexCode(d.reasonCode ?? 0)}`);
    },
  },
];
