/**
 * Every numbered conformance statement of MQTT 3.1.1 (OASIS Standard, 29 October 2014), in spec
 * order, summarised in chatbench's own words.
 *
 * Counted from the body of the standard, not from its Appendix B: the appendix lists 139 IDs and
 * leaves out two that the body numbers ([MQTT-3.1.3-11], user name is UTF-8; [MQTT-3.1.4-1],
 * validate CONNECT), so there are 141. IDs the appendix misprints are written in their regular
 * form: "3.1.2.7" → MQTT-3.1.2-7, "3-8.3-4" → MQTT-3.8.3-4, "4.1.0.1", "4.3.1.1", "4.3.2.1",
 * "4.3.2.2", "6.0.0.1"… → the dash form.
 *
 * Status: 'server' when a client can provoke and observe the server's behaviour on the wire;
 * 'client-only' when only a client is bound (how a server must react to a client breaking such a
 * rule is its own statement, usually [MQTT-4.8.0-1] or [MQTT-3.1.4-1]); 'untestable' with the
 * reason otherwise.
 */
import type { StatementManifest, StatementStatus } from '../../core/conform/statements.js';

const SERVER: StatementStatus = { kind: 'server' };
const CLIENT: StatementStatus = { kind: 'client-only' };

export const MQTT_311: StatementManifest = {
  protocol: 'mqtt',
  version: '3.1.1',
  spec: 'MQTT Version 3.1.1, OASIS Standard, 29 October 2014',
  statements: [
    // 1.5.3 UTF-8 encoded strings
    { id: 'MQTT-1.5.3-1', level: 'MUST', binds: 'both', summary: 'Strings are well-formed UTF-8 with no surrogate code points; a receiver of ill-formed UTF-8 closes the connection', status: SERVER },
    { id: 'MQTT-1.5.3-2', level: 'MUST NOT', binds: 'both', summary: 'Strings never contain U+0000; a receiver of one closes the connection', status: SERVER },
    { id: 'MQTT-1.5.3-3', level: 'MUST NOT', binds: 'both', summary: 'Bytes EF BB BF mean U+FEFF wherever they appear and a receiver keeps them, never strips them', status: SERVER },
    // 2.2.2 Flags
    { id: 'MQTT-2.2.2-1', level: 'MUST', binds: 'both', summary: 'Reserved fixed-header flag bits carry exactly the values of the flag table', status: SERVER },
    { id: 'MQTT-2.2.2-2', level: 'MUST', binds: 'both', summary: 'A receiver of a packet with invalid fixed-header flags closes the connection', status: SERVER },
    // 2.3.1 Packet Identifier
    { id: 'MQTT-2.3.1-1', level: 'MUST', binds: 'both', summary: 'SUBSCRIBE, UNSUBSCRIBE and PUBLISH at QoS 1 or 2 carry a non-zero packet identifier', status: SERVER },
    { id: 'MQTT-2.3.1-2', level: 'MUST', binds: 'client', summary: 'A client gives each new SUBSCRIBE, UNSUBSCRIBE or QoS>0 PUBLISH an identifier not currently in use', status: CLIENT },
    { id: 'MQTT-2.3.1-3', level: 'MUST', binds: 'client', summary: 'A client re-sending a packet reuses its identifier, freed only once the matching acknowledgement is processed', status: CLIENT },
    { id: 'MQTT-2.3.1-4', level: 'MUST', binds: 'server', summary: 'The server follows the same identifier rules for the QoS>0 PUBLISH packets it sends and re-sends', status: SERVER },
    { id: 'MQTT-2.3.1-5', level: 'MUST NOT', binds: 'both', summary: 'A QoS 0 PUBLISH has no packet identifier', status: SERVER },
    { id: 'MQTT-2.3.1-6', level: 'MUST', binds: 'both', summary: 'PUBACK, PUBREC and PUBREL carry the identifier of the PUBLISH they answer', status: SERVER },
    { id: 'MQTT-2.3.1-7', level: 'MUST', binds: 'server', summary: 'SUBACK and UNSUBACK carry the identifier of the SUBSCRIBE or UNSUBSCRIBE they answer', status: SERVER },
    // 3.1 CONNECT
    { id: 'MQTT-3.1.0-1', level: 'MUST', binds: 'client', summary: 'The first packet a client sends on a new connection is CONNECT', status: CLIENT },
    { id: 'MQTT-3.1.0-2', level: 'MUST', binds: 'server', summary: 'A second CONNECT on the same connection is a protocol violation: the server disconnects the client', status: SERVER },
    { id: 'MQTT-3.1.2-1', level: 'MUST NOT', binds: 'server', summary: 'With a wrong protocol name the server may disconnect or switch protocol, but never goes on as MQTT 3.1.1', status: SERVER },
    { id: 'MQTT-3.1.2-2', level: 'MUST', binds: 'server', summary: 'An unsupported protocol level gets CONNACK return code 0x01, then the server disconnects', status: SERVER },
    { id: 'MQTT-3.1.2-3', level: 'MUST', binds: 'server', summary: 'The server checks the reserved CONNECT flag is 0 and disconnects the client if not', status: SERVER },
    { id: 'MQTT-3.1.2-4', level: 'MUST', binds: 'both', summary: 'With CleanSession 0 the server resumes the session of that client id (or creates one) and keeps it after disconnect', status: SERVER },
    { id: 'MQTT-3.1.2-5', level: 'MUST', binds: 'server', summary: 'While a CleanSession 0 client is away, the server stores QoS 1 and 2 messages matching its subscriptions', status: SERVER },
    { id: 'MQTT-3.1.2-6', level: 'MUST', binds: 'both', summary: 'CleanSession 1 discards any earlier session; the new one ends with the connection and is never reused', status: SERVER },
    { id: 'MQTT-3.1.2-7', level: 'MUST NOT', binds: 'server', summary: 'Retained messages are not session state and survive the end of a session', status: SERVER },
    { id: 'MQTT-3.1.2-8', level: 'MUST', binds: 'server', summary: 'An accepted Will is stored and published when the connection closes, unless a DISCONNECT deleted it', status: SERVER },
    { id: 'MQTT-3.1.2-9', level: 'MUST', binds: 'client', summary: 'With the Will Flag set, the Will Topic and Will Message are present in the payload', status: CLIENT },
    { id: 'MQTT-3.1.2-10', level: 'MUST', binds: 'server', summary: 'The server drops the stored Will once it is published or a DISCONNECT arrives', status: SERVER },
    { id: 'MQTT-3.1.2-11', level: 'MUST', binds: 'client', summary: 'With the Will Flag clear, Will QoS and Will Retain are 0 and no Will Topic or Message is present', status: CLIENT },
    { id: 'MQTT-3.1.2-12', level: 'MUST NOT', binds: 'server', summary: 'With the Will Flag clear, no Will is published when the connection ends', status: SERVER },
    { id: 'MQTT-3.1.2-13', level: 'MUST', binds: 'client', summary: 'With the Will Flag clear, Will QoS is 0', status: CLIENT },
    { id: 'MQTT-3.1.2-14', level: 'MUST NOT', binds: 'client', summary: 'With the Will Flag set, Will QoS is 0, 1 or 2, never 3', status: CLIENT },
    { id: 'MQTT-3.1.2-15', level: 'MUST', binds: 'client', summary: 'With the Will Flag clear, Will Retain is 0', status: CLIENT },
    { id: 'MQTT-3.1.2-16', level: 'MUST', binds: 'server', summary: 'A Will with Will Retain 0 is published as a non-retained message', status: SERVER },
    { id: 'MQTT-3.1.2-17', level: 'MUST', binds: 'server', summary: 'A Will with Will Retain 1 is published as a retained message', status: SERVER },
    { id: 'MQTT-3.1.2-18', level: 'MUST NOT', binds: 'client', summary: 'With the User Name Flag clear, no user name is in the payload', status: CLIENT },
    { id: 'MQTT-3.1.2-19', level: 'MUST', binds: 'client', summary: 'With the User Name Flag set, a user name is in the payload', status: CLIENT },
    { id: 'MQTT-3.1.2-20', level: 'MUST NOT', binds: 'client', summary: 'With the Password Flag clear, no password is in the payload', status: CLIENT },
    { id: 'MQTT-3.1.2-21', level: 'MUST', binds: 'client', summary: 'With the Password Flag set, a password is in the payload', status: CLIENT },
    { id: 'MQTT-3.1.2-22', level: 'MUST', binds: 'client', summary: 'A password may only be sent together with a user name', status: CLIENT },
    { id: 'MQTT-3.1.2-23', level: 'MUST', binds: 'client', summary: 'A client with nothing else to send sends PINGREQ so no keep-alive interval passes silently', status: CLIENT },
    { id: 'MQTT-3.1.2-24', level: 'MUST', binds: 'server', summary: 'With a non-zero keep alive, the server drops a client silent for 1.5 times that period', status: SERVER },
    { id: 'MQTT-3.1.3-1', level: 'MUST', binds: 'client', summary: 'CONNECT payload fields come in the order client id, will topic, will message, user name, password', status: CLIENT },
    { id: 'MQTT-3.1.3-2', level: 'MUST', binds: 'both', summary: 'Client and server use the client id to find the session state they hold for that client', status: SERVER },
    { id: 'MQTT-3.1.3-3', level: 'MUST', binds: 'client', summary: 'The client id is always present and is the first payload field', status: CLIENT },
    { id: 'MQTT-3.1.3-4', level: 'MUST', binds: 'client', summary: 'The client id is a UTF-8 encoded string', status: CLIENT },
    { id: 'MQTT-3.1.3-5', level: 'MUST', binds: 'server', summary: 'The server accepts client ids of 1 to 23 bytes made only of ASCII letters and digits', status: SERVER },
    { id: 'MQTT-3.1.3-6', level: 'MUST', binds: 'server', summary: 'A server accepting an empty client id gives that client a unique id of its own and proceeds with it', status: SERVER },
    { id: 'MQTT-3.1.3-7', level: 'MUST', binds: 'client', summary: 'A client sending an empty client id sets CleanSession to 1', status: CLIENT },
    { id: 'MQTT-3.1.3-8', level: 'MUST', binds: 'server', summary: 'An empty client id with CleanSession 0 gets CONNACK 0x02 (identifier rejected), then the connection closes', status: SERVER },
    { id: 'MQTT-3.1.3-9', level: 'MUST', binds: 'server', summary: 'A server rejecting a client id answers CONNACK 0x02 (identifier rejected), then closes the connection', status: SERVER },
    { id: 'MQTT-3.1.3-10', level: 'MUST', binds: 'client', summary: 'The Will Topic is a UTF-8 encoded string', status: CLIENT },
    { id: 'MQTT-3.1.3-11', level: 'MUST', binds: 'client', summary: 'The user name is a UTF-8 encoded string', status: CLIENT },
    { id: 'MQTT-3.1.4-1', level: 'MUST', binds: 'server', summary: 'A CONNECT that breaks section 3.1 makes the server close the connection without any CONNACK', status: SERVER },
    { id: 'MQTT-3.1.4-2', level: 'MUST', binds: 'server', summary: 'A CONNECT with the client id of a connected client makes the server disconnect the older connection', status: SERVER },
    { id: 'MQTT-3.1.4-3', level: 'MUST', binds: 'server', summary: 'After a valid CONNECT the server applies the CleanSession rules', status: SERVER },
    { id: 'MQTT-3.1.4-4', level: 'MUST', binds: 'server', summary: 'A valid, accepted CONNECT is answered by CONNACK with return code 0', status: SERVER },
    { id: 'MQTT-3.1.4-5', level: 'MUST NOT', binds: 'server', summary: 'After refusing a CONNECT the server acts on nothing else the client sent on that connection', status: SERVER },
    // 3.2 CONNACK
    { id: 'MQTT-3.2.0-1', level: 'MUST', binds: 'server', summary: 'The first packet the server sends on a connection is CONNACK', status: SERVER },
    { id: 'MQTT-3.2.2-1', level: 'MUST', binds: 'server', summary: 'Accepting CleanSession 1, the server sends Session Present 0 with return code 0', status: SERVER },
    { id: 'MQTT-3.2.2-2', level: 'MUST', binds: 'server', summary: 'Accepting CleanSession 0 with stored state for that id, the server sends Session Present 1', status: SERVER },
    { id: 'MQTT-3.2.2-3', level: 'MUST', binds: 'server', summary: 'Accepting CleanSession 0 without stored state, the server sends Session Present 0 with return code 0', status: SERVER },
    { id: 'MQTT-3.2.2-4', level: 'MUST', binds: 'server', summary: 'A CONNACK with a non-zero return code has Session Present 0', status: SERVER },
    { id: 'MQTT-3.2.2-5', level: 'MUST', binds: 'server', summary: 'After a CONNACK with a non-zero return code the server closes the connection', status: SERVER },
    { id: 'MQTT-3.2.2-6', level: 'MUST', binds: 'server', summary: 'When no CONNACK return code fits, the server closes the connection without sending one', status: { kind: 'untestable', reason: 'whether no return code fits is the server’s own judgement; a client cannot knowingly provoke that case' } },
    // 3.3 PUBLISH
    { id: 'MQTT-3.3.1-1', level: 'MUST', binds: 'both', summary: 'A PUBLISH sent again as a re-delivery has DUP set to 1', status: SERVER },
    { id: 'MQTT-3.3.1-2', level: 'MUST', binds: 'both', summary: 'Every QoS 0 PUBLISH has DUP 0', status: SERVER },
    { id: 'MQTT-3.3.1-3', level: 'MUST', binds: 'server', summary: 'DUP on a forwarded PUBLISH says only whether that outgoing packet is a retransmission; the incoming DUP is not copied', status: SERVER },
    { id: 'MQTT-3.3.1-4', level: 'MUST NOT', binds: 'both', summary: 'QoS bits 11 are invalid; a receiver of such a PUBLISH closes the connection', status: SERVER },
    { id: 'MQTT-3.3.1-5', level: 'MUST', binds: 'server', summary: 'A PUBLISH with RETAIN 1 is stored with its QoS for later subscribers of matching filters', status: SERVER },
    { id: 'MQTT-3.3.1-6', level: 'MUST', binds: 'server', summary: 'A new subscription is sent the last retained message of each matching topic', status: SERVER },
    { id: 'MQTT-3.3.1-7', level: 'MUST', binds: 'server', summary: 'A retained QoS 0 PUBLISH replaces whatever was retained on that topic', status: SERVER },
    { id: 'MQTT-3.3.1-8', level: 'MUST', binds: 'server', summary: 'Messages sent because a subscription was just made have RETAIN 1', status: SERVER },
    { id: 'MQTT-3.3.1-9', level: 'MUST', binds: 'server', summary: 'Messages forwarded to an existing subscription have RETAIN 0, whatever the publisher set', status: SERVER },
    { id: 'MQTT-3.3.1-10', level: 'MUST', binds: 'server', summary: 'A retained PUBLISH with empty payload is forwarded as usual and clears the retained message of its topic', status: SERVER },
    { id: 'MQTT-3.3.1-11', level: 'MUST NOT', binds: 'server', summary: 'An empty retained payload is never kept as the retained message', status: SERVER },
    { id: 'MQTT-3.3.1-12', level: 'MUST NOT', binds: 'server', summary: 'A PUBLISH with RETAIN 0 neither becomes nor removes nor replaces a retained message', status: SERVER },
    { id: 'MQTT-3.3.2-1', level: 'MUST', binds: 'both', summary: 'The topic name comes first in the PUBLISH variable header and is a UTF-8 string', status: SERVER },
    { id: 'MQTT-3.3.2-2', level: 'MUST NOT', binds: 'both', summary: 'A PUBLISH topic name has no wildcard characters', status: SERVER },
    { id: 'MQTT-3.3.2-3', level: 'MUST', binds: 'server', summary: 'The topic of a PUBLISH the server forwards matches the filter of the subscription it serves', status: SERVER },
    { id: 'MQTT-3.3.4-1', level: 'MUST', binds: 'both', summary: 'A PUBLISH receiver answers as its QoS requires: nothing, PUBACK, or PUBREC', status: SERVER },
    { id: 'MQTT-3.3.5-1', level: 'MUST', binds: 'server', summary: 'With overlapping subscriptions, delivery uses the highest QoS among those that match', status: SERVER },
    { id: 'MQTT-3.3.5-2', level: 'MUST', binds: 'server', summary: 'A PUBLISH the client may not make is either acknowledged as usual or the connection is closed', status: SERVER },
    // 3.6 PUBREL
    { id: 'MQTT-3.6.1-1', level: 'MUST', binds: 'both', summary: 'PUBREL fixed-header flags are 0010; the server closes the connection on any other value', status: SERVER },
    // 3.8 SUBSCRIBE
    { id: 'MQTT-3.8.1-1', level: 'MUST', binds: 'both', summary: 'SUBSCRIBE fixed-header flags are 0010; the server closes the connection on any other value', status: SERVER },
    { id: 'MQTT-3.8.3-1', level: 'MUST', binds: 'client', summary: 'SUBSCRIBE topic filters are UTF-8 encoded strings', status: CLIENT },
    { id: 'MQTT-3.8.3-2', level: 'MUST', binds: 'server', summary: 'A server that does not support wildcards rejects every subscription whose filter has one', status: SERVER },
    { id: 'MQTT-3.8.3-3', level: 'MUST', binds: 'client', summary: 'A SUBSCRIBE carries at least one filter and QoS pair', status: CLIENT },
    { id: 'MQTT-3.8.3-4', level: 'MUST', binds: 'server', summary: 'Non-zero reserved bits or a requested QoS of 3 in SUBSCRIBE are malformed: the server closes', status: SERVER },
    { id: 'MQTT-3.8.4-1', level: 'MUST', binds: 'server', summary: 'The server answers every SUBSCRIBE with a SUBACK', status: SERVER },
    { id: 'MQTT-3.8.4-2', level: 'MUST', binds: 'server', summary: 'The SUBACK has the packet identifier of the SUBSCRIBE it answers', status: SERVER },
    { id: 'MQTT-3.8.4-3', level: 'MUST', binds: 'server', summary: 'Subscribing again to an identical filter replaces the old subscription and re-sends retained messages', status: SERVER },
    { id: 'MQTT-3.8.4-4', level: 'MUST', binds: 'server', summary: 'A SUBSCRIBE with several filters acts as one SUBSCRIBE per filter, answered by a single SUBACK', status: SERVER },
    { id: 'MQTT-3.8.4-5', level: 'MUST', binds: 'server', summary: 'The SUBACK has one return code per filter: the granted QoS or a failure', status: SERVER },
    { id: 'MQTT-3.8.4-6', level: 'MUST', binds: 'server', summary: 'Messages reach a subscriber at the lower of the published QoS and the granted QoS', status: SERVER },
    // 3.9 SUBACK
    { id: 'MQTT-3.9.3-1', level: 'MUST', binds: 'server', summary: 'SUBACK return codes follow the order of the filters in the SUBSCRIBE', status: SERVER },
    { id: 'MQTT-3.9.3-2', level: 'MUST NOT', binds: 'server', summary: 'A SUBACK uses no return code other than 0x00, 0x01, 0x02 and 0x80', status: SERVER },
    // 3.10 UNSUBSCRIBE
    { id: 'MQTT-3.10.1-1', level: 'MUST', binds: 'both', summary: 'UNSUBSCRIBE fixed-header flags are 0010; the server closes the connection on any other value', status: SERVER },
    { id: 'MQTT-3.10.3-1', level: 'MUST', binds: 'client', summary: 'UNSUBSCRIBE topic filters are UTF-8 encoded strings', status: CLIENT },
    { id: 'MQTT-3.10.3-2', level: 'MUST', binds: 'client', summary: 'An UNSUBSCRIBE carries at least one topic filter', status: CLIENT },
    { id: 'MQTT-3.10.4-1', level: 'MUST', binds: 'server', summary: 'UNSUBSCRIBE filters are compared character by character with the existing ones; an exact match is deleted', status: SERVER },
    { id: 'MQTT-3.10.4-2', level: 'MUST', binds: 'server', summary: 'Once a subscription is deleted, no new messages are queued for the client through it', status: SERVER },
    { id: 'MQTT-3.10.4-3', level: 'MUST', binds: 'server', summary: 'QoS 1 and 2 deliveries already started when a subscription is deleted are still completed', status: SERVER },
    { id: 'MQTT-3.10.4-4', level: 'MUST', binds: 'server', summary: 'The server answers UNSUBSCRIBE with an UNSUBACK carrying the same packet identifier', status: SERVER },
    { id: 'MQTT-3.10.4-5', level: 'MUST', binds: 'server', summary: 'UNSUBACK is sent even when no subscription was deleted', status: SERVER },
    { id: 'MQTT-3.10.4-6', level: 'MUST', binds: 'server', summary: 'An UNSUBSCRIBE with several filters acts as one per filter, answered by a single UNSUBACK', status: SERVER },
    // 3.12 PINGREQ, 3.14 DISCONNECT
    { id: 'MQTT-3.12.4-1', level: 'MUST', binds: 'server', summary: 'The server answers every PINGREQ with a PINGRESP', status: SERVER },
    { id: 'MQTT-3.14.1-1', level: 'MUST', binds: 'server', summary: 'DISCONNECT reserved flags must be zero; otherwise the server disconnects the client', status: SERVER },
    { id: 'MQTT-3.14.4-1', level: 'MUST', binds: 'client', summary: 'After sending DISCONNECT the client closes the connection', status: CLIENT },
    { id: 'MQTT-3.14.4-2', level: 'MUST NOT', binds: 'client', summary: 'After sending DISCONNECT the client sends nothing more on that connection', status: CLIENT },
    { id: 'MQTT-3.14.4-3', level: 'MUST', binds: 'server', summary: 'On DISCONNECT the server throws the Will away without publishing it', status: SERVER },
    // 4.1 Storing state
    { id: 'MQTT-4.1.0-1', level: 'MUST', binds: 'both', summary: 'Session state is kept for the whole life of the session', status: SERVER },
    { id: 'MQTT-4.1.0-2', level: 'MUST', binds: 'both', summary: 'A session lasts at least as long as its network connection is open', status: SERVER },
    // 4.3 QoS flows
    { id: 'MQTT-4.3.1-1', level: 'MUST', binds: 'both', summary: 'A QoS 0 sender sends the PUBLISH with QoS 0 and DUP 0', status: SERVER },
    { id: 'MQTT-4.3.2-1', level: 'MUST', binds: 'both', summary: 'A QoS 1 sender uses an unused identifier, sends DUP 0, and holds the message until its PUBACK arrives', status: SERVER },
    { id: 'MQTT-4.3.2-2', level: 'MUST', binds: 'both', summary: 'A QoS 1 receiver answers PUBACK with the identifier; a later PUBLISH with that identifier is a new message', status: SERVER },
    { id: 'MQTT-4.3.3-1', level: 'MUST', binds: 'both', summary: 'A QoS 2 sender: unused id, DUP 0, PUBREL on PUBREC with the same id, never re-sends the PUBLISH after PUBREL', status: SERVER },
    { id: 'MQTT-4.3.3-2', level: 'MUST', binds: 'both', summary: 'A QoS 2 receiver answers PUBREC, then PUBCOMP on PUBREL, and never passes a duplicate on before PUBREL', status: SERVER },
    // 4.4 retry, 4.5 receipt, 4.6 ordering
    { id: 'MQTT-4.4.0-1', level: 'MUST', binds: 'both', summary: 'On reconnect with CleanSession 0, unacknowledged QoS>0 PUBLISH and PUBREL are re-sent with their original ids', status: SERVER },
    { id: 'MQTT-4.5.0-1', level: 'MUST', binds: 'server', summary: 'A message the server takes ownership of is added to the session of every client with a matching subscription', status: SERVER },
    { id: 'MQTT-4.5.0-2', level: 'MUST', binds: 'client', summary: 'A client acknowledges each PUBLISH by its QoS even if it chooses not to process it', status: CLIENT },
    { id: 'MQTT-4.6.0-1', level: 'MUST', binds: 'client', summary: 'A client re-sends QoS 1 and 2 PUBLISH packets in their original order', status: CLIENT },
    { id: 'MQTT-4.6.0-2', level: 'MUST', binds: 'client', summary: 'A client sends PUBACKs in the order the QoS 1 PUBLISH packets arrived', status: CLIENT },
    { id: 'MQTT-4.6.0-3', level: 'MUST', binds: 'client', summary: 'A client sends PUBRECs in the order the QoS 2 PUBLISH packets arrived', status: CLIENT },
    { id: 'MQTT-4.6.0-4', level: 'MUST', binds: 'client', summary: 'A client sends PUBRELs in the order the PUBRECs arrived', status: CLIENT },
    { id: 'MQTT-4.6.0-5', level: 'MUST', binds: 'server', summary: 'By default the server treats every topic as ordered', status: SERVER },
    { id: 'MQTT-4.6.0-6', level: 'MUST', binds: 'server', summary: 'On an ordered topic, messages from one publisher at one QoS reach each subscriber in the order published', status: SERVER },
    // 4.7 Topic names and filters
    { id: 'MQTT-4.7.1-1', level: 'MUST NOT', binds: 'both', summary: 'Wildcards belong in topic filters only, never in a topic name', status: SERVER },
    { id: 'MQTT-4.7.1-2', level: 'MUST', binds: 'both', summary: "'#' stands alone or after a '/', and is always the last character of a filter", status: SERVER },
    { id: 'MQTT-4.7.1-3', level: 'MUST', binds: 'both', summary: "'+' fills a whole topic level of a filter, at any level", status: SERVER },
    { id: 'MQTT-4.7.2-1', level: 'MUST NOT', binds: 'server', summary: "Filters starting with '#' or '+' never match topic names starting with '$'", status: SERVER },
    { id: 'MQTT-4.7.3-1', level: 'MUST', binds: 'both', summary: 'Topic names and filters are at least one character long', status: SERVER },
    { id: 'MQTT-4.7.3-2', level: 'MUST NOT', binds: 'both', summary: 'Topic names and filters never contain U+0000', status: SERVER },
    { id: 'MQTT-4.7.3-3', level: 'MUST NOT', binds: 'both', summary: 'Topic names and filters encode to at most 65535 bytes', status: { kind: 'untestable', reason: 'the two-byte length prefix cannot express a longer string, so no packet can break this rule and nothing can be observed' } },
    { id: 'MQTT-4.7.3-4', level: 'MUST NOT', binds: 'server', summary: 'Matching uses topic names and filters as sent: no normalisation or substitution of characters', status: SERVER },
    // 4.8 Handling errors
    { id: 'MQTT-4.8.0-1', level: 'MUST', binds: 'both', summary: 'Unless stated otherwise, a protocol violation makes the receiver close that connection', status: SERVER },
    { id: 'MQTT-4.8.0-2', level: 'MUST', binds: 'both', summary: 'A transient error while handling an incoming packet makes the receiver close that connection', status: { kind: 'untestable', reason: 'a transient error inside the server (such as running out of buffer) cannot be provoked on purpose from a client' } },
    // 6 WebSocket
    { id: 'MQTT-6.0.0-1', level: 'MUST', binds: 'both', summary: 'Over WebSocket, packets travel in binary frames; any other data frame makes the receiver close', status: SERVER },
    { id: 'MQTT-6.0.0-2', level: 'MUST NOT', binds: 'both', summary: 'Over WebSocket, a frame may hold several or part of a packet; the receiver does not rely on frame boundaries', status: SERVER },
    { id: 'MQTT-6.0.0-3', level: 'MUST', binds: 'client', summary: "A WebSocket client offers the 'mqtt' subprotocol", status: CLIENT },
    { id: 'MQTT-6.0.0-4', level: 'MUST', binds: 'server', summary: "A WebSocket server selects and returns the 'mqtt' subprotocol", status: SERVER },
    // 7 Conformance
    { id: 'MQTT-7.0.0-1', level: 'MUST', binds: 'server', summary: 'A server that also opens outbound connections to other servers conforms as both client and server', status: { kind: 'untestable', reason: 'concerns the connections a server opens to other servers (bridging), which a connecting client never sees' } },
    { id: 'MQTT-7.0.0-2', level: 'MUST NOT', binds: 'both', summary: 'A conformant implementation needs no extension outside the spec to work with another conformant one', status: { kind: 'untestable', reason: 'not one observable behaviour: it holds when the rest of the suite passes with plain MQTT and no extension' } },
    { id: 'MQTT-7.1.1-1', level: 'MUST', binds: 'server', summary: 'A server supports at least one ordered, lossless, two-way byte-stream transport', status: SERVER },
    { id: 'MQTT-7.1.2-1', level: 'MUST', binds: 'client', summary: 'A client supports at least one ordered, lossless, two-way byte-stream transport', status: CLIENT },
  ],
};
