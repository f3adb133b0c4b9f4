/**
 * MQTT 5.0 CONNECT and CONNACK properties (sections 3.1.2.11, 3.2.2.3): what the server may
 * send back only when asked (response information, problem information, topic aliases), and
 * whether what CONNACK announces (Maximum QoS, Retain Available) matches what it then does.
 */
import type { Packet } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import { hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { grantedCodes, publish, subscribe } from '../steps.js';
import { checkLeftOut, connackCode, describeConnack } from './observe.js';

/** Publishes two messages on each of three topics to a subscriber, and returns what arrived. */
async function aliasTraffic(ctx: MqttCaseContext, subscriberProperties: Record<string, number>): Promise<Packet[]> {
  const topics = ['a', 'b', 'c'].map((s) => ctx.topic(s));
  const { client: sub } = await ctx.connect('subscriber', { properties: subscriberProperties });
  await subscribe(sub, topics.map((topic) => ({ topic, qos: 0 as const })));
  const { client: pub } = await ctx.connect('publisher');
  for (let round = 0; round < 2; round++) for (const topic of topics) await publish(pub, topic, `m${round}`, { qos: 1 });
  const got: Packet[] = [];
  while (got.length < topics.length * 2) {
    const p = await sub.nextOf('publish', ANSWER_MS);
    if (p.packet === undefined) break;
    got.push(p.packet);
  }
  if (got.length < topics.length * 2) throw new SetupFailed(`only ${got.length} of ${topics.length * 2} messages arrived`);
  return got;
}

function aliases(packets: Packet[]): number[] {
  return packets.flatMap((p) => (p.cmd === 'publish' && p.properties?.topicAlias !== undefined ? [p.properties.topicAlias] : []));
}

/** A Will the server announced it cannot carry (`notApplicable` says why a server that can skips): refused, then the close. */
function unsupportedWill(id: string, what: string, rule: string, advised: number, will: { qos: 0 | 1 | 2; retain: boolean }, notApplicable: (ctx: MqttCaseContext) => string | undefined): ConformCase<MqttCaseContext> {
  return {
    id,
    title: `${what} is refused and the connection closed`,
    layer: 'raw',
    statements: { '5': [rule] },
    async run(ctx) {
      const why = notApplicable(ctx);
      if (why !== undefined) ctx.skip(why);
      const client = await ctx.raw('client');
      client.send(ctx.connectPacket(ctx.clientId('client'), { will: { topic: ctx.topic('will'), payload: Buffer.from('x'), ...will } }));
      const { end, packets } = await client.untilClosed(ANSWER_MS);
      const connack = packets.find((p) => p.cmd === 'connack');
      const code = connack?.cmd === 'connack' ? connackCode(connack) : undefined;
      const observed = `${connack?.cmd === 'connack' ? describeConnack(connack) : 'no CONNACK'}, ${end.kind === 'closed' ? 'closed' : 'kept open'}`;
      ctx.check(rule, code !== 0 && end.kind === 'closed', `the CONNECT refused (${hexCode(advised)} advised) and the connection closed`, observed);
      if (code !== undefined && code !== 0) ctx.chose(rule, `refused with ${hexCode(code)}`);
    },
  };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'connect.no-unrequested-information',
    title: 'Without being asked, the server returns no Response Information and no authentication',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-28', 'MQTT-4.12.0-6'] },
    async run(ctx) {
      const { client, connack } = await ctx.connect('client', { properties: { requestResponseInformation: false } });
      ctx.check('MQTT-3.1.2-28', connack.properties?.responseInformation === undefined, 'no Response Information in CONNACK', `Response Information ${JSON.stringify(connack.properties?.responseInformation)}`);
      client.send({ cmd: 'pingreq' });
      const pong = await client.nextOf('pingresp', ANSWER_MS);
      const auth = pong.skipped.filter((p) => p.cmd === 'auth');
      ctx.check('MQTT-4.12.0-6', connack.properties?.authenticationMethod === undefined && auth.length === 0, 'no Authentication Method in CONNACK and no AUTH packet', `Authentication Method ${JSON.stringify(connack.properties?.authenticationMethod)}, ${auth.length} AUTH packet(s)`);
    },
  },
  {
    id: 'connect.request-problem-information-0',
    title: 'With Request Problem Information 0, acknowledgements carry no Reason String or User Property',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-29'] },
    async run(ctx) {
      const { client } = await ctx.connect('client', { properties: { requestProblemInformation: false } });
      // Acknowledgements a server likes to explain: no subscriber (PUBACK / PUBREC 0x10), no such subscription (UNSUBACK 0x11), unknown id (PUBCOMP 0x92).
      client.send({ cmd: 'publish', topic: ctx.topic('nobody'), payload: Buffer.from('x'), qos: 1, messageId: client.packetId(), retain: false, dup: false });
      client.send({ cmd: 'unsubscribe', messageId: client.packetId(), unsubscriptions: [ctx.topic('never-subscribed')] });
      client.send({ cmd: 'pubrel', messageId: 40_000 });
      const acks: Packet[] = [];
      for (const cmd of ['puback', 'unsuback', 'pubcomp'] as const) {
        const got = await client.nextOf(cmd, ANSWER_MS);
        if (got.packet !== undefined) acks.push(got.packet);
      }
      const explained = acks.filter((p) => {
        const props = (p as { properties?: { reasonString?: string; userProperties?: unknown } }).properties;
        return props?.reasonString !== undefined || props?.userProperties !== undefined;
      });
      ctx.check('MQTT-3.1.2-29', explained.length === 0, 'no Reason String or User Property on PUBACK, UNSUBACK, PUBCOMP', explained.length === 0 ? `${acks.map((p) => p.cmd.toUpperCase()).join(', ')} without them` : `${explained.map((p) => `${p.cmd.toUpperCase()} with ${JSON.stringify((p as { properties?: unknown }).properties)}`).join('; ')}`);
    },
  },
  {
    id: 'connect.server-topic-alias-none',
    title: 'A client announcing no Topic Alias Maximum gets no Topic Alias from the server',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-27'] },
    async run(ctx) {
      const got = aliases(await aliasTraffic(ctx, {}));
      ctx.check('MQTT-3.1.2-27', got.length === 0, 'no Topic Alias on any PUBLISH', got.length === 0 ? 'no Topic Alias on 6 PUBLISH packets' : `Topic Alias ${got.join(', ')}`);
    },
  },
  {
    id: 'connect.server-topic-alias-maximum',
    title: 'A client announcing Topic Alias Maximum 1 gets no alias above 1',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-26'] },
    async run(ctx) {
      const got = aliases(await aliasTraffic(ctx, { topicAliasMaximum: 1 }));
      ctx.check('MQTT-3.1.2-26', got.every((a) => a >= 1 && a <= 1), 'Topic Alias only 1, if any', got.length === 0 ? 'no Topic Alias used' : `Topic Alias ${got.join(', ')}`);
      if (got.length === 0) ctx.chose('MQTT-3.1.2-26', 'sends no topic aliases');
    },
  },
  {
    id: 'connect.maximum-qos-honoured',
    title: 'PUBLISH at every QoS up to the announced Maximum QoS is accepted',
    layer: 'raw',
    statements: { '5': ['MQTT-3.2.2-9'] },
    async run(ctx) {
      const { client, connack } = await ctx.connect('client');
      const max = connack.properties?.maximumQoS ?? 2;
      for (const qos of [1, 2] as const) {
        if (qos > max) continue;
        client.send({ cmd: 'publish', topic: ctx.topic(`q${qos}`), payload: Buffer.from('x'), qos, messageId: client.packetId(), retain: false, dup: false });
        const got = await client.nextOf(qos === 1 ? 'puback' : 'pubrec', ANSWER_MS);
        const code = got.packet?.reasonCode ?? 0;
        if (got.packet?.cmd === 'pubrec') client.send({ cmd: 'pubrel', messageId: got.packet.messageId ?? 0 });
        ctx.check('MQTT-3.2.2-9', got.packet !== undefined && code < 0x80, `a QoS ${qos} PUBLISH accepted (Maximum QoS ${connack.properties?.maximumQoS ?? 'absent, so 2'})`, got.packet ? `${got.packet.cmd.toUpperCase()} ${hexCode(code)}` : `no ${qos === 1 ? 'PUBACK' : 'PUBREC'} (${got.ended.kind})`);
      }
    },
  },
  {
    id: 'connect.subscribe-any-qos',
    title: 'SUBSCRIBE requesting QoS 2 is accepted whatever the Maximum QoS, granted at most that maximum',
    layer: 'raw',
    statements: { '5': ['MQTT-3.2.2-10'] },
    async run(ctx) {
      const { client, connack } = await ctx.connect('client');
      const max = connack.properties?.maximumQoS ?? 2;
      const codes = grantedCodes(await subscribe(client, [{ topic: ctx.topic('t'), qos: 2 }]));
      const code = codes[0] ?? -1;
      ctx.check('MQTT-3.2.2-10', code >= 0 && code <= max, `SUBACK granting QoS 0..${max}`, `SUBACK ${hexCode(code)}`);
    },
  },
  unsupportedWill('connect.will-qos-unsupported', 'A Will QoS above the server’s Maximum QoS', 'MQTT-3.2.2-12', 0x9b, { qos: 2, retain: false }, (ctx) =>
    ctx.caps.maximumQoS === 2 ? 'the server supports every QoS (no Maximum QoS in CONNACK)' : undefined,
  ),
  unsupportedWill('connect.will-retain-unsupported', 'A retained Will on a server without retained messages', 'MQTT-3.2.2-13', 0x9a, { qos: 0, retain: true }, (ctx) =>
    ctx.caps.retainAvailable ? 'the server has retained messages (Retain Available absent or 1)' : undefined,
  ),
  {
    id: 'connect.connack-within-client-maximum',
    title: 'A CONNACK that would exceed the client’s Maximum Packet Size leaves out Reason String and User Properties',
    layer: 'raw',
    statements: { '5': ['MQTT-3.2.2-19', 'MQTT-3.2.2-20'] },
    async run(ctx) {
      const limit = 16;
      const client = await ctx.raw('client');
      // An unknown authentication method: a refusal the server may want to explain in a Reason String.
      client.send(ctx.connectPacket(ctx.clientId('client'), { properties: { maximumPacketSize: limit, authenticationMethod: 'chatbench-unknown-method' } }));
      const { packets } = await client.untilClosed(ANSWER_MS);
      const connack = packets.find((p) => p.cmd === 'connack');
      if (connack?.cmd !== 'connack') {
        ctx.chose('MQTT-3.2.2-19', 'sent no CONNACK');
        return;
      }
      checkLeftOut(ctx, connack, limit, 'MQTT-3.2.2-19', 'MQTT-3.2.2-20', describeConnack(connack));
    },
  },
];

/** Kept here for the modules that import it from this file. */
export { packetSize } from './observe.js';
