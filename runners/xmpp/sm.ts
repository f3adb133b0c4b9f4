/**
 * XEP-0198 stream management, the client's side: the count of stanzas sent (each one kept
 * until the server's <a h=…/> covers it, so a resumed stream can re-send what was not
 * handled), the count of stanzas received (the `h` we answer <r/> with), and the acked sends
 * waiting to complete. A level-1 send completes when an <a/> covers it: XMPP's counterpart of
 * MQTT's PUBACK.
 */

interface Sent {
  seq: number;
  xml: string;
  /** Set for sends that wait for the ack (level 1); level 0 completed when written. */
  done?: (() => void) | undefined;
  fail?: ((err: Error) => void) | undefined;
}

/** h counts modulo 2^32 (XEP-0198 §5). */
const WRAP = 2 ** 32;

export class StreamManagement {
  /** Stanzas we sent on this (possibly resumed) session. */
  private outbound = 0;
  /** Stanzas we received: what <a h> says to the server. */
  inbound = 0;
  /** The server's last h. */
  private acked = 0;
  private readonly unacked: Sent[] = [];
  private head = 0;

  get pending(): number {
    return this.unacked.length - this.head;
  }

  /** Records a stanza just written; `waiter` completes when the server acknowledges it. */
  sent(xml: string, waiter?: { done: () => void; fail: (err: Error) => void }): void {
    this.outbound += 1;
    this.unacked.push({ seq: this.outbound, xml, done: waiter?.done, fail: waiter?.fail });
  }

  /** <a h> or <resumed h>: completes every send it covers; returns how many. */
  ack(h: number): number {
    // Distance from the last ack, modulo 2^32, so a wrapped h still moves forward.
    const moved = (h - (this.acked % WRAP) + WRAP) % WRAP;
    const target = this.acked + moved;
    let count = 0;
    while (this.head < this.unacked.length) {
      const item = this.unacked[this.head];
      if (item === undefined || item.seq > target) break;
      this.unacked[this.head] = undefined as unknown as Sent; // drop the reference: the xml can be large
      this.head += 1;
      count += 1;
      item.done?.();
    }
    this.acked = Math.max(this.acked, target);
    if (this.head > 1024 && this.head * 2 > this.unacked.length) {
      this.unacked.splice(0, this.head);
      this.head = 0;
    }
    return count;
  }

  /** The stanzas the server has not acknowledged, oldest first (re-sent after a resume). */
  unackedXml(): string[] {
    return this.unacked.slice(this.head).map((s) => s.xml);
  }

  /**
   * After a resume the re-sent stanzas count again from the server's h: renumbers them from it.
   */
  rebase(h: number): void {
    this.ack(h);
    let seq = this.acked;
    for (let i = this.head; i < this.unacked.length; i++) {
      const item = this.unacked[i];
      if (item) item.seq = ++seq;
    }
    this.outbound = seq;
  }

  /** The connection is over for good: every waiting send fails with `err(written)`. */
  failAll(err: () => Error): void {
    for (let i = this.head; i < this.unacked.length; i++) this.unacked[i]?.fail?.(err());
    this.unacked.length = 0;
    this.head = 0;
  }

  /** Sends still waiting get `err`, but the stanzas stay for a resume to re-send. */
  failWaiting(err: () => Error): void {
    for (let i = this.head; i < this.unacked.length; i++) {
      const item = this.unacked[i];
      if (item?.fail) {
        item.fail(err());
        item.done = undefined;
        item.fail = undefined;
      }
    }
  }
}
