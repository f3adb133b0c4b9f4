/**
 * The fuzz oracle for XMPP: what a server must do with each step of a case, judged from what it
 * sent back. What a step expects is read from its bytes alone (and its malformed flag and
 * statements), so a replay file is judged exactly as the fuzz judged the case.
 *
 * - A bare stream header gets the server's header and its features (RFC 6120 §4.3.2).
 * - An IQ get or set gets an IQ result or error with its id (RFC 6120 §8.2.3).
 * - A message with no 'to' is handled as addressed to the sender's bare JID (RFC 6120 §10.3.1)
 *   and reaches the account's available resources (RFC 6121 §8.5.2.1.1): it must arrive back.
 * - A stanza larger than RFC 6120 §13.12's 10,000 bytes may be refused with a closed stream.
 * - A malformed step gets the stream closed (a stream error, RFC 6120 §4.9), or, for a bad
 *   address, an unsupported first-level element or a stanza before authentication, a stanza
 *   error; it is never answered as if valid.
 *   Restricted XML must close the stream (RFC 6120 §11.1; the condition is a SHOULD).
 */
import type { FindingVerdict } from '../../../core/fuzz/replay.js';
import { NS } from '../ns.js';
import { StreamParser, childText, type XmlElement } from '../xml.js';
import { MIN_STANZA_LIMIT } from './arbitraries.js';
import { isLoginStep } from './login.js';
import { S } from './mutators.js';
import { until, type RawXmppConnection, type XmppEvent } from './raw.js';

export type Expectation =
  | { kind: 'login' }
  | { kind: 'features' }
  | { kind: 'iq'; id: string }
  | { kind: 'delivery'; id: string; body: string }
  | { kind: 'nothing' };

/** Malformed steps a stanza error answers well enough: the stream may stay open. */
const STANZA_LEVEL = new Set<string>([S.jidMalformed, S.notAuthorized, S.unsupportedStanza]);
/**
 * Refusals the RFC names a condition for but does not require to be sent: a stanza before
 * authentication (§4.9.3.12, not-authorized) and an unsupported first-level element
 * (§4.9.3.24). A server that drops such input silently has broken no MUST, so only answering it
 * as if it were valid is a finding.
 */
const SILENT_REFUSAL_ALLOWED = new Set<string>([S.notAuthorized, S.unsupportedStanza]);

/** The one element `bytes` holds, parsed in a client stream; undefined when they are not exactly one. */
export function parseStanza(bytes: Uint8Array): XmlElement | undefined {
  const found: XmlElement[] = [];
  let failed = false;
  const parser = new StreamParser({ onOpen: () => undefined, onElement: (el) => found.push(el), onEnd: () => undefined, onError: () => (failed = true) });
  parser.write(Buffer.from(`<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}'>`));
  parser.write(Buffer.from(bytes));
  return !failed && found.length === 1 ? found[0] : undefined;
}

export function expectationOf(bytes: Uint8Array): Expectation {
  if (isLoginStep(bytes)) return { kind: 'login' };
  const text = Buffer.from(bytes).toString('utf8').trimStart();
  if (text.startsWith('<?xml') || text.startsWith('<stream:stream')) return { kind: 'features' };
  const el = parseStanza(bytes);
  const id = el?.attrs['id'];
  if (el === undefined || id === undefined || el.attrs['to'] !== undefined) return { kind: 'nothing' };
  if (el.name === 'iq' && (el.attrs['type'] === 'get' || el.attrs['type'] === 'set')) return { kind: 'iq', id };
  const body = childText(el, 'body');
  if (el.name === 'message' && body !== undefined && el.attrs['type'] !== 'error') return { kind: 'delivery', id, body };
  return { kind: 'nothing' };
}

/** Where a step's answer is looked for: its connection from `from` on, and every connection of the case (deliveries). */
export interface Watch {
  conn: RawXmppConnection;
  from: number;
  all: readonly { conn: RawXmppConnection; from: number }[];
}

interface Seen {
  /** The stream is over: a stream error, </stream:stream> or a closed socket. */
  closed: boolean;
  streamError: string | undefined;
  /** A stanza error answering the step's id. */
  stanzaError: string | undefined;
  /** Something the server would only send for valid input. */
  answer: string | undefined;
  unparsable: string | undefined;
}

function condition(el: XmlElement): string {
  const error = el.name === 'stream:error' ? el : el.children.find((c) => c.name === 'error');
  return error?.children.find((c) => c.name !== 'text')?.name ?? 'unknown';
}

function look(w: Watch, id: string | undefined, expect: Expectation): Seen {
  const seen: Seen = { closed: false, streamError: undefined, stanzaError: undefined, answer: undefined, unparsable: undefined };
  const log = w.conn.log;
  for (let i = w.from; i < log.length; i++) {
    const ev = log[i] as XmppEvent;
    if (ev.kind === 'closed' || ev.kind === 'end') seen.closed = true;
    else if (ev.kind === 'unparsable') seen.unparsable ??= ev.message;
    else if (ev.kind === 'element') {
      const el = ev.el;
      if (el.name === 'stream:error') {
        seen.streamError ??= condition(el);
        seen.closed = true; // stream errors are unrecoverable (RFC 6120 §4.9.1.1)
      } else if (el.name === 'stream:features' && expect.kind === 'features') seen.answer ??= 'its stream features';
      else if (id !== undefined && el.attrs['id'] === id && (el.name === 'iq' || (el.name === 'message' && !isDelayed(el)))) {
        if (el.attrs['type'] === 'error') seen.stanzaError ??= condition(el);
        else if (el.name === 'iq') seen.answer ??= `an IQ ${el.attrs['type'] ?? 'without type'}`;
      }
    }
  }
  // A message can come back on any of the account's connections.
  if (expect.kind === 'delivery') {
    for (const other of w.all) {
      const delivered = other.conn.log.slice(other.from).find((ev) => ev.kind === 'element' && ev.el.name === 'message' && ev.el.attrs['id'] === expect.id && ev.el.attrs['type'] !== 'error' && !isDelayed(ev.el));
      if (delivered !== undefined) seen.answer ??= 'the message delivered';
    }
  }
  return seen;
}

/**
 * Ids repeat from case to case: a message of an earlier case that went to offline storage comes
 * back marked <delay> (XEP-0203) and answers nothing in this one.
 */
function isDelayed(el: XmlElement): boolean {
  return el.children.some((c) => c.name === 'delay');
}

function idOf(bytes: Uint8Array): string | undefined {
  return parseStanza(bytes)?.attrs['id'] ?? /\bid='([^']*)'/.exec(Buffer.from(bytes).toString('latin1'))?.[1];
}

/** How many more answer timeouts a valid step is given before "no answer" is reported. */
export const NO_ANSWER_GRACE = 10;

export interface StepJudgement {
  verdict: FindingVerdict | null;
  /** The connection takes no more steps. */
  over: boolean;
  /** What the verdict is about, for the defect class. */
  defect: string;
}

/** Judges a valid step: waits up to `timeoutMs` for its answer. */
export async function judgeValid(bytes: Uint8Array, note: string, w: Watch, timeoutMs: number): Promise<StepJudgement> {
  const expect = expectationOf(bytes);
  if (expect.kind === 'nothing' || expect.kind === 'login') return { verdict: null, over: false, defect: expect.kind };
  const id = expect.kind === 'features' ? undefined : expect.id;
  const settled = (): ReturnType<typeof look> | undefined => {
    const s = look(w, id, expect);
    return s.answer !== undefined || s.stanzaError !== undefined || s.closed || s.unparsable !== undefined ? s : undefined;
  };
  // Nothing within the short wait: before calling it a finding, give the server (and a busy
  // machine) NO_ANSWER_GRACE more times as long, so a slow answer is not reported as none.
  const waited = timeoutMs * (1 + NO_ANSWER_GRACE);
  const seen = (await until(settled, timeoutMs)) ?? (await until(settled, timeoutMs * NO_ANSWER_GRACE)) ?? look(w, id, expect);
  const big = bytes.length > MIN_STANZA_LIMIT;
  const statements = expect.kind === 'features' ? ['RFC6120-4.3.2'] : expect.kind === 'iq' ? ['RFC6120-8.2.3'] : ['RFC6120-10.3.1', 'RFC6121-8.5.2.1.1'];
  const ok = { verdict: null, over: false, defect: expect.kind };
  if (seen.answer !== undefined) {
    if (expect.kind === 'delivery') {
      const back = w.all.flatMap((o) => o.conn.log.slice(o.from)).find((ev): ev is Extract<XmppEvent, { kind: 'element' }> => ev.kind === 'element' && ev.el.name === 'message' && ev.el.attrs['id'] === expect.id && !isDelayed(ev.el));
      const body = back === undefined ? undefined : childText(back.el, 'body');
      if (body !== expect.body) return { verdict: { kind: 'wrong-answer', message: `${note}: it came back with a different body (${JSON.stringify(body?.slice(0, 40))})`, statements }, over: false, defect: 'body' };
    }
    return ok;
  }
  if (expect.kind === 'iq' && seen.stanzaError !== undefined) return ok; // an error is an answer (§8.2.3)
  if (big && (seen.closed || seen.stanzaError !== undefined)) return { ...ok, over: seen.closed };
  if (seen.unparsable !== undefined) return { verdict: { kind: 'wrong-answer', message: `${note}: the server sent XML that does not parse (${seen.unparsable})`, statements: [S.wellFormed] }, over: true, defect: 'unparsable' };
  if (seen.closed) {
    const how = seen.streamError === undefined ? 'closed the stream' : `closed the stream with <${seen.streamError}/>`;
    return { verdict: { kind: 'wrong-answer', message: `${note}: the server ${how} instead of answering`, statements }, over: true, defect: `closed|${seen.streamError ?? ''}` };
  }
  if (seen.stanzaError !== undefined) {
    return { verdict: { kind: 'wrong-answer', message: `${note}: the server answered with a <${seen.stanzaError}/> error`, statements }, over: false, defect: `error|${seen.stanzaError}` };
  }
  const what = expect.kind === 'features' ? 'its stream header and features' : expect.kind === 'iq' ? 'an IQ result or error' : 'the message back';
  return { verdict: { kind: 'no-answer', message: `${note}: no ${what} within ${waited} ms (chatbench stopped waiting then)`, statements }, over: false, defect: 'no-answer' };
}

/** Judges a malformed step: waits up to `timeoutMs` for the stream to close (or a stanza error, where that does). */
export async function judgeMalformed(bytes: Uint8Array, note: string, statements: readonly string[], w: Watch, timeoutMs: number): Promise<StepJudgement> {
  const id = idOf(bytes);
  const opening = w.from === 0;
  const expect: Expectation = opening ? { kind: 'features' } : id !== undefined && parseStanza(bytes)?.name === 'message' ? { kind: 'delivery', id, body: '' } : { kind: 'nothing' };
  const stanzaLevel = statements.some((s) => STANZA_LEVEL.has(s));
  const seen = (await until(() => {
    const s = look(w, id, expect);
    return s.answer !== undefined || s.closed || s.unparsable !== undefined || (stanzaLevel && s.stanzaError !== undefined) ? s : undefined;
  }, timeoutMs)) ?? look(w, id, expect);
  const ids = [...statements];
  const defect = (what: string): string => `${what}|${ids.join(',')}`;
  if (seen.answer !== undefined) {
    return { verdict: { kind: 'accepted-malformed', message: `${note}: the server answered with ${seen.answer}, as if the input were valid`, statements: ids }, over: true, defect: defect('accepted') };
  }
  if (seen.unparsable !== undefined) return { verdict: { kind: 'wrong-answer', message: `${note}: the server sent XML that does not parse (${seen.unparsable})`, statements: ids }, over: true, defect: defect('unparsable') };
  // Which condition closes the stream is a SHOULD (§11.1: <restricted-xml/>, "although some
  // existing implementations send <bad-format/>"), so any close will do.
  if (seen.closed) return { verdict: null, over: true, defect: 'closed' };
  if (stanzaLevel && seen.stanzaError !== undefined) return { verdict: null, over: true, defect: 'stanza-error' };
  if (ids.length > 0 && ids.every((x) => SILENT_REFUSAL_ALLOWED.has(x))) return { verdict: null, over: true, defect: 'dropped' };
  const did = seen.stanzaError === undefined ? 'sent neither a stream error nor a stanza error' : `answered with a <${seen.stanzaError}/> stanza error and kept the stream open`;
  return { verdict: { kind: 'not-closed', message: `${note}: the server ${did} (chatbench stopped waiting after ${timeoutMs} ms)`, statements: ids }, over: true, defect: defect(seen.stanzaError === undefined ? 'silent' : 'stanza-error') };
}
