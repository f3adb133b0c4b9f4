/**
 * Mutators: named ways to make a malformed packet from a valid one, each with the statements a
 * server breaks if it does not close the connection on it (3.1.1) or answer it with a DISCONNECT
 * or CONNACK reason code >= 0x80 and close (5.0).
 *
 * A mutation starts from a valid packet (`base`, from the client-safe arbitraries) and a `knob`
 * (a small natural number choosing where and how: which byte, which wrong value), so fast-check
 * shrinks both toward the simplest case. `mutationArb(version)` draws from all of them.
 *
 * Left out on purpose:
 * - a non-minimal Remaining Length in 3.1.1: §2.2.3 there has no rule against it, so a 3.1.1
 *   server accepting one is right; 5.0 forbids it [MQTT-1.5.5-1];
 * - a packet cut short with its Remaining Length unchanged: a server is right to wait for the
 *   rest. `truncated` cuts the body and its Remaining Length together, which is malformed.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, IPublishPacket, ISubscribePacket, IUnsubscribePacket, Packet } from 'mqtt-packet';
import type { ProtocolLevel } from '../raw/client.js';
import { clientConnectArb, clientPacketArb, publishArb, subscribeArb, unsubscribeArb } from './arbitraries.js';
import { describePacket, quote } from './describe.js';
import { encodeVarInt, encodeVarIntIn, frame, publishLayout, replaceString, stringAt, unframe } from './framing.js';
import { INVALID_UTF8, NOT_IN_PUBLISH, ONCE_ONLY, WRONG_LEVELS, WRONG_NAMES, insertIntoText, pick, withPublishProperties } from './malformed-values.js';

export type MutationName =
  | 'remaining-length-fifth-byte'
  | 'remaining-length-non-minimal'
  | 'reserved-flags'
  | 'connect-reserved-flag'
  | 'qos-3'
  | 'packet-id-zero'
  | 'topic-wildcard'
  | 'invalid-utf8'
  | 'null-character'
  | 'unpaired-surrogate'
  | 'duplicate-property'
  | 'misplaced-property'
  | 'oversized-field'
  | 'oversized-packet'
  | 'truncated'
  | 'second-connect'
  | 'packet-before-connect'
  | 'wrong-protocol-name'
  | 'wrong-protocol-level';

/** Where the mutated packet goes: in place of a connection's CONNECT, or after the CONNECT was accepted. */
export type Placement = 'opening' | 'connected';

/** What one application of a mutation made. */
export interface Mutated {
  bytes: Buffer;
  /** "PUBLISH qos=3 (reserved)": what is wrong, for people. */
  note: string;
  /** Statements this variant breaks besides the mutation's own (e.g. a Subscription Identifier from a client). */
  alsoBreaks?: readonly string[];
}

export interface Mutation {
  readonly name: MutationName;
  readonly placement: Placement;
  /** The statement IDs ("MQTT-3.3.1-4") a server that lets this through breaks, for this version. */
  readonly statements: readonly string[];
  /** The valid packets it starts from. */
  base(version: ProtocolLevel): fc.Arbitrary<Packet>;
  /** The malformed bytes made from `base` (encoded for `version`); `knob` picks the variant. */
  apply(base: Packet, version: ProtocolLevel, knob: number): Mutated;
}

/** One mutated packet as mutationArb gives it. */
export interface MutatedPacket {
  mutation: MutationName;
  placement: Placement;
  bytes: Buffer;
  note: string;
  statements: readonly string[];
  /** The valid packet it was made from. */
  base: Packet;
}

const encode = (p: Packet, version: ProtocolLevel) => mqttPacket.generate(p, { protocolVersion: version });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');

/** The generic "malformed packet or protocol violation: close" statement of each version. */
const CLOSE: Record<ProtocolLevel, string> = { 4: 'MQTT-4.8.0-1', 5: 'MQTT-4.13.1-1' };

const publishBase = (v: ProtocolLevel) => publishArb(v, { client: true });
const publishWithIdBase = (v: ProtocolLevel) => publishBase(v).map((p) => (p.qos > 0 ? p : { ...p, qos: 1 as const, messageId: 1 }));

const textBase = (v: ProtocolLevel) => fc.oneof(publishBase(v), subscribeArb(v, { client: true }));

const MUTATIONS: readonly (Omit<Mutation, 'statements'> & { statements: Partial<Record<ProtocolLevel, readonly string[]>> })[] = [
  {
    name: 'remaining-length-fifth-byte',
    placement: 'connected',
    statements: { 4: [CLOSE[4]], 5: [CLOSE[5]] },
    base: (v) => clientPacketArb(v),
    apply(base, version, knob) {
      const { first, body } = unframe(encode(base, version));
      // Four bytes with the continuation bit, then a fifth: at most four are allowed (§2.2.3, §1.5.5).
      const length = Buffer.concat([encodeVarIntIn(body.length, 4).map((b) => b | 0x80), Buffer.from([knob % 0x80])]);
      return { bytes: frame(first, body, length), note: `${describePacket(base)} with a 5-byte Remaining Length ${hex(length)}` };
    },
  },
  {
    name: 'remaining-length-non-minimal',
    placement: 'connected',
    statements: { 5: ['MQTT-1.5.5-1', CLOSE[5]] },
    base: (v) => clientPacketArb(v).filter((p) => encode(p, v).length < 2 + 0x4000),
    apply(base, version, knob) {
      const { first, body } = unframe(encode(base, version));
      const minimal = encodeVarInt(body.length).length;
      const length = encodeVarIntIn(body.length, minimal + 1 + (knob % (4 - minimal)));
      return { bytes: frame(first, body, length), note: `${describePacket(base)} with Remaining Length ${body.length} in ${length.length} bytes ${hex(length)}` };
    },
  },
  {
    name: 'reserved-flags',
    placement: 'connected',
    statements: { 4: ['MQTT-2.2.2-1', 'MQTT-2.2.2-2'], 5: ['MQTT-2.1.3-1', CLOSE[5]] },
    base: (v) => fc.oneof(subscribeArb(v, { client: true }), unsubscribeArb(v), fc.constant<Packet>({ cmd: 'pingreq' })),
    apply(base, version, knob) {
      const { first, body } = unframe(encode(base, version));
      const required = first & 0x0f;
      const flags = pick([...Array(16).keys()].filter((f) => f !== required), knob);
      return { bytes: frame((first & 0xf0) | flags, body), note: `${describePacket(base)} with flags 0x${flags.toString(16)} (must be 0x${required.toString(16)})` };
    },
  },
  {
    name: 'connect-reserved-flag',
    placement: 'opening',
    statements: { 4: ['MQTT-3.1.2-3'], 5: ['MQTT-3.1.2-3', CLOSE[5]] },
    base: (v) => clientConnectArb(v),
    apply(base, version) {
      const { first, body } = unframe(encode(base, version));
      body[7] = body[7]! | 0x01; // connect flags follow the name "MQTT" (6 bytes) and the level
      return { bytes: frame(first, body), note: `${describePacket(base)} with the reserved connect flag set` };
    },
  },
  {
    name: 'qos-3',
    placement: 'connected',
    statements: { 4: ['MQTT-3.3.1-4'], 5: ['MQTT-3.3.1-4', CLOSE[5]] },
    base: publishWithIdBase,
    apply(base, version) {
      const { first, body } = unframe(encode(base, version));
      return { bytes: frame(first | 0x06, body), note: `${describePacket(base).replace(/qos=\d/, 'qos=3 (reserved)')}` };
    },
  },
  {
    name: 'packet-id-zero',
    placement: 'connected',
    statements: { 4: ['MQTT-2.3.1-1', CLOSE[4]], 5: ['MQTT-2.2.1-3', CLOSE[5]] },
    base: (v) => fc.oneof(publishWithIdBase(v), subscribeArb(v, { client: true }), unsubscribeArb(v)),
    apply(base, version) {
      const zeroed = { ...base, messageId: 0 } as IPublishPacket | ISubscribePacket | IUnsubscribePacket;
      return { bytes: encode(zeroed, version), note: `${describePacket(zeroed)} (packet identifier 0)` };
    },
  },
  {
    name: 'topic-wildcard',
    placement: 'connected',
    statements: { 4: ['MQTT-3.3.2-2', CLOSE[4]], 5: ['MQTT-3.3.2-2', CLOSE[5]] },
    base: publishBase,
    apply(base, version, knob) {
      const p = base as IPublishPacket;
      const chars = [...p.topic];
      const at = (knob >> 1) % (chars.length + 1);
      const topic = [...chars.slice(0, at), knob % 2 === 0 ? '+' : '#', ...chars.slice(at)].join('');
      const mutated = { ...p, topic };
      return { bytes: encode(mutated, version), note: `${describePacket(mutated)} (wildcard in a topic name)` };
    },
  },
  {
    name: 'invalid-utf8',
    placement: 'connected',
    statements: { 4: ['MQTT-1.5.3-1'], 5: ['MQTT-1.5.4-1', CLOSE[5]] },
    base: textBase,
    apply(base, version, knob) {
      const bad = pick(INVALID_UTF8, knob);
      const { bytes, where } = insertIntoText(base, version, knob >> 3, Buffer.from(bad.bytes));
      return { bytes, note: `${base.cmd.toUpperCase()} with ill-formed UTF-8 (${bad.what}) at ${where}` };
    },
  },
  {
    name: 'null-character',
    placement: 'connected',
    statements: { 4: ['MQTT-1.5.3-2'], 5: ['MQTT-1.5.4-2', CLOSE[5]] },
    base: textBase,
    apply(base, version, knob) {
      const { bytes, where } = insertIntoText(base, version, knob, Buffer.from([0x00]));
      return { bytes, note: `${base.cmd.toUpperCase()} with U+0000 at ${where}` };
    },
  },
  {
    name: 'unpaired-surrogate',
    placement: 'connected',
    statements: { 4: ['MQTT-1.5.3-1'], 5: ['MQTT-1.5.4-1', CLOSE[5]] },
    base: textBase,
    apply(base, version, knob) {
      // A surrogate written as UTF-8 (CESU-8 style): ED A0 80 is U+D800, ED B0 80 is U+DC00.
      const high = knob % 2 === 0;
      const { bytes, where } = insertIntoText(base, version, knob >> 1, Buffer.from(high ? [0xed, 0xa0, 0x80] : [0xed, 0xb0, 0x80]));
      return { bytes, note: `${base.cmd.toUpperCase()} with unpaired surrogate ${high ? 'U+D800 (ED A0 80)' : 'U+DC00 (ED B0 80)'} at ${where}` };
    },
  },
  {
    name: 'duplicate-property',
    placement: 'connected',
    statements: { 5: [CLOSE[5]] },
    base: () => publishBase(5),
    apply(base, _version, knob) {
      const prop = pick(ONCE_ONLY, knob);
      const bytes = withPublishProperties(base, Buffer.from([...prop.bytes, ...prop.bytes]));
      return { bytes, note: `${describePacket(base)} with ${prop.name} twice (allowed once)` };
    },
  },
  {
    name: 'misplaced-property',
    placement: 'connected',
    statements: { 5: [CLOSE[5]] },
    base: () => publishBase(5),
    apply(base, _version, knob) {
      const prop = pick(NOT_IN_PUBLISH, knob);
      const bytes = withPublishProperties(base, Buffer.from(prop.bytes));
      return { bytes, note: `${describePacket(base)} with ${prop.name} (not a PUBLISH property)`, ...(prop.also ? { alsoBreaks: prop.also } : {}) };
    },
  },
  {
    name: 'oversized-field',
    placement: 'connected',
    statements: { 4: [CLOSE[4]], 5: [CLOSE[5]] },
    base: publishBase,
    apply(base, version, knob) {
      const { first, body } = unframe(encode(base, version));
      // The topic's length says more than the whole rest of the packet holds.
      const claimed = Math.min(0xffff, body.length - 2 + 1 + (knob % 0x100));
      body.writeUInt16BE(claimed, 0);
      return { bytes: frame(first, body), note: `${describePacket(base)} with topic length ${claimed} in a ${body.length}-byte body` };
    },
  },
  {
    name: 'oversized-packet',
    placement: 'connected',
    statements: { 4: [CLOSE[4]], 5: [CLOSE[5]] },
    base: () => fc.constant<Packet>({ cmd: 'pingreq' }),
    apply(_base, _version, knob) {
      const extra = 1 + (knob % 8);
      return { bytes: frame(0xc0, Buffer.alloc(extra)), note: `PINGREQ with Remaining Length ${extra} (it has no body, §3.12)` };
    },
  },
  {
    name: 'truncated',
    placement: 'connected',
    statements: { 4: [CLOSE[4]], 5: [CLOSE[5]] },
    base: publishBase,
    apply(base, version, knob) {
      const p = base as IPublishPacket;
      const { first, body } = unframe(encode(p, version));
      // Cut inside the structure (topic, identifier, properties), never in the payload: a PUBLISH
      // cut in its payload is just a PUBLISH with a shorter payload.
      const keep = knob % publishLayout(body, p.qos, version).payloadAt;
      return { bytes: frame(first, body.subarray(0, keep)), note: `${describePacket(p)} cut to ${keep} of ${body.length} body bytes, Remaining Length ${keep}` };
    },
  },
  {
    name: 'second-connect',
    placement: 'connected',
    statements: { 4: ['MQTT-3.1.0-2'], 5: ['MQTT-3.1.0-2', CLOSE[5]] },
    base: (v) => clientConnectArb(v),
    apply(base, version) {
      return { bytes: encode(base, version), note: `second ${describePacket(base)} on the same connection` };
    },
  },
  {
    name: 'packet-before-connect',
    placement: 'opening',
    statements: { 4: ['MQTT-3.1.0-1', CLOSE[4]], 5: ['MQTT-3.1.0-1', CLOSE[5]] },
    base: (v) => clientPacketArb(v),
    apply(base, version) {
      return { bytes: encode(base, version), note: `${describePacket(base)} before any CONNECT` };
    },
  },
  {
    name: 'wrong-protocol-name',
    placement: 'opening',
    statements: { 4: ['MQTT-3.1.2-1'], 5: ['MQTT-3.1.2-1'] },
    base: (v) => clientConnectArb(v),
    apply(base, version, knob) {
      const name = pick(WRONG_NAMES, knob);
      const { first, body } = unframe(encode(base, version));
      const mutated = replaceString(body, stringAt(body, 0), Buffer.from(name, 'latin1'));
      return { bytes: frame(first, mutated), note: `${describePacket(base as IConnectPacket)} with protocol name ${quote(name)}` };
    },
  },
  {
    name: 'wrong-protocol-level',
    placement: 'opening',
    statements: { 4: ['MQTT-3.1.2-2'], 5: ['MQTT-3.1.2-2'] },
    base: (v) => clientConnectArb(v),
    apply(base, version, knob) {
      const level = pick(WRONG_LEVELS, knob);
      const { first, body } = unframe(encode(base, version));
      body[6] = level; // after the 2-byte length and "MQTT"
      return { bytes: frame(first, body), note: `${describePacket(base)} with protocol level ${level}` };
    },
  },
];

/** The mutations that apply to `version`, with that version's statements. */
export function mutations(version: ProtocolLevel): readonly Mutation[] {
  return MUTATIONS.flatMap((m) => {
    const statements = m.statements[version];
    return statements === undefined ? [] : [{ ...m, statements }];
  });
}

/** Malformed packets for `version` from every mutation (or those of one placement), shrinking toward simple bases and knob 0. */
export function mutationArb(version: ProtocolLevel, placement?: Placement): fc.Arbitrary<MutatedPacket> {
  const chosen = mutations(version).filter((m) => placement === undefined || m.placement === placement);
  return fc.oneof(
    ...chosen.map((m) =>
      fc.record({ base: m.base(version), knob: fc.nat(0xffff) }).map(({ base, knob }): MutatedPacket => {
        const made = m.apply(base, version, knob);
        return { mutation: m.name, placement: m.placement, bytes: made.bytes, note: made.note, statements: [...m.statements, ...(made.alsoBreaks ?? [])], base };
      }),
    ),
  );
}
