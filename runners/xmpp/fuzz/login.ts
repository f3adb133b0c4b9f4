/**
 * Logging a fuzz connection in (RFC 6120 §4.3 stream header and features, §6 SASL, §4.3.3
 * restart, §7 resource binding, then initial presence so messages to the account's bare JID
 * reach it, RFC 6121 §8.5.2.1). A case's login step is stored as LOGIN_STEP — a stream header
 * and an <auth/> with no mechanism data — and the real exchange is built when the step is sent,
 * from the target's account: a replay file never holds a user name or a password.
 */
import { NS } from '../ns.js';
import { chooseMechanism } from '../sasl.js';
import { child, escapeXml, type XmlElement } from '../xml.js';
import type { RawXmppConnection, XmppEvent } from './raw.js';
import { until } from './raw.js';

export interface FuzzAccount {
  username: string;
  password: string;
}

/** The stream header chatbench opens every stream with (RFC 6120 §4.7). */
export function streamHeader(domain: string): string {
  return `<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' to='${escapeXml(domain)}' version='1.0'>`;
}

/** A login step as replays keep it: what is sent, less the domain and every secret. */
export const LOGIN_STEP = Buffer.from(`<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' version='1.0'><auth xmlns='${NS.sasl}'/>`, 'utf8');

export function isLoginStep(bytes: Uint8Array): boolean {
  return Buffer.from(bytes).equals(LOGIN_STEP);
}

export type LoginOutcome = { ok: true; jid: string } | { ok: false; closed: boolean; why: string };

/** Waits for an element after log index `from`; the index after it, or why not. */
async function element(conn: RawXmppConnection, from: number, timeoutMs: number, want: (el: XmlElement) => boolean): Promise<{ at: number; el: XmlElement } | { closed: boolean; why: string }> {
  const found = await until(() => {
    const log = conn.log;
    for (let i = from; i < log.length; i++) {
      const ev = log[i] as XmppEvent;
      if (ev.kind === 'element' && want(ev.el)) return { at: i + 1, el: ev.el };
      if (ev.kind === 'element' && ev.el.name === 'stream:error') return { closed: true, why: `stream error <${ev.el.children[0]?.name ?? '?'}>` };
      if (ev.kind === 'closed' || ev.kind === 'end') return { closed: true, why: 'the server closed the stream' };
      if (ev.kind === 'unparsable') return { closed: false, why: `unparsable answer (${ev.message})` };
    }
    return undefined;
  }, timeoutMs);
  return found ?? { closed: false, why: `no answer within ${timeoutMs} ms` };
}

export async function logIn(conn: RawXmppConnection, account: FuzzAccount, opts: { domain: string; resource: string; timeoutMs: number }): Promise<LoginOutcome> {
  const deadline = performance.now() + opts.timeoutMs;
  const left = (): number => Math.max(1, deadline - performance.now());
  const fail = (r: { closed: boolean; why: string }, step: string): LoginOutcome => ({ ok: false, closed: r.closed, why: `${step}: ${r.why}` });
  const header = streamHeader(opts.domain);
  conn.send(Buffer.from(header));
  let got = await element(conn, conn.log.length, left(), (el) => el.name === 'stream:features');
  if (!('el' in got)) return fail(got, 'stream features');
  const offered = (child(got.el, 'mechanisms', NS.sasl)?.children ?? []).map((m) => m.text.trim());
  const mechanism = chooseMechanism(offered, account.username, account.password, true);
  if (mechanism === undefined) return { ok: false, closed: false, why: `SASL: no mechanism chatbench speaks among ${offered.join(', ') || 'none'}` };
  conn.send(Buffer.from(`<auth xmlns='${NS.sasl}' mechanism='${mechanism.name}'>${mechanism.initial().toString('base64') || '='}</auth>`));
  for (;;) {
    got = await element(conn, got.at, left(), (el) => ['challenge', 'success', 'failure'].includes(el.name));
    if (!('el' in got)) return fail(got, 'SASL');
    const data = Buffer.from(got.el.text.trim(), 'base64');
    if (got.el.name === 'failure') return { ok: false, closed: false, why: `SASL: <failure> <${got.el.children[0]?.name ?? '?'}>` };
    try {
      if (got.el.name === 'success') {
        mechanism.verify(data);
        break;
      }
      conn.send(Buffer.from(`<response xmlns='${NS.sasl}'>${mechanism.respond(data).toString('base64')}</response>`));
    } catch (error) {
      return { ok: false, closed: false, why: `SASL: ${(error as Error).message}` };
    }
  }
  conn.restart();
  conn.send(Buffer.from(header));
  got = await element(conn, got.at, left(), (el) => el.name === 'stream:features');
  if (!('el' in got)) return fail(got, 'stream features after SASL');
  const session = child(got.el, 'session', NS.session);
  conn.send(Buffer.from(`<iq type='set' id='bind'><bind xmlns='${NS.bind}'><resource>${escapeXml(opts.resource)}</resource></bind></iq>`));
  got = await element(conn, got.at, left(), (el) => el.name === 'iq' && el.attrs['id'] === 'bind');
  if (!('el' in got)) return fail(got, 'resource binding');
  const jid = child(child(got.el, 'bind') ?? got.el, 'jid')?.text;
  if (got.el.attrs['type'] !== 'result' || jid === undefined) return { ok: false, closed: false, why: 'resource binding: no JID bound' };
  // RFC 3921 sessions: still asked for by servers that do not mark them optional (RFC 6121 Appendix E).
  if (session !== undefined && child(session, 'optional') === undefined) {
    conn.send(Buffer.from(`<iq type='set' id='session'><session xmlns='${NS.session}'/></iq>`));
    got = await element(conn, got.at, left(), (el) => el.name === 'iq' && el.attrs['id'] === 'session');
    if (!('el' in got)) return fail(got, 'session');
  }
  conn.send(Buffer.from('<presence/>'));
  return { ok: true, jid };
}
