/**
 * XMPP fuzz sequences: valid and malformed input mixed over one or several connections, in the
 * order it is sent. Built only from fast-check combinators (arrays of records, then a map), so
 * shrinking drops steps, moves them to connection 0 and simplifies the choices.
 *
 * Rules the map applies, so every sequence makes sense to a server:
 * - a connection opens with a login (LOGIN_STEP), a bare stream header (what follows on it is
 *   sent before authentication, which RFC 6120 §4.9.3.12 forbids), or a malformed header;
 * - stanza ids are unique in the case ("c<connection>-<n>"), so each answer is told apart;
 * - each connection takes at most one malformed step, its last: the server is expected to close
 *   the stream (or, for a bad address, answer with an error) and nothing more is judged on it.
 */
import fc from 'fast-check';
import { validStanzaArb, type StanzaTemplate } from './arbitraries.js';
import { LOGIN_STEP, streamHeader } from './login.js';
import { openingMutations, S, stanzaMutationArb, type Mutated } from './mutators.js';

export interface XmppFuzzStep {
  connection: number;
  bytes: Buffer;
  note: string;
  malformed: boolean;
  statements: readonly string[];
}

export interface SequenceOptions {
  /** The domain a bare stream header is addressed to. */
  domain: string;
  /** How many connections steps are spread over (1..9). */
  connections: number;
  /** Most steps after the openings (default 6). */
  maxSteps?: number;
}

type Item = { kind: 'valid'; stanza: StanzaTemplate } | { kind: 'malformed'; mutated: Mutated };
type Opening = { kind: 'login' } | { kind: 'header' } | { kind: 'malformed'; mutated: Mutated };

const ID = Buffer.from('{id}');

export function sequenceArb(opts: SequenceOptions): fc.Arbitrary<XmppFuzzStep[]> {
  const { connections, domain } = opts;
  if (!Number.isInteger(connections) || connections < 1 || connections > 9) throw new RangeError(`connections must be 1..9, got ${connections}`);
  const item: fc.Arbitrary<Item> = fc.oneof(
    { weight: 3, arbitrary: validStanzaArb.map((stanza): Item => ({ kind: 'valid', stanza })) },
    { weight: 2, arbitrary: stanzaMutationArb.map((mutated): Item => ({ kind: 'malformed', mutated })) },
  );
  const opening: fc.Arbitrary<Opening> = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Opening>({ kind: 'login' }) },
    { weight: 1, arbitrary: fc.constant<Opening>({ kind: 'header' }) },
    { weight: 1, arbitrary: fc.constantFrom(...openingMutations()).map((mutated): Opening => ({ kind: 'malformed', mutated })) },
  );
  return fc
    .record({
      openings: fc.array(opening, { minLength: connections, maxLength: connections }),
      body: fc.array(fc.record({ connection: fc.nat(connections - 1), item }), { minLength: 1, maxLength: opts.maxSteps ?? 6 }),
    })
    .map(({ openings, body }) => layOut(domain, openings, body));
}

function layOut(domain: string, openings: readonly Opening[], body: readonly { connection: number; item: Item }[]): XmppFuzzStep[] {
  const steps: XmppFuzzStep[] = [];
  const state = new Map<number, { closed: boolean; authenticated: boolean; n: number }>();
  for (const { connection, item } of body) {
    let conn = state.get(connection);
    if (conn === undefined) {
      const open = openings[connection] as Opening;
      conn = { closed: open.kind === 'malformed', authenticated: open.kind === 'login', n: 0 };
      state.set(connection, conn);
      if (open.kind === 'login') steps.push({ connection, bytes: LOGIN_STEP, note: 'login (stream, SASL, bind, presence: built from the target\'s account when sent)', malformed: false, statements: [] });
      else if (open.kind === 'header') steps.push({ connection, bytes: Buffer.from(streamHeader(domain)), note: 'stream header (no login follows)', malformed: false, statements: [] });
      else steps.push({ connection, bytes: open.mutated.bytes, note: open.mutated.note, malformed: true, statements: open.mutated.statements });
    }
    if (conn.closed) continue;
    const id = Buffer.from(`c${connection}-${++conn.n}`);
    if (item.kind === 'malformed') {
      conn.closed = true;
      steps.push({ connection, bytes: withId(item.mutated.bytes, id), note: item.mutated.note, malformed: true, statements: item.mutated.statements });
    } else if (!conn.authenticated && item.stanza.xml.trim() !== '') {
      // Any stanza before authentication must be refused, not processed (RFC 6120 §4.9.3.12).
      conn.closed = true;
      steps.push({ connection, bytes: withId(Buffer.from(item.stanza.xml), id), note: `${item.stanza.note}, before authentication`, malformed: true, statements: [S.notAuthorized] });
    } else {
      steps.push({ connection, bytes: withId(Buffer.from(item.stanza.xml), id), note: item.stanza.note, malformed: false, statements: [] });
    }
  }
  return steps;
}

/** `bytes` with every `{id}` replaced (buffers, not strings: mutated bytes need not be UTF-8). */
function withId(bytes: Buffer, id: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(ID, from); at >= 0; at = bytes.indexOf(ID, from)) {
    parts.push(bytes.subarray(from, at), id);
    from = at + ID.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
