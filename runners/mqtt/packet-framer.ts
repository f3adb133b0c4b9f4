/**
 * Splits one direction of an MQTT byte stream into whole packets (§2.1 fixed header: a first
 * byte and a Remaining Length [MQTT-1.5.5]), without decoding them: the fault proxy forwards
 * the packets' own bytes, so what reaches the client is byte for byte what the server sent
 * (wire counts stay true) unless the proxy meant otherwise.
 */
import { readVarInt } from './fuzz/framing.js';

/** What MQTT's fixed header can span: the first byte plus at most four length bytes. */
const MAX_FIXED_HEADER = 5;

/** Packet types this proxy looks at (§2.1.2 Table 2.1: the high nibble of the first byte). */
export const PacketType = { connect: 1, publish: 3 } as const;

export class PacketFramer {
  readonly #chunks: Buffer[] = [];
  #length = 0;
  /** The stream stopped framing (a Remaining Length longer than four bytes): it is no MQTT any more. */
  #broken = false;

  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Takes the next bytes; returns every packet they complete, in order. Once broken, returns
   * nothing: the caller forwards the bytes as they are (see takeRest for what was held).
   */
  push(chunk: Buffer): Buffer[] {
    if (this.#broken) return [];
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const packets: Buffer[] = [];
    for (;;) {
      if (this.#length < 2) break;
      const head = this.#peek(Math.min(MAX_FIXED_HEADER, this.#length));
      const remaining = readVarInt(head, 1);
      if (remaining === null) {
        if (head.length >= MAX_FIXED_HEADER) this.#broken = true;
        break; // cut off: wait for more, unless it can never be read
      }
      const size = 1 + remaining.size + remaining.value;
      if (this.#length < size) break;
      packets.push(this.#take(size));
    }
    return packets;
  }

  /** Bytes held for an unfinished packet (handed on as they are once the stream is broken). */
  takeRest(): Buffer {
    return this.#take(this.#length);
  }

  /** The first n (at most 5) held bytes, contiguous: copied from the first few chunks only when they span them. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const head = Buffer.alloc(n);
    let at = 0;
    for (const chunk of this.#chunks) {
      at += chunk.copy(head, at, 0, Math.min(chunk.length, n - at));
      if (at === n) break;
    }
    return head;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) {
      this.#length -= n;
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const all = Buffer.concat(this.#chunks, this.#length);
    this.#chunks.length = 0;
    if (all.length > n) this.#chunks.push(all.subarray(n));
    this.#length = all.length - n;
    return all.subarray(0, n);
  }
}

/** The client id and protocol level of a CONNECT packet (§3.1.2, §3.1.3), or null when it does not read. */
export function readConnect(packet: Buffer): { level: number; clientId: string } | null {
  const remaining = readVarInt(packet, 1);
  if (remaining === null || packet.length < 1 + remaining.size + 10) return null;
  let at = 1 + remaining.size;
  const nameLength = packet.readUInt16BE(at);
  at += 2 + nameLength;
  const level = packet[at];
  if (level === undefined) return null;
  at += 1 + 1 + 2; // level, connect flags, keep alive
  if (level === 5) {
    const props = readVarInt(packet, at);
    if (props === null) return null;
    at += props.size + props.value;
  }
  if (at + 2 > packet.length) return null;
  const idLength = packet.readUInt16BE(at);
  if (at + 2 + idLength > packet.length) return null;
  return { level, clientId: packet.toString('utf8', at + 2, at + 2 + idLength) };
}
