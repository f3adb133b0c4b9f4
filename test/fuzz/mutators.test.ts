/**
 * Each mutator makes what its name says: the bytes are decoded by hand here and the malformed
 * part asserted, on fixed base packets (table) and on generated ones (properties).
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, IPublishPacket, ISubscribePacket, Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { packetCmds, type ProtocolLevel } from '../../runners/mqtt/fuzz/arbitraries.js';
import { readVarInt, unframe } from '../../runners/mqtt/fuzz/framing.js';
import { mutationArb, mutations, type Mutation, type MutationName } from '../../runners/mqtt/fuzz/mutators.js';
import { MQTT_311 } from '../../suites/mqtt-3.1.1/statements.js';
import { MQTT_50 } from '../../suites/mqtt-5.0/statements.js';

const PUBLISH: IPublishPacket = { cmd: 'publish', topic: 'a/b', qos: 1, messageId: 7, dup: false, retain: false, payload: Buffer.from('hi') };
const PUBLISH_Q0: IPublishPacket = { ...PUBLISH, qos: 0, messageId: undefined };
const SUBSCRIBE: ISubscribePacket = { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'x/+', qos: 1 }] };
const CONNECT = (version: ProtocolLevel): IConnectPacket => ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: 'cb', clean: true, keepalive: 60 });

function mutation(version: ProtocolLevel, name: MutationName): Mutation {
  const m = mutations(version).find((x) => x.name === name);
  if (m === undefined) throw new Error(`no mutation ${name} for ${version}`);
  return m;
}
const apply = (version: ProtocolLevel, name: MutationName, base: Packet, knob = 0) => mutation(version, name).apply(base, version, knob);
const encode = (p: Packet, version: ProtocolLevel) => mqttPacket.generate(p, { protocolVersion: version });
/** The PUBLISH topic's bytes: after the 2-byte length at the start of the body. */
const topicBytes = (body: Buffer) => body.subarray(2, 2 + body.readUInt16BE(0));

describe('mutators, decoded by hand', () => {
  it('remaining-length-fifth-byte: four continuation bytes, then a fifth', () => {
    const { bytes } = apply(4, 'remaining-length-fifth-byte', { cmd: 'pingreq' }, 5);
    expect(bytes.toString('hex')).toBe('c0' + '80808080' + '05'); // PINGREQ, length 0 over 5 bytes, fifth = knob
  });

  it('remaining-length-non-minimal (5.0 only): the body length in more bytes than needed', () => {
    const { bytes } = apply(5, 'remaining-length-non-minimal', { cmd: 'pingreq' }, 1);
    expect(bytes.toString('hex')).toBe('c0' + '808000'); // 0 in 3 bytes
    expect(readVarInt(bytes, 1)).toEqual({ value: 0, size: 3 });
    expect(mutations(4).map((m) => m.name)).not.toContain('remaining-length-non-minimal');
  });

  it('reserved-flags: SUBSCRIBE flags other than 0010, body untouched', () => {
    const good = encode(SUBSCRIBE, 4);
    for (let knob = 0; knob < 15; knob++) {
      const { bytes } = apply(4, 'reserved-flags', SUBSCRIBE, knob);
      expect(bytes[0]! >> 4).toBe(8);
      expect(bytes[0]! & 0x0f).not.toBe(0x02);
      expect(bytes.subarray(1)).toEqual(good.subarray(1));
    }
  });

  it('connect-reserved-flag: bit 0 of the connect flags byte', () => {
    const { bytes } = apply(4, 'connect-reserved-flag', CONNECT(4));
    const { body } = unframe(bytes);
    expect(body.subarray(0, 7).toString('latin1')).toBe('\0\x04MQTT\x04');
    expect(body[7]! & 0x01).toBe(1);
    expect(body[7]! & 0xfe).toBe(0x02); // clean session, as in the base
  });

  it('qos-3: both QoS bits of a PUBLISH set', () => {
    const { bytes, note } = apply(5, 'qos-3', PUBLISH);
    expect((bytes[0]! >> 1) & 0x03).toBe(3);
    expect(bytes[0]! >> 4).toBe(3);
    expect(note).toContain('qos=3 (reserved)');
  });

  it('packet-id-zero: the identifier after the topic is 0', () => {
    const { bytes } = apply(4, 'packet-id-zero', PUBLISH);
    const { body } = unframe(bytes);
    expect(body.readUInt16BE(2 + 3)).toBe(0);
    const sub = unframe(apply(5, 'packet-id-zero', SUBSCRIBE).bytes).body;
    expect(sub.readUInt16BE(0)).toBe(0);
  });

  it('topic-wildcard: + or # inside the topic name', () => {
    expect(topicBytes(unframe(apply(4, 'topic-wildcard', PUBLISH, 0).bytes).body).toString()).toBe('+a/b');
    expect(topicBytes(unframe(apply(4, 'topic-wildcard', PUBLISH, 1 + 2 * 3).bytes).body).toString()).toBe('a/b#');
  });

  it('invalid-utf8, null-character, unpaired-surrogate: the bytes land inside the topic, its length fixed', () => {
    const cases: [MutationName, number, string][] = [
      ['invalid-utf8', 0, 'ff'],
      ['invalid-utf8', 1, 'c080'],
      ['null-character', 0, '00'],
      ['unpaired-surrogate', 0, 'eda080'],
      ['unpaired-surrogate', 1, 'edb080'],
    ];
    for (const [name, knob, inserted] of cases) {
      const { body } = unframe(apply(4, name, PUBLISH_Q0, knob).bytes);
      const topic = topicBytes(body);
      expect(topic.toString('hex'), name).toBe(inserted + Buffer.from('a/b').toString('hex'));
      expect(body.subarray(2 + topic.length).toString()).toBe('hi'); // payload still follows
    }
  });

  it('invalid UTF-8 in a 5.0 SUBSCRIBE filter goes after the properties', () => {
    const { body } = unframe(apply(5, 'null-character', SUBSCRIBE, 1).bytes);
    // id (2) + property length 0 (1), then the filter "x" 00 "/+"
    expect(body.subarray(3).toString('hex')).toBe('0004' + '7800' + Buffer.from('/+').toString('hex') + '01');
  });

  it('duplicate-property (5.0): the property block holds one property twice', () => {
    const { bytes, note } = apply(5, 'duplicate-property', PUBLISH, 0);
    const { body } = unframe(bytes);
    const at = 2 + 3 + 2;
    expect(readVarInt(body, at)).toEqual({ value: 4, size: 1 });
    expect(body.subarray(at + 1, at + 5).toString('hex')).toBe('01000100'); // Payload Format Indicator 0, twice
    expect(note).toContain('Payload Format Indicator twice');
    expect(mutations(4).map((m) => m.name)).not.toContain('duplicate-property');
  });

  it('misplaced-property (5.0): a property from another packet type, with its statement', () => {
    const made = apply(5, 'misplaced-property', PUBLISH, 6);
    const { body } = unframe(made.bytes);
    expect(body.subarray(7, 10).toString('hex')).toBe('020b01'); // length 2: Subscription Identifier 1
    expect(made.alsoBreaks).toEqual(['MQTT-3.3.4-6']);
  });

  it('oversized-field: the topic length claims more than the packet holds', () => {
    const { body } = unframe(apply(4, 'oversized-field', PUBLISH, 0).bytes);
    expect(body.readUInt16BE(0)).toBeGreaterThan(body.length - 2);
  });

  it('oversized-packet: a PINGREQ with a body', () => {
    expect(apply(4, 'oversized-packet', { cmd: 'pingreq' }, 2).bytes.toString('hex')).toBe('c003000000');
  });

  it('truncated: body and Remaining Length cut together, inside the structure', () => {
    const full = unframe(encode(PUBLISH, 4)).body;
    for (let knob = 0; knob < 7; knob++) {
      const { body } = unframe(apply(4, 'truncated', PUBLISH, knob).bytes);
      expect(body.length).toBeLessThan(2 + 3 + 2); // topic + identifier not complete
      expect(body).toEqual(full.subarray(0, body.length));
    }
  });

  it('second-connect and packet-before-connect: valid packets in the wrong place', () => {
    const second = mutation(4, 'second-connect');
    expect(second.placement).toBe('connected');
    expect(second.apply(CONNECT(4), 4, 0).bytes).toEqual(encode(CONNECT(4), 4));
    const before = mutation(5, 'packet-before-connect');
    expect(before.placement).toBe('opening');
    expect(before.apply(PUBLISH, 5, 0).bytes[0]! >> 4).toBe(3);
  });

  it('wrong-protocol-name and wrong-protocol-level', () => {
    const named = unframe(apply(4, 'wrong-protocol-name', CONNECT(4), 0).bytes).body;
    expect(named.subarray(0, 6).toString('latin1')).toBe('\0\x04MQTX');
    const empty = unframe(apply(4, 'wrong-protocol-name', CONNECT(4), 5).bytes).body;
    expect(empty.subarray(0, 3).toString('hex')).toBe('0000' + '04'); // "" then the level
    for (let knob = 0; knob < 300; knob++) {
      const level = unframe(apply(5, 'wrong-protocol-level', CONNECT(5), knob).bytes).body[6]!;
      expect([3, 4, 5, 131, 132, 133]).not.toContain(level);
    }
  });
});

describe('mutations as a whole', () => {
  it('cover every kind of malformation issue 8 names, per version', () => {
    const common: MutationName[] = [
      'remaining-length-fifth-byte', 'reserved-flags', 'connect-reserved-flag', 'qos-3', 'packet-id-zero', 'topic-wildcard', 'invalid-utf8',
      'null-character', 'unpaired-surrogate', 'oversized-field', 'oversized-packet', 'truncated', 'second-connect', 'packet-before-connect',
      'wrong-protocol-name', 'wrong-protocol-level',
    ];
    expect(mutations(4).map((m) => m.name).sort()).toEqual([...common].sort());
    expect(mutations(5).map((m) => m.name).sort()).toEqual([...common, 'remaining-length-non-minimal', 'duplicate-property', 'misplaced-property'].sort());
  });

  for (const [version, manifest] of [[4, MQTT_311], [5, MQTT_50]] as const) {
    it(`cite only statements of the ${manifest.version} manifest`, () => {
      const known = new Set(manifest.statements.map((s) => s.id));
      for (const m of mutations(version)) for (const id of m.statements) expect(known.has(id), `${m.name}: ${id}`).toBe(true);
      expect(known.has('MQTT-3.3.4-6')).toBe(version === 5);
    });

    it(`always change the bytes of their base and name a statement (property, ${manifest.version})`, () => {
      fc.assert(
        fc.property(mutationArb(version), (m) => {
          expect(m.statements.length).toBeGreaterThan(0);
          expect(m.note.length).toBeGreaterThan(0);
          if (m.mutation !== 'second-connect' && m.mutation !== 'packet-before-connect') {
            expect(m.bytes.equals(encode(m.base, version))).toBe(false);
          }
        }),
        { numRuns: 300 },
      );
    });

    it(`produce packets mqtt-packet rejects wherever it checks (property, ${manifest.version})`, () => {
      // mqtt-packet checks framing, reserved flags, QoS 3 and the protocol name/level: a mutation
      // of those kinds that it parsed as a packet would not be malformed at all. Except "MQIsdp"
      // with level 4 or 5: mqtt-packet accepts that name with any level (mqttjs/mqtt-packet#157).
      const checked = new Set<MutationName>(['remaining-length-fifth-byte', 'reserved-flags', 'connect-reserved-flag', 'qos-3', 'wrong-protocol-name', 'wrong-protocol-level']);
      fc.assert(
        fc.property(mutationArb(version).filter((m) => checked.has(m.mutation) && !m.note.includes('MQIsdp')), (m) => {
          const parser = mqttPacket.parser({ protocolVersion: version });
          const seen: string[] = [];
          parser.on('packet', (p: Packet) => seen.push(p.cmd));
          parser.on('error', () => seen.push('error'));
          parser.parse(m.bytes);
          expect(seen, m.note).toEqual(['error']);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('give packet types the version has', () => {
    fc.assert(
      fc.property(mutationArb(4), (m) => {
        expect(packetCmds(4)).toContain(m.base.cmd);
      }),
      { numRuns: 100 },
    );
  });
});
