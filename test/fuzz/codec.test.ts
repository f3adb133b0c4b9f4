/**
 * Codec properties: every generated packet of 3.1.1 and 5.0 survives encode (mqtt-packet
 * generate) -> parse (mqtt-packet parser) with the fields that matter intact; any bytes at all
 * give packets or an 'error' event, never a throw; chatbench's own message header round-trips
 * and every corruption of a field it validates is rejected.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import type { Packet, PacketCmd } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES, decodeHeader, encodeMessage, type MessageHeader } from '../../core/metrics/header.js';
import { packetArb, packetCmds, type ProtocolLevel } from '../../runners/mqtt/fuzz/arbitraries.js';
import { mutationArb } from '../../runners/mqtt/fuzz/mutators.js';

const RUNS = 300;

interface Parsed {
  packets: Packet[];
  errors: Error[];
}

/** Feeds `chunks` to one fresh parser for `version`; throws only if mqtt-packet itself throws. */
function parseAll(version: ProtocolLevel, chunks: readonly Buffer[]): Parsed {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const out: Parsed = { packets: [], errors: [] };
  parser.on('packet', (p: Packet) => out.packets.push(p));
  parser.on('error', (e: Error) => out.errors.push(e));
  for (const chunk of chunks) parser.parse(chunk);
  return out;
}

/**
 * The fields a packet means, as plain JSON: what the parser adds on its own (length, the fixed
 * header's qos/dup/retain on packets without them, defaults for absent optional fields) is
 * dropped or filled in, so a sent packet and its parsed copy compare equal when nothing was lost.
 */
function meaning(p: Packet, version: ProtocolLevel): unknown {
  const properties = (x: { properties?: object } | undefined) => {
    const entries = Object.entries(x?.properties ?? {}).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  };
  const v5 = <T>(value: T) => (version === 5 ? value : undefined);
  let m: Record<string, unknown>;
  switch (p.cmd) {
    case 'connect':
      m = {
        protocolId: p.protocolId,
        protocolVersion: p.protocolVersion,
        clientId: p.clientId,
        clean: p.clean,
        keepalive: p.keepalive,
        will: p.will && { topic: p.will.topic, payload: p.will.payload, qos: p.will.qos ?? 0, retain: p.will.retain ?? false, properties: properties(p.will) },
        username: p.username,
        password: p.password,
        properties: properties(p),
      };
      break;
    case 'connack':
      m = { sessionPresent: p.sessionPresent, code: version === 5 ? p.reasonCode : p.returnCode, properties: properties(p) };
      break;
    case 'publish':
      m = { topic: p.topic, qos: p.qos, dup: p.dup, retain: p.retain, messageId: p.qos > 0 ? p.messageId : undefined, payload: Buffer.from(p.payload), properties: properties(p) };
      break;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      m = { messageId: p.messageId, reasonCode: v5(p.reasonCode ?? 0), properties: properties(p) };
      break;
    case 'subscribe':
      m = {
        messageId: p.messageId,
        subscriptions: p.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos, nl: v5(s.nl ?? false), rap: v5(s.rap ?? false), rh: v5(s.rh ?? 0) })),
        properties: properties(p),
      };
      break;
    case 'suback':
      m = { messageId: p.messageId, granted: p.granted, properties: properties(p) };
      break;
    case 'unsubscribe':
      m = { messageId: p.messageId, unsubscriptions: p.unsubscriptions, properties: properties(p) };
      break;
    case 'unsuback':
      m = { messageId: p.messageId, granted: v5(p.granted), properties: properties(p) };
      break;
    case 'pingreq':
    case 'pingresp':
      m = {};
      break;
    case 'disconnect':
    case 'auth':
      m = { reasonCode: v5(p.reasonCode ?? 0), properties: properties(p) };
      break;
  }
  return { cmd: p.cmd, ...(JSON.parse(JSON.stringify(m)) as object) };
}

describe('generate -> parse round-trips (property)', () => {
  for (const version of [4, 5] as const) {
    for (const cmd of packetCmds(version)) {
      it(`${cmd.toUpperCase()} of MQTT ${version === 5 ? '5.0' : '3.1.1'}`, () => {
        fc.assert(
          fc.property(packetArb(version, cmd), (packet) => {
            const bytes = mqttPacket.generate(packet, { protocolVersion: version });
            // The fixed header names the type: 4 high bits [MQTT-2.2.1].
            expect(bytes[0]! >> 4).toBe(packetCmds(5).indexOf(cmd) + 1);
            const { packets, errors } = parseAll(version, [bytes]);
            expect(errors).toEqual([]);
            expect(packets).toHaveLength(1);
            expect(meaning(packets[0]!, version)).toEqual(meaning(packet, version));
          }),
          { numRuns: 60 },
        );
      });
    }
  }

  it('covers every packet type of each version (15 in 5.0, 14 in 3.1.1)', () => {
    const all: PacketCmd[] = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];
    expect([...packetCmds(5)].sort()).toEqual([...all].sort());
    expect([...packetCmds(4)].sort()).toEqual(all.filter((c) => c !== 'auth').sort());
  });

  it('a byte-by-byte feed parses to the same packets as one chunk (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<ProtocolLevel>(4, 5).chain((v) => fc.tuple(fc.constant(v), fc.array(packetArb(v), { minLength: 1, maxLength: 4 }))), ([version, packets]) => {
        const stream = Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion: version })));
        const whole = parseAll(version, [stream]);
        const bytewise = parseAll(version, [...stream].map((b) => Buffer.from([b])));
        expect(whole.errors).toEqual([]);
        expect(bytewise.errors).toEqual([]);
        expect(bytewise.packets.map((p) => meaning(p, version))).toEqual(packets.map((p) => meaning(p, version)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('the parser on hostile bytes (property)', () => {
  /** Splits `bytes` at the given cut points (sorted, deduplicated, in range). */
  function chunked(bytes: Uint8Array, cuts: number[]): Buffer[] {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let from = 0;
    for (const p of [...points, bytes.length]) {
      out.push(Buffer.from(bytes.subarray(from, p)));
      from = p;
    }
    return out;
  }

  for (const version of [4, 5] as const) {
    it(`any bytes give packets or an error event, never a throw (MQTT ${version === 5 ? '5.0' : '3.1.1'})`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) => {
          const { packets, errors } = parseAll(version, chunked(bytes, cuts));
          for (const p of packets) expect(packetCmds(5)).toContain(p.cmd);
          // One parse() call stops at its first error; each chunk is one call.
          expect(errors.length).toBeLessThanOrEqual(cuts.length + 1);
        }),
        { numRuns: RUNS },
      );
    });

    it(`malformed packets from the mutators give packets or an error event, never a throw (MQTT ${version === 5 ? '5.0' : '3.1.1'})`, () => {
      fc.assert(
        fc.property(mutationArb(version), fc.array(fc.nat(), { maxLength: 3 }), (mutated, cuts) => {
          parseAll(version, chunked(mutated.bytes, cuts));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('chatbench message header', () => {
  const headerArb: fc.Arbitrary<MessageHeader> = fc.record({
    runTag: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    streamId: fc.nat(0xffff_ffff),
    seq: fc.nat(0xffff_ffff),
    intendedSendMicros: fc.double({ min: 1, max: 2 ** 53, noNaN: true }),
    actualSendMicros: fc.double({ min: 1, max: 2 ** 53, noNaN: true }),
    flags: fc.constantFrom(0, 1),
  });
  const sizeArb = fc.integer({ min: HEADER_BYTES, max: 256 });

  it('round-trips, with the run tag checked (property)', () => {
    fc.assert(
      fc.property(headerArb, sizeArb, (h, size) => {
        const decoded = decodeHeader(encodeMessage(h, size), h.runTag);
        expect(decoded).toEqual({ ...h, runTag: Uint8Array.from(h.runTag), payloadBytes: size });
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects every truncation (property)', () => {
    fc.assert(
      fc.property(headerArb, sizeArb, fc.nat(HEADER_BYTES - 1), (h, size, keep) => {
        expect(decodeHeader(encodeMessage(h, size).subarray(0, keep))).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  /**
   * Bits whose flip the decoder must notice: the magic (bytes 0-1), the version (2), the unknown
   * flag bits (3, bits 1-7), the reserved bytes (40-47), the sign bit of either time (a negative
   * time), and the run tag when the reader gives the one it expects. Other fields carry any value.
   */
  const CHECKED_BITS: readonly { byte: number; bit: number; what: string }[] = [
    ...[0, 1, 2].flatMap((byte) => Array.from({ length: 8 }, (_, bit) => ({ byte, bit, what: byte === 2 ? 'version' : 'magic' }))),
    ...Array.from({ length: 7 }, (_, i) => ({ byte: 3, bit: i + 1, what: 'unknown flag' })),
    ...Array.from({ length: 64 }, (_, i) => ({ byte: 40 + (i >> 3), bit: i & 7, what: 'reserved' })),
    { byte: 20, bit: 7, what: 'intended time sign' },
    { byte: 28, bit: 7, what: 'actual time sign' },
    ...Array.from({ length: 64 }, (_, i) => ({ byte: 4 + (i >> 3), bit: i & 7, what: 'run tag' })),
  ];

  it('rejects a flip of any bit it validates (property)', () => {
    fc.assert(
      fc.property(headerArb, sizeArb, fc.constantFrom(...CHECKED_BITS), (h, size, flip) => {
        const bytes = encodeMessage(h, size);
        bytes[flip.byte] = bytes[flip.byte]! ^ (1 << flip.bit);
        expect(decodeHeader(bytes, h.runTag), flip.what).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a recorded payload size below the header (property)', () => {
    fc.assert(
      fc.property(headerArb, sizeArb, fc.nat(HEADER_BYTES - 1), (h, size, claimed) => {
        const bytes = encodeMessage(h, size);
        bytes.writeUInt32BE(claimed, 36);
        expect(decodeHeader(bytes)).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects times that are not times (NaN, infinite) written over a valid header', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      for (const offset of [20, 28]) {
        const bytes = encodeMessage({ runTag: new Uint8Array(8), streamId: 1, seq: 1, intendedSendMicros: 5, actualSendMicros: 6 }, HEADER_BYTES);
        expect(decodeHeader(bytes)).not.toBeNull();
        bytes.writeDoubleBE(bad, offset);
        expect(decodeHeader(bytes)).toBeNull();
      }
    }
  });
});
