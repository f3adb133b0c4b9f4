/**
 * Strings every MQTT server must accept: UTF-8 text, topic names and topic filters, valid by
 * construction (never filtered afterwards where a combinator can say it first, so fast-check
 * shrinks them toward "" and "a").
 *
 * A character is any Unicode scalar value the spec lets a sender put in a UTF-8 Encoded String
 * without the receiver being allowed to refuse it:
 * - never U+0000 [MQTT-1.5.3-2] [MQTT-1.5.4-2] nor a surrogate U+D800..U+DFFF [MQTT-1.5.3-1] [MQTT-1.5.4-1];
 * - never a control character (U+0001..U+001F, U+007F..U+009F) nor a non-character: 5.0 §1.5.4
 *   lets a receiver treat those as a Malformed Packet, so a "valid" packet carrying one could be
 *   refused and the oracle would blame a conformant server.
 * Emoji (outside the BMP, four UTF-8 bytes) are weighted in on purpose: they are where byte
 * lengths and character lengths part ways.
 */
import fc from 'fast-check';

/** True for a code point a valid packet may carry in a UTF-8 Encoded String (see the header). */
export function isAllowedCodePoint(cp: number): boolean {
  if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return false;
  if ((cp & 0xfffe) === 0xfffe) return false; // U+xxFFFE and U+xxFFFF in every plane
  return cp <= 0x10ffff;
}

function charArb(excluded: string): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
      { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0xffff }) },
      { weight: 2, arbitrary: fc.integer({ min: 0x1f300, max: 0x1faff }) },
      { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
    )
    .filter((cp) => isAllowedCodePoint(cp) && !excluded.includes(String.fromCodePoint(cp)))
    .map((cp) => String.fromCodePoint(cp));
}

const anyChar = charArb('');
/** A topic level: no separator, no wildcard [MQTT-3.3.2-2], no '$' (topics starting with '$' are the server's, §4.7.2). */
const levelChar = charArb('/+#$');

/** A UTF-8 Encoded String of up to `maxLength` characters (not bytes). */
export function utf8StringArb(maxLength = 12, minLength = 0): fc.Arbitrary<string> {
  return fc.string({ unit: anyChar, minLength, maxLength });
}

const topicLevel = fc.string({ unit: levelChar, maxLength: 6 });

/** A topic name: 1..4 levels (empty levels allowed, "a//b"), no wildcard, at least one character [MQTT-4.7.3-1]. */
export const topicNameArb: fc.Arbitrary<string> = fc
  .tuple(fc.string({ unit: levelChar, minLength: 1, maxLength: 6 }), fc.array(topicLevel, { maxLength: 3 }))
  .map(([first, rest]) => [first, ...rest].join('/'));

/**
 * A topic filter: levels that are text or '+' (a whole level, [MQTT-4.7.1-3]), optionally ending
 * in '#' (last, a whole level, [MQTT-4.7.1-2]). Never empty [MQTT-4.7.3-1].
 */
export const topicFilterArb: fc.Arbitrary<string> = fc
  .record({
    levels: fc.array(fc.oneof({ weight: 3, arbitrary: topicLevel }, { weight: 1, arbitrary: fc.constant('+') }), { maxLength: 4 }),
    multiLevel: fc.boolean(),
  })
  .map(({ levels, multiLevel }) => [...levels, ...(multiLevel || levels.length === 0 ? ['#'] : [])].join('/'))
  .map((filter) => (filter === '' ? '#' : filter));

/** A client identifier every server must accept: 1..23 of [0-9a-zA-Z] [MQTT-3.1.3-5]. */
export const clientIdArb: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  minLength: 1,
  maxLength: 23,
});

/** Binary Data: up to `maxLength` bytes. */
export function bytesArb(maxLength = 16): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));
}
