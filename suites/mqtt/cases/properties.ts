/**
 * MQTT 5.0 properties (2.2.2, 3.3.2.3): what a server must forward unaltered (payload format
 * indicator, content type, response topic, correlation data, user properties in order), what
 * it must refuse (a property twice, one that does not belong on the packet, an unknown
 * identifier, ill-formed UTF-8 in a string property) and the property length every packet
 * carries. PUBLISHes are built by hand (wire.ts) so that the bytes sent and the bytes
 * forwarded can be compared exactly. Message expiry and topic aliases: expiry.ts, alias.ts.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { expectRefused, subscribe } from '../steps.js';
import { PROPERTY, pairOf, properties, property, publishBytes, receivedFrames, str, u32, userProperty } from '../wire.js';
import { cases as aliasCases } from './alias.js';
import { cases as expiryCases } from './expiry.js';
import { relay, valueOf } from './relay.js';

const BYTE = (n: number): Buffer => Buffer.from([n]);

/** A PUBLISH carrying `props` that the server must refuse, judged by [MQTT-4.13.1-1]. */
function refusedProperty(id: string, title: string, statements: string[], what: string, props: (ctx: MqttCaseContext) => Buffer): ConformCase<MqttCaseContext> {
  return {
    id,
    title,
    layer: 'raw',
    statements: { '5': statements },
    async run(ctx) {
      const { client } = await ctx.connect('publisher');
      client.sendBytes(publishBytes(5, { topic: ctx.topic('t'), qos: 1, messageId: 1, props: properties(props(ctx)), payload: 'refuse me' }));
      await expectRefused(ctx, client, 'MQTT-4.13.1-1', what);
    },
  };
}

/** A PUBLISH carrying one property the server must forward as it is, byte for byte. */
function forwardedProperty(id: string, title: string, statements: string[], name: string, propId: number, value: Buffer): ConformCase<MqttCaseContext> {
  return {
    id,
    title,
    layer: 'raw',
    statements: { '5': statements },
    async run(ctx) {
      const got = await relay(ctx, properties(property(propId, value)));
      const forwarded = got.forwarded === undefined ? undefined : valueOf(got.forwarded.props, propId);
      ctx.check(statements[0] ?? '', forwarded !== undefined && forwarded.equals(value), `the subscriber gets ${name} unaltered (${value.toString('hex')})`, got.forwarded === undefined ? got.missing : forwarded === undefined ? `the forwarded PUBLISH has no ${name}` : `${name} ${forwarded.toString('hex')}`);
    },
  };
}

const correlation = Buffer.from([0x00, 0xff, 0x10, 0x80, 0xed, 0xa0, 0x80, 0x00]);

export const cases: ConformCase<MqttCaseContext>[] = [
  forwardedProperty('properties.payload-format-forwarded', 'The Payload Format Indicator reaches the subscriber unaltered', ['MQTT-3.3.2-4'], 'Payload Format Indicator', PROPERTY.payloadFormatIndicator, BYTE(1)),
  forwardedProperty('properties.content-type-forwarded', 'The Content Type (a UTF-8 string) reaches the subscriber unaltered', ['MQTT-3.3.2-20', 'MQTT-3.3.2-19'], 'Content Type', PROPERTY.contentType, str('text/plain; charset=utf-8; x=💬')),
  forwardedProperty('properties.response-topic-forwarded', 'The Response Topic reaches the subscriber unaltered', ['MQTT-3.3.2-15', 'MQTT-3.3.2-13'], 'Response Topic', PROPERTY.responseTopic, str('chatbench/reply/💬/to-me')),
  forwardedProperty('properties.correlation-data-forwarded', 'The Correlation Data (binary, any bytes) reaches the subscriber unaltered', ['MQTT-3.3.2-16'], 'Correlation Data', PROPERTY.correlationData, str(correlation)),
  {
    id: 'properties.user-properties-forwarded',
    title: 'User Properties reach the subscriber unaltered and in their order, repeated keys included',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-17', 'MQTT-3.3.2-18', 'MQTT-1.5.7-1'] },
    async run(ctx) {
      const sent: [string, string][] = [['room', 'lobby'], ['from', 'ana 💬'], ['room', 'kitchen'], ['a', ''], ['from', 'bo']];
      const got = await relay(ctx, properties(...sent.map(([k, v]) => userProperty(k, v))));
      const pairs = got.forwarded?.props.filter((p) => p.id === PROPERTY.userProperty).map((p) => pairOf(p.value));
      const show = (ps: [string, string][]): string => ps.map(([k, v]) => `${k}=${v}`).join(', ');
      const observed = pairs === undefined ? got.missing : `User Properties ${show(pairs)}`;
      const same = pairs !== undefined && pairs.length === sent.length && pairs.every(([k, v], i) => sent[i]?.[0] === k && sent[i]?.[1] === v);
      const sortedSame = pairs !== undefined && JSON.stringify([...pairs].sort()) === JSON.stringify([...sent].sort());
      ctx.check('MQTT-3.3.2-17', sortedSame, `every User Property forwarded unaltered: ${show(sent)}`, observed);
      ctx.check('MQTT-3.3.2-18', !sortedSame || same, `the User Properties in the order sent: ${show(sent)}`, observed);
    },
  },
  {
    id: 'properties.payload-format-invalid-payload',
    title: 'A payload that is not UTF-8 under Payload Format Indicator 1: the server may refuse it (0x99); if it forwards it, the indicator is unaltered',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-4'] },
    async run(ctx) {
      const got = await relay(ctx, properties(property(PROPERTY.payloadFormatIndicator, BYTE(1))), Buffer.from([0x68, 0xed, 0xa0, 0x80, 0xff]));
      if (got.refusal !== undefined) {
        ctx.chose('MQTT-3.3.2-4', `validated the payload against the indicator and refused it: ${got.refusal}`);
        return;
      }
      const forwarded = got.forwarded === undefined ? undefined : valueOf(got.forwarded.props, PROPERTY.payloadFormatIndicator);
      ctx.chose('MQTT-3.3.2-4', 'accepted a payload that is not UTF-8 under Payload Format Indicator 1 (validating it is optional)');
      ctx.check('MQTT-3.3.2-4', got.forwarded === undefined || (forwarded !== undefined && forwarded.equals(BYTE(1))), 'a forwarded copy keeps Payload Format Indicator 1', forwarded === undefined ? 'the forwarded PUBLISH has no Payload Format Indicator' : `Payload Format Indicator ${forwarded.toString('hex')}`);
    },
  },
  {
    id: 'properties.length-always-present',
    title: 'Packets without properties still carry a Property Length of 0 (SUBACK, UNSUBACK, forwarded PUBLISH)',
    layer: 'raw',
    statements: { '5': ['MQTT-2.2.2-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const { client: pub } = await ctx.connect('publisher');
      pub.sendBytes(publishBytes(5, { topic, payload: 'no-props' }));
      await sub.nextOf('publish', ANSWER_MS);
      sub.send({ cmd: 'unsubscribe', messageId: sub.packetId(), unsubscriptions: [topic] });
      await sub.nextOf('unsuback', ANSWER_MS);
      const frames = receivedFrames(sub);
      for (const [type, name, at] of [[9, 'SUBACK', 2], [11, 'UNSUBACK', 2]] as const) {
        const f = frames.find((x) => x.type === type);
        if (f === undefined) continue;
        // Body: packet id (2), Property Length, then one code per filter: length 4 means exactly one property-length byte.
        ctx.check('MQTT-2.2.2-1', f.body.length === at + 2 && f.body[at] === 0, `${name} for one filter: packet id, Property Length 0, one code (4 bytes)`, `${name} body ${f.body.toString('hex')}`);
      }
      const p = frames.find((x) => x.type === 3);
      ctx.require('MQTT-2.2.2-1', p !== undefined, 'the PUBLISH is forwarded', 'no PUBLISH arrived');
      const body = p?.body ?? Buffer.alloc(0);
      const propsAt = 2 + Buffer.byteLength(topic);
      ctx.check('MQTT-2.2.2-1', body[propsAt] === 0 && body.subarray(propsAt + 1).toString() === 'no-props', 'the forwarded QoS 0 PUBLISH: topic, Property Length 0, payload', `PUBLISH body after the topic: ${body.subarray(propsAt).toString('hex')}`);
    },
  },
  refusedProperty('properties.duplicate-refused', 'A property that may appear once (Payload Format Indicator) given twice is a protocol error: the server closes', ['MQTT-4.13.1-1'], 'a PUBLISH with the Payload Format Indicator twice', () => Buffer.concat([property(PROPERTY.payloadFormatIndicator, BYTE(0)), property(PROPERTY.payloadFormatIndicator, BYTE(1))])),
  refusedProperty('properties.wrong-packet-refused', 'A property that does not belong on PUBLISH (Session Expiry Interval) makes it malformed: the server closes', ['MQTT-4.13.1-1'], 'a PUBLISH carrying a Session Expiry Interval', () => property(PROPERTY.sessionExpiryInterval, u32(60))),
  refusedProperty('properties.unknown-id-refused', 'An unknown property identifier (0x7F) makes the packet malformed: the server closes', ['MQTT-4.13.1-1'], 'a PUBLISH with property identifier 0x7F', () => property(0x7f, BYTE(1))),
  refusedProperty('properties.user-property-invalid-utf8', 'A User Property key with ill-formed UTF-8 (ED A0 80) is malformed: the server closes', ['MQTT-1.5.7-1', 'MQTT-4.13.1-1'], 'a PUBLISH whose User Property key holds ED A0 80', () => userProperty(Buffer.from([0x6b, 0xed, 0xa0, 0x80]), 'v')),
  refusedProperty('properties.content-type-invalid-utf8', 'A Content Type with ill-formed UTF-8 (C0 AF) is malformed: the server closes', ['MQTT-3.3.2-19', 'MQTT-4.13.1-1'], 'a PUBLISH whose Content Type holds C0 AF', () => property(PROPERTY.contentType, str(Buffer.from([0x74, 0xc0, 0xaf])))),
  refusedProperty('properties.response-topic-invalid-utf8', 'A Response Topic with a U+0000 is malformed: the server closes', ['MQTT-3.3.2-13', 'MQTT-4.13.1-1'], 'a PUBLISH whose Response Topic holds U+0000', (ctx) => property(PROPERTY.responseTopic, str(Buffer.concat([Buffer.from(ctx.topic('r')), Buffer.from([0x00])])))),
  refusedProperty('properties.response-topic-wildcard', 'A Response Topic with a wildcard is a protocol error: the server closes', ['MQTT-3.3.2-14', 'MQTT-4.13.1-1'], "a PUBLISH whose Response Topic holds '#'", (ctx) => property(PROPERTY.responseTopic, str(`${ctx.topic('reply')}/#`))),
  {
    id: 'properties.request-response',
    title: 'Request / response between two MQTT.js clients: the responder gets the Response Topic and Correlation Data, the requester its answer',
    layer: 'client',
    statements: { '5': ['MQTT-3.3.2-15', 'MQTT-3.3.2-16'] },
    needs: ['qos1'],
    async run(ctx) {
      const requests = ctx.topic('requests');
      const replyTo = ctx.topic('replies/ana');
      const responder = await ctx.client('responder');
      const requester = await ctx.client('requester');
      await responder.subscribeAsync(requests, { qos: 1 });
      await requester.subscribeAsync(replyTo, { qos: 1 });
      const asked = new Promise<{ responseTopic: unknown; correlation: unknown }>((resolve) => {
        responder.on('message', (_t, _m, packet) => {
          const { responseTopic, correlationData } = packet.properties ?? {};
          resolve({ responseTopic, correlation: correlationData });
          // The reply's PUBACK may still be owed when the case ends and its clients are closed: that is not an error of the case.
          if (typeof responseTopic === 'string') responder.publishAsync(responseTopic, 'pong', { qos: 1, properties: correlationData ? { correlationData } : {} }).catch(() => undefined);
        });
      });
      const answered = new Promise<unknown>((resolve) => requester.on('message', (_t, _m, packet) => resolve(packet.properties?.correlationData)));
      await requester.publishAsync(requests, 'ping', { qos: 1, properties: { responseTopic: replyTo, correlationData: correlation } });
      const timeout = <T,>(p: Promise<T>): Promise<T | 'none'> => {
        let timer: NodeJS.Timeout | undefined;
        const none = new Promise<'none'>((r) => (timer = setTimeout(() => r('none'), ANSWER_MS)));
        return Promise.race([p, none]).finally(() => clearTimeout(timer));
      };
      const req = await timeout(asked);
      ctx.require('MQTT-3.3.2-15', req !== 'none', 'the request reaches the responder', `no request within ${ANSWER_MS} ms`);
      if (req === 'none') return;
      ctx.check('MQTT-3.3.2-15', req.responseTopic === replyTo, `Response Topic "${replyTo}"`, `Response Topic ${JSON.stringify(req.responseTopic)}`);
      ctx.check('MQTT-3.3.2-16', Buffer.isBuffer(req.correlation) && req.correlation.equals(correlation), `Correlation Data ${correlation.toString('hex')}`, Buffer.isBuffer(req.correlation) ? `Correlation Data ${req.correlation.toString('hex')}` : 'no Correlation Data');
      const back = await timeout(answered);
      ctx.check('MQTT-3.3.2-16', Buffer.isBuffer(back) && back.equals(correlation), `the response reaches the requester with Correlation Data ${correlation.toString('hex')}`, back === 'none' ? `no response within ${ANSWER_MS} ms` : Buffer.isBuffer(back) ? `Correlation Data ${back.toString('hex')}` : 'a response without Correlation Data');
    },
  },
  ...expiryCases,
  ...aliasCases,
];
