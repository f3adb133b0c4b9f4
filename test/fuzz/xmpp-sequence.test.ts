/**
 * XMPP fuzz sequences: the same seed gives the same bytes, the layout rules hold for every
 * generated case, each step's expectation is read back from its bytes alone (what a replay
 * relies on), and fast-check shrinks a failing case to its minimal steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectationOf, parseStanza } from '../../runners/xmpp/fuzz/oracle.js';
import { LOGIN_STEP, isLoginStep } from '../../runners/xmpp/fuzz/login.js';
import { sequenceArb, type XmppFuzzStep } from '../../runners/xmpp/fuzz/sequence.js';

const arb = sequenceArb({ domain: 'localhost', connections: 2 });
const hex = (steps: XmppFuzzStep[]): string[] => steps.map((s) => `${s.connection}:${s.bytes.toString('hex')}`);

describe('XMPP fuzz sequences', () => {
  it('the same seed gives the same bytes, another seed others', () => {
    const a = fc.sample(arb, { seed: 42, numRuns: 30 }).map(hex);
    const b = fc.sample(arb, { seed: 42, numRuns: 30 }).map(hex);
    const c = fc.sample(arb, { seed: 43, numRuns: 30 }).map(hex);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('opens each connection first, takes one malformed step per connection at most (its last), and keeps ids unique', () => {
    fc.assert(
      fc.property(arb, (steps) => {
        const seen = new Map<number, XmppFuzzStep[]>();
        for (const s of steps) seen.set(s.connection, [...(seen.get(s.connection) ?? []), s]);
        for (const list of seen.values()) {
          const first = list[0] as XmppFuzzStep;
          const opensWell = isLoginStep(first.bytes) || first.bytes.toString('utf8').startsWith('<') && (first.malformed || expectationOf(first.bytes).kind === 'features');
          expect(opensWell).toBe(true);
          const malformed = list.filter((s) => s.malformed);
          expect(malformed.length).toBeLessThanOrEqual(1);
          if (malformed.length === 1) expect(list[list.length - 1]).toBe(malformed[0]);
          // On a connection that never logged in, every stanza after the header is to be refused (before authentication).
          if (!isLoginStep(first.bytes) && !first.malformed) for (const s of list.slice(1)) if (s.bytes.toString().trim() !== '') expect(s.malformed).toBe(true);
        }
        const ids = steps.map((s) => /id='(c\d+-\d+)'/.exec(s.bytes.toString('latin1'))?.[1]).filter((id) => id !== undefined);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('reads what a step expects from its bytes alone', () => {
    expect(expectationOf(LOGIN_STEP)).toEqual({ kind: 'login' });
    expect(expectationOf(Buffer.from("<?xml version='1.0'?><stream:stream to='localhost' version='1.0'>"))).toEqual({ kind: 'features' });
    expect(expectationOf(Buffer.from("<iq type='get' id='c0-1'><ping xmlns='urn:xmpp:ping'/></iq>"))).toEqual({ kind: 'iq', id: 'c0-1' });
    expect(expectationOf(Buffer.from("<iq type='result' id='c0-1'/>"))).toEqual({ kind: 'nothing' });
    expect(expectationOf(Buffer.from("<message type='chat' id='c1-2'><body>a &amp; b</body></message>"))).toEqual({ kind: 'delivery', id: 'c1-2', body: 'a & b' });
    // Addressed elsewhere: the sender cannot see it arrive.
    expect(expectationOf(Buffer.from("<message to='x@localhost' id='c1-2'><body>b</body></message>"))).toEqual({ kind: 'nothing' });
    expect(expectationOf(Buffer.from(' '))).toEqual({ kind: 'nothing' });
    expect(parseStanza(Buffer.from("<message id='a'><body>x</message>"))).toBeUndefined();
  });

  it('every valid step parses as one element or is whitespace; generated login steps carry no secret', () => {
    fc.assert(
      fc.property(arb, (steps) => {
        for (const s of steps.filter((x) => !x.malformed && !isLoginStep(x.bytes) && expectationOf(x.bytes).kind !== 'features')) {
          if (s.bytes.toString().trim() !== '') expect(parseStanza(s.bytes)?.name).toMatch(/^(iq|message|presence)$/);
        }
        for (const s of steps.filter((x) => isLoginStep(x.bytes))) expect(s.bytes.equals(LOGIN_STEP)).toBe(true);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('shrinks a failing case to the steps that make it fail', async () => {
    const comment = (s: XmppFuzzStep): boolean => s.note === 'a comment between stanzas';
    const details = fc.check(fc.property(arb, (steps) => !steps.some(comment)), { seed: 42, numRuns: 2000 });
    expect(details.failed).toBe(true);
    const shrunk = details.counterexample?.[0] ?? [];
    // Nothing smaller fails: a login (or header) on connection 0, then the comment.
    expect(shrunk.length).toBe(2);
    expect(shrunk.every((s) => s.connection === 0)).toBe(true);
    expect(comment(shrunk[1] as XmppFuzzStep)).toBe(true);
  });
});
