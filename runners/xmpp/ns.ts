/**
 * XMPP's namespaces and the stanza names chatbench speaks, in one table (RFC 6120/6121 and the
 * XEPs named beside each).
 */
export const NS = {
  client: 'jabber:client',
  stream: 'http://etherx.jabber.org/streams',
  tls: 'urn:ietf:params:xml:ns:xmpp-tls', // RFC 6120 §5
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl', // RFC 6120 §6
  bind: 'urn:ietf:params:xml:ns:xmpp-bind', // RFC 6120 §7
  session: 'urn:ietf:params:xml:ns:xmpp-session', // RFC 3921 legacy, optional since RFC 6121
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  streams: 'urn:ietf:params:xml:ns:xmpp-streams',
  sm: 'urn:xmpp:sm:3', // XEP-0198 stream management
  ping: 'urn:xmpp:ping', // XEP-0199
  delay: 'urn:xmpp:delay', // XEP-0203
  chatStates: 'http://jabber.org/protocol/chatstates', // XEP-0085
  muc: 'http://jabber.org/protocol/muc', // XEP-0045
  mucUser: 'http://jabber.org/protocol/muc#user',
  mucOwner: 'http://jabber.org/protocol/muc#owner',
  dataForms: 'jabber:x:data', // XEP-0004
  register: 'jabber:iq:register', // XEP-0077
  registerFeature: 'http://jabber.org/features/iq-register',
  roster: 'jabber:iq:roster', // RFC 6121 §2
  discoInfo: 'http://jabber.org/protocol/disco#info', // XEP-0030
  /** chatbench's own presence stamp (runners/xmpp/presence.ts): which connection set a status, and when. */
  stamp: 'urn:chatbench:presence:0',
} as const;

/** Stanzas XEP-0198 counts (its §4: message, presence, iq). */
export const COUNTED = new Set(['message', 'presence', 'iq']);

/** MUC status codes (XEP-0045 §15.6): 110 self-presence, 201 room created. */
export const MUC_SELF = '110';
export const MUC_CREATED = '201';

/** The disco#info feature of a server with offline message storage (XEP-0160 §2, as XEP-0013 names it). */
export const OFFLINE_FEATURE = 'msgoffline';
