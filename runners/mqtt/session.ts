/**
 * One connected chat user on MQTT: rooms are topic subscriptions, sends are PUBLISHes at the
 * delivery level's QoS, presence is a retained PUBLISH (and the Last Will says "offline").
 * Every promise settles on the server's acknowledgement, or rejects when the server refuses
 * (reason code >= 0x80) or the connection goes away first.
 */
import type { MqttClient, IClientPublishOptions } from 'mqtt';
import type { ISubackPacket } from 'mqtt-packet';
import type { ChatSession, DeliveryLevel, InboundHandler, WireBytes } from '../../core/driver.js';
import { nowMicros } from '../../core/clock.js';
import { reasonName } from './connection.js';
import type { RunTopics } from './topics.js';
import type { Transport } from './transport.js';

/** A verb the server refused or could not complete; reasonCode when the server sent one. */
export class MqttVerbError extends Error {
  readonly reasonCode: number | undefined;
  constructor(message: string, reasonCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MqttVerbError';
    this.reasonCode = reasonCode;
  }
}

/** Acknowledgement codes with the top bit set are failures: SUBACK 0x80 in 3.1.1 [MQTT-3.9.3], any code >= 0x80 in 5.0. */
const FAILURE_CODE = 0x80;
const GRACEFUL_DISCONNECT_MS = 5000;

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

export interface SessionParts {
  user: string;
  client: MqttClient;
  transport: Transport;
  topics: RunTopics;
  protocolVersion: 4 | 5;
  onMessage: InboundHandler;
  /** Called once when the session is over: after disconnect() completes, or when the connection drops. */
  onEnded?: (session: MqttChatSession) => void;
  /** Called once when the connection drops without disconnect() having been asked for. */
  onConnectionLost?: ((reason: string) => void) | undefined;
}

export class MqttChatSession implements ChatSession {
  readonly user: string;
  private readonly client: MqttClient;
  private readonly transport: Transport;
  private readonly topics: RunTopics;
  private readonly v5: boolean;
  /** QoS the server granted per subscribed topic filter (may be lower than asked). */
  private readonly grants = new Map<string, DeliveryLevel>();
  private readonly pending = new Set<(err: Error) => void>();
  private closed = false;
  private abrupt = false;
  private graceful = false;
  private presenceSet = false;
  /** Set by disconnect(): it reports the end itself, once it knows how it went. */
  private ending: Promise<void> | undefined;
  private readonly onEnded: ((session: MqttChatSession) => void) | undefined;
  /** Reason code of a DISCONNECT the server sent (5.0), for the error of verbs it cut short. */
  private serverDisconnect: number | undefined;

  constructor(parts: SessionParts) {
    this.user = parts.user;
    this.client = parts.client;
    this.transport = parts.transport;
    this.topics = parts.topics;
    this.v5 = parts.protocolVersion === 5;
    this.onEnded = parts.onEnded;
    const { onMessage, topics } = parts;
    this.client.on('message', (topic, payload, packet) => {
      const receivedAt = nowMicros();
      const source = topics.parse(topic);
      if (source) onMessage({ payload, receivedAt, level: packet.qos, source });
    });
    this.client.on('disconnect', (packet) => {
      this.serverDisconnect = packet.reasonCode ?? 0;
    });
    this.client.on('close', () => {
      this.closed = true;
      const code = this.serverDisconnect;
      const why = code === undefined ? '' : ` (server sent DISCONNECT: ${reasonName(code)} (${code}))`;
      const lost = new MqttVerbError(`${this.user}: connection closed before the server acknowledged${why}`, code);
      for (const reject of this.pending) reject(lost);
      this.pending.clear();
      if (this.ending) return;
      const failure = parts.transport.failure?.error.message;
      parts.onConnectionLost?.(code !== undefined ? `server sent DISCONNECT: ${reasonName(code)} (${code})` : failure ? `connection lost: ${failure}` : 'connection closed by the server');
      this.onEnded?.(this);
    });
  }

  /** True until the connection closes, whatever closed it. */
  get open(): boolean {
    return !this.closed;
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
    return this.track<void>((resolve, reject) => {
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

  sendToRoom(room: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    return this.publish(this.topics.room(room), asBuffer(payload), { qos: level });
  }

  sendToUser(user: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    return this.publish(this.topics.inbox(user), asBuffer(payload), { qos: level });
  }

  setPresence(status: string): Promise<void> {
    this.presenceSet = true;
    return this.publish(this.topics.presence(this.user), Buffer.from(status), { qos: 1, retain: true });
  }

  disconnect(mode: 'graceful' | 'abrupt'): Promise<void> {
    if (this.ending) return this.ending;
    if (this.closed) return Promise.resolve();
    this.ending = this.end(mode);
    return this.ending;
  }

  private async end(mode: 'graceful' | 'abrupt'): Promise<void> {
    if (mode === 'abrupt') {
      this.abrupt = true;
      this.transport.destroy();
      await new Promise<void>((resolve) => this.client.end(true, () => resolve()));
    } else {
      // DISCONNECT, after in-flight QoS 1/2 sends are acknowledged; forced if the server stalls.
      await new Promise<void>((resolve) => {
        // (MQTT.js ignores a second end() once disconnecting: drop the socket ourselves.)
        const timer = setTimeout(() => {
          this.transport.destroy();
          resolve();
        }, GRACEFUL_DISCONNECT_MS);
        this.client.end(false, () => {
          clearTimeout(timer);
          this.graceful = true;
          resolve();
        });
      });
    }
    this.onEnded?.(this);
  }

  wire(): WireBytes {
    return this.transport.wire();
  }

  private subscribe(topic: string, level: DeliveryLevel, noLocal: boolean): Promise<DeliveryLevel> {
    return this.track<DeliveryLevel>((resolve, reject) => {
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

  private publish(topic: string, payload: Buffer, options: IClientPublishOptions): Promise<void> {
    return this.track<void>((resolve, reject) => {
      this.client.publish(topic, payload, options, (err) => {
        if (!err) return resolve();
        const code = (err as { code?: unknown }).code;
        reject(new MqttVerbError(`PUBLISH ${topic}: ${err.message}`, typeof code === 'number' ? code : undefined, { cause: err }));
      });
    });
  }

  /** Runs a verb; it rejects at once when the connection is gone, or when it closes before the ack. */
  private track<T>(run: (resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> {
    if (this.closed || !this.client.connected) {
      return Promise.reject(new MqttVerbError(`${this.user}: not connected`));
    }
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.pending.add(fail);
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
}
