/**
 * One session's presence watches (RFC 6121 §3): subscribing to a user's presence, approving at
 * once the run's users that subscribe to ours, and knowing when a watch is in place — on the
 * watched user's `subscribed`, on its first presence, or at once when the roster (which outlives
 * the connection) already holds the subscription: servers need not answer a repeated subscribe
 * (ejabberd does not), and the session's initial presence had them probe the contact anyway.
 */
import { NS } from './ns.js';
import { child, escapeXml, type XmlElement } from './xml.js';

/** What the watches need of their session. */
export interface WatchIo {
  /** Writes a counted stanza. */
  write(xml: string): void;
  iq(type: 'get' | 'set', to: string | undefined, payload: string): Promise<XmlElement>;
}

export class Watches {
  private readonly waiting = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  private rosterItems: Promise<Map<string, string> | undefined> | undefined;

  constructor(private readonly io: WatchIo) {}

  /** Subscribes to the presence of bare JID `jid`; resolves once the watch is in place. */
  async watch(jid: string): Promise<void> {
    const subscription = (await this.roster())?.get(jid);
    if (subscription === 'to' || subscription === 'both') return;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(jid, { resolve, reject });
      this.io.write(`<presence to='${escapeXml(jid)}' type='subscribe'/>`);
    });
  }

  /**
   * A presence of type `type` from a run user's bare JID `jid`: a subscription handshake is
   * answered (subscribe -> subscribed) or completes our watch (subscribed); true when it was one
   * (not a status). A status completes the watch too.
   */
  onPresence(jid: string, type: string | undefined): boolean {
    if (type === 'subscribe') {
      this.io.write(`<presence to='${escapeXml(jid)}' type='subscribed'/>`);
      return true;
    }
    if (type === 'subscribed' || type === undefined || type === 'unavailable') this.inPlace(jid);
    return type !== undefined && type !== 'unavailable';
  }

  /** The session ended: watches still waiting fail with `err`. */
  failAll(err: (jid: string) => Error): void {
    for (const [jid, w] of this.waiting) w.reject(err(jid));
    this.waiting.clear();
  }

  private inPlace(jid: string): void {
    this.waiting.get(jid)?.resolve();
    this.waiting.delete(jid);
  }

  /** The roster as the server had it at the first watch (RFC 6121 §2.1.3): bare JID -> subscription; undefined when refused. */
  private roster(): Promise<Map<string, string> | undefined> {
    this.rosterItems ??= this.io.iq('get', undefined, `<query xmlns='${NS.roster}'/>`).then((answer) => {
      if (answer.attrs['type'] !== 'result') return undefined;
      const items = child(answer, 'query', NS.roster)?.children ?? [];
      return new Map(items.filter((i) => i.name === 'item').map((i) => [i.attrs['jid'] ?? '', i.attrs['subscription'] ?? 'none']));
    });
    return this.rosterItems;
  }
}
