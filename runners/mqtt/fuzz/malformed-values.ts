/**
 * The wrong values the mutators write, and the byte surgery that writes them into an encoded
 * packet: ill-formed UTF-8, properties a PUBLISH may hold once or not at all, protocol names
 * and levels no server speaks. Each table entry says what it is, for the step's note.
 */
import mqttPacket from 'mqtt-packet';
import type { IPublishPacket, ISubscribePacket, Packet } from 'mqtt-packet';
import type { ProtocolLevel } from '../raw/client.js';
import { quote } from './describe.js';
import { appendProperties, charBoundaries, firstFilterAt, frame, publishLayout, replaceString, stringAt, unframe } from './framing.js';

const encode = (p: Packet, version: ProtocolLevel) => mqttPacket.generate(p, { protocolVersion: version });
/** Picks from a non-empty list by knob. */
export const pick = <T>(list: readonly T[], knob: number): T => list[knob % list.length] as T;

/** Inserts `bad` into the first text field a server must decode: a PUBLISH topic or a SUBSCRIBE filter. */
export function insertIntoText(base: Packet, version: ProtocolLevel, knob: number, bad: Uint8Array): { bytes: Buffer; where: string } {
  const { first, body } = unframe(encode(base, version));
  const isPublish = base.cmd === 'publish';
  const text = isPublish ? (base as IPublishPacket).topic : (base as ISubscribePacket).subscriptions[0]!.topic;
  const field = stringAt(body, isPublish ? 0 : firstFilterAt(body, version));
  const original = body.subarray(field.at + 2, field.at + 2 + field.length);
  const cut = pick(charBoundaries(text), knob);
  const mutated = Buffer.concat([original.subarray(0, cut), bad, original.subarray(cut)]);
  return { bytes: frame(first, replaceString(body, field, mutated)), where: `${isPublish ? 'topic' : 'topic filter'} byte ${cut} of ${quote(text)}` };
}

/** 5.0 properties a client's PUBLISH may carry once (§3.3.2.3), as encoded identifier + value. */
export const ONCE_ONLY: readonly { name: string; bytes: number[] }[] = [
  { name: 'Payload Format Indicator', bytes: [0x01, 0x00] },
  { name: 'Message Expiry Interval', bytes: [0x02, 0, 0, 0, 60] },
  { name: 'Content Type', bytes: [0x03, 0, 1, 0x74] },
  { name: 'Response Topic', bytes: [0x08, 0, 1, 0x72] },
  { name: 'Correlation Data', bytes: [0x09, 0, 1, 0x2a] },
];
/** 5.0 properties that do not belong in a PUBLISH (§2.2.2.2); a Subscription Identifier from a client breaks [MQTT-3.3.4-6] too. */
export const NOT_IN_PUBLISH: readonly { name: string; bytes: number[]; also?: string[] }[] = [
  { name: 'Session Expiry Interval', bytes: [0x11, 0, 0, 0, 10] },
  { name: 'Receive Maximum', bytes: [0x21, 0, 10] },
  { name: 'Maximum QoS', bytes: [0x24, 0] },
  { name: 'Assigned Client Identifier', bytes: [0x12, 0, 1, 0x78] },
  { name: 'Server Keep Alive', bytes: [0x13, 0, 10] },
  { name: 'Will Delay Interval', bytes: [0x18, 0, 0, 0, 10] },
  { name: 'Subscription Identifier', bytes: [0x0b, 0x01], also: ['MQTT-3.3.4-6'] },
];

/** Adds property bytes to a 5.0 PUBLISH's property block. */
export function withPublishProperties(base: Packet, extra: Uint8Array): Buffer {
  const p = base as IPublishPacket;
  const { first, body } = unframe(encode(p, 5));
  const layout = publishLayout(body, p.qos, 5);
  return frame(first, appendProperties(body, layout.afterId, extra));
}

export const INVALID_UTF8: readonly { bytes: number[]; what: string }[] = [
  { bytes: [0xff], what: 'byte FF' },
  { bytes: [0xc0, 0x80], what: 'overlong C0 80' },
  { bytes: [0x80], what: 'lone continuation byte 80' },
  { bytes: [0xc3], what: 'lead byte C3 without its continuation' },
  { bytes: [0xf4, 0x90, 0x80, 0x80], what: 'F4 90 80 80 (beyond U+10FFFF)' },
];

/** Protocol names that are not "MQTT" (§3.1.2.1); MQIsdp is 3.1's and wrong with level 4 or 5. */
export const WRONG_NAMES = ['MQTX', 'mqtt', 'MQT', 'MQTTT', 'MQIsdp', ''];
/** Protocol levels no 3.1.1 or 5.0 server speaks as such: not 3, 4, 5 nor their bridge forms 131-133. */
export const WRONG_LEVELS = Array.from({ length: 256 }, (_, i) => i).filter((l) => ![3, 4, 5, 131, 132, 133].includes(l));
