/**
 * The canary: a fresh, well-behaved login after each case (two attempts before a hang is
 * declared) that sends a message to its own account and must get it back. When it cannot, one
 * more plain connection tells the two failures apart: a server that no longer accepts
 * connections crashed; one that accepts them but does not serve hangs.
 */
import { randomBytes } from 'node:crypto';
import { judgeCanary, type CanaryResult, type Stuck } from '../../../core/fuzz/canary.js';
import { logIn, type FuzzAccount } from './login.js';
import { RawConnectError, RawXmppConnection, until, type Endpoint } from './raw.js';

export interface ServerOptions {
  endpoint: Endpoint;
  domain: string;
  account: FuzzAccount;
  /** How long the canary's round trip (and each connection attempt) may take. */
  canaryTimeoutMs: number;
}

export type { CanaryResult };

let canaries = 0;

export function runCanary(options: ServerOptions): Promise<CanaryResult> {
  return judgeCanary({
    roundTrip: () => roundTrip(options),
    open: () => RawXmppConnection.open(options.endpoint, options.canaryTimeoutMs),
  });
}

/** null when the round trip worked; otherwise why not, or the refusal. */
async function roundTrip(options: ServerOptions): Promise<Stuck | null> {
  const n = ++canaries;
  const deadline = performance.now() + options.canaryTimeoutMs;
  let conn: RawXmppConnection;
  try {
    conn = await RawXmppConnection.open(options.endpoint, options.canaryTimeoutMs);
  } catch (error) {
    if (error instanceof RawConnectError) return { why: 'could not connect', refused: error.message };
    throw error;
  }
  try {
    const login = await logIn(conn, options.account, { domain: options.domain, resource: `canary-${process.pid}-${n}`, timeoutMs: options.canaryTimeoutMs });
    if (!login.ok) return { why: `could not log in (${login.why})` };
    // A random id: nothing left over from a case (or an earlier canary) can pass for this message.
    const id = `canary-${randomBytes(6).toString('hex')}`;
    const from = conn.log.length;
    conn.send(Buffer.from(`<message type='chat' id='${id}'><body>canary</body></message>`));
    const back = await until(() => conn.log.slice(from).find((ev) => ev.kind === 'closed' || (ev.kind === 'element' && ev.el.name === 'message' && ev.el.attrs['id'] === id)), Math.max(1, deadline - performance.now()));
    if (back === undefined) return { why: 'got no message back' };
    if (back.kind === 'closed') return { why: 'had its stream closed before the message came back' };
    if (back.kind === 'element' && back.el.attrs['type'] === 'error') return { why: 'got its message back as an error' };
    conn.send(Buffer.from('</stream:stream>'));
    return null;
  } finally {
    conn.destroy();
  }
}
