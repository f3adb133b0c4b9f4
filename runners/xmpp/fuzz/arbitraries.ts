/**
 * Valid client stanzas (RFC 6120 §8, RFC 6121) as fast-check arbitraries, written as the bytes
 * sent. They name no JID: a stanza with no 'to' is handled by the server for the sender's own
 * account (RFC 6120 §10.3, RFC 6121 §8.1.1.1 — a message goes to the sender's bare JID), so the
 * bytes do not depend on which account a replay logs in with. Identifiers are laid on by the
 * sequence (unique per case), hence the `{id}` left in each template.
 */
import fc from 'fast-check';
import { escapeXml } from '../xml.js';

/** RFC 6120 §13.12: a server may refuse stanzas larger than this, and no smaller. */
export const MIN_STANZA_LIMIT = 10_000;

export interface StanzaTemplate {
  /** The stanza with `{id}` where its id attribute goes. */
  xml: string;
  note: string;
}

/** IQ payloads every server answers, with a result or an error (RFC 6120 §8.2.3). */
const IQ_PAYLOADS: readonly { xml: string; note: string }[] = [
  { xml: "<query xmlns='jabber:iq:roster'/>", note: 'roster' },
  { xml: "<ping xmlns='urn:xmpp:ping'/>", note: 'ping' },
  { xml: "<query xmlns='http://jabber.org/protocol/disco#info'/>", note: 'disco#info' },
  { xml: "<vCard xmlns='vcard-temp'/>", note: 'vCard' },
  { xml: "<unknown xmlns='urn:chatbench:fuzz'/>", note: 'an unknown namespace' },
];

/** Text chars from every UTF-8 length and the ones XML escapes (no CR: XML normalises it). */
const TEXT_CHARS = ['a', 'Z', '0', ' ', '\n', '\t', '<', '>', '&', '"', "'", 'é', 'ß', '漢', '€', '😀', '\u{10FFFD}', '\uFFFD'];

export const textArb: fc.Arbitrary<string> = fc.array(fc.constantFrom(...TEXT_CHARS), { minLength: 1, maxLength: 24 }).map((cs) => cs.join(''));

export const iqArb: fc.Arbitrary<StanzaTemplate> = fc
  .record({ type: fc.constantFrom('get', 'set'), payload: fc.constantFrom(...IQ_PAYLOADS) })
  .map(({ type, payload }) => ({ xml: `<iq type='${type}' id='{id}'>${payload.xml}</iq>`, note: `IQ ${type} ${payload.note}` }));

/** A body of `size` bytes at least: sizes below and above the limits servers set. */
export const BIG_SIZES = [MIN_STANZA_LIMIT + 1, 300_000, 1_100_000] as const;

export const messageArb: fc.Arbitrary<StanzaTemplate> = fc
  .record({
    type: fc.constantFrom('chat', 'normal'),
    body: textArb,
    state: fc.boolean(),
    big: fc.option(fc.constantFrom(...BIG_SIZES), { freq: 8, nil: undefined }),
  })
  .map(({ type, body, state, big }) => {
    const text = big === undefined ? escapeXml(body) : 'x'.repeat(big);
    const chatState = state ? "<active xmlns='http://jabber.org/protocol/chatstates'/>" : '';
    const what = big === undefined ? `"${body.length > 12 ? `${body.slice(0, 12)}…` : body}"` : `of ${big} bytes`;
    return { xml: `<message type='${type}' id='{id}'><body>${text}</body>${chatState}</message>`, note: `message to itself, ${type}, body ${what}` };
  });

export const presenceArb: fc.Arbitrary<StanzaTemplate> = fc
  .record({ show: fc.constantFrom('away', 'chat', 'dnd', 'xa'), status: textArb })
  .map(({ show, status }) => ({ xml: `<presence><show>${show}</show><status>${escapeXml(status)}</status></presence>`, note: `presence ${show}` }));

/** RFC 6120 §4.6.1: whitespace between stanzas is a keep-alive, never answered. */
export const whitespaceArb: fc.Arbitrary<StanzaTemplate> = fc.constantFrom({ xml: ' ', note: 'whitespace keep-alive' }, { xml: '\n', note: 'whitespace keep-alive' });

export const validStanzaArb: fc.Arbitrary<StanzaTemplate> = fc.oneof(
  { weight: 4, arbitrary: iqArb },
  { weight: 4, arbitrary: messageArb },
  { weight: 1, arbitrary: presenceArb },
  { weight: 1, arbitrary: whitespaceArb },
);
