/**
 * Flow control (5.0 4.9: the client's Receive Maximum is back-pressure on the server; a client
 * over the server's is refused with 0x93), maximum packet size both ways (5.0 3.1.2.11,
 * 3.2.2.3.6), how lengths are encoded (5.0 1.5.5) and the byte-stream transport (3.1.1 7.1.1);
 * packet identifiers are in identifiers.ts, WebSocket transport in websocket.ts.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { expectRefused, publish, receive, subscribe } from '../steps.js';
import { isMinimalVbi, publishBytes, receivedFrames } from '../wire.js';
import { backlog, cases as identifierCases, describeIds, unacked } from './identifiers.js';
import { cases as websocketCases } from './websocket.js';

/** A window for "nothing more arrives" while the server is held at its send quota. */
const QUIET_MS = 500;

/** A PUBLISH of exactly `size(limit)` bytes on the wire, fixed header included, for a server announcing Maximum Packet Size `limit`. */
function oversize(id: string, title: string, size: (limit: number) => number): ConformCase<MqttCaseContext> {
  return {
    id,
    title,
    layer: 'raw',
    statements: { '5': ['MQTT-4.13.1-1'] },
    needs: ['packet-size-limit'],
    async run(ctx) {
      const limit = ctx.caps.maximumPacketSize ?? 0;
      const target = size(limit);
      const { client } = await ctx.connect('publisher');
      const topic = ctx.topic('t');
      // The Remaining Length takes more bytes as the payload grows: shrink the payload until the packet fits `target`.
      const withPayload = (n: number): Buffer => publishBytes(5, { topic, payload: Buffer.alloc(n, 0x63) });
      let n = Math.max(0, target - withPayload(0).length);
      while (n > 0 && withPayload(n).length > target) n--;
      const bytes = withPayload(n);
      client.sendBytes(bytes);
      const r = await expectRefused(ctx, client, 'MQTT-4.13.1-1', `a ${bytes.length}-byte PUBLISH (Maximum Packet Size ${limit}, which counts every byte of the packet)`);
      if (r.disconnectReason !== undefined && r.disconnectReason !== 0x95) ctx.chose('MQTT-4.13.1-1', `DISCONNECT reason 0x${r.disconnectReason.toString(16)} rather than 0x95 (Packet too large)`);
    },
  };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  ...identifierCases,
  {
    id: 'flow.length-minimal',
    title: 'The server writes every Remaining Length in the fewest bytes (1, 2 and 3-byte lengths)',
    layer: 'raw',
    statements: { '5': ['MQTT-1.5.5-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const { client: pub } = await ctx.connect('publisher');
      // 1, 2 and 3-byte lengths, as far as the server's own Maximum Packet Size allows.
      const sizes = [10, 200, 20_000].filter((n) => ctx.caps.maximumPacketSize === null || n + 200 < ctx.caps.maximumPacketSize);
      for (const size of sizes) pub.send({ cmd: 'publish', topic, payload: Buffer.alloc(size, 0x61), qos: 0, retain: false, dup: false });
      for (let i = 0; i < sizes.length; i++) if ((await receive(sub)) === undefined) throw new SetupFailed(`only ${i} of ${sizes.length} messages arrived`);
      const loose = receivedFrames(sub).filter((f) => !isMinimalVbi(f.lengthBytes));
      ctx.check('MQTT-1.5.5-1', loose.length === 0, 'every packet the server sent has a minimal Remaining Length', loose.map((f) => `packet type ${f.type} length bytes ${f.lengthBytes.toString('hex')}`).join('; '));
    },
  },
  {
    id: 'flow.receive-maximum',
    title: "Back-pressure: with the client's Receive Maximum 2, the server has at most 2 unacknowledged QoS 1 PUBLISHes in flight",
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.4-9', 'MQTT-4.9.0-1', 'MQTT-4.9.0-2'] },
    needs: ['qos1'],
    async run(ctx) {
      const sub = await backlog(ctx, ctx.topic('t'), 5, { receiveMaximum: 2 });
      const first = await unacked(sub, 2, ANSWER_MS);
      ctx.require('MQTT-4.9.0-1', first.length > 0, 'at least one QoS 1 PUBLISH (the send quota starts above 0)', `no PUBLISH within ${ANSWER_MS} ms`);
      const more = await unacked(sub, 1, QUIET_MS);
      const inFlight = [...first, ...more];
      for (const id of ['MQTT-3.3.4-9', 'MQTT-4.9.0-2']) ctx.check(id, inFlight.length <= 2, `no more than 2 unacknowledged QoS 1 PUBLISHes (${QUIET_MS} ms watched)`, `${inFlight.length} arrived unacknowledged: ${describeIds(inFlight)}`);
      sub.send({ cmd: 'puback', messageId: inFlight[0]?.messageId ?? 0 });
      for (const p of inFlight.slice(1)) sub.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    },
  },
  {
    id: 'flow.other-packets-at-quota',
    title: 'At its send quota for the client, the server still answers PINGREQ and SUBSCRIBE',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.4-10', 'MQTT-4.9.0-3'] },
    needs: ['qos1'],
    async run(ctx) {
      const sub = await backlog(ctx, ctx.topic('t'), 3, { receiveMaximum: 1 });
      const held = await unacked(sub, 1, ANSWER_MS);
      if (held.length === 0) throw new SetupFailed('no QoS 1 PUBLISH arrived to fill the send quota');
      sub.send({ cmd: 'pingreq' });
      const pong = await sub.nextOf('pingresp', ANSWER_MS);
      sub.send({ cmd: 'subscribe', messageId: 77, subscriptions: [{ topic: ctx.topic('other'), qos: 0 }] });
      const suback = await sub.nextOf('suback', ANSWER_MS);
      for (const id of ['MQTT-3.3.4-10', 'MQTT-4.9.0-3']) {
        ctx.check(id, pong.packet !== undefined, 'PINGRESP while the quota is spent', pong.packet !== undefined ? 'PINGRESP' : `no PINGRESP within ${ANSWER_MS} ms (${pong.ended.kind})`);
        ctx.check(id, suback.packet !== undefined, 'SUBACK while the quota is spent', suback.packet !== undefined ? 'SUBACK' : `no SUBACK within ${ANSWER_MS} ms (${suback.ended.kind})`);
      }
      sub.send({ cmd: 'puback', messageId: held[0]?.messageId ?? 0 });
    },
  },
  {
    id: 'flow.client-exceeds-receive-maximum',
    title: "A client with more unacknowledged QoS 2 PUBLISHes than the server's Receive Maximum is refused (0x93)",
    layer: 'raw',
    statements: { '5': ['MQTT-4.13.1-1'] },
    needs: ['qos2'],
    async run(ctx) {
      const max = ctx.caps.receiveMaximum;
      if (max > 1_000) ctx.skip(`the server's Receive Maximum (${max}) is too large to exceed within a case`);
      const { client } = await ctx.connect('publisher');
      // Without PUBREL no flow completes, so each QoS 2 PUBLISH keeps one unit of the server's quota.
      for (let i = 0; i < max; i++) client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from(`q${i}`), qos: 2, messageId: client.packetId(), retain: false, dup: false });
      for (let i = 0; i < max; i++) {
        const rec = await client.nextOf('pubrec', ANSWER_MS);
        if (rec.packet === undefined) throw new SetupFailed(`only ${i} of ${max} PUBRECs came back (${rec.ended.kind})`);
      }
      client.send({ cmd: 'publish', topic: ctx.topic('t'), payload: Buffer.from('one too many'), qos: 2, messageId: client.packetId(), retain: false, dup: false });
      const r = await expectRefused(ctx, client, 'MQTT-4.13.1-1', `QoS 2 PUBLISH number ${max + 1} with ${max} unacknowledged (Receive Maximum ${max})`);
      if (r.disconnectReason !== undefined && r.disconnectReason !== 0x93) ctx.chose('MQTT-4.13.1-1', `DISCONNECT reason 0x${r.disconnectReason.toString(16)} rather than 0x93 (Receive Maximum exceeded)`);
    },
  },
  {
    id: 'flow.max-packet-size-to-client',
    title: "The server sends nothing larger than the client's Maximum Packet Size: a message too large is dropped for it, the next one arrives",
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-24', 'MQTT-3.1.2-25'] },
    needs: ['qos1'],
    async run(ctx) {
      const topic = ctx.topic('t');
      // Room for the topic plus a short payload, not for a 200-byte one (which the server itself must accept).
      const limit = Buffer.byteLength(topic) + 40;
      const bigSize = 200;
      const serverMax = ctx.caps.maximumPacketSize;
      if (serverMax !== null && serverMax < limit + bigSize) ctx.skip(`the server's own Maximum Packet Size (${serverMax}) is too small to publish a ${bigSize}-byte message`);
      const { client: sub } = await ctx.connect('subscriber', { properties: { maximumPacketSize: limit } });
      await subscribe(sub, [{ topic, qos: 1 }]);
      const { client: pub } = await ctx.connect('publisher');
      await publish(pub, topic, Buffer.alloc(bigSize, 0x62), { qos: 1 });
      await publish(pub, topic, 'small', { qos: 1 });
      const seen: string[] = [];
      for (;;) {
        const p = await receive(sub);
        if (p === undefined) break;
        seen.push(p.payload.length > 20 ? `${p.payload.length}-byte payload` : p.payload.toString());
        if (p.payload.toString() === 'small') break;
      }
      const big = receivedFrames(sub).filter((f) => f.size > limit);
      ctx.check('MQTT-3.1.2-24', big.length === 0, `no packet larger than ${limit} bytes`, big.length === 0 ? `largest packet ${Math.max(...receivedFrames(sub).map((f) => f.size))} bytes` : `packets of ${big.map((f) => f.size).join(', ')} bytes`);
      ctx.check('MQTT-3.1.2-25', seen.includes('small') && !seen.some((s) => s.endsWith('payload')), 'the too-large message is dropped and the next message still arrives', seen.length === 0 ? 'no PUBLISH arrived' : `received ${seen.join(', ')}`);
    },
  },
  oversize('flow.max-packet-size-from-client', "A packet twice the server's announced Maximum Packet Size is refused (0x95)", (limit) => 2 * limit),
  oversize('flow.max-packet-size-boundary', "A packet one byte over the server's Maximum Packet Size (fixed header included) is refused (0x95)", (limit) => limit + 1),
  {
    id: 'flow.byte-stream-transport',
    title: 'The server carries MQTT over an ordered, lossless byte stream: an 8 KiB payload arrives intact, 20 messages in order',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-7.1.1-1'] },
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client } = await ctx.connect('client');
      await subscribe(client, [{ topic, qos: 0 }]);
      const big = Buffer.alloc(8 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      client.send({ cmd: 'publish', topic, payload: big, qos: 0, retain: false, dup: false });
      for (let i = 0; i < 20; i++) client.send({ cmd: 'publish', topic, payload: Buffer.from(`n${i}`), qos: 0, retain: false, dup: false });
      const got: Buffer[] = [];
      for (let i = 0; i < 21; i++) {
        const p = await receive(client);
        if (p === undefined) break;
        got.push(Buffer.from(p.payload));
      }
      if (got[0] === undefined) throw new SetupFailed(`nothing came back within ${ANSWER_MS} ms (a server may refuse an 8 KiB packet)`);
      ctx.check('MQTT-7.1.1-1', got[0].equals(big), 'the 8 KiB payload comes back byte for byte', `${got[0].length} bytes, ${got[0].equals(big) ? 'equal' : 'different'}`);
      const small = got.slice(1).map((b) => b.toString());
      ctx.check('MQTT-7.1.1-1', small.join(',') === Array.from({ length: 20 }, (_, i) => `n${i}`).join(','), 'n0 … n19 in order, none lost', small.join(','));
    },
  },
  ...websocketCases,
];
