/**
 * The lean client's codec against mqtt-packet, property-based (fast-check): the streaming reader
 * frames and reads any byte stream of server packets — cut anywhere, in any number of chunks —
 * exactly as mqtt-packet's parser reads the whole stream; the hand-built PUBLISH and acks are
 * byte for byte what mqtt-packet generates; malformed bytes are reported once, never thrown.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { encodeAck, encodePublish, TopicBytes } from '../../runners/mqtt/lean/codec.js';
import { PacketReader, type PacketSink } from '../../runners/mqtt/lean/reader.js';

type Version = 4 | 5;
type Seen = Record<string, unknown>;

/** The fields both sides read, in one shape: what a client acts on. */
function normal(packet: Packet, v: Version): Seen {
  switch (packet.cmd) {
    case 'publish':
      return { cmd: 'publish', topic: packet.topic, payload: Buffer.from(packet.payload).toString('hex'), qos: packet.qos, retain: packet.retain, dup: packet.dup, messageId: packet.qos > 0 ? packet.messageId : 0 };
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return { cmd: packet.cmd, messageId: packet.messageId, reasonCode: v === 5 ? packet.reasonCode ?? 0 : 0 };
    case 'pingresp':
      return { cmd: 'pingresp' };
    default: {
      const { length: _length, ...rest } = packet as Packet & { length?: number };
      return JSON.parse(JSON.stringify(rest)) as Seen;
    }
  }
}

function collector(v: Version): { sink: PacketSink; seen: Seen[]; errors: Error[] } {
  const seen: Seen[] = [];
  const errors: Error[] = [];
  return {
    seen,
    errors,
    sink: {
      inbound: (topic, payload, qos, retain, dup, messageId) => void seen.push({ cmd: 'publish', topic, payload: payload.toString('hex'), qos, retain, dup, messageId }),
      ack: (cmd, messageId, reasonCode) => void seen.push({ cmd, messageId, reasonCode }),
      pingresp: () => void seen.push({ cmd: 'pingresp' }),
      control: (packet) => void seen.push(normal(packet, v)),
      malformed: (error) => void errors.push(error),
    },
  };
}

function reference(bytes: Buffer, v: Version): Seen[] {
  const parser = mqttPacket.parser({ protocolVersion: v });
  const seen: Seen[] = [];
  parser.on('packet', (p: Packet) => seen.push(normal(p, v)));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  return seen;
}

const id = fc.integer({ min: 1, max: 65_535 });
const topic = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((t) => !/[+#\u0000]/.test(t));

function serverPacket(v: Version): fc.Arbitrary<Packet> {
  const publish = fc.record({ topic, payload: fc.uint8Array({ maxLength: 300 }), qos: fc.constantFrom(0, 1, 2), retain: fc.boolean(), dup: fc.boolean(), messageId: id })
    .map(({ payload, qos, dup, ...p }) => ({ cmd: 'publish', ...p, payload: Buffer.from(payload), qos, dup: qos > 0 && dup, ...(v === 5 && qos === 1 ? { properties: { messageExpiryInterval: 60, contentType: 'text/plain' } } : {}) }) as Packet);
  const ackCodes = v === 5 ? fc.constantFrom(0, 0x10, 0x80, 0x87) : fc.constant(0);
  const ack = fc.record({ cmd: fc.constantFrom('puback', 'pubrec'), messageId: id, reasonCode: ackCodes }).map((a) => a as Packet);
  const release = fc.record({ cmd: fc.constantFrom('pubrel', 'pubcomp'), messageId: id }).map((a) => a as Packet);
  const suback = fc.record({ messageId: id, granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 3 }) }).map((s) => ({ cmd: 'suback', ...s }) as Packet);
  const others: fc.Arbitrary<Packet>[] = [
    fc.constant({ cmd: 'pingresp' } as Packet),
    fc.record({ messageId: id }).map((u) => ({ cmd: 'unsuback', ...u, ...(v === 5 ? { granted: [0] } : {}) }) as Packet),
    fc.record({ sessionPresent: fc.boolean() }).map((c) => ({ cmd: 'connack', ...c, ...(v === 5 ? { reasonCode: 0, properties: { maximumPacketSize: 1000, receiveMaximum: 20 } } : { returnCode: 0 }) }) as Packet),
  ];
  if (v === 5) others.push(fc.constantFrom(0, 0x8b, 0x8e).map((reasonCode) => ({ cmd: 'disconnect', reasonCode }) as Packet));
  return fc.oneof({ arbitrary: publish, weight: 4 }, ack, release, suback, ...others);
}

/** `bytes` cut at `cuts` (positions taken modulo its length). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return chunks;
}

describe.each<Version>([4, 5])('protocol level %i', (v) => {
  it('the reader reads any split of a packet stream as mqtt-packet reads the whole', () => {
    fc.assert(
      fc.property(fc.array(serverPacket(v), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (packets, cuts) => {
        const bytes = Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion: v })));
        const expected = reference(bytes, v);
        const { sink, seen, errors } = collector(v);
        const reader = new PacketReader(v === 5, sink);
        for (const chunk of split(bytes, cuts)) reader.push(chunk);
        expect(errors).toEqual([]);
        expect(seen).toEqual(expected);
        expect(seen).toHaveLength(packets.length);
      }),
      { numRuns: 300 },
    );
  });

  it('a PUBLISH payload is a view into the chunk it came in, not a copy', () => {
    const bytes = mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('zero copy'), qos: 0, retain: false, dup: false }, { protocolVersion: v });
    let payload: Buffer | undefined;
    const { sink } = collector(v);
    new PacketReader(v === 5, { ...sink, inbound: (_t, p) => void (payload = p) }).push(bytes);
    expect(payload?.toString()).toBe('zero copy');
    expect(payload?.buffer).toBe(bytes.buffer);
  });

  it('encodePublish is byte for byte mqtt-packet\'s PUBLISH; encodeAck its PUBACK/PUBREC/PUBREL/PUBCOMP', () => {
    const topics = new TopicBytes();
    fc.assert(
      fc.property(topic, fc.uint8Array({ maxLength: 20_000 }), fc.constantFrom(0, 1, 2), fc.boolean(), id, (t, payload, qos, retain, messageId) => {
        const ours = encodePublish(topics.get(t), payload, { qos: qos as 0 | 1 | 2, retain, dup: false, messageId, v5: v === 5 });
        const theirs = mqttPacket.generate({ cmd: 'publish', topic: t, payload: Buffer.from(payload), qos: qos as 0 | 1 | 2, retain, dup: false, ...(qos > 0 ? { messageId } : {}) }, { protocolVersion: v });
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 200 },
    );
    for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
      expect(encodeAck(cmd, 0x1234).toString('hex')).toBe(mqttPacket.generate({ cmd, messageId: 0x1234 }, { protocolVersion: 4 }).toString('hex'));
      expect(reference(encodeAck(cmd, 0x1234), v)).toEqual([{ cmd, messageId: 0x1234, reasonCode: 0 }]);
    }
  });

  it('any bytes give packets or one malformed report, never a throw; nothing after the report', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 5 }), (raw, cuts) => {
        const { sink, errors, seen } = collector(v);
        const reader = new PacketReader(v === 5, sink);
        for (const chunk of split(Buffer.from(raw), cuts)) reader.push(chunk);
        expect(errors.length).toBeLessThanOrEqual(1);
        const before = seen.length;
        if (errors.length === 1) {
          reader.push(Buffer.from([0xd0, 0x00]));
          expect(seen.length).toBe(before);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('malformed packets the reader refuses', () => {
  const refuse = (hex: string, message: RegExp): void => {
    const { sink, errors } = collector(4);
    new PacketReader(false, sink).push(Buffer.from(hex, 'hex'));
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(message)]);
  };
  it('PUBLISH with QoS 3 [MQTT-3.3.1-4]', () => refuse('3602000000', /both QoS bits/));
  it('a Remaining Length of five bytes', () => refuse('30ffffffff7f', /longer than four bytes/));
  it('a topic length past the packet', () => refuse('30030005aa', /cut short in its topic/));
  it('PUBREL without its required flags [MQTT-2.2.2-2]', () => refuse('60020001', /malformed PUBREL/));
});
