/**
 * The chatbench message header: the first HEADER_BYTES of every chat payload.
 * It counts in the payload size and in wire bytes (DESIGN.md, "Measurement rules").
 *
 * Layout, fixed 48 bytes, big-endian (network order):
 *
 *   offset size field
 *    0     2    magic "CB" (0x43 0x42)
 *    2     1    version (1)
 *    3     1    flags (HeaderFlag bits; unknown bits make the header invalid)
 *    4     8    run tag: first 8 bytes of sha256(run id)
 *   12     4    stream id (u32)
 *   16     4    sequence number (u32, from 0 per stream)
 *   20     8    intended send time, µs on the monotonic clock (float64)
 *   28     8    actual send time, µs on the monotonic clock (float64), see stampActualSendTime
 *   36     4    payload size in bytes as sent (u32): a receiver compares it with what arrived
 *   40     8    reserved, zero in version 1 (a new field bumps the version)
 *
 * After the header the payload is filled with pseudo-random bytes (xorshift32, seeded
 * from stream and sequence) rather than zeros: a compressing transport (WebSocket
 * permessage-deflate) would otherwise shrink the payload and the wire bytes would lie.
 */
import { createHash } from 'node:crypto';

export const HEADER_BYTES = 48;
export const HEADER_VERSION = 1;
export const RUN_TAG_BYTES = 8;
const MAGIC_0 = 0x43; // 'C'
const MAGIC_1 = 0x42; // 'B'
const MAX_U32 = 0xffff_ffff;

/** Flag bits of the header's flags byte. */
export const HeaderFlag = {
  /** Sent during warm-up: receivers track it but it is not measured. */
  warmup: 0x01,
} as const;
const KNOWN_FLAGS = HeaderFlag.warmup;

const Offset = {
  magic: 0,
  version: 2,
  flags: 3,
  runTag: 4,
  streamId: 12,
  seq: 16,
  intended: 20,
  actual: 28,
  payloadBytes: 36,
  reserved: 40,
} as const;

export interface MessageHeader {
  /** RUN_TAG_BYTES bytes, from runTag(runId). */
  runTag: Uint8Array;
  streamId: number;
  seq: number;
  /** When the arrival schedule meant the message to go out (µs, core/clock.ts). */
  intendedSendMicros: number;
  /** When it was handed to the client (µs); 0 until stamped. */
  actualSendMicros: number;
  /** HeaderFlag bits; 0 when absent. */
  flags?: number;
}

export interface DecodedHeader extends Required<MessageHeader> {
  /** Payload size the sender wrote; differs from the received length when a server cut or padded it. */
  payloadBytes: number;
}

/** The 8-byte tag that marks a run's messages: the first 8 bytes of sha256(runId). */
export function runTag(runId: string): Uint8Array {
  const digest = createHash('sha256').update(runId, 'utf8').digest();
  return new Uint8Array(digest.subarray(0, RUN_TAG_BYTES));
}

export function sameRunTag(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== RUN_TAG_BYTES || b.length !== RUN_TAG_BYTES) return false;
  for (let i = 0; i < RUN_TAG_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

// One scratch header and its DataView, reused by every call (single-threaded, synchronous).
const scratch = new Uint8Array(HEADER_BYTES);
const view = new DataView(scratch.buffer);

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_U32;
}

function isMicros(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

/**
 * A payload of exactly `payloadBytes` bytes: the header, then filler.
 * Throws RangeError when payloadBytes < HEADER_BYTES or a field does not fit its slot.
 */
export function encodeMessage(h: MessageHeader, payloadBytes: number): Buffer {
  if (!Number.isInteger(payloadBytes) || payloadBytes < HEADER_BYTES || payloadBytes > MAX_U32) {
    throw new RangeError(`payload size ${payloadBytes} must be an integer of at least ${HEADER_BYTES} bytes (the header)`);
  }
  if (h.runTag.length !== RUN_TAG_BYTES) throw new RangeError(`run tag must be ${RUN_TAG_BYTES} bytes, got ${h.runTag.length}`);
  if (!isU32(h.streamId)) throw new RangeError(`stream id ${h.streamId} is not a u32`);
  if (!isU32(h.seq)) throw new RangeError(`sequence ${h.seq} is not a u32`);
  if (!isMicros(h.intendedSendMicros)) throw new RangeError(`intended send time ${h.intendedSendMicros} is not a time`);
  if (!isMicros(h.actualSendMicros)) throw new RangeError(`actual send time ${h.actualSendMicros} is not a time`);
  const flags = h.flags ?? 0;
  if ((flags & ~KNOWN_FLAGS) !== 0 || !Number.isInteger(flags)) throw new RangeError(`unknown header flags ${flags}`);

  scratch[Offset.magic] = MAGIC_0;
  scratch[Offset.magic + 1] = MAGIC_1;
  scratch[Offset.version] = HEADER_VERSION;
  scratch[Offset.flags] = flags;
  scratch.set(h.runTag, Offset.runTag);
  view.setUint32(Offset.streamId, h.streamId);
  view.setUint32(Offset.seq, h.seq);
  view.setFloat64(Offset.intended, h.intendedSendMicros);
  view.setFloat64(Offset.actual, h.actualSendMicros);
  view.setUint32(Offset.payloadBytes, payloadBytes);
  scratch.fill(0, Offset.reserved);

  const out = Buffer.allocUnsafe(payloadBytes);
  out.set(scratch, 0);
  fill(out, HEADER_BYTES, Math.imul(h.streamId, 0x9e37_79b9) ^ Math.imul(h.seq + 1, 0x85eb_ca6b));
  return out;
}

/** Incompressible, deterministic filler: xorshift32, four bytes per step. */
function fill(out: Uint8Array, from: number, seed: number): void {
  let x = seed === 0 ? 0x6d2b_79f5 : seed | 0; // xorshift32 must not start at 0
  const end = out.length;
  let i = from;
  while (i < end) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i++] = x;
    if (i < end) out[i++] = x >>> 8;
    if (i < end) out[i++] = x >>> 16;
    if (i < end) out[i++] = x >>> 24;
  }
}

/**
 * Write the actual send time into an encoded message in place, just before it is handed
 * to the client, so the payload need not be encoded again. Throws RangeError on a buffer
 * shorter than the header or a time that is not one.
 */
export function stampActualSendTime(buf: Uint8Array, micros: number): void {
  if (buf.length < HEADER_BYTES) throw new RangeError(`buffer of ${buf.length} bytes has no chatbench header`);
  if (!isMicros(micros)) throw new RangeError(`actual send time ${micros} is not a time`);
  view.setFloat64(0, micros);
  for (let i = 0; i < 8; i++) buf[Offset.actual + i] = scratch[i] as number;
}

/** Whether the run tag inside `bytes` (a header) is `tag`, compared in place: nothing is copied. */
function hasRunTag(bytes: Uint8Array, tag: Uint8Array): boolean {
  if (tag.length !== RUN_TAG_BYTES) return false;
  for (let i = 0; i < RUN_TAG_BYTES; i++) if (bytes[Offset.runTag + i] !== tag[i]) return false;
  return true;
}

/**
 * The header of a received payload, or null when the payload is not a chatbench message
 * of this version (foreign, short, garbled) or, given `expectedRunTag`, belongs to another
 * run. Never throws. This runs once per delivery: given `expectedRunTag`, another run's message
 * is refused before anything is copied, and the header's `runTag` is `expectedRunTag` itself
 * (the same bytes; read it, never write to it) rather than a fresh copy per message.
 */
export function decodeHeader(bytes: Uint8Array, expectedRunTag?: Uint8Array): DecodedHeader | null {
  if (bytes.length < HEADER_BYTES) return null;
  if (bytes[Offset.magic] !== MAGIC_0 || bytes[Offset.magic + 1] !== MAGIC_1) return null;
  if (bytes[Offset.version] !== HEADER_VERSION) return null;
  if (expectedRunTag !== undefined && !hasRunTag(bytes, expectedRunTag)) return null;
  for (let i = 0; i < HEADER_BYTES; i++) scratch[i] = bytes[i] as number;
  const flags = scratch[Offset.flags] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) return null;
  for (let i = Offset.reserved; i < HEADER_BYTES; i++) if (scratch[i] !== 0) return null;
  const intendedSendMicros = view.getFloat64(Offset.intended);
  const actualSendMicros = view.getFloat64(Offset.actual);
  if (!isMicros(intendedSendMicros) || !isMicros(actualSendMicros)) return null;
  const payloadBytes = view.getUint32(Offset.payloadBytes);
  if (payloadBytes < HEADER_BYTES) return null;
  const tag = expectedRunTag ?? scratch.slice(Offset.runTag, Offset.runTag + RUN_TAG_BYTES);
  return {
    runTag: tag,
    streamId: view.getUint32(Offset.streamId),
    seq: view.getUint32(Offset.seq),
    intendedSendMicros,
    actualSendMicros,
    flags,
    payloadBytes,
  };
}
