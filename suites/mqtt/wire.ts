/**
 * MQTT bytes by hand, for the cases that must send what mqtt-packet will not encode (ill-formed
 * UTF-8, duplicated or misplaced properties, reserved flags, a fifth length byte) or must read
 * what mqtt-packet's parsed objects hide (the order of User Properties, how a length was
 * encoded, the exact size of each packet). Field layouts follow MQTT 3.1.1 / 5.0 chapter 2.
 */
import { encodeVarInt, readVarInt } from '../../runners/mqtt/fuzz/framing.js';
import type { RawClient } from '../../runners/mqtt/raw/client.js';

/** MQTT 5.0 property identifiers (2.2.2.2), by the spec's names, for those the cases write or read. */
export const PROPERTY = {
  payloadFormatIndicator: 0x01,
  messageExpiryInterval: 0x02,
  contentType: 0x03,
  responseTopic: 0x08,
  correlationData: 0x09,
  sessionExpiryInterval: 0x11,
  topicAlias: 0x23,
  userProperty: 0x26,
} as const;

/** How each property's value is laid out, by identifier (2.2.2.2), so a reader can step over any of them. */
const VALUE_KIND: Readonly<Record<number, 'byte' | 'two' | 'four' | 'vbi' | 'string' | 'binary' | 'pair'>> = {
  0x01: 'byte', 0x02: 'four', 0x03: 'string', 0x08: 'string', 0x09: 'binary', 0x0b: 'vbi', 0x11: 'four', 0x12: 'string',
  0x13: 'two', 0x15: 'string', 0x16: 'binary', 0x17: 'byte', 0x18: 'four', 0x19: 'byte', 0x1a: 'string', 0x1c: 'string',
  0x1f: 'string', 0x21: 'two', 0x22: 'two', 0x23: 'two', 0x24: 'byte', 0x25: 'byte', 0x26: 'pair', 0x27: 'four',
  0x28: 'byte', 0x29: 'byte', 0x2a: 'byte',
};

/** A Variable Byte Integer in the fewest bytes (1.5.5): the fuzzer's encoder, one for the whole tool. */
export const vbi = encodeVarInt;

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A length-prefixed string (or binary data) holding exactly these bytes, valid UTF-8 or not. */
export function str(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([u16(bytes.length), bytes]);
}

/** A whole packet: the first byte (type << 4 | flags), the remaining length, the body. */
export function packet(firstByte: number, ...body: Buffer[]): Buffer {
  const rest = Buffer.concat(body);
  return Buffer.concat([Buffer.from([firstByte]), vbi(rest.length), rest]);
}

/** One property: identifier then value bytes (already laid out for its kind). */
export function property(id: number, value: Buffer): Buffer {
  return Buffer.concat([vbi(id), value]);
}

/** A property block: its length, then the properties in the order given. */
export function properties(...props: Buffer[]): Buffer {
  const body = Buffer.concat(props);
  return Buffer.concat([vbi(body.length), body]);
}

export function userProperty(key: string | Buffer, value: string | Buffer): Buffer {
  return property(PROPERTY.userProperty, Buffer.concat([str(key), str(value)]));
}

export interface PublishBytes {
  topic: string | Buffer;
  qos?: 0 | 1 | 2;
  messageId?: number;
  /** 5.0 only: the property block as bytes (from `properties`); an empty block when absent. */
  props?: Buffer;
  payload?: string | Buffer;
}

/** A PUBLISH built by hand for protocol level 4 or 5. */
export function publishBytes(level: 4 | 5, p: PublishBytes): Buffer {
  const qos = p.qos ?? 0;
  return packet(
    0x30 | (qos << 1),
    str(p.topic),
    qos > 0 ? u16(p.messageId ?? 1) : Buffer.alloc(0),
    level === 5 ? (p.props ?? properties()) : Buffer.alloc(0),
    typeof p.payload === 'string' ? Buffer.from(p.payload) : (p.payload ?? Buffer.alloc(0)),
  );
}

/** A SUBSCRIBE built by hand (one filter), for a filter mqtt-packet would re-encode. */
export function subscribeBytes(level: 4 | 5, messageId: number, filter: string | Buffer, qos: 0 | 1 | 2 = 0, firstByte = 0x82): Buffer {
  return packet(firstByte, u16(messageId), level === 5 ? properties() : Buffer.alloc(0), str(filter), Buffer.from([qos]));
}

/** One packet as it crossed the wire: first byte, the length bytes as encoded, the body. */
export interface Frame {
  firstByte: number;
  type: number;
  lengthBytes: Buffer;
  body: Buffer;
  /** Fixed header plus body: the packet's size on the wire. */
  size: number;
}

/** Splits bytes into packets by their fixed headers; an incomplete tail is left out. */
export function framesOf(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const firstByte = bytes[at] ?? 0;
    const len = readVarInt(bytes, at + 1);
    if (len === null) return frames;
    const length = len.value;
    const i = at + 1 + len.size;
    if (i + length > bytes.length) return frames;
    frames.push({ firstByte, type: firstByte >> 4, lengthBytes: bytes.subarray(at + 1, i), body: bytes.subarray(i, i + length), size: i + length - at });
    at = i + length;
  }
  return frames;
}

/** Everything the server sent on this connection so far, as one buffer. */
export function receivedBytes(client: RawClient): Buffer {
  return Buffer.concat(client.transcript().filter((e) => e.dir === 'received').map((e) => Buffer.from(e.hex, 'hex')));
}

/** The packets the server sent on this connection so far. */
export function receivedFrames(client: RawClient): Frame[] {
  return framesOf(receivedBytes(client));
}

/** Whether a length was written in the fewest bytes its value needs [MQTT-1.5.5-1]. */
export function isMinimalVbi(lengthBytes: Buffer): boolean {
  return lengthBytes.length <= 1 || lengthBytes[lengthBytes.length - 1] !== 0x00;
}

export interface RawProperty {
  id: number;
  /** The value bytes as sent (for a pair, key and value each with their length prefix). */
  value: Buffer;
}

/** Reads a property block starting at `at`; undefined when the bytes do not lay out as properties. */
export function readProperties(bytes: Buffer, at: number): { props: RawProperty[]; end: number } | undefined {
  const len = readVarInt(bytes, at);
  if (len === null) return undefined;
  const end = at + len.size + len.value;
  if (end > bytes.length) return undefined;
  const props: RawProperty[] = [];
  let i = at + len.size;
  while (i < end) {
    const id = readVarInt(bytes, i);
    if (id === null) return undefined;
    const kind = VALUE_KIND[id.value];
    if (kind === undefined) return undefined;
    const start = i + id.size;
    let stop: number;
    if (kind === 'byte') stop = start + 1;
    else if (kind === 'two') stop = start + 2;
    else if (kind === 'four') stop = start + 4;
    else if (kind === 'vbi') {
      const n = readVarInt(bytes, start);
      stop = n === null ? end + 1 : start + n.size;
    }
    else if (kind === 'pair') {
      const keyEnd = start + 2 + (u16at(bytes, start) ?? end);
      stop = keyEnd + 2 + (u16at(bytes, keyEnd) ?? end);
    } else stop = start + 2 + (u16at(bytes, start) ?? end);
    if (stop > end) return undefined;
    props.push({ id: id.value, value: bytes.subarray(start, stop) });
    i = stop;
  }
  return { props, end };
}

/** The parts of a PUBLISH body (5.0 when `level` is 5): topic bytes, packet id, properties, payload. */
export function splitPublish(frame: Frame, level: 4 | 5): { topic: Buffer; messageId: number | undefined; props: RawProperty[]; payload: Buffer } | undefined {
  const body = frame.body;
  if (frame.type !== 3 || body.length < 2) return undefined;
  const qos = (frame.firstByte >> 1) & 3;
  const topicEnd = 2 + body.readUInt16BE(0);
  if (topicEnd > body.length) return undefined;
  let at = topicEnd;
  let messageId: number | undefined;
  if (qos > 0) {
    if (at + 2 > body.length) return undefined;
    messageId = body.readUInt16BE(at);
    at += 2;
  }
  let props: RawProperty[] = [];
  if (level === 5) {
    const read = readProperties(body, at);
    if (read === undefined) return undefined;
    props = read.props;
    at = read.end;
  }
  return { topic: body.subarray(2, topicEnd), messageId, props, payload: body.subarray(at) };
}

/** Key and value of a User Property's raw value. */
export function pairOf(value: Buffer): [string, string] {
  const keyLen = value.readUInt16BE(0);
  const key = value.subarray(2, 2 + keyLen).toString('utf8');
  return [key, value.subarray(4 + keyLen).toString('utf8')];
}

function u16at(bytes: Buffer, at: number): number | undefined {
  return at + 2 <= bytes.length ? bytes.readUInt16BE(at) : undefined;
}
