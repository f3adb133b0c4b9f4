/**
 * One chat user on a lean connection: the same verbs, mapping and wording as the MQTT.js
 * session (../session.ts) — rooms are subscriptions (5.0 No Local), sends are PUBLISHes at the
 * level's QoS, presence a retained QoS 1 PUBLISH watched by subscribing, retained rooms, read
 * pauses, persistent sessions (a goodbye without keepSession ends them), takeovers, 5.0 Message
 * Expiry — on the lean client. QoS 0 sends settle once
 * queued for this microtask's write (or at the socket's next 'drain' when it is backed up);
 * QoS 1/2 sends on PUBACK / PUBCOMP, or fail naming the acknowledgement they waited for
 * (ack-flow.ts); the end of a connection nobody asked to end is reported with who ended it
 * (close-reason.ts).
 */
import type { Packet } from 'mqtt-packet';
import { SendIncompleteError, type ChatSession, type ConnectionEnd, type DeliveryLevel, type InboundHandler, type PresenceUpdate, type ProtocolAnomaly, type WireBytes } from '../../../core/driver.js';
import { AckFlow, FAILURE_CODE } from '../ack-flow.js';
import { connectionEnd, endPhrase, notConnected, type EndEvidence } from '../close-reason.js';
import { reasonName } from '../connection.js';
import { inboundRouter } from '../inbound.js';
import type { KeepAliveTimeout } from '../keep-alive.js';
import { statusPayload } from '../presence.js';
import type { RunTopics } from '../topics.js';
import { MqttVerbError } from '../verbs.js';
import type { ClientHandler, LeanClient, Waiter } from './client.js';
import type { EarlyMessage } from './open.js';
import { SendWaiter, verbLost } from './waiters.js';
import { encodeControl, type TopicBytes } from './codec.js';

const DEFAULT_DISCONNECT_TIMEOUT_MS = 5000;
/** Never written: a session that watches no one. */
const NOTHING_WATCHED = new Map<string, string>();
const EMPTY = Buffer.alloc(0);
/** What a QoS 0 send returns when the socket takes more: one settled promise for all of them. */
const WRITTEN = Promise.resolve();
/** The QoS and RETAIN of the PUBLISH being routed: one object for all sessions (routing is synchronous). */
const FLAGS = { qos: 0 as 0 | 1 | 2, retain: false };
/** An acknowledgement flow with nothing in it: what a session that never sent at QoS 1/2 answers with. */
const NO_FLOWS = new AckFlow(() => {});

/** What every session of a driver shares (one object per driver, not per connection). */
export interface LeanContext {
  topics: RunTopics;
  topicBytes: TopicBytes;
  protocolVersion: 4 | 5;
  onEnded: (session: LeanSession) => void;
  /** A room topic now holds (true) or no longer holds (false) a retained message of this run. */
  onRetained: (topic: string, held: boolean) => void;
  disconnectTimeoutMs?: number | undefined;
  /** Ends `user`'s session on the server from a fresh clean connection (3.1.1 has no other way); true when done. */
  endServerSession: (user: string) => Promise<boolean>;
}

export interface LeanSessionParts {
  user: string;
  client: LeanClient;
  onMessage: InboundHandler;
  onConnectionLost?: ((end: ConnectionEnd) => void) | undefined;
  onAnomaly?: ((anomaly: ProtocolAnomaly) => void) | undefined;
  onPresence?: ((update: PresenceUpdate) => void) | undefined;
  /** CONNACK Session Present on a persistent connect: this connection continues an earlier one's session. */
  resumed?: boolean;
  /** The server keeps the session after the connection (persistent, or lingering for a will delay). */
  outlives?: boolean;
  /** Presence topic -> watched user, kept across a persistent user's connections (a resumed session still holds the subscriptions). */
  watched?: Map<string, string> | undefined;
  /** PUBLISHes read behind CONNACK, before this session existed (open.ts). */
  early?: readonly EarlyMessage[];
  /** 5.0 properties every chat PUBLISH of this user carries (Message Expiry Interval, codec.ts). */
  chatProperties?: Buffer | undefined;
}

export class LeanSession implements ChatSession, ClientHandler {
  readonly user: string;
  readonly resumed: boolean;
  inboxLevel: DeliveryLevel = 0;
  private readonly ctx: LeanContext;
  private readonly client: LeanClient;
  private readonly onConnectionLost: LeanSessionParts['onConnectionLost'];
  private readonly onAnomaly: LeanSessionParts['onAnomaly'];
  /** Created with the first QoS 1/2 flow: an idle connection carries none. */
  private ackFlow: AckFlow | undefined;
  /** What says who ended the connection; made when the first piece of evidence comes. */
  private evidence: EndEvidence | undefined;
  private readonly onMessage: InboundHandler;
  private readonly onPresence: LeanSessionParts['onPresence'];
  /** Presence topic -> watched user; made by the first watch. */
  private watched: Map<string, string> | undefined;
  /** inbound.ts's router, made at the first delivery (and again when a watch begins): an idle connection holds none. */
  private route: ReturnType<typeof inboundRouter> | undefined;
  private rooms: Map<string, DeliveryLevel> | undefined;
  private disconnectAsked = false;
  private stoppedWaiting = false;
  private graceful = false;
  private abrupt = false;
  private presenceSet = false;
  private ending: Promise<void> | undefined;
  private ended: ConnectionEnd | undefined;
  private readonly outlives: boolean;
  private readonly chatProperties: Buffer | undefined;
  /** This connection ended its session on the server (a goodbye without keepSession). */
  private sessionEnded = false;

  constructor(ctx: LeanContext, parts: LeanSessionParts) {
    this.user = parts.user;
    this.ctx = ctx;
    this.client = parts.client;
    this.onConnectionLost = parts.onConnectionLost;
    this.onAnomaly = parts.onAnomaly;
    this.onMessage = parts.onMessage;
    this.onPresence = parts.onPresence;
    this.resumed = parts.resumed ?? false;
    this.outlives = parts.outlives ?? false;
    this.watched = parts.watched;
    this.chatProperties = parts.chatProperties;
    parts.client.handler = this;
    for (const m of parts.early ?? []) this.message(m.topic, m.payload, m.qos, m.retain);
    if (parts.client.closed) this.closed();
  }

  get open(): boolean {
    return !this.client.closed;
  }

  get end(): ConnectionEnd | undefined {
    return this.ended;
  }

  /** The broker may hold a retained presence for this user: it set one, or its will fired (no completed DISCONNECT). */
  get mayLeaveRetained(): boolean {
    return this.presenceSet || (this.client.closed && !this.graceful);
  }

  get droppedAbruptly(): boolean {
    return this.abrupt;
  }

  /** True once this connection ended its persistent session on the server. */
  get endedSession(): boolean {
    return this.sessionEnded;
  }

  /** A second connection with this client id is being opened (takeover): the evidence if the server then closes this one. */
  noteTakeover(): void {
    this.ev().takenOver = true;
  }

  get keepAliveSeconds(): number {
    return this.client.keepAliveSeconds;
  }

  wire(): WireBytes {
    return this.client.transport.wire();
  }

  grantedLevel(room: string): DeliveryLevel | undefined {
    return this.rooms?.get(room);
  }

  async subscribeInbox(level: DeliveryLevel): Promise<DeliveryLevel> {
    this.inboxLevel = await this.subscribe(this.ctx.topics.inbox(this.user), level, false);
    return this.inboxLevel;
  }

  async joinRoom(room: string, level: DeliveryLevel): Promise<DeliveryLevel> {
    // MQTT 5 No Local: the server does not echo a sender's own room messages [MQTT-3.8.3-3].
    const granted = await this.subscribe(this.ctx.topics.room(room), level, this.ctx.protocolVersion === 5);
    (this.rooms ??= new Map()).set(room, granted);
    return granted;
  }

  async leaveRoom(room: string): Promise<void> {
    const topic = this.ctx.topics.room(room);
    const version = this.ctx.protocolVersion;
    const code = await this.request(`UNSUBSCRIBE ${topic}`, (messageId) => encodeControl({ cmd: 'unsubscribe', messageId, unsubscriptions: [topic] }, version));
    // 5.0 UNSUBACK carries a reason code per filter; 0x11 "no subscription existed" is fine.
    if (code >= FAILURE_CODE) throw new MqttVerbError(`UNSUBACK refused ${topic}: ${reasonName(code)} (${code})`, code);
    this.rooms?.delete(room);
  }

  sendToRoom(room: string, payload: Uint8Array, level: DeliveryLevel, options?: { retain?: boolean }): Promise<void> {
    const topic = this.ctx.topics.room(room);
    const retain = options?.retain ?? false;
    if (retain) this.ctx.onRetained(topic, true);
    return this.publish(topic, payload, level, retain, this.chatProperties);
  }

  /** An empty retained PUBLISH removes the room's retained message (3.1.1 [MQTT-3.3.1-10], 5.0 [MQTT-3.3.1-6]). */
  async clearRetained(room: string): Promise<void> {
    const topic = this.ctx.topics.room(room);
    await this.publish(topic, EMPTY, 1, true);
    this.ctx.onRetained(topic, false);
  }

  /**
   * Subscribes to `user`'s presence topic at QoS 1; its retained status arrives at once, then
   * every change and will (all to onPresence, never to onMessage).
   */
  async watchPresence(user: string): Promise<void> {
    const topic = this.ctx.topics.presence(user);
    // Before the SUBSCRIBE: the retained status may follow the SUBACK in the same chunk.
    if (this.watched === undefined) {
      this.watched = new Map();
      this.route = undefined;
    }
    this.watched.set(topic, user);
    await this.subscribe(topic, 1, false);
  }

  /** Stops reading this connection's socket for `ms`: the server's queue to this client grows. */
  pauseReads(ms: number): void {
    if (!this.client.closed) this.client.transport.pauseReads(ms);
  }

  sendToUser(user: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    return this.publish(this.ctx.topics.inbox(user), payload, level, false, this.chatProperties);
  }

  /** Retained QoS 1 on the user's presence topic; a stamp makes it JSON (presence.ts). */
  setPresence(status: string, stamp?: { tag: string; sentAt: number }): Promise<void> {
    this.presenceSet = true;
    return this.publish(this.ctx.topics.presence(this.user), statusPayload(status, stamp), 1, true);
  }

  /**
   * graceful: DISCONNECT once in-flight QoS 1/2 sends are acknowledged (the socket is dropped if
   * that takes too long). A session the server keeps ends with it unless keepSession: 5.0 sets
   * Session Expiry Interval 0 on the DISCONNECT (3.14.2.2.2); 3.1.1 has no such field, so a Clean
   * Session connect with the same client id follows, which discards the session [MQTT-3.1.2-6].
   * abrupt: drop the socket; a persistent session stays for a resume and the will fires.
   */
  disconnect(mode: 'graceful' | 'abrupt', options?: { keepSession?: boolean }): Promise<void> {
    if (this.ending) return this.ending;
    if (this.client.closed) return Promise.resolve();
    // Before anything closes: that close must read as chatbench's own, not as a lost connection.
    this.disconnectAsked = true;
    this.ending = this.finish(mode, this.outlives && !(options?.keepSession ?? false));
    return this.ending;
  }

  private async finish(mode: 'graceful' | 'abrupt', endsSession: boolean): Promise<void> {
    const client = this.client;
    if (mode === 'abrupt') {
      this.abrupt = true;
      this.stoppedWaiting = true;
      this.ev().droppedByChatbench = true;
      client.transport.destroy();
      await client.whenClosed();
    } else {
      this.ev().disconnectRequested = true;
      const ms = this.ctx.disconnectTimeoutMs ?? DEFAULT_DISCONNECT_TIMEOUT_MS;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.stoppedWaiting = true;
          this.ev().disconnectTimerMs = ms;
          client.transport.destroy();
          resolve();
        }, ms);
        void client.whenIdle().then(async () => {
          if (!client.closed) {
            const version = this.ctx.protocolVersion;
            const expiry = endsSession ? { properties: { sessionExpiryInterval: 0 } } : {};
            client.leavingWithSession = this.outlives && !endsSession;
            client.send(encodeControl({ cmd: 'disconnect', ...(version === 5 ? { reasonCode: 0, ...expiry } : {}) }, version));
            await client.end();
            this.graceful = !this.stoppedWaiting;
          }
          clearTimeout(timer);
          resolve();
        });
      });
      if (endsSession) this.sessionEnded = (this.ctx.protocolVersion === 5 && this.graceful) || (await this.ctx.endServerSession(this.user));
    }
    this.ctx.onEnded(this);
  }

  private publish(topic: string, payload: Uint8Array, qos: DeliveryLevel, retain: boolean, properties?: Buffer): Promise<void> {
    const refused = this.refusal();
    const client = this.client;
    if (qos === 0) {
      if (refused !== undefined) return Promise.reject(verbLost(this.user, `PUBLISH ${topic} at QoS 0 not written`, refused, true));
      client.publish(this.ctx.topicBytes.get(topic), payload, 0, retain, undefined, properties);
      return client.transport.whenWritable() ?? WRITTEN;
    }
    const what = `${this.user}: PUBLISH to ${topic} at QoS ${qos}`;
    if (refused !== undefined) {
      return Promise.reject(new SendIncompleteError(`${what}: not sent: ${notConnected(refused)}`, qos === 1 ? 'PUBACK' : 'PUBREC', this.because(), refused.code, { written: false }));
    }
    return new Promise<void>((resolve, reject) => {
      client.publish(this.ctx.topicBytes.get(topic), payload, qos, retain, new SendWaiter(this, what, qos, resolve, reject), properties);
    });
  }

  /** How a QoS 1/2 send that did not complete fails: the acknowledgement it waited for, and why it stopped. */
  incomplete(what: string, waiter: Waiter & { qos: 1 | 2 }, end: ConnectionEnd): SendIncompleteError {
    const awaiting = (this.ackFlow ?? NO_FLOWS).awaiting(waiter.messageId, waiter.qos);
    const written = waiter.messageId !== undefined;
    const why = written ? `no ${awaiting} ${endPhrase(end, this.stoppedWaiting)}` : `not sent: ${notConnected(end)}`;
    return new SendIncompleteError(`${what}: ${why}`, awaiting, this.because(), end.code, { written });
  }

  private because(): 'stopped-waiting' | 'connection-closed' {
    return this.stoppedWaiting ? 'stopped-waiting' : 'connection-closed';
  }

  private async subscribe(topic: string, level: DeliveryLevel, noLocal: boolean): Promise<DeliveryLevel> {
    const version = this.ctx.protocolVersion;
    const subscription = version === 5 ? { topic, qos: level, nl: noLocal } : { topic, qos: level };
    const code = await this.request(`SUBSCRIBE ${topic}`, (messageId) => encodeControl({ cmd: 'subscribe', messageId, subscriptions: [subscription] }, version));
    if (code >= FAILURE_CODE) throw new MqttVerbError(`SUBACK refused ${topic}: code 0x${code.toString(16)}`, code);
    if (code > 2) throw new MqttVerbError(`SUBSCRIBE ${topic}: SUBACK granted QoS ${code}, which does not exist`, code);
    return code as DeliveryLevel;
  }

  /** SUBSCRIBE / UNSUBSCRIBE: resolves with the acknowledgement's first code; fails as PendingVerbs words it when the connection is gone or goes. */
  private request(what: string, build: (messageId: number) => Buffer): Promise<number> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(verbLost(this.user, what, refused, true));
    const user = this.user;
    return new Promise<number>((resolve, reject) => {
      this.client.request(build, {
        qos: 0,
        messageId: undefined,
        done: (code) => resolve(code),
        fail: (end) => reject(verbLost(user, what, end, false)),
      });
    });
  }

  private refusal(): ConnectionEnd | undefined {
    if (this.client.closed) return this.ended ?? this.currentEnd();
    if (this.disconnectAsked) return { by: 'chatbench', cause: 'chatbench is ending this session' };
    return undefined;
  }

  private currentEnd(): ConnectionEnd {
    const t = this.client.transport;
    return connectionEnd({ ...this.evidence, protocolVersion: this.ctx.protocolVersion, failure: t.failure, peerEnded: t.peerEnded });
  }

  private ev(): EndEvidence {
    return (this.evidence ??= { protocolVersion: this.ctx.protocolVersion, peerEnded: false });
  }

  // ClientHandler: what the connection reports.

  /** A PUBLISH received: chat to onMessage, a watched user's presence to onPresence (inbound.ts). */
  message(topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean): void {
    const route = (this.route ??= inboundRouter(this.ctx.topics, this.onMessage, { watched: this.watched ?? NOTHING_WATCHED, onPresence: this.onPresence }));
    FLAGS.qos = qos;
    FLAGS.retain = retain;
    route(topic, payload, FLAGS);
  }

  control(packet: Packet): void {
    if (packet.cmd === 'disconnect') this.ev().serverDisconnect = packet.reasonCode ?? 0;
  }

  flow(packet: Packet): void {
    const flows = (this.ackFlow ??= new AckFlow(this.onAnomaly ?? (() => {})));
    flows.sent(packet);
    flows.received(packet);
  }

  malformed(error: Error): void {
    if (this.client.closed || this.client.transport.closing) return;
    this.ev().malformedPacket = error;
    this.client.transport.destroy();
  }

  timedOut(timeout: KeepAliveTimeout): void {
    if (this.client.closed) return;
    this.ev().keepAlive = timeout;
    this.stoppedWaiting = true;
    this.client.transport.destroy();
  }

  closed(): void {
    const end = this.currentEnd();
    this.ended = end;
    for (const waiter of this.client.takeWaiters()) waiter.fail(end);
    this.ackFlow = undefined;
    if (this.ending || this.disconnectAsked) return;
    this.onConnectionLost?.(end);
    this.ctx.onEnded(this);
  }
}
