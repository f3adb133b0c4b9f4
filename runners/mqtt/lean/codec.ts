/**
 * The lean client's encoder: control packets through mqtt-packet's generate, the hot ones by
 * hand. A PUBLISH is one buffer (fixed header, Remaining Length, topic, packet identifier,
 * 5.0 property length, payload: §3.3) built from a topic encoded once per destination
 * (TopicBytes) — so a send costs one allocation and two copies, not an object graph.
 * Acknowledgements are four bytes: 5.0 lets a success ack omit its reason code and
 * properties (Remaining Length 2, §3.4.2.1).
 */
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import '../packet-numbers.js';

/** Control packet types (§2.1.2 Table 2.1), the high nibble of the first byte. */
export const PacketType = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14, auth: 15,
} as const;

export type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

/** Bytes of a Variable Byte Integer holding `n` (1 to 4) [MQTT-1.5.5]. */
export function varIntSize(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** Writes `n` as a Variable Byte Integer at `at`; returns the offset after it. */
export function writeVarInt(buf: Buffer, at: number, n: number): number {
  let v = n;
  let i = at;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v > 0) byte |= 0x80;
    buf[i++] = byte;
  } while (v > 0);
  return i;
}

/**
 * Topic names as the wire carries them: a two-byte length and the UTF-8 bytes [MQTT-1.5.3],
 * encoded once per topic and reused for every PUBLISH to it. Shared by a driver's sessions:
 * the destinations of a run are few (rooms and inboxes), the sends many.
 */
export class TopicBytes {
  readonly #encoded = new Map<string, Buffer>();

  get(topic: string): Buffer {
    let bytes = this.#encoded.get(topic);
    if (bytes === undefined) {
      const length = Buffer.byteLength(topic);
      bytes = Buffer.allocUnsafe(2 + length);
      bytes.writeUInt16BE(length, 0);
      bytes.write(topic, 2, 'utf8');
      this.#encoded.set(topic, bytes);
    }
    return bytes;
  }
}

export interface PublishHeader {
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  /** Packet identifier, QoS 1 and 2 only [MQTT-2.3.1-5]. */
  messageId: number;
  /** 5.0: a property length (0: no properties) sits between identifier and payload. */
  v5: boolean;
  /** 5.0 properties, encoded (messageExpiryProperty); absent: none. */
  properties?: Buffer | undefined;
}

/** One PUBLISH in one buffer; `topic` comes from TopicBytes. */
export function encodePublish(topic: Buffer, payload: Uint8Array, h: PublishHeader): Buffer {
  const props = h.v5 ? h.properties : undefined;
  const propsBytes = props === undefined ? (h.v5 ? 1 : 0) : varIntSize(props.length) + props.length;
  const remaining = topic.length + (h.qos > 0 ? 2 : 0) + propsBytes + payload.length;
  const buf = Buffer.allocUnsafe(1 + varIntSize(remaining) + remaining);
  buf[0] = (PacketType.publish << 4) | (h.dup ? 0x08 : 0) | (h.qos << 1) | (h.retain ? 1 : 0);
  let at = writeVarInt(buf, 1, remaining);
  at += topic.copy(buf, at);
  if (h.qos > 0) {
    buf[at++] = h.messageId >> 8;
    buf[at++] = h.messageId & 0xff;
  }
  if (props !== undefined) {
    at = writeVarInt(buf, at, props.length);
    at += props.copy(buf, at);
  } else if (h.v5) buf[at++] = 0;
  buf.set(payload, at);
  return buf;
}

/** Property identifier of the Message Expiry Interval, a Four Byte Integer (§3.3.2.3.3). */
const MESSAGE_EXPIRY_INTERVAL = 0x02;

/** A 5.0 PUBLISH's properties holding only a Message Expiry Interval of `seconds`: encoded once per sender. */
export function messageExpiryProperty(seconds: number): Buffer {
  const buf = Buffer.allocUnsafe(5);
  buf[0] = MESSAGE_EXPIRY_INTERVAL;
  buf.writeUInt32BE(seconds, 1);
  return buf;
}

/** PUBACK / PUBREC / PUBREL / PUBCOMP with success: PUBREL's flags are 0010 [MQTT-3.6.1-1]. */
export function encodeAck(type: AckType, messageId: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf[0] = (PacketType[type] << 4) | (type === 'pubrel' ? 0x02 : 0);
  buf[1] = 2;
  buf[2] = messageId >> 8;
  buf[3] = messageId & 0xff;
  return buf;
}

/** PINGREQ is always these two bytes (§3.12). */
export const PINGREQ = Buffer.from([PacketType.pingreq << 4, 0]);

/** Any other packet, through mqtt-packet (CONNECT, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT). */
export function encodeControl(packet: Packet, protocolVersion: 4 | 5): Buffer {
  return mqttPacket.generate(packet, { protocolVersion });
}
