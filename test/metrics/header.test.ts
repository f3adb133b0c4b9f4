import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HEADER_BYTES,
  HeaderFlag,
  decodeHeader,
  encodeMessage,
  runTag,
  sameRunTag,
  stampActualSendTime,
  type MessageHeader,
} from '../../core/metrics/header.js';

const TAG = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function header(over: Partial<MessageHeader> = {}): MessageHeader {
  return { runTag: TAG, streamId: 7, seq: 42, intendedSendMicros: 1_000_000, actualSendMicros: 1_000_250, ...over };
}

describe('runTag', () => {
  it('is the first 8 bytes of sha256(run id)', () => {
    const expected = createHash('sha256').update('run-2024-01').digest().subarray(0, 8);
    expect(Buffer.from(runTag('run-2024-01')).equals(expected)).toBe(true);
    expect(runTag('a')).toHaveLength(8);
    expect(sameRunTag(runTag('a'), runTag('a'))).toBe(true);
    expect(sameRunTag(runTag('a'), runTag('b'))).toBe(false);
  });
});

describe('encodeMessage', () => {
  it('lays the header out field by field, big-endian', () => {
    const buf = encodeMessage(header({ flags: HeaderFlag.warmup }), 64);
    expect(buf).toHaveLength(64);
    const expected = Buffer.from([
      0x43, 0x42, //                                   magic "CB"
      0x01, //                                         version 1
      0x01, //                                         flags: warmup
      1, 2, 3, 4, 5, 6, 7, 8, //                       run tag
      0x00, 0x00, 0x00, 0x07, //                       stream id 7
      0x00, 0x00, 0x00, 0x2a, //                       seq 42
      0x41, 0x2e, 0x84, 0x80, 0x00, 0x00, 0x00, 0x00, // intended 1e6 µs (float64)
      0x41, 0x2e, 0x86, 0x74, 0x00, 0x00, 0x00, 0x00, // actual 1_000_250 µs (float64)
      0x00, 0x00, 0x00, 0x40, //                       payload size 64
      0, 0, 0, 0, 0, 0, 0, 0, //                       reserved
    ]);
    expect(Buffer.from(buf.subarray(0, HEADER_BYTES)).equals(expected)).toBe(true);
  });

  it('round-trips through decodeHeader', () => {
    const h = header({ streamId: 0xffff_ffff, seq: 0, intendedSendMicros: 123.5 });
    const decoded = decodeHeader(encodeMessage(h, 1000));
    expect(decoded).toEqual({ ...h, flags: 0, payloadBytes: 1000 });
  });

  it('accepts exactly HEADER_BYTES and rejects less with RangeError', () => {
    expect(encodeMessage(header(), HEADER_BYTES)).toHaveLength(HEADER_BYTES);
    expect(() => encodeMessage(header(), HEADER_BYTES - 1)).toThrow(RangeError);
    expect(() => encodeMessage(header(), 100.5)).toThrow(RangeError);
  });

  it('rejects fields that do not fit their slot', () => {
    expect(() => encodeMessage(header({ runTag: new Uint8Array(7) }), 64)).toThrow(RangeError);
    expect(() => encodeMessage(header({ streamId: 2 ** 32 }), 64)).toThrow(RangeError);
    expect(() => encodeMessage(header({ seq: -1 }), 64)).toThrow(RangeError);
    expect(() => encodeMessage(header({ intendedSendMicros: Number.NaN }), 64)).toThrow(RangeError);
    expect(() => encodeMessage(header({ flags: 0x80 }), 64)).toThrow(RangeError);
  });

  it('fills the payload with incompressible bytes, different per message', () => {
    const a = encodeMessage(header({ seq: 1 }), 4096);
    const b = encodeMessage(header({ seq: 2 }), 4096);
    // deflate (WebSocket permessage-deflate) cannot shrink the filler
    expect(deflateSync(a).length).toBeGreaterThan(4000);
    expect(Buffer.from(a.subarray(HEADER_BYTES)).equals(Buffer.from(b.subarray(HEADER_BYTES)))).toBe(false);
  });
});

describe('stampActualSendTime', () => {
  it('rewrites only the actual send time', () => {
    const buf = encodeMessage(header({ actualSendMicros: 0 }), 200);
    const before = Buffer.from(buf);
    stampActualSendTime(buf, 9_876_543_210);
    expect(decodeHeader(buf)?.actualSendMicros).toBe(9_876_543_210);
    const changed = [...buf].flatMap((byte, i) => (byte === before[i] ? [] : [i]));
    expect(changed.every((i) => i >= 28 && i < 36)).toBe(true);
    expect(changed.length).toBeGreaterThan(0);
  });

  it('works on a view into a larger buffer', () => {
    const big = new Uint8Array(300);
    const msg = encodeMessage(header(), 100);
    big.set(msg, 50);
    const view = big.subarray(50, 150);
    stampActualSendTime(view, 77);
    expect(decodeHeader(view)?.actualSendMicros).toBe(77);
    expect(big[0]).toBe(0);
  });

  it('rejects a short buffer', () => {
    expect(() => stampActualSendTime(new Uint8Array(10), 1)).toThrow(RangeError);
  });
});

describe('decodeHeader', () => {
  const good = encodeMessage(header(), 64);
  const corrupt = (offset: number, value: number): Uint8Array => {
    const b = Uint8Array.from(good);
    b[offset] = value;
    return b;
  };

  it.each([
    ['empty payload', new Uint8Array(0)],
    ['short payload', good.subarray(0, HEADER_BYTES - 1)],
    ['foreign text', new TextEncoder().encode('hello, this is a plain chat message of some length')],
    ['wrong magic', corrupt(0, 0x41)],
    ['unknown version', corrupt(2, 2)],
    ['unknown flag', corrupt(3, 0x02)],
    ['reserved byte set', corrupt(44, 1)],
    ['NaN intended time', corrupt(20, 0x7f).map((v, i) => (i === 21 ? 0xf8 : v))],
    ['negative actual time', corrupt(28, 0xc1)],
    ['payload size below header', corrupt(39, 0x10).map((v, i) => (i === 38 ? 0 : v))],
  ])('returns null for %s', (_name, bytes) => {
    expect(decodeHeader(bytes)).toBeNull();
  });

  it('returns null for another run when the run tag is given', () => {
    expect(decodeHeader(good, TAG)).not.toBeNull();
    expect(decodeHeader(good, runTag('other'))).toBeNull();
  });

  it('compares the run tag in place: one byte off is another run, and the tag given comes back', () => {
    const lastTagByteOff = Uint8Array.from(good, (v, i) => (i === 11 ? v ^ 1 : v));
    expect(decodeHeader(lastTagByteOff, TAG)).toBeNull();
    expect(decodeHeader(lastTagByteOff)?.runTag).not.toEqual(TAG);
    expect(decodeHeader(good, TAG)?.runTag).toEqual(TAG);
    expect(decodeHeader(good, TAG.subarray(0, 7))).toBeNull();
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const h = decodeHeader(bytes);
        expect(h === null || h.payloadBytes >= HEADER_BYTES).toBe(true);
      }),
    );
  });

  it('round-trips any valid header (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.nat({ max: 0xffff_ffff }),
        fc.nat({ max: 0xffff_ffff }),
        fc.double({ min: 0, max: 2 ** 53, noNaN: true }),
        fc.double({ min: 0, max: 2 ** 53, noNaN: true }),
        fc.integer({ min: HEADER_BYTES, max: 2048 }),
        (tag, streamId, seq, intended, actual, size) => {
          const h = { runTag: tag, streamId, seq, intendedSendMicros: intended, actualSendMicros: actual, flags: 0 };
          const bytes = encodeMessage(h, size);
          expect(bytes).toHaveLength(size);
          expect(decodeHeader(bytes, tag)).toEqual({ ...h, payloadBytes: size });
        },
      ),
    );
  });
});
