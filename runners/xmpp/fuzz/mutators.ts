/**
 * Malformed XMPP input, each with the RFC statements a server breaks by taking it as valid:
 * broken XML (RFC 6120 §11.3), restricted XML (§11.1: comments, processing instructions, DTDs,
 * entity references beyond the five predefined), bytes that are not UTF-8 (§11.6), first-level
 * elements of no known namespace (§4.9.3.24), unbound prefixes (§4.9.3.2), invalid JIDs in 'to'
 * (RFC 7622 §3, answered with <jid-malformed/>, RFC 6120 §8.3.3.8), and malformed stream
 * headers. The statements decide how the oracle judges a step (oracle.ts: STANZA_LEVEL).
 */
import fc from 'fast-check';
import { NS } from '../ns.js';

export interface Mutated {
  /** Bytes with `{id}` (as UTF-8) where the stanza's id goes, when it has one. */
  bytes: Buffer;
  note: string;
  statements: readonly string[];
}

export const S = {
  restricted: 'RFC6120-11.1',
  wellFormed: 'RFC6120-11.3',
  utf8: 'RFC6120-11.6',
  badPrefix: 'RFC6120-4.9.3.2',
  hostUnknown: 'RFC6120-4.9.3.6',
  invalidNamespace: 'RFC6120-4.9.3.10',
  notAuthorized: 'RFC6120-4.9.3.12',
  notWellFormed: 'RFC6120-4.9.3.13',
  restrictedXml: 'RFC6120-4.9.3.18',
  unsupportedStanza: 'RFC6120-4.9.3.24',
  jidMalformed: 'RFC6120-8.3.3.8',
  jid: 'RFC7622-3',
} as const;

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const message = (body: Buffer | string): Buffer => Buffer.concat([utf8("<message type='chat' id='{id}'><body>"), typeof body === 'string' ? utf8(body) : body, utf8('</body></message>')]);

/** Broken XML inside a stanza (XML 1.0 well-formedness; RFC 6120 §11.3). */
const BROKEN: readonly Mutated[] = [
  { bytes: utf8("<message type='chat' id='{id}'><body>x</message>"), note: 'mismatched end tag', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: utf8("<message type='chat' id='{id}' id='{id}'><body>x</body></message>"), note: 'attribute given twice', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: utf8("<message type='chat id='{id}'><body>x</body></message>"), note: 'unterminated attribute value', statements: [S.wellFormed, S.notWellFormed] },
  // The stray end tag sits inside the IQ, so the stanza never completes: a server that answers the
  // ping read past a well-formedness error (a complete IQ followed by garbage may rightly be answered first).
  { bytes: utf8("<iq type='get' id='{id}'><ping xmlns='urn:xmpp:ping'/></message></iq>"), note: 'an end tag that closes no open element', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message('a < b'), note: "a bare '<' in text", statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message('&amp'), note: 'an entity reference with no semicolon', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message('&#0;'), note: 'character reference &#0; (NUL is no XML character)', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message('&#x1;'), note: 'character reference &#x1; (a C0 control)', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message(Buffer.from([0x61, 0x00, 0x62])), note: 'a NUL byte in text', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message(Buffer.from([0x61, 0x1b, 0x62])), note: 'an ESC byte in text', statements: [S.wellFormed, S.notWellFormed] },
  { bytes: message('\uFFFE'), note: 'U+FFFE in text (no XML character)', statements: [S.wellFormed, S.notWellFormed] },
];

/** Restricted XML (RFC 6120 §11.1): the stream MUST be closed with <restricted-xml/>. */
const RESTRICTED: readonly Mutated[] = [
  { bytes: utf8("<message type='chat' id='{id}'><!-- a comment --><body>x</body></message>"), note: 'a comment inside a stanza', statements: [S.restricted, S.restrictedXml] },
  { bytes: utf8('<!-- a comment between stanzas -->'), note: 'a comment between stanzas', statements: [S.restricted, S.restrictedXml] },
  { bytes: utf8("<?chatbench fuzz?><iq type='get' id='{id}'><ping xmlns='urn:xmpp:ping'/></iq>"), note: 'a processing instruction', statements: [S.restricted, S.restrictedXml] },
  { bytes: utf8("<!DOCTYPE message [<!ENTITY e 'x'>]><message type='chat' id='{id}'><body>&e;</body></message>"), note: 'an internal DTD subset with an entity', statements: [S.restricted, S.restrictedXml] },
  { bytes: message('&chatbench;'), note: 'an entity reference beyond the predefined five', statements: [S.restricted, S.restrictedXml] },
];

/** Bytes that are not UTF-8 (RFC 6120 §11.6; RFC 3629 §3). */
const NOT_UTF8: readonly Mutated[] = [
  { bytes: message(Buffer.from([0x61, 0xff, 0x62])), note: 'byte 0xFF (never in UTF-8)', statements: [S.utf8, S.notWellFormed] },
  { bytes: message(Buffer.from([0xc3, 0x28])), note: 'a lead byte with no continuation (C3 28)', statements: [S.utf8, S.notWellFormed] },
  { bytes: message(Buffer.from([0xc0, 0xaf])), note: "an overlong encoding of '/' (C0 AF)", statements: [S.utf8, S.notWellFormed] },
  { bytes: message(Buffer.from([0xed, 0xa0, 0x80])), note: 'an encoded surrogate U+D800 (ED A0 80)', statements: [S.utf8, S.notWellFormed] },
  { bytes: message(Buffer.from([0xf4, 0x90, 0x80, 0x80])), note: 'a code point above U+10FFFF (F4 90 80 80)', statements: [S.utf8, S.notWellFormed] },
];

/** First-level elements the server cannot take as stanzas. */
const BAD_NAMESPACE: readonly Mutated[] = [
  { bytes: utf8("<message xmlns='urn:chatbench:bogus' type='chat' id='{id}'><body>x</body></message>"), note: 'a message in an unknown namespace', statements: [S.unsupportedStanza] },
  { bytes: utf8("<chatbench id='{id}'/>"), note: 'an unknown first-level element', statements: [S.unsupportedStanza] },
  { bytes: utf8("<x:message type='chat' id='{id}'><body>x</body></x:message>"), note: 'an unbound namespace prefix', statements: [S.badPrefix, S.notWellFormed] },
];

/** Addresses RFC 7622 §3 rules out, each in a 'to' (answered with <jid-malformed/>, RFC 6120 §8.3.3.8). */
const BAD_JIDS: readonly { jid: string; why: string }[] = [
  { jid: '@localhost', why: 'an empty localpart' },
  { jid: 'a@b@localhost', why: 'two @' },
  { jid: 'a@', why: 'an empty domainpart' },
  { jid: 'a@localhost/', why: 'an empty resourcepart' },
  { jid: 'a b@localhost', why: 'a space in the localpart' },
  { jid: 'a&quot;b@localhost', why: 'a quote in the localpart' },
  { jid: `${'a'.repeat(1100)}@localhost`, why: 'a localpart of 1100 bytes (most 1023)' },
  { jid: `a@${'b'.repeat(1100)}`, why: 'a domainpart of 1100 bytes (most 1023)' },
  { jid: 'a@[::1', why: 'an unclosed IPv6 literal' },
  { jid: 'a@exa mple', why: 'a space in the domainpart' },
];

const jidMutated: fc.Arbitrary<Mutated> = fc
  .record({ bad: fc.constantFrom(...BAD_JIDS), iq: fc.boolean() })
  .map(({ bad, iq }) => ({
    bytes: utf8(iq ? `<iq type='get' id='{id}' to='${bad.jid}'><ping xmlns='urn:xmpp:ping'/></iq>` : `<message type='chat' id='{id}' to='${bad.jid}'><body>x</body></message>`),
    note: `${iq ? 'IQ ping' : 'message'} to ${bad.why}`,
    statements: [S.jidMalformed, S.jid],
  }));

/** Malformed input for a logged-in (or not yet logged-in) stream. */
export const stanzaMutationArb: fc.Arbitrary<Mutated> = fc.oneof(
  fc.constantFrom(...BROKEN),
  fc.constantFrom(...RESTRICTED),
  fc.constantFrom(...NOT_UTF8),
  fc.constantFrom(...BAD_NAMESPACE),
  jidMutated,
);

/** A malformed first step on a new connection: a stream header the server must refuse. */
export function openingMutations(): readonly Mutated[] {
  const ns = `xmlns='${NS.client}' xmlns:stream='${NS.stream}' version='1.0'`;
  return [
    { bytes: utf8(`<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='urn:chatbench:bogus' version='1.0'>`), note: 'stream header in a wrong stream namespace', statements: [S.invalidNamespace] },
    { bytes: utf8(`<stream:stream ${ns} to='unknown.invalid'>`), note: "stream header to a domain the server does not serve ('unknown.invalid')", statements: [S.hostUnknown] },
    { bytes: utf8(`<!DOCTYPE stream:stream><stream:stream ${ns}>`), note: 'a DTD before the stream header', statements: [S.restricted, S.restrictedXml] },
    { bytes: utf8(`<!-- hello --><stream:stream ${ns}>`), note: 'a comment before the stream header', statements: [S.restricted, S.restrictedXml] },
    { bytes: utf8(`<stream:stream ${ns} to='localhost' <x>`), note: "a '<' inside the stream header's tag", statements: [S.wellFormed, S.notWellFormed] },
    { bytes: Buffer.concat([utf8(`<stream:stream ${ns} to='`), Buffer.from([0xff, 0xfe]), utf8("'>")]), note: 'a stream header with bytes that are not UTF-8', statements: [S.utf8, S.notWellFormed] },
  ];
}
