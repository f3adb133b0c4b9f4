/**
 * One connected chat user on MQTT: rooms are topic subscriptions, sends are PUBLISHes at the
 * delivery level's QoS, presence is a retained PUBLISH (and the Last Will says "offline").
 * Every promise settles on the server's acknowledgement, or rejects when the server refuses
 * (reason code >= 0x80) or the connection goes away first. Sends are publish.ts's (a QoS 1/2
 * send that did not complete names the acknowledgement it was waiting for); a connection that
 * ended without chatbench asking is reported with the party that ended it and the evidence
 * (close-reason.ts).
 */
import type { MqttClient } from 'mqtt';
import type { ISubackPacket } from 'mqtt-packet';
import type { ChatSession, ConnectionEnd, DeliveryLevel, InboundHandler, ProtocolAnomaly, WireBytes } from '../../core/driver.js';
import { AckFlow, FAILURE_CODE } from './ack-flow.js';
import { connectionEnd, type EndEvidence } from './close-reason.js';
import { reasonName } from './connection.js';
import { cleanExtras, inboundRouter, type SessionExtras } from './inbound.js';
import { watchKeepAlive } from './keep-alive.js';
import { statusPayload } from './presence.js';
import { Publisher, type PublishFlags } from './publish.js';
import type { RunTopics } from './topics.js';
import type { Transport } from './transport.js';
import { MqttVerbError, PendingVerbs } from './verbs.js';

const DEFAULT_DISCONNECT_TIMEOUT_MS = 5000;

export interface SessionParts {
  user: string;
  client: MqttClient;
  transport: Transport;
  topics: RunTopics;
  protocolVersion: 4 | 5;
  onMessage: InboundHandler;
  /** Called once when the session is over: after disconnect() completes, or when the connection drops. */
  onEnded?: (session: MqttChatSession) => void;
  /** Called once when the connection ends without disconnect() having been asked for. */
  onConnectionLost?: ((end: ConnectionEnd) => void) | undefined;
  /** Called for every acknowledgement-flow anomaly seen on this connection. */
  onAnomaly?: ((anomaly: ProtocolAnomaly) => void) | undefined;
  /** How long a graceful disconnect waits for in-flight sends before dropping the socket. */
  disconnectTimeoutMs?: number | undefined;
  /** The pattern verbs' settings and hooks (persistent sessions, presence, retained rooms). */
  extras?: SessionExtras;
}

export class MqttChatSession implements ChatSession {
  readonly user: string;
  private readonly client: MqttClient;
  private readonly transport: Transport;
  private readonly topics: RunTopics;
  private readonly v5: boolean;
  /** QoS the server granted per subscribed topic filter (may be lower than asked). */
  private readonly grants = new Map<string, DeliveryLevel>();
  private readonly verbs: PendingVerbs;
  private readonly ackFlow: AckFlow;
  private readonly publisher: Publisher;
  private readonly evidence: EndEvidence;
  private readonly disconnectTimeoutMs: number;
  private closed = false;
  /** disconnect() was called: whatever closes the connection from now on, chatbench asked for it. */
  private disconnectAsked = false;
  private abrupt = false;
  private graceful = false;
  private presenceSet = false;
  /** chatbench gave up on the connection itself (its disconnect timer, an abrupt drop). */
  private stoppedWaiting = false;
  private ended: ConnectionEnd | undefined;
  /** The inbound chunk the last packet MQTT.js parsed came in (Transport.chunkInHand). */
  private packetChunk: number | undefined;
  /** Set by disconnect(): it reports the end itself, once it knows how it went. */
  private ending: Promise<void> | undefined;
  private readonly onEnded: ((session: MqttChatSession) => void) | undefined;
  private readonly extras: SessionExtras;
  /** A persistent session this connection ended on the server (goodbye without keepSession). */
  private sessionEnded = false;

  constructor(parts: SessionParts) {
    this.user = parts.user;
    this.client = parts.client;
    this.transport = parts.transport;
    this.topics = parts.topics;
    this.v5 = parts.protocolVersion === 5;
    this.onEnded = parts.onEnded;
    this.disconnectTimeoutMs = parts.disconnectTimeoutMs ?? DEFAULT_DISCONNECT_TIMEOUT_MS;
    this.extras = parts.extras ?? cleanExtras();
    this.evidence = { protocolVersion: parts.protocolVersion, peerEnded: false };
    this.ackFlow = new AckFlow(parts.onAnomaly ?? (() => {}));
    this.verbs = new PendingVerbs(parts.user, () => this.refusal());
    this.publisher = new Publisher({
      user: parts.user, client: parts.client, transport: parts.transport, ackFlow: this.ackFlow, verbs: this.verbs,
      stoppedWaiting: () => this.stoppedWaiting,
      currentEnd: () => this.currentEnd(),
    });
    const { client } = parts;
    const inbound = inboundRouter(parts.topics, parts.onMessage, this.extras);
    client.on('message', (topic, payload, packet) => inbound(topic, payload, packet));
    for (const m of this.extras.early) inbound(m.topic, m.payload, m.packet);
    client.on('disconnect', (packet) => {
      this.evidence.serverDisconnect = packet.reasonCode ?? 0;
    });
    client.on('error', (err) => this.onClientError(err));
    client.on('packetsend', (packet) => {
      this.ackFlow.sent(packet);
      this.publisher.written(packet);
    });
    client.on('packetreceive', (packet) => {
      this.packetChunk = this.transport.chunkInHand;
      this.ackFlow.received(packet);
    });
    watchKeepAlive(client, () => parts.transport.wire().bytesIn, (timeout) => {
      this.evidence.keepAlive = timeout;
    });
    client.on('close', () => this.onClose(parts.onConnectionLost));
  }

  /** True until the connection closes, whatever closed it. */
  get open(): boolean {
    return !this.closed;
  }

  /** How the connection ended, whoever ended it (undefined while it is open). */
  get end(): ConnectionEnd | undefined {
    return this.ended;
  }

  /** True once this session was dropped on purpose without a DISCONNECT (its will fires). */
  get droppedAbruptly(): boolean {
    return this.abrupt;
  }

  /**
   * True when the broker may hold a retained presence message for this user: it set presence,
   * or its connection ended without a completed DISCONNECT, so the Last Will fired [MQTT-3.1.2-8].
   */
  get mayLeaveRetained(): boolean {
    return this.presenceSet || (this.closed && !this.graceful);
  }

  /** CONNACK Session Present: the server still had this user's session. */
  get resumed(): boolean {
    return this.extras.resumed;
  }

  /** True once this connection ended its persistent session on the server (a goodbye without keepSession). */
  get endedSession(): boolean {
    return this.sessionEnded;
  }

  /** The QoS the server granted for a room (lower than asked is allowed); undefined if not joined. */
  grantedLevel(room: string): DeliveryLevel | undefined {
    return this.grants.get(this.topics.room(room));
  }

  /** The QoS the server granted for this user's inbox (0 until the inbox SUBACK arrived). */
  get inboxLevel(): DeliveryLevel {
    return this.grants.get(this.topics.inbox(this.user)) ?? 0;
  }

  /** Subscribes to the user's own inbox (done by the driver before connect resolves). */
  subscribeInbox(level: DeliveryLevel): Promise<DeliveryLevel> {
    return this.subscribe(this.topics.inbox(this.user), level, false);
  }

  joinRoom(room: string, level: DeliveryLevel): Promise<DeliveryLevel> {
    // MQTT 5 No Local: the server does not echo a sender's own room messages [MQTT-3.8.3-3].
    return this.subscribe(this.topics.room(room), level, this.v5);
  }

  leaveRoom(room: string): Promise<void> {
    const topic = this.topics.room(room);
    return this.verbs.track<void>(this.verbs.lost(`UNSUBSCRIBE ${topic}`), (resolve, reject) => {
      this.client.unsubscribe(topic, (err, packet) => {
        if (err) return reject(new MqttVerbError(`UNSUBSCRIBE ${topic}: ${err.message}`, undefined, { cause: err }));
        // 5.0 UNSUBACK carries a reason code per filter; 0x11 "no subscription existed" is fine.
        const code = packet?.cmd === 'unsuback' ? (packet.granted as number[] | undefined)?.[0] : undefined;
        if (code !== undefined && code >= FAILURE_CODE) {
          return reject(new MqttVerbError(`UNSUBACK refused ${topic}: ${reasonName(code)} (${code})`, code));
        }
        this.grants.delete(topic);
        resolve();
      });
    });
  }

  sendToRoom(room: string, payload: Uint8Array, level: DeliveryLevel, options?: { retain?: boolean }): Promise<void> {
    const topic = this.topics.room(room);
    const retain = options?.retain ?? false;
    if (retain) this.extras.onRetained(topic, true);
    return this.publisher.publish(topic, payload, level, this.chatFlags(retain));
  }

  /** An empty retained PUBLISH removes the room's retained message (3.1.1 [MQTT-3.3.1-10], 5.0 [MQTT-3.3.1-6]). */
  async clearRetained(room: string): Promise<void> {
    const topic = this.topics.room(room);
    await this.publisher.publish(topic, Buffer.alloc(0), 1, { retain: true });
    this.extras.onRetained(topic, false);
  }

  sendToUser(user: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    return this.publisher.publish(this.topics.inbox(user), payload, level, this.chatFlags(false));
  }

  /** Retained QoS 1 on the user's presence topic; a stamp makes it JSON (presence.ts). */
  setPresence(status: string, stamp?: { tag: string; sentAt: number }): Promise<void> {
    this.presenceSet = true;
    return this.publisher.publish(this.topics.presence(this.user), statusPayload(status, stamp), 1, { retain: true });
  }

  /**
   * Subscribes to `user`'s presence topic at QoS 1; its retained status arrives at once, then
   * every change and will (all to ConnectOptions.onPresence, never to onMessage).
   */
  async watchPresence(user: string): Promise<void> {
    const topic = this.topics.presence(user);
    // Before the SUBSCRIBE: the retained status may follow the SUBACK in the same chunk.
    this.extras.watched.set(topic, user);
    await this.subscribe(topic, 1, false);
  }

  /**
   * graceful: DISCONNECT. A persistent session ends with it unless keepSession: 5.0 sets Session
   * Expiry Interval 0 on the DISCONNECT (3.14.2.2.2); 3.1.1 has no such field, so a Clean Session
   * connect with the same client id follows, which discards the session [MQTT-3.1.2-6].
   * abrupt: the socket is dropped; a persistent session stays for a resume and the will fires.
   */
  disconnect(mode: 'graceful' | 'abrupt', options?: { keepSession?: boolean }): Promise<void> {
    if (this.ending) return this.ending;
    if (this.closed) return Promise.resolve();
    // Set before finish() runs: dropping the socket can close it synchronously (a write that
    // fails with EPIPE), and that close must read as chatbench's own, not as a lost connection.
    this.disconnectAsked = true;
    this.ending = this.finish(mode, options?.keepSession ?? false);
    return this.ending;
  }

  /** Stops reading this connection's socket for `ms`: the server's queue to this client grows. */
  pauseReads(ms: number): void {
    if (!this.closed) this.transport.pauseReads(ms);
  }

  /** A second connection with this client id is being opened (takeover): the evidence if the server then closes this one. */
  noteTakeover(): void {
    this.evidence.takenOver = true;
  }

  wire(): WireBytes {
    return this.transport.wire();
  }

  /** The effective keep-alive: MQTT.js takes a 5.0 server's Server Keep Alive over its own [MQTT-3.2.2-21]. */
  get keepAliveSeconds(): number {
    return this.client.keepalive;
  }

  /** RETAIN and, in 5.0, the Message Expiry Interval every chat PUBLISH of this user carries. */
  private chatFlags(retain: boolean): PublishFlags {
    const expiry = this.extras.messageExpirySeconds;
    return this.v5 && expiry !== undefined ? { retain, properties: { messageExpiryInterval: expiry } } : { retain };
  }

  private async finish(mode: 'graceful' | 'abrupt', keepSession: boolean): Promise<void> {
    if (mode === 'abrupt') {
      this.abrupt = true;
      this.stoppedWaiting = true;
      this.evidence.droppedByChatbench = true;
      this.transport.destroy();
      await new Promise<void>((resolve) => this.client.end(true, () => resolve()));
    } else {
      // DISCONNECT, after in-flight QoS 1/2 sends are acknowledged; forced if the server stalls.
      this.evidence.disconnectRequested = true;
      const endsSession = this.extras.persistent && !keepSession;
      const opts = endsSession && this.v5 ? { properties: { sessionExpiryInterval: 0 } } : {};
      await new Promise<void>((resolve) => {
        // (MQTT.js ignores a second end() once disconnecting: drop the socket ourselves.)
        const timer = setTimeout(() => {
          this.stoppedWaiting = true;
          this.evidence.disconnectTimerMs = this.disconnectTimeoutMs;
          this.transport.destroy();
          resolve();
        }, this.disconnectTimeoutMs);
        this.client.end(false, opts, () => {
          clearTimeout(timer);
          this.graceful = true;
          resolve();
        });
      });
      if (endsSession) this.sessionEnded = (this.v5 && this.graceful) || (await this.extras.endServerSession());
    }
    this.onEnded?.(this);
  }

  /**
   * Keeps the first error MQTT.js reports before the server's FIN (later ones are consequences
   * of that close). An error raised while MQTT.js parses an inbound chunk, before any packet of
   * that chunk was handled, is its parser failing: the server sent a malformed packet. MQTT.js
   * leaves such a connection open with its parser out of step; the spec says the receiver MUST
   * close it ([MQTT-4.8.0-1] in 3.1.1, §4.13.1 in 5.0), so chatbench does, and says why.
   * (A chunk MQTT.js had to buffer is parsed later, outside this window: that error is only kept.)
   */
  private onClientError(err: Error): void {
    if (this.closed || this.transport.peerEnded) return;
    this.evidence.clientError ??= err;
    const chunk = this.transport.chunkInHand;
    if (chunk === undefined || chunk === this.packetChunk || this.transport.closing) return;
    this.evidence.malformedPacket = err;
    this.transport.destroy();
  }

  /** Why no verb can start now (the connection is gone or going); undefined when one can. */
  private refusal(): ConnectionEnd | undefined {
    if (!this.closed && this.client.connected && !this.client.disconnecting) return undefined;
    return this.ended ?? { by: 'chatbench', cause: 'chatbench is ending this session' };
  }

  private currentEnd(): ConnectionEnd {
    return connectionEnd({ ...this.evidence, failure: this.transport.failure, peerEnded: this.transport.peerEnded });
  }

  private onClose(onConnectionLost: SessionParts['onConnectionLost']): void {
    this.closed = true;
    const end = this.currentEnd();
    this.ended = end;
    this.verbs.failAll(end);
    this.publisher.clear();
    this.ackFlow.clear();
    if (this.ending || this.disconnectAsked) return;
    onConnectionLost?.(end);
    this.onEnded?.(this);
  }

  private subscribe(topic: string, level: DeliveryLevel, noLocal: boolean): Promise<DeliveryLevel> {
    return this.verbs.track<DeliveryLevel>(this.verbs.lost(`SUBSCRIBE ${topic}`), (resolve, reject) => {
      const options = this.v5 ? { qos: level, nl: noLocal } : { qos: level };
      this.client.subscribe(topic, options, (err, _granted, packet?: ISubackPacket) => {
        const code = packet?.granted[0];
        if (typeof code === 'number' && code >= FAILURE_CODE) {
          return reject(new MqttVerbError(`SUBACK refused ${topic}: code 0x${code.toString(16)}`, code));
        }
        if (err || typeof code !== 'number') {
          return reject(new MqttVerbError(`SUBSCRIBE ${topic}: ${err?.message ?? 'no SUBACK'}`, undefined, { cause: err }));
        }
        this.grants.set(topic, code as DeliveryLevel);
        resolve(code as DeliveryLevel);
      });
    });
  }
}
