/**
 * The chat payload in a stanza: chatbench's binary header and padding travel base64-encoded
 * in <body> (XML 1.0 cannot carry most control bytes, RFC 6120 §11.1), decoded on receipt.
 * The payload size a scenario names is the decoded size; the wire counts the encoded bytes.
 */

export function encodeBody(payload: Uint8Array): string {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
}

/** undefined when the body is not base64 chatbench wrote (a human's message, another client's). */
export function decodeBody(body: string): Buffer | undefined {
  // No regex per message: a length check, then Node's decoder (which skips what is not base64).
  if (body.length === 0 || body.length % 4 !== 0) return undefined;
  return Buffer.from(body, 'base64');
}

/**
 * The largest payload a stanza carries: base64 grows it by 4/3, and the stanza's markup and
 * addresses need room too. 10 MB is a common server cap (ejabberd's max_stanza_size default is
 * 65,536 B on c2s, prosody's 10 MiB for authenticated streams): chatbench refuses nothing below
 * the protocol's own limit, the server does, and a refusal is reported as such.
 */
export const STANZA_MARKUP_ALLOWANCE = 1024;
export function maxPayloadFor(stanzaLimitBytes: number): number {
  return Math.floor(((stanzaLimitBytes - STANZA_MARKUP_ALLOWANCE) * 3) / 4);
}
