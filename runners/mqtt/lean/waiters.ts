/**
 * What the lean session hands the client to hear the end of a flow: a QoS 1/2 send settles on
 * PUBACK / PUBCOMP, fails as refused on a failure reason code, or as never acknowledged when the
 * connection ends first; SUBSCRIBE / UNSUBSCRIBE errors are worded as PendingVerbs words them.
 */
import { SendIncompleteError, type ConnectionEnd } from '../../../core/driver.js';
import { FAILURE_CODE } from '../ack-flow.js';
import { reasonName } from '../connection.js';
import { PendingVerbs } from '../verbs.js';
import type { Waiter } from './client.js';

/** The error of a SUBSCRIBE / UNSUBSCRIBE / QoS 0 send the connection's end cut short (PendingVerbs' wording). */
export function verbLost(user: string, what: string, end: ConnectionEnd, notSent: boolean): Error {
  return new PendingVerbs(user, () => undefined).lost(what)(end, notSent);
}

/** A QoS 1/2 send waiting for the end of its flow. */
export class SendWaiter implements Waiter {
  messageId: number | undefined;
  constructor(
    private readonly session: { incomplete(what: string, waiter: Waiter & { qos: 1 | 2 }, end: ConnectionEnd): SendIncompleteError },
    private readonly what: string,
    readonly qos: 1 | 2,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  done(code: number, ack: string): void {
    if (code < FAILURE_CODE) return this.resolve();
    // The server answered with a failure reason code [MQTT-3.4.2.1], [MQTT-3.5.2.1].
    this.reject(new SendIncompleteError(`${this.what} refused: ${ack} ${reasonName(code)} (${code})`, ack, 'refused', code));
  }

  fail(end: ConnectionEnd): void {
    this.reject(this.session.incomplete(this.what, this, end));
  }
}
