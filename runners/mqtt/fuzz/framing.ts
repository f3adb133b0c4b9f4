/**
 * Byte-level surgery on encoded MQTT packets, for the mutators: split a packet into its fixed
 * header and body, frame a body again (with any Remaining Length encoding, valid or not), and
 * find the fields inside a body that mutations aim at. Reading is done on packets chatbench
 * encoded itself with mqtt-packet, so the layouts are known (§2.1, §2.2, §3.x.2).
 */
import type { ProtocolLevel } from '../raw/client.js';

/** A Variable Byte Integer in the fewest bytes, as [MQTT-1.5.5-1] asks (§2.2.3 in 3.1.1). */
export function encodeVarInt(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 0x80;
    v = Math.floor(v / 0x80);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return Buffer.from(out);
}

/**
 * `value` spread over exactly `bytes` bytes (1..5): the first bytes carry its 7-bit groups with
 * the continuation bit set, the rest are padding groups of 0 (0x80, and 0x00 last). More bytes
 * than encodeVarInt uses is a non-minimal encoding; five is more than any receiver may read.
 */
export function encodeVarIntIn(value: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[i] = (v % 0x80) | (i < bytes - 1 ? 0x80 : 0);
    v = Math.floor(v / 0x80);
  }
  return out;
}

/** Reads a Variable Byte Integer at `offset`: its value and how many bytes it took, or null when cut off or longer than 4 bytes. */
export function readVarInt(bytes: Uint8Array, offset: number): { value: number; size: number } | null {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    const b = bytes[offset + i];
    if (b === undefined) return null;
    value += (b & 0x7f) * mul;
    mul *= 0x80;
    if ((b & 0x80) === 0) return { value, size: i + 1 };
  }
  return null;
}

export interface Frame {
  /** Byte 1: packet type (high nibble) and flags (low nibble). */
  first: number;
  body: Buffer;
}

/** The fixed header's first byte and the body of one well-formed encoded packet. */
export function unframe(packet: Uint8Array): Frame {
  const length = readVarInt(packet, 1);
  if (length === null || packet.length !== 1 + length.size + length.value) throw new RangeError('not one well-formed packet');
  return { first: packet[0] as number, body: Buffer.from(packet.subarray(1 + length.size)) };
}

/** A packet from its first byte and body; `lengthBytes` picks the Remaining Length encoding (default: the minimal one). */
export function frame(first: number, body: Uint8Array, lengthBytes?: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first]), lengthBytes ?? encodeVarInt(body.length), body]);
}

/** Where a length-prefixed UTF-8 string sits in a body: the 2-byte length at `at`, the text after it. */
export interface StringField {
  at: number;
  length: number;
}

export function stringAt(body: Uint8Array, at: number): StringField {
  return { at, length: ((body[at] ?? 0) << 8) | (body[at + 1] ?? 0) };
}

/** Replaces a string field's text with `text` (any bytes), fixing its 2-byte length. */
export function replaceString(body: Buffer, field: StringField, text: Uint8Array): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length);
  return Buffer.concat([body.subarray(0, field.at), len, text, body.subarray(field.at + 2 + field.length)]);
}

/** PUBLISH body layout: topic, packet identifier (QoS > 0), property block (5.0), payload. */
export interface PublishLayout {
  topic: StringField;
  /** Offset of the Property Length (5.0) or of the payload (3.1.1). */
  afterId: number;
  /** 5.0: the property block, from its length to its end. */
  properties?: { at: number; lengthSize: number; length: number };
  /** Offset where the payload starts: everything before it is structure. */
  payloadAt: number;
}

export function publishLayout(body: Uint8Array, qos: number, version: ProtocolLevel): PublishLayout {
  const topic = stringAt(body, 0);
  const afterId = 2 + topic.length + (qos > 0 ? 2 : 0);
  if (version === 4) return { topic, afterId, payloadAt: afterId };
  const propLength = readVarInt(body, afterId);
  if (propLength === null) throw new RangeError('PUBLISH without a property length');
  return {
    topic,
    afterId,
    properties: { at: afterId, lengthSize: propLength.size, length: propLength.value },
    payloadAt: afterId + propLength.size + propLength.value,
  };
}

/** A 5.0 body with `extra` property bytes appended to the property block that starts at `at`. */
export function appendProperties(body: Buffer, at: number, extra: Uint8Array): Buffer {
  const current = readVarInt(body, at);
  if (current === null) throw new RangeError('no property length');
  const start = at + current.size;
  return Buffer.concat([
    body.subarray(0, at),
    encodeVarInt(current.value + extra.length),
    body.subarray(start, start + current.value),
    extra,
    body.subarray(start + current.value),
  ]);
}

/** Offset of the first topic filter in a SUBSCRIBE body (after the packet identifier and, in 5.0, the properties). */
export function firstFilterAt(body: Uint8Array, version: ProtocolLevel): number {
  if (version === 4) return 2;
  const props = readVarInt(body, 2);
  if (props === null) throw new RangeError('SUBSCRIBE without a property length');
  return 2 + props.size + props.value;
}

/** Byte offsets of the character boundaries of a UTF-8 text (0 and its length included). */
export function charBoundaries(text: string): number[] {
  const out = [0];
  let at = 0;
  for (const ch of text) {
    at += Buffer.byteLength(ch, 'utf8');
    out.push(at);
  }
  return out;
}
