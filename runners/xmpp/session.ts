/**
 * One connected chat user on XMPP. Direct messages are <message type="chat"> to the peer's
 * bare JID; rooms are MUC rooms (XEP-0045: join by presence to room@service/nick without
 * history — or with the last message, the 'retained' one —, groupchat messages, the room's
 * reflection of our own messages dropped as MQTT 5's No Local would); presence is <presence>
 * with <show>/<status> and watches are presence subscriptions (presence.ts); typing is a
 * XEP-0085 chat state. A persistent session kept on disconnect hibernates (XEP-0198) or leaves
 * direct messages to offline storage (disconnect()). A level-1 send completes on the server's XEP-0198 <a h=…/> covering it; level 0 when
 * written; level 2 has no XMPP counterpart and is served at level 1 (the grant says so).
 */
import { nowMicros } from '../../core/clock.js';
import { SendIncompleteError } from '../../core/driver.js';
import type { ChatSession, ConnectionEnd, DeliveryLevel, InboundHandler, PresenceUpdate, WireBytes } from '../../core/driver.js';
import { MUC_CREATED, MUC_SELF, NS } from './ns.js';
import { decodeBody, encodeBody } from './payload.js';
import { parsePresence, presenceXml } from './presence.js';
import { Watches } from './watches.js';
import { StreamManagement } from './sm.js';
import { errorCondition, type Login, type Negotiated, type XmppStream } from './stream.js';
import { child, childText, escapeXml, type XmlElement } from './xml.js';
import type { WireCounter } from '../common/wire.js';

/** XEP-0085 states. */
export type ChatState = 'active' | 'composing' | 'paused' | 'inactive' | 'gone';

export interface Addressing {
  /** Bare JID of a chat user of this run. */
  jidOf(user: string): string;
  /** Bare JID of a room of this run (room@conference.domain). */
  roomJid(room: string): string;
  /** The room a bare room JID stands for, or undefined when it is not one of this run's. */
  roomOf(jid: string): string | undefined;
  /** The chat user a bare JID stands for. */
  userOf(jid: string): string | undefined;
}

export interface SessionParts {
  user: string;
  stream: XmppStream;
  negotiated: Negotiated;
  wire: WireCounter;
  addressing: Addressing;
  onMessage: InboundHandler;
  onConnectionLost?: ((end: ConnectionEnd) => void) | undefined;
  onEnded?: ((session: XmppChatSession) => void) | undefined;
  /** Opens a new stream resuming this one (the driver knows the endpoint and login). */
  reopen: (resume: { id: string; h: number }) => Promise<{ stream: XmppStream; negotiated: Negotiated }>;
  keepAlive: { method: 'whitespace' | 'ping'; intervalMs: number };
  disconnectTimeoutMs: number;
  login: Login;
  /** Statuses and wills of the users this session watches (ConnectOptions.onPresence). */
  onPresenceUpdate?: ((update: PresenceUpdate) => void) | undefined;
  /** Joins ask for the room's last message (XEP-0045 history, maxstanzas 1): the 'retained' feature. */
  roomHistory?: boolean;
  /**
   * The session is persistent (ConnectOptions.session): a goodbye with keepSession leaves it on
   * the server, and `onKept` says how (XEP-0198 hibernation or offline storage).
   */
  persistent?: boolean;
  onKept?: ((session: XmppChatSession, kept: 'hibernated' | 'offline-storage') => void) | undefined;
}

interface Joining {
  room: string;
  level: DeliveryLevel;
  resolve: (level: DeliveryLevel) => void;
  reject: (err: Error) => void;
  created: boolean;
}

export class XmppVerbError extends Error {
  constructor(message: string, readonly condition?: string) {
    super(message);
    this.name = 'XmppVerbError';
  }
}

export class XmppChatSession implements ChatSession {
  readonly user: string;
  private stream: XmppStream;
  private negotiated: Negotiated;
  private readonly sm: StreamManagement;
  private readonly joining = new Map<string, Joining>();
  private readonly joined: Map<string, DeliveryLevel>;
  /** Rooms whose history (the retained last message) is still arriving: it ends with the room's subject (XEP-0045 §7.2.15). */
  private readonly historyOpen = new Set<string>();
  private readonly watches = new Watches({ write: (xml) => this.writeStanza(xml), iq: (type, to, payload) => this.iq(type, to, payload) });
  /** The server resumed this session from an earlier connection's (XEP-0198), or kept its offline messages. */
  resumed: boolean | undefined;
  private readonly iqs = new Map<string, { resolve: (el: XmlElement) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private ackRequested = false;
  private closed = false;
  private asked = false;
  private ended: ConnectionEnd | undefined;
  private ending: Promise<void> | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private lastWrite = Date.now();
  /** Chat states received: from whom, which state (tests and typing scenarios read it). */
  onChatState: ((from: string, state: ChatState) => void) | undefined;
  /** Presence received from other users of the run: user, available or not, show/status. */
  onPresence: ((from: string, available: boolean, status: string | undefined) => void) | undefined;

  /** `carried`: the hibernated session this one resumes (its stanza counts, unacked sends and rooms). */
  constructor(private readonly parts: SessionParts, carried?: XmppChatSession) {
    this.sm = carried?.sm ?? new StreamManagement();
    this.joined = carried?.joined ?? new Map();
    this.user = parts.user;
    this.stream = parts.stream;
    this.negotiated = parts.negotiated;
    this.attach();
    this.startKeepAlive();
  }

  /** The keep-alive interval (core/driver.ts), recorded beside the idle phase's bytes; undefined when none is kept. */
  get keepAliveSeconds(): number | undefined {
    return this.parts.keepAlive.intervalMs > 0 ? this.parts.keepAlive.intervalMs / 1000 : undefined;
  }

  /** Level 1 needs XEP-0198; without it every level is 0 (at most once). */
  get inboxLevel(): DeliveryLevel {
    return this.negotiated.smEnabled ? 1 : 0;
  }

  get jid(): string {
    return this.negotiated.jid;
  }

  /** True when the server allows this stream to be resumed (XEP-0198 resume="true"). */
  get resumable(): boolean {
    return this.negotiated.smId !== undefined;
  }

  /** Rooms this session sits in. */
  get roomCount(): number {
    return this.joined.size;
  }

  get open(): boolean {
    return !this.closed;
  }

  private grant(level: DeliveryLevel): DeliveryLevel {
    return Math.min(level, this.inboxLevel) as DeliveryLevel;
  }

  joinRoom(room: string, level: DeliveryLevel): Promise<DeliveryLevel> {
    const roomJid = this.parts.addressing.roomJid(room);
    return new Promise<DeliveryLevel>((resolve, reject) => {
      if (this.closed) return reject(this.notConnected(`join ${room}`));
      this.joining.set(roomJid, { room, level, resolve, reject, created: false });
      // No history replay to joiners (XEP-0045 §7.2.14): a benchmark's room starts empty for everyone;
      // with the 'retained' feature a joiner asks for the last message, as MQTT hands the retained one.
      const history = this.parts.roomHistory === true ? 1 : 0;
      if (history > 0) this.historyOpen.add(roomJid);
      this.writeStanza(
        `<presence to='${escapeXml(`${roomJid}/${this.user}`)}'><x xmlns='${NS.muc}'><history maxstanzas='${history}'/></x></presence>`,
      );
    });
  }

  async leaveRoom(room: string): Promise<void> {
    const roomJid = this.parts.addressing.roomJid(room);
    this.writeStanza(`<presence to='${escapeXml(`${roomJid}/${this.user}`)}' type='unavailable'/>`);
    this.joined.delete(roomJid);
  }

  sendToRoom(room: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    const to = this.parts.addressing.roomJid(room);
    return this.send(`<message to='${to}' type='groupchat'><body>${encodeBody(payload)}</body></message>`, level);
  }

  sendToUser(user: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    const to = this.parts.addressing.jidOf(user);
    return this.send(`<message to='${to}' type='chat'><body>${encodeBody(payload)}</body></message>`, level);
  }

  /**
   * "online" is plain availability, "offline" unavailable; "away", "dnd", "xa", "chat" are <show>
   * values; anything else a <status>. `stamp` rides along (presence.ts) for watchers.
   */
  setPresence(status: string, stamp?: { tag: string; sentAt: number }): Promise<void> {
    // Broadcast presence reaches roster contacts; each joined room gets it directed (XEP-0045 §7.7).
    for (const roomJid of this.joined.keys()) this.writeStanza(presenceXml(status, stamp, `${roomJid}/${this.user}`));
    return this.send(presenceXml(status, stamp), 1);
  }

  /** Subscribes to `user`'s presence (RFC 6121 §3.1, watches.ts); resolves once the watch is in place. */
  watchPresence(user: string): Promise<void> {
    if (this.closed) return Promise.reject(this.notConnected(`watch ${user}`));
    return this.watches.watch(this.parts.addressing.jidOf(user));
  }

  /** A XEP-0085 chat state to a user (typing indicators): a message without a body, never stored offline. */
  sendChatState(user: string, state: ChatState): Promise<void> {
    const to = this.parts.addressing.jidOf(user);
    return this.send(`<message to='${to}' type='chat'><${state} xmlns='${NS.chatStates}'/><no-store xmlns='urn:xmpp:hints'/></message>`, 0);
  }

  /**
   * keepSession on a persistent session: with rooms and a resumable stream, the goodbye is a
   * XEP-0198 hibernation (everything received acknowledged, the socket closed without
   * </stream>: the server keeps the session, its MUC seats and a queue until it is resumed);
   * otherwise the stream ends cleanly and direct messages go to offline storage (XEP-0160).
   * An abrupt drop of a resumable stream leaves it hibernating too.
   */
  disconnect(mode: 'graceful' | 'abrupt', options?: { keepSession?: boolean }): Promise<void> {
    if (this.ending) return this.ending;
    if (this.closed) return Promise.resolve();
    this.asked = true;
    const keep = options?.keepSession === true && this.parts.persistent === true;
    const hibernate = keep && this.resumable && (mode === 'abrupt' || this.joined.size > 0);
    // Offline storage: unavailable first, so the server routes new direct messages to storage
    // (RFC 6121 §8.5.2.1.1) while finish() waits for its ack — every message it sent before that
    // ack then reached us and is acknowledged before </stream>, so none is stored twice.
    if (keep && !hibernate && mode === 'graceful') this.writeStanza(`<presence type='unavailable'/>`);
    this.ending = this.finish(hibernate ? 'hibernate' : mode).then(() => {
      if (keep) this.parts.onKept?.(this, hibernate ? 'hibernated' : 'offline-storage');
    });
    return this.ending;
  }

  /** Stanzas received on this session so far (the `h` a resume sends). */
  get inboundCount(): number {
    return this.sm.inbound;
  }

  /** The stream id the server keeps for resumption (XEP-0198), if any. */
  get resumeId(): string | undefined {
    return this.negotiated.smId;
  }

  /**
   * Resumes the stream after it dropped (XEP-0198 §5): a new connection asks for the old
   * session with our inbound count; the server's <resumed h> acknowledges what it handled, the
   * rest is re-sent, and what the server queued for us meanwhile arrives. Resolves with how
   * many of our stanzas the server had handled and how many were re-sent.
   */
  async resume(): Promise<{ acked: number; resent: number }> {
    const id = this.negotiated.smId;
    if (!this.closed) throw new Error(`${this.user}: the stream is still open`);
    if (id === undefined) throw new XmppVerbError(`${this.user}: the server did not allow resuming this stream`);
    const { stream, negotiated } = await this.parts.reopen({ id, h: this.sm.inbound });
    if (negotiated.resumedH === null || negotiated.resumedH === undefined) {
      await stream.end(1000);
      throw new XmppVerbError(`${this.user}: the server refused to resume the stream (it expired or was never kept)`, 'failed');
    }
    this.stream = stream;
    this.negotiated = { ...this.negotiated, smEnabled: true };
    this.closed = false;
    this.asked = false;
    this.ending = undefined;
    this.ended = undefined;
    this.attach();
    return this.afterResume(negotiated.resumedH);
  }

  /** A resumed stream (this session's own, or one `carried` over): acks what the server handled, re-sends the rest. */
  afterResume(h: number): { acked: number; resent: number } {
    const acked = this.sm.ack(h);
    const resend = this.sm.unackedXml();
    for (const xml of resend) this.stream.write(xml);
    this.requestAck();
    this.startKeepAlive();
    return { acked, resent: resend.length };
  }

  wire(): WireBytes {
    return this.parts.wire.wire();
  }

  /** Sends an IQ and resolves with the answer (result or error). */
  iq(type: 'get' | 'set', to: string | undefined, payload: string): Promise<XmlElement> {
    const id = `q${++this.nextId}`;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.notConnected('iq'));
      this.iqs.set(id, { resolve, reject });
      this.writeStanza(`<iq type='${type}' id='${id}'${to ? ` to='${escapeXml(to)}'` : ''}>${payload}</iq>`);
    });
  }

  private attach(): void {
    this.stream.run({
      onElement: (el) => this.onElement(el),
      onClose: (info) => this.onClose(info),
    });
  }

  private send(xml: string, level: DeliveryLevel): Promise<void> {
    if (this.closed || this.asked) {
      return Promise.reject(new SendIncompleteError(`${this.user}: ${this.describeEnd()}`, 'write', 'connection-closed', undefined, { written: false }));
    }
    if (level === 0 || !this.negotiated.smEnabled) {
      this.writeStanza(xml);
      const drained = this.stream.backedUp ? this.stream.waitDrain() : undefined;
      return drained ?? Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.stream.write(xml);
      this.lastWrite = Date.now();
      this.sm.sent(xml, { done: resolve, fail: reject });
      this.requestAck();
    });
  }

  /** Writes a counted stanza (XEP-0198 counts message, presence and iq). */
  private writeStanza(xml: string): void {
    this.stream.write(xml);
    this.lastWrite = Date.now();
    if (this.negotiated.smEnabled) this.sm.sent(xml);
  }

  /** One <r/> per turn of the event loop, however many acked sends it saw: acks come in batches. */
  private requestAck(): void {
    if (this.ackRequested) return;
    this.ackRequested = true;
    setImmediate(() => {
      this.ackRequested = false;
      if (!this.closed && this.sm.pending > 0) this.stream.write(`<r xmlns='${NS.sm}'/>`);
    });
  }

  private onElement(el: XmlElement): void {
    switch (el.name) {
      case 'message':
        this.sm.inbound++;
        this.onMessageStanza(el);
        return;
      case 'a':
        this.sm.ack(Number(el.attrs['h'] ?? 0));
        return;
      case 'r':
        this.stream.write(`<a xmlns='${NS.sm}' h='${this.sm.inbound % 2 ** 32}'/>`);
        return;
      case 'presence':
        this.sm.inbound++;
        this.onPresenceStanza(el);
        return;
      case 'iq':
        this.sm.inbound++;
        this.onIq(el);
        return;
      default:
        return;
    }
  }

  private onMessageStanza(el: XmlElement): void {
    const receivedAt = nowMicros();
    const type = el.attrs['type'];
    const from = el.attrs['from'] ?? '';
    const body = childText(el, 'body');
    if (body === undefined) {
      // The room's subject closes the history replay of a join (XEP-0045 §7.2.15).
      if (type === 'groupchat' && child(el, 'subject') !== undefined) this.historyOpen.delete(bare(from));
      const state = el.children.find((c) => c.attrs['xmlns'] === NS.chatStates);
      if (state && this.onChatState) this.onChatState(this.parts.addressing.userOf(bare(from)) ?? from, state.name as ChatState);
      return;
    }
    if (type === 'error') return;
    const payload = decodeBody(body);
    if (payload === undefined) return;
    // <delay> (XEP-0203): the server kept it for us (offline storage) before handing it over.
    const stored = el.children.some((c) => c.name === 'delay' && c.attrs['xmlns'] === NS.delay);
    if (type === 'groupchat') {
      const slash = from.indexOf('/');
      if (from.slice(slash + 1) === this.user) return; // the room reflects our own message
      const roomJid = slash < 0 ? from : from.slice(0, slash);
      const room = this.parts.addressing.roomOf(roomJid);
      if (room === undefined) return;
      // A delayed message in a join's history replay is the room's last message: MQTT's retained one.
      const retained = stored && this.historyOpen.has(roomJid);
      this.parts.onMessage({ payload, receivedAt, level: this.inboxLevel, source: { kind: 'room', room }, ...(retained ? { retained } : stored ? { stored } : {}) });
      return;
    }
    this.parts.onMessage({ payload, receivedAt, level: this.inboxLevel, source: { kind: 'direct' }, ...(stored ? { stored } : {}) });
  }

  private onPresenceStanza(el: XmlElement): void {
    const from = el.attrs['from'] ?? '';
    const roomJid = bare(from);
    const joining = this.joining.get(roomJid);
    if (joining) {
      if (el.attrs['type'] === 'error') {
        this.joining.delete(roomJid);
        joining.reject(new XmppVerbError(`${this.user}: joining room ${joining.room} refused: ${errorCondition(child(el, 'error'))}`, errorCondition(child(el, 'error'))));
        return;
      }
      const x = child(el, 'x', NS.mucUser);
      const codes = x?.children.filter((c) => c.name === 'status').map((c) => c.attrs['code']) ?? [];
      if (codes.includes(MUC_CREATED)) joining.created = true;
      if (codes.includes(MUC_SELF) || from === `${roomJid}/${this.user}`) {
        this.joining.delete(roomJid);
        void this.completeJoin(roomJid, joining);
      }
      return;
    }
    // Occupants of our rooms are known by their nick (the chat user's name); others by bare JID.
    const inRoom = this.parts.addressing.roomOf(roomJid) !== undefined;
    const user = inRoom ? from.slice(roomJid.length + 1) : this.parts.addressing.userOf(roomJid);
    if (user === this.user || user === undefined) return;
    const type = el.attrs['type'];
    if (!inRoom && this.watches.onPresence(roomJid, type)) return;
    if (this.onPresence) this.onPresence(user, type !== 'unavailable', childText(el, 'status') ?? childText(el, 'show'));
    if (inRoom) return; // watched presence comes from the roster subscription, not the room
    const update = this.parts.onPresenceUpdate === undefined ? undefined : parsePresence(user, el, nowMicros());
    if (update !== undefined) this.parts.onPresenceUpdate?.(update);
  }

  /** A room we created starts locked on some servers (XEP-0045 §10.1.2): accept the default configuration (an instant room). */
  private async completeJoin(roomJid: string, joining: Joining): Promise<void> {
    if (joining.created) {
      const answer = await this.iq('set', roomJid, `<query xmlns='${NS.mucOwner}'><x xmlns='${NS.dataForms}' type='submit'/></query>`).catch((err: Error) => err);
      if (answer instanceof Error) return joining.reject(answer);
      if (answer.attrs['type'] === 'error') {
        return joining.reject(new XmppVerbError(`${this.user}: configuring new room ${joining.room} refused: ${errorCondition(child(answer, 'error'))}`));
      }
    }
    const level = this.grant(joining.level);
    this.joined.set(roomJid, level);
    joining.resolve(level);
  }

  private onIq(el: XmlElement): void {
    const id = el.attrs['id'] ?? '';
    const type = el.attrs['type'];
    if (type === 'result' || type === 'error') {
      const waiter = this.iqs.get(id);
      if (waiter) {
        this.iqs.delete(id);
        waiter.resolve(el);
      }
      return;
    }
    // RFC 6120 §8.2.3: every get/set gets an answer; a ping (XEP-0199) an empty result.
    const to = el.attrs['from'] ? ` to='${escapeXml(el.attrs['from'])}'` : '';
    // A roster push (RFC 6121 §2.1.6) is acknowledged with an empty result too.
    if (child(el, 'ping', NS.ping) || (type === 'set' && child(el, 'query', NS.roster))) {
      this.writeStanza(`<iq type='result' id='${escapeXml(id)}'${to}/>`);
    } else {
      this.writeStanza(`<iq type='error' id='${escapeXml(id)}'${to}><error type='cancel'><service-unavailable xmlns='${NS.stanzas}'/></error></iq>`);
    }
  }

  /** Whitespace (RFC 6120 §4.6.1) or a XEP-0199 ping to the server, when nothing else was written for an interval. */
  private startKeepAlive(): void {
    const { method, intervalMs } = this.parts.keepAlive;
    if (intervalMs <= 0) return;
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = setInterval(() => {
      if (this.closed || Date.now() - this.lastWrite < intervalMs) return;
      if (method === 'whitespace') {
        this.stream.write(' ');
        this.lastWrite = Date.now();
        return;
      }
      const timeout = setTimeout(() => {
        this.keepAliveFailed = true;
        this.stream.destroy();
      }, intervalMs);
      void this.iq('get', undefined, `<ping xmlns='${NS.ping}'/>`).then(() => clearTimeout(timeout), () => clearTimeout(timeout));
    }, Math.max(100, Math.floor(intervalMs / 4)));
    this.keepAliveTimer.unref();
  }

  private keepAliveFailed = false;

  private async finish(mode: 'graceful' | 'abrupt' | 'hibernate'): Promise<void> {
    clearInterval(this.keepAliveTimer);
    if (mode === 'abrupt') {
      this.stream.destroy();
      await this.stream.whenClosed();
    } else {
      // Acked sends still in flight get their <a/> before the goodbye, or the timeout; then
      // everything received is acknowledged.
      if (this.sm.pending > 0 && this.negotiated.smEnabled) {
        this.stream.write(`<r xmlns='${NS.sm}'/>`);
        const deadline = Date.now() + this.parts.disconnectTimeoutMs;
        while (this.sm.pending > 0 && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      }
      if (this.negotiated.smEnabled && !this.closed) this.stream.write(`<a xmlns='${NS.sm}' h='${this.sm.inbound % 2 ** 32}'/>`);
      // A hibernation closes the socket without </stream> (XEP-0198 §5): the server keeps the session.
      if (mode === 'hibernate') await this.stream.closeWithoutGoodbye(this.parts.disconnectTimeoutMs);
      else await this.stream.end(this.parts.disconnectTimeoutMs);
    }
    this.parts.onEnded?.(this);
  }

  private describeEnd(): string {
    return this.ended ? `not connected (${this.ended.cause})` : 'chatbench is ending this session';
  }

  private notConnected(what: string): Error {
    return new XmppVerbError(`${this.user}: ${what}: ${this.describeEnd()}`);
  }

  private onClose(info: { error: Error | undefined; peerEnded: boolean; streamError: string | undefined }): void {
    this.closed = true;
    clearInterval(this.keepAliveTimer);
    const end: ConnectionEnd = info.streamError
      ? { by: 'server', cause: `server sent a stream error: ${info.streamError}` }
      : this.keepAliveFailed
        ? { by: 'chatbench', cause: `no answer to chatbench's XEP-0199 ping within ${this.parts.keepAlive.intervalMs} ms` }
        : this.asked
          ? { by: 'chatbench', cause: 'chatbench closed the stream' }
          : info.peerEnded || this.stream.streamClosedByPeer
            ? { by: 'server', cause: 'the server closed the stream' }
            : { by: 'network', cause: info.error ? `socket error: ${info.error.message}` : 'the connection dropped' };
    this.ended = end;
    const error = (written: boolean) => (): Error =>
      new SendIncompleteError(`${this.user}: connection closed before the server acknowledged (${end.cause})`, 'XEP-0198 <a/>', this.asked ? 'stopped-waiting' : 'connection-closed', undefined, { written });
    // Waiting sends fail now; the stanzas stay for a resume to re-send (XEP-0198 §5).
    if (this.resumable) this.sm.failWaiting(error(true));
    else this.sm.failAll(error(true));
    for (const [, j] of this.joining) j.reject(this.notConnected(`join ${j.room}`));
    this.joining.clear();
    for (const [, q] of this.iqs) q.reject(this.notConnected('iq'));
    this.iqs.clear();
    this.watches.failAll((jid) => this.notConnected(`watch ${jid}`));
    if (this.asked) return;
    this.parts.onConnectionLost?.(end);
    this.parts.onEnded?.(this);
  }
}

function bare(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}
