/**
 * A session's verbs awaiting the server's acknowledgement (SUBSCRIBE, UNSUBSCRIBE, PUBLISH):
 * each one refused at once when the connection is gone or going, and each one failed with its
 * own error when the connection ends before the acknowledgement arrives.
 */
import type { ConnectionEnd } from '../../core/driver.js';
import { notConnected } from './close-reason.js';

/** A verb the server refused or could not complete; reasonCode when the server sent one. */
export class MqttVerbError extends Error {
  readonly reasonCode: number | undefined;
  constructor(message: string, reasonCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MqttVerbError';
    this.reasonCode = reasonCode;
  }
}

/** How a tracked verb fails when the connection ends under it, or had ended before it (`notSent`). */
export type OnEnd = (end: ConnectionEnd, notSent: boolean) => Error;

export class PendingVerbs {
  private readonly pending = new Map<(err: Error) => void, OnEnd>();

  /**
   * `user` names the session in messages; `refusal` says why no verb can start now (the
   * connection is gone or going), or undefined when one can.
   */
  constructor(
    private readonly user: string,
    private readonly refusal: () => ConnectionEnd | undefined,
  ) {}

  /**
   * Runs a verb; it rejects at once when the connection is gone or going, or with `lost(end)`
   * when it closes before the acknowledgement.
   */
  track<T>(lost: OnEnd, run: (resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(lost(refused, true));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.pending.set(fail, lost);
      run(
        (value) => {
          this.pending.delete(fail);
          resolve(value);
        },
        (err) => {
          this.pending.delete(fail);
          reject(err);
        },
      );
    });
  }

  /** The error of a verb other than a QoS 1/2 send that the connection's end cut short. */
  lost(what: string): OnEnd {
    return (end, notSent) => new MqttVerbError(
      `${this.user}: ${what}: ${notSent ? notConnected(end) : `connection closed before the server acknowledged (${end.cause})`}`,
      end.code,
    );
  }

  /** The connection ended: every verb still waiting fails with its own error. */
  failAll(end: ConnectionEnd): void {
    for (const [reject, lost] of this.pending) reject(lost(end, false));
    this.pending.clear();
  }
}
