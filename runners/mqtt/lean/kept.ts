/**
 * The lean client's side of a persistent session: the QoS 1/2 state the client MUST keep across
 * a user's connections while the server keeps the session (§4.1), so nothing is lost or
 * delivered twice when the user comes back:
 *
 *   - outgoing PUBLISHes not yet acknowledged (PUBACK, or PUBREC for QoS 2), kept as written and
 *     re-sent with DUP=1 on the resumed connection, and QoS 2 flows past PUBREC, whose PUBREL is
 *     re-sent [MQTT-4.4.0-1] — in their original order [MQTT-4.6.0-1];
 *   - incoming QoS 2 packet identifiers answered with PUBREC whose PUBREL has not come: the
 *     message was delivered at its PUBLISH (the receiver's "Method B", §4.3.3), so a PUBLISH
 *     the server re-sends with such an identifier is not delivered again;
 *   - the last packet identifier given: with the identifiers still in flight skipped, a new
 *     PUBLISH never reuses one (3.1.1 [MQTT-2.3.1-2], 5.0 [MQTT-2.2.1-3]).
 *
 * A clean session keeps none of this (the client holds no table for it). When CONNACK says the
 * server has no session (Session Present 0), the client discards it [MQTT-3.2.2-5 in 5.0;
 * 3.1.1 section 3.2.2.2]: re-sending would deliver stale messages a second time.
 */

/** An outgoing flow the server has not finished. */
export interface KeptFlow {
  readonly qos: 1 | 2;
  /** The PUBLISH as written; undefined once PUBREC came (only the PUBREL is left to re-send). */
  publish: Buffer | undefined;
}

/** One user's client-side session state. */
export class KeptFlows {
  /** By packet identifier, oldest first (a Map keeps insertion order). */
  readonly outgoing = new Map<number, KeptFlow>();
  readonly incoming2 = new Set<number>();
  lastId = 0;

  /** The server has no session: nothing of the old one may be re-sent or remembered. */
  discard(): void {
    this.outgoing.clear();
    this.incoming2.clear();
  }
}
