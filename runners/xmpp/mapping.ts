/**
 * How each chat verb maps onto XMPP: the one table the driver follows and the run records
 * (TargetInfo.mapping), so a result says what "QoS 1" meant on this protocol.
 */
export const XMPP_MAPPING: Readonly<Record<string, string>> = {
  connect: 'TCP (TCP_NODELAY) + STARTTLS or direct TLS, SASL SCRAM-SHA-1/PLAIN, resource binding, XEP-0198 enable (resume), initial <presence/>',
  directMessage: '<message type="chat"> to the peer\'s bare JID, payload base64 in <body>',
  joinRoom: 'XEP-0045 MUC: <presence> to room@service/nick with <history maxstanzas="0"/>; a new room is accepted as an instant room',
  roomMessage: '<message type="groupchat"> to the room; the room\'s reflection of the sender\'s own message is dropped (as MQTT 5 No Local)',
  presence: '<presence> with <show>/<status>; an abrupt drop makes the server send unavailable presence',
  typing: 'XEP-0085 chat state without a body',
  offline: 'the server\'s offline storage; deliveries it kept carry XEP-0203 <delay>',
  'level 0': 'written to the socket (at most once)',
  'level 1': 'completes on the server\'s XEP-0198 <a h/> covering the stanza (at least once); without XEP-0198 on the server, served at level 0',
  'level 2': 'no XMPP counterpart: served at level 1, reported as a downgrade of every subscription',
  keepAlive: 'whitespace (RFC 6120 §4.6.1) or XEP-0199 ping after an idle interval',
};
