/**
 * How each chat verb maps onto XMPP: the one table the driver follows and the run records
 * (TargetInfo.mapping), so a result says what "QoS 1" meant on this protocol.
 */
export const XMPP_MAPPING: Readonly<Record<string, string>> = {
  connect: 'TCP (TCP_NODELAY) + STARTTLS or direct TLS, SASL SCRAM-SHA-1/PLAIN, resource binding, XEP-0198 enable (with resumption, except on a connection with a will and no persistent session), initial <presence/>',
  directMessage: '<message type="chat"> to the peer\'s bare JID, payload base64 in <body>',
  joinRoom: 'XEP-0045 MUC: <presence> to room@service/nick with <history maxstanzas="0"/> (maxstanzas="1" in a `retained` scenario); a new room is accepted as an instant room',
  roomMessage: '<message type="groupchat"> to the room; the room\'s reflection of the sender\'s own message is dropped (as MQTT 5 No Local)',
  presence: '<presence> with <show>/<status> ("offline": type="unavailable"), stamped with the connection\'s tag and send time (urn:chatbench:presence:0)',
  watchPresence: 'RFC 6121 presence subscription: <presence type="subscribe"> to the user\'s bare JID, approved at once by that user\'s session (type="subscribed"); the watcher then gets every presence it broadcasts',
  will: 'the unavailable presence the server broadcasts when a stream ends without one (RFC 6121 §4.5.2); a connection with a will enables XEP-0198 without resumption (a resumable stream would hibernate and announce it only when its window ends) and names its resource after its tag, so watchers know whose it is; no will delay',
  retained: 'XEP-0045 discussion history: a late joiner asks for <history maxstanzas="1"/> and the room\'s last message arrives with <delay> before the room subject; every room message is "retained", the retain flag changes nothing',
  clearRetained: 'none: XEP-0045 offers no way to clear a room\'s history; the run\'s rooms are temporary (named per run) and go, history and all, when their last occupant leaves',
  persistentSession: 'away with the session kept: in rooms, a XEP-0198 hibernation (everything acked, the socket closed without </stream>; the server keeps the MUC seats and queues) resumed on return within the server\'s resume window (expiry asked as <enable max>); without rooms, a clean </stream> and the server\'s offline storage (XEP-0160, disco feature "msgoffline"), flushed with <delay> after the initial presence of the return',
  typing: 'XEP-0085 chat state without a body',
  offline: 'the server\'s offline storage (XEP-0160) for direct messages, or the XEP-0198 queue of a hibernated session; deliveries it kept carry XEP-0203 <delay>',
  'level 0': 'written to the socket (at most once)',
  'level 1': 'completes on the server\'s XEP-0198 <a h/> covering the stanza (at least once); without XEP-0198 on the server, served at level 0',
  'level 2': 'no XMPP counterpart: served at level 1, reported as a downgrade of every subscription',
  keepAlive: 'whitespace (RFC 6120 §4.6.1) or XEP-0199 ping after an idle interval',
};
