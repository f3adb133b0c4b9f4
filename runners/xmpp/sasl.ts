/**
 * SASL for XMPP (RFC 6120 §6): SCRAM-SHA-1 (RFC 5802, preferred: the password never crosses
 * the wire) and PLAIN (RFC 4616). Mechanisms are pure state machines over byte strings; the
 * stream does the <auth>/<challenge>/<response>/<success> exchange and base64.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Mechanism {
  readonly name: string;
  /** The initial response sent with <auth>. */
  initial(): Buffer;
  /** The response to a server challenge. */
  respond(challenge: Buffer): Buffer;
  /** Checks the additional data of <success> (SCRAM's server signature); throws when it is wrong. */
  verify(success: Buffer): void;
}

/** Mechanisms chatbench offers, best first. */
export const MECHANISMS = ['SCRAM-SHA-1', 'PLAIN'] as const;
export type MechanismName = (typeof MECHANISMS)[number];

export function plain(username: string, password: string): Mechanism {
  return {
    name: 'PLAIN',
    initial: () => Buffer.from(`\0${username}\0${password}`, 'utf8'),
    respond: () => Buffer.alloc(0),
    verify: () => undefined,
  };
}

/** RFC 5802 §5.1: "=" and "," in a user name are written =3D and =2C. */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha1', key).update(text).digest();

/** SCRAM-SHA-1 without channel binding ("n,,"); `nonce` is for test vectors only. */
export function scramSha1(username: string, password: string, nonce = randomBytes(18).toString('base64')): Mechanism {
  const bare = `n=${saslName(username)},r=${nonce}`;
  let serverSignature: Buffer | undefined;
  return {
    name: 'SCRAM-SHA-1',
    initial: () => Buffer.from(`n,,${bare}`, 'utf8'),
    respond(challenge) {
      const first = challenge.toString('utf8');
      const attrs = attributes(first);
      const combined = attrs.get('r');
      const salt = attrs.get('s');
      const iterations = Number(attrs.get('i'));
      if (!combined?.startsWith(nonce) || salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
        throw new Error('SCRAM-SHA-1: malformed server-first-message');
      }
      const salted = pbkdf2Sync(password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 20, 'sha1');
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha1').update(clientKey).digest();
      const withoutProof = `c=biws,r=${combined}`;
      const authMessage = `${bare},${first},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
      serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
    },
    verify(success) {
      const v = attributes(success.toString('utf8')).get('v');
      if (serverSignature === undefined || v === undefined) throw new Error('SCRAM-SHA-1: the server sent no signature');
      const got = Buffer.from(v, 'base64');
      if (got.length !== serverSignature.length || !timingSafeEqual(got, serverSignature)) {
        throw new Error('SCRAM-SHA-1: the server signature is wrong (not the server the password belongs to)');
      }
    },
  };
}

/** The best mechanism both sides have, or undefined. */
export function chooseMechanism(offered: readonly string[], username: string, password: string, allowPlain: boolean): Mechanism | undefined {
  if (offered.includes('SCRAM-SHA-1')) return scramSha1(username, password);
  if (offered.includes('PLAIN') && allowPlain) return plain(username, password);
  return undefined;
}
