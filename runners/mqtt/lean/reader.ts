/**
 * The lean client's decoder: a streaming reader that frames packets by their Remaining Length
 * (§2.1, [MQTT-1.5.5]) and reads what arrives most — PUBLISH and the four acknowledgements —
 * in place. A PUBLISH's payload is a subarray of the chunk it came in (zero copy); only a
 * packet cut across chunks is gathered, once, when its last byte is there. The rare packets
 * (CONNACK, SUBACK, UNSUBACK, DISCONNECT, AUTH) go through mqtt-packet's parser, one shared per
 * protocol version: each gets exactly one whole packet, parsed synchronously.
 *
 * Anything that does not read is reported once as malformed and the reader stops: the client
 * MUST close the connection then ([MQTT-4.8.0-1] in 3.1.1, §4.13.1 in 5.0).
 */
import mqttPacket from 'mqtt-packet';
import type { Packet, Parser } from 'mqtt-packet';
import { PacketType, type AckType } from './codec.js';

export interface PacketSink {
  /** A PUBLISH: `payload` is a view into the received bytes (valid as long as the caller keeps it). */
  inbound(topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean, dup: boolean, messageId: number): void;
  /** PUBACK / PUBREC / PUBREL / PUBCOMP; reasonCode 0 when the packet carries none (3.1.1, or 5.0 success). */
  ack(type: AckType, messageId: number, reasonCode: number): void;
  pingresp(): void;
  /** Any other packet, as mqtt-packet decodes it. */
  control(packet: Packet): void;
  malformed(error: Error): void;
}

const ACKS: readonly (AckType | undefined)[] = [];
for (const type of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) (ACKS as (AckType | undefined)[])[PacketType[type]] = type;

/** Reads a Variable Byte Integer at `at`: value and size; size 0 when cut off; -1 when it runs past four bytes. */
function varInt(buf: Buffer, at: number, end: number): { value: number; size: number } {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    if (at + i >= end) return { value: 0, size: 0 };
    const b = buf[at + i] as number;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return { value, size: i + 1 };
  }
  return { value: 0, size: -1 };
}

export class PacketReader {
  /** Bytes of a packet cut across chunks, and how many the packet needs (0: its header is cut too). */
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  #need = 0;
  #broken = false;

  constructor(
    private readonly v5: boolean,
    private readonly sink: PacketSink,
  ) {}

  push(chunk: Buffer): void {
    if (this.#broken) return;
    let buf = chunk;
    if (this.#held !== undefined) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#need > 0 && this.#heldBytes < this.#need) return;
      buf = Buffer.concat(this.#held, this.#heldBytes);
      this.#held = undefined;
    }
    let at = 0;
    const end = buf.length;
    while (at < end && !this.#broken) {
      const length = varInt(buf, at + 1, end);
      if (length.size < 0) return this.#fail(new Error('Remaining Length longer than four bytes'));
      const total = length.size === 0 ? 0 : 1 + length.size + length.value;
      if (total === 0 || at + total > end) {
        this.#held = [buf.subarray(at)];
        this.#heldBytes = end - at;
        this.#need = total;
        return;
      }
      this.#packet(buf, at, at + 1 + length.size, at + total);
      at += total;
    }
  }

  #fail(error: Error): void {
    this.#broken = true;
    this.#held = undefined;
    this.sink.malformed(error);
  }

  #packet(buf: Buffer, start: number, body: number, end: number): void {
    const first = buf[start] as number;
    const type = first >> 4;
    if (type === PacketType.publish) return this.#publish(buf, first, body, end);
    const ack = ACKS[type];
    if (ack !== undefined) {
      // [MQTT-2.2.2-2]: PUBREL's flags are 0010, the others' 0000.
      if ((first & 0x0f) !== (ack === 'pubrel' ? 2 : 0) || end - body < 2) return this.#fail(new Error(`malformed ${ack.toUpperCase()}`));
      const reasonCode = this.v5 && end - body > 2 ? (buf[body + 2] as number) : 0;
      return this.sink.ack(ack, buf.readUInt16BE(body), reasonCode);
    }
    if (type === PacketType.pingresp && first === 0xd0 && end === body) return this.sink.pingresp();
    const decoded = decodeControl(buf.subarray(start, end), this.v5 ? 5 : 4);
    if (decoded instanceof Error) return this.#fail(decoded);
    this.sink.control(decoded);
  }

  #publish(buf: Buffer, first: number, body: number, end: number): void {
    const qos = (first >> 1) & 3;
    if (qos === 3) return this.#fail(new Error('PUBLISH with both QoS bits set [MQTT-3.3.1-4]'));
    let at = body;
    if (at + 2 > end) return this.#fail(new Error('PUBLISH cut short in its topic'));
    const topicEnd = at + 2 + buf.readUInt16BE(at);
    if (topicEnd > end) return this.#fail(new Error('PUBLISH cut short in its topic'));
    const topic = buf.toString('utf8', at + 2, topicEnd);
    at = topicEnd;
    let messageId = 0;
    if (qos > 0) {
      if (at + 2 > end) return this.#fail(new Error('PUBLISH cut short in its packet identifier'));
      messageId = buf.readUInt16BE(at);
      at += 2;
    }
    if (this.v5) {
      const props = varInt(buf, at, end);
      if (props.size <= 0 || at + props.size + props.value > end) return this.#fail(new Error('PUBLISH properties cut short'));
      at += props.size + props.value;
    }
    this.sink.inbound(topic, buf.subarray(at, end), qos as 0 | 1 | 2, (first & 1) === 1, (first & 8) === 8, messageId);
  }
}

interface SharedParser {
  parser: Parser;
  packet: Packet | undefined;
  error: Error | undefined;
}

const shared = new Map<4 | 5, SharedParser>();

function parserFor(version: 4 | 5): SharedParser {
  let p = shared.get(version);
  if (p === undefined) {
    const parser = mqttPacket.parser({ protocolVersion: version });
    const entry: SharedParser = { parser, packet: undefined, error: undefined };
    parser.on('packet', (packet: Packet) => void (entry.packet = packet));
    parser.on('error', (error: Error) => void (entry.error ??= error));
    shared.set(version, (p = entry));
  }
  return p;
}

/** One whole packet decoded by mqtt-packet, or why it does not read. */
export function decodeControl(bytes: Buffer, version: 4 | 5): Packet | Error {
  const p = parserFor(version);
  p.packet = undefined;
  p.error = undefined;
  p.parser.parse(bytes);
  const { packet, error } = p;
  // A failed or unfinished parse leaves state behind: the next packet gets a fresh parser.
  if (error !== undefined || packet === undefined) shared.delete(version);
  return error ?? packet ?? new Error(`${bytes.length}-byte packet mqtt-packet could not finish`);
}
