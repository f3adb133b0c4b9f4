/**
 * CONNECT and CONNACK (3.1.1 and 5.0 sections 3.1, 3.2): the first packet, the second one,
 * protocol name and level, flags, client identifiers, the CONNACK a server must send. The
 * 5.0-only CONNECT / CONNACK properties are in connect-properties.ts, keep alive, PINGREQ,
 * DISCONNECT and AUTH in liveness.ts.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import { describeRejection, hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ReasonCodes } from '../../../runners/mqtt/reason-codes.js';
import type { MqttCaseContext } from '../context.js';
import { ANSWER_MS, SetupFailed } from '../context.js';
import { expectRefused, receiveAll, subscribe } from '../steps.js';
import { FLAG, connectPasswordOnly, connectWithFlags, connectWithLevel, connectWithName } from './connect-bytes.js';
import { cases as propertyCases } from './connect-properties.js';
import { cases as livenessCases } from './liveness.js';
import { connackCode, describeConnack, expectConnectRefused } from './observe.js';

/** A protocol level no MQTT version uses (3.1 is 3, 3.1.1 is 4, 5.0 is 5). */
const UNKNOWN_LEVEL = 6;

const connectCases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'connect.second-connect',
    title: 'A second CONNECT on one connection is a protocol violation: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.0-2'], '5': ['MQTT-3.1.0-2', 'MQTT-3.2.0-2'] },
    async run(ctx) {
      const { client, clientId } = await ctx.connect('client');
      client.send(ctx.connectPacket(clientId));
      const r = await expectRefused(ctx, client, 'MQTT-3.1.0-2', 'a second CONNECT');
      if (ctx.level === 5) ctx.check('MQTT-3.2.0-2', r.connackCode === undefined, 'no second CONNACK on the connection', describeRejection(r));
    },
  },
  {
    id: 'connect.accepted',
    title: 'A valid CONNECT with clean start is answered by CONNACK 0x00 with Session Present 0',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.4-4', 'MQTT-3.2.2-1'], '5': ['MQTT-3.1.4-5', 'MQTT-3.2.2-1', 'MQTT-3.2.2-2', 'MQTT-4.2.0-1'] },
    async run(ctx) {
      const client = await ctx.raw('client');
      client.send(ctx.connectPacket(ctx.clientId('client')));
      const ev = await client.next(ANSWER_MS);
      const bytes = Buffer.from(client.transcript().filter((e) => e.dir === 'received').map((e) => e.hex).join(''), 'hex');
      if (ctx.level === 5 && bytes[0] === 0x20) {
        // The acknowledge flags are the byte after the one-byte remaining length; mqtt-packet refuses a CONNACK with bits 7-1 set.
        const flags = bytes[2] ?? 0;
        ctx.check('MQTT-3.2.2-1', (flags & 0xfe) === 0, 'CONNACK acknowledge flags bits 7-1 all 0', `acknowledge flags 0x${flags.toString(16).padStart(2, '0')}`);
      }
      const connack = ev.kind === 'packet' && ev.packet.cmd === 'connack' ? ev.packet : undefined;
      const observed = connack ? describeConnack(connack) : ev.kind === 'packet' ? `${ev.packet.cmd.toUpperCase()} first` : ev.kind === 'timeout' ? `no CONNACK within ${ANSWER_MS} ms` : ev.kind;
      ctx.require(ctx.level === 5 ? 'MQTT-3.1.4-5' : 'MQTT-3.1.4-4', connack !== undefined && connackCode(connack) === 0, 'CONNACK with code 0x00', observed);
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-2' : 'MQTT-3.2.2-1', connack?.sessionPresent === false, 'Session Present 0 after a clean start', observed);
      if (ctx.level === 5) ctx.check('MQTT-4.2.0-1', ev.kind === 'packet', 'MQTT spoken over the ordered byte stream: the answer parses as a packet', observed);
    },
  },
  {
    id: 'connect.connack-first',
    title: 'CONNACK is the first packet the server sends, even when the client sends more before it arrives',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.2.0-1'], '5': ['MQTT-3.2.0-1'] },
    async run(ctx) {
      const client = await ctx.raw('client');
      // Clients may send packets right after CONNECT without waiting [MQTT 3.1.4]: CONNECT, PINGREQ, SUBSCRIBE in one write.
      client.send(ctx.connectPacket(ctx.clientId('client')));
      client.send({ cmd: 'pingreq' });
      client.send({ cmd: 'subscribe', messageId: client.packetId(), subscriptions: [{ topic: ctx.topic('t'), qos: 0 }] });
      const ev = await client.next(ANSWER_MS);
      const observed = ev.kind === 'packet' ? `${ev.packet.cmd.toUpperCase()} first${ev.packet.cmd === 'connack' ? ` (${hexCode(connackCode(ev.packet))})` : ''}` : ev.kind === 'timeout' ? `nothing within ${ANSWER_MS} ms` : ev.kind;
      ctx.check('MQTT-3.2.0-1', ev.kind === 'packet' && ev.packet.cmd === 'connack' && connackCode(ev.packet) === 0, 'a successful CONNACK before any other packet', observed);
    },
  },
  {
    id: 'connect.client-id-23',
    title: 'A client identifier of 23 ASCII letters and digits is accepted',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.3-5'], '5': ['MQTT-3.1.3-5'] },
    async run(ctx) {
      const id = `${ctx.clientId('id')}ABCDEFGHIJKLMNOPQRSTUVW`.slice(0, 23);
      const client = await ctx.raw('client');
      client.send(ctx.connectPacket(id));
      const got = await client.nextOf('connack', ANSWER_MS);
      ctx.check('MQTT-3.1.3-5', got.packet !== undefined && connackCode(got.packet) === 0, `CONNACK 0x00 to the 23-byte client id ${id}`, got.packet ? describeConnack(got.packet) : got.ended.kind);
    },
  },
  {
    id: 'connect.empty-client-id',
    title: 'An empty client id with clean start, if accepted, gets a unique id of the server’s own',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.3-6', 'MQTT-3.1.3-9'], '5': ['MQTT-3.1.3-6', 'MQTT-3.1.3-7', 'MQTT-3.2.2-16', 'MQTT-3.1.3-8'] },
    async run(ctx) {
      const open = async (label: string) => {
        const client = await ctx.raw(label);
        client.send(ctx.connectPacket('', { clean: true }));
        return { client, got: await client.nextOf('connack', ANSWER_MS) };
      };
      const a = await open('first');
      if (a.got.packet === undefined) throw new SetupFailed(`no CONNACK to an empty client id (${a.got.ended.kind})`);
      const code = connackCode(a.got.packet);
      if (code !== 0) {
        // Refusing is allowed: with 0x02 (3.1.1) or a code ≥ 0x80 (0x85 advised, 5.0), then the close.
        const r = await a.client.untilClosed(ANSWER_MS);
        const ok = ctx.level === 4 ? code === 0x02 : code >= 0x80;
        ctx.check(ctx.level === 4 ? 'MQTT-3.1.3-9' : 'MQTT-3.1.3-8', ok && r.end.kind === 'closed', ctx.level === 4 ? 'a refused client id gets CONNACK 0x02, then the close' : 'a refused client id gets a CONNACK ≥ 0x80, then the close', `CONNACK ${hexCode(code)}, ${r.end.kind === 'closed' ? 'closed' : 'kept open'}`);
        ctx.chose('MQTT-3.1.3-6', `refused an empty client id with ${hexCode(code)}`);
        return;
      }
      const b = await open('second');
      const assignedA = a.got.packet.properties?.assignedClientIdentifier;
      const assignedB = b.got.packet?.properties?.assignedClientIdentifier;
      if (ctx.level === 5) {
        ctx.check('MQTT-3.1.3-7', assignedA !== undefined && assignedA.length > 0, 'an Assigned Client Identifier in the CONNACK', `Assigned Client Identifier ${JSON.stringify(assignedA)}`);
        ctx.check('MQTT-3.2.2-16', assignedA === undefined || assignedA !== assignedB, 'a different Assigned Client Identifier for each connection', `${JSON.stringify(assignedA)} and ${JSON.stringify(assignedB)}`);
      }
      // Two connections given the same id would be a takeover: the first would be closed.
      a.client.send({ cmd: 'pingreq' });
      const pong = await a.client.nextOf('pingresp', ANSWER_MS);
      ctx.check('MQTT-3.1.3-6', b.got.packet !== undefined && connackCode(b.got.packet) === 0 && pong.packet !== undefined, 'two connections with empty client ids both stay connected (each got its own id)', `second: ${b.got.packet ? describeConnack(b.got.packet) : b.got.ended.kind}; first ${pong.packet ? 'still answers PINGREQ' : `gave no PINGRESP (${pong.ended.kind})`}`);
    },
  },
  {
    id: 'connect.empty-client-id-persistent',
    title: 'An empty client id with CleanSession 0 gets CONNACK 0x02, then the close',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.3-8', 'MQTT-3.2.2-4', 'MQTT-3.2.2-5'] },
    async run(ctx) {
      const client = await ctx.raw('client');
      // mqtt-packet will not encode this; the Clean Session bit is cleared in the bytes.
      client.sendBytes(connectWithFlags(ctx.connectPacket('', { clean: true }), 0, FLAG.clean));
      const got = await client.nextOf('connack', ANSWER_MS);
      const code = got.packet ? connackCode(got.packet) : undefined;
      const end = await client.untilClosed(ANSWER_MS);
      const observed = `${got.packet ? describeConnack(got.packet) : `no CONNACK (${got.ended.kind})`}, ${end.end.kind === 'closed' || client.closed ? 'closed' : 'kept open'}`;
      ctx.check('MQTT-3.1.3-8', code === 0x02, 'CONNACK 0x02 (identifier rejected)', observed);
      ctx.check('MQTT-3.2.2-4', got.packet === undefined || code === 0 || !got.packet.sessionPresent, 'Session Present 0 with a non-zero return code', observed);
      ctx.check('MQTT-3.2.2-5', code === 0 || client.closed, 'the connection closed after a non-zero return code', observed);
    },
  },
  {
    id: 'connect.long-client-id',
    title: 'A long client id with punctuation, if refused, is refused with the identifier code and the close',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.3-9'], '5': ['MQTT-3.1.3-8', 'MQTT-3.2.2-7'] },
    async run(ctx) {
      const id = `${ctx.clientId('long')}-${'chatbench_long/id.'.repeat(10)}`;
      const client = await ctx.raw('client');
      client.send(ctx.connectPacket(id));
      const got = await client.nextOf('connack', ANSWER_MS);
      if (got.packet === undefined) throw new SetupFailed(`no CONNACK to a ${id.length}-byte client id (${got.ended.kind})`);
      const code = connackCode(got.packet);
      if (code === 0) {
        ctx.chose(ctx.level === 4 ? 'MQTT-3.1.3-9' : 'MQTT-3.1.3-8', `accepted a ${id.length}-byte client id with punctuation`);
        return;
      }
      const end = await client.untilClosed(ANSWER_MS);
      const observed = `CONNACK ${hexCode(code)}, ${end.end.kind === 'closed' ? 'closed' : 'kept open'}`;
      ctx.check(ctx.level === 4 ? 'MQTT-3.1.3-9' : 'MQTT-3.1.3-8', (ctx.level === 4 ? code === 0x02 : code >= 0x80) && end.end.kind === 'closed', ctx.level === 4 ? 'CONNACK 0x02, then the close' : 'a CONNACK ≥ 0x80, then the close', observed);
      if (ctx.level === 5) ctx.check('MQTT-3.2.2-7', end.end.kind === 'closed', 'the close after a CONNACK ≥ 0x80', observed);
    },
  },
  {
    id: 'connect.protocol-name',
    title: 'A CONNECT with a protocol name other than "MQTT" is not processed as MQTT',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-1'], '5': ['MQTT-3.1.2-1'] },
    async run(ctx) {
      const client = await ctx.raw('client');
      client.sendBytes(connectWithName(ctx.connectPacket(ctx.clientId('client')), 'MQTX'));
      client.send({ cmd: 'pingreq' });
      const { end, packets } = await client.untilClosed(ANSWER_MS);
      const connack = packets.find((p) => p.cmd === 'connack');
      const code = connack?.cmd === 'connack' ? connackCode(connack) : undefined;
      const closed = end.kind === 'closed';
      const observed = `${packets.map((p) => (p.cmd === 'connack' ? `CONNACK ${hexCode(connackCode(p))}` : p.cmd.toUpperCase())).join(', ') || 'no packet'}; ${closed ? 'closed' : `kept open for ${ANSWER_MS} ms`}`;
      const processed = code === 0 || packets.some((p) => p.cmd === 'pingresp');
      // 5.0: a CONNACK (0x84 advised) is allowed, the close is required; 3.1.1: the server may switch protocol, but not go on as MQTT.
      const ok = ctx.level === 5 ? !processed && closed : !processed && (connack === undefined || closed);
      ctx.check('MQTT-3.1.2-1', ok, ctx.level === 5 ? 'the connection closed (a CONNACK 0x84 first allowed), no MQTT processing' : 'no CONNACK 0x00 and no answer as MQTT 3.1.1', observed);
      ctx.chose('MQTT-3.1.2-1', observed);
    },
  },
  {
    id: 'connect.protocol-level',
    title: 'An unsupported protocol level is refused: CONNACK 0x01 (3.1.1) or the close (5.0, 0x84 allowed)',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.2-2', 'MQTT-3.2.2-4', 'MQTT-3.2.2-5'], '5': ['MQTT-3.1.2-2', 'MQTT-3.2.2-6', 'MQTT-3.2.2-7'] },
    async run(ctx) {
      const client = await ctx.raw('client');
      client.sendBytes(connectWithLevel(ctx.connectPacket(ctx.clientId('client')), UNKNOWN_LEVEL));
      const { end, packets, unparsable } = await client.untilClosed(ANSWER_MS);
      const connack = packets.find((p) => p.cmd === 'connack');
      const code = connack?.cmd === 'connack' ? connackCode(connack) : undefined;
      const closed = end.kind === 'closed';
      const observed = `${connack?.cmd === 'connack' ? describeConnack(connack) : unparsable ? 'unparsable bytes' : 'no CONNACK'}, ${closed ? 'closed' : `kept open for ${ANSWER_MS} ms`}`;
      if (ctx.level === 4) {
        ctx.check('MQTT-3.1.2-2', code === 0x01 && closed, `CONNACK 0x01 to protocol level ${UNKNOWN_LEVEL}, then the close`, observed);
        ctx.check('MQTT-3.2.2-4', connack?.cmd !== 'connack' || !connack.sessionPresent, 'Session Present 0 with a non-zero return code', observed);
        ctx.check('MQTT-3.2.2-5', code === undefined || closed, 'the close after a non-zero return code', observed);
        return;
      }
      ctx.check('MQTT-3.1.2-2', closed && code !== 0, `the close after protocol level ${UNKNOWN_LEVEL} (a CONNACK 0x84 first allowed)`, observed);
      ctx.check('MQTT-3.2.2-6', connack?.cmd !== 'connack' || !connack.sessionPresent, 'Session Present 0 with a non-zero reason code', observed);
      ctx.check('MQTT-3.2.2-7', code === undefined || code < 0x80 || closed, 'the close after a CONNACK ≥ 0x80', observed);
      ctx.chose('MQTT-3.1.2-2', code === undefined ? 'closed without a CONNACK' : `sent CONNACK ${hexCode(code)} before closing`);
    },
  },
  {
    id: 'connect.refused-then-ignored',
    title: 'After refusing a CONNECT the server acts on nothing else sent on that connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.1.4-5'], '5': ['MQTT-3.1.4-6'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const client = await ctx.raw('refused');
      // A CONNECT the server must refuse and a PUBLISH right behind it, in one write.
      client.sendBytes(connectWithLevel(ctx.connectPacket(ctx.clientId('refused')), UNKNOWN_LEVEL));
      client.send({ cmd: 'publish', topic, payload: Buffer.from('after a refused CONNECT'), qos: 0, retain: false, dup: false });
      const got = await receiveAll(sub, 500);
      const answers = await client.untilClosed(ANSWER_MS);
      if (answers.packets.some((p) => p.cmd === 'connack' && connackCode(p) === 0)) ctx.skip(`the server accepted protocol level ${UNKNOWN_LEVEL} (connect.protocol-level judges that)`);
      ctx.check(ctx.level === 5 ? 'MQTT-3.1.4-6' : 'MQTT-3.1.4-5', got.length === 0, 'the PUBLISH sent after a refused CONNECT is not delivered', got.length === 0 ? 'no PUBLISH within 500 ms' : `delivered ${got.length} PUBLISH to the subscriber`);
    },
  },
  {
    id: 'connect.bad-credentials',
    title: 'A CONNECT with a wrong password, when refused, gets a non-zero code with Session Present 0, then the close',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-3.2.2-4', 'MQTT-3.2.2-5'], '5': ['MQTT-3.1.4-2', 'MQTT-3.2.2-6', 'MQTT-3.2.2-7', 'MQTT-3.2.2-8'] },
    async run(ctx) {
      const id = ctx.clientId('client');
      const good = ctx.connectPacket(id);
      if (good.username === undefined) ctx.skip('no credentials in the target URL or the profile: nothing to get wrong');
      const client = await ctx.raw('client');
      client.send({ ...good, password: Buffer.from(`${good.password?.toString() ?? ''}-wrong`) });
      const got = await client.nextOf('connack', ANSWER_MS);
      if (got.packet === undefined || connackCode(got.packet) !== 0) await client.untilClosed(ANSWER_MS);
      const code = got.packet ? connackCode(got.packet) : undefined;
      const closed = client.closed;
      const observed = `${got.packet ? describeConnack(got.packet) : `no CONNACK (${got.ended.kind})`}, ${closed ? 'closed' : 'open'}`;
      if (code === 0) {
        ctx.chose(ctx.level === 5 ? 'MQTT-3.1.4-2' : 'MQTT-3.2.2-5', 'accepted a wrong password');
        return;
      }
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-6' : 'MQTT-3.2.2-4', got.packet === undefined || !got.packet.sessionPresent, 'Session Present 0 with a non-zero code', observed);
      ctx.check(ctx.level === 5 ? 'MQTT-3.2.2-7' : 'MQTT-3.2.2-5', closed, 'the close after the refusal', observed);
      if (ctx.level === 5) {
        ctx.check('MQTT-3.1.4-2', closed, 'the close when authentication fails', observed);
        ctx.check('MQTT-3.2.2-8', code === undefined || (ReasonCodes.connack as readonly number[]).includes(code), 'a reason code from the Connect Reason Code table', observed);
      }
    },
  },
];

/** A CONNECT that breaks section 3.1 in one way: the server must close the connection ([MQTT-3.1.4-1] and the rule broken). */
function malformedConnect(id: string, what: string, rule: string, versions: ('3.1.1' | '5')[], bytes: (ctx: MqttCaseContext) => Buffer): ConformCase<MqttCaseContext> {
  const statements = [...new Set([rule, 'MQTT-3.1.4-1'])];
  return {
    id,
    title: `${what[0]?.toUpperCase()}${what.slice(1)} is refused: the server closes the connection`,
    layer: 'raw',
    statements: Object.fromEntries(versions.map((v) => [v, v === '5' ? [...statements, 'MQTT-3.14.0-1'] : statements])),
    async run(ctx) {
      const client = await ctx.raw('client');
      client.sendBytes(bytes(ctx));
      await expectConnectRefused(ctx, client, rule, what);
    },
  };
}

const BOTH: ('3.1.1' | '5')[] = ['3.1.1', '5'];

const malformedCases: ConformCase<MqttCaseContext>[] = [
  malformedConnect('connect.reserved-flag', 'a CONNECT with the reserved flag set', 'MQTT-3.1.2-3', BOTH, (ctx) => connectWithFlags(ctx.connectPacket(ctx.clientId('client')), FLAG.reserved)),
  malformedConnect('connect.will-qos-3', 'a CONNECT with Will QoS 3', 'MQTT-3.1.4-1', BOTH, (ctx) =>
    connectWithFlags(ctx.connectPacket(ctx.clientId('client'), { will: { topic: ctx.topic('will'), payload: Buffer.from('x'), qos: 1, retain: false } }), FLAG.willQos1 | FLAG.willQos2),
  ),
  malformedConnect('connect.will-qos-without-will', 'a CONNECT with Will QoS 1 and the Will Flag clear', 'MQTT-3.1.4-1', BOTH, (ctx) => connectWithFlags(ctx.connectPacket(ctx.clientId('client')), FLAG.willQos1)),
  malformedConnect('connect.will-retain-without-will', 'a CONNECT with Will Retain and the Will Flag clear', 'MQTT-3.1.4-1', BOTH, (ctx) => connectWithFlags(ctx.connectPacket(ctx.clientId('client')), FLAG.willRetain)),
  // 3.1.1 only: 5.0 allows a password without a user name.
  malformedConnect('connect.password-without-username', 'a CONNECT with the Password Flag and no User Name Flag', 'MQTT-3.1.4-1', ['3.1.1'], (ctx) => connectPasswordOnly(4, ctx.clientId('client'), 'secret')),
];

export const cases: ConformCase<MqttCaseContext>[] = [...connectCases, ...malformedCases, ...propertyCases, ...livenessCases];
