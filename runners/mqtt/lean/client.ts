/**
 * One lean MQTT connection: the stream Transport opened, a PacketReader on its 'data', writes
 * gathered and written once per microtask (1,000 sends in one pacer tick are one corked write,
 * one syscall), and the protocol's flows:
 *
 *   - packet identifiers 1..65535, never 0 [MQTT-2.3.1-1], never reused while their flow is open
 *     [MQTT-2.3.1-2], one space for PUBLISH, SUBSCRIBE and UNSUBSCRIBE;
 *   - QoS 1 out: PUBLISH -> PUBACK; QoS 2 out: PUBLISH -> PUBREC -> PUBREL -> PUBCOMP [MQTT-4.3.3];
 *   - QoS 1 in: PUBACK after delivery; QoS 2 in: delivered on PUBLISH, its identifier kept until
 *     PUBREL so a resent PUBLISH is not delivered twice (the receiver's "Method B", §4.3.3);
 *   - at most the server's Receive Maximum QoS 1/2 PUBLISHes in flight [MQTT-3.3.4-7]: the rest wait
 *     in order;
 *   - in a persistent session, the flows kept across connections (kept.ts): what is in flight is
 *     recorded as it goes, and re-sent on the resumed connection (resend()).
 *
 * State is a few fields, one Map of open flows and the write queue: no EventEmitter listeners of
 * its own, no timers (keep-alive is one sweep per driver, sweep.ts).
 */
import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { ConnectionEnd } from '../../../core/driver.js';
import { encodeAck, encodePublish, PINGREQ, type AckType } from './codec.js';
import type { KeptFlow, KeptFlows } from './kept.js';
import { PacketReader, type PacketSink } from './reader.js';
import type { KeepAliveTimeout } from '../keep-alive.js';
import type { Transport } from '../transport.js';

/** What the connection reports to its owner (the opening handshake, then the session). */
export interface ClientHandler {
  message(topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean): void;
  /** CONNACK, SUBACK/UNSUBACK nothing waits on, DISCONNECT, AUTH. */
  control(packet: Packet): void;
  /** Every acknowledgement of an outgoing PUBLISH as it arrives, and every PUBLISH/PUBREL written (ack-flow.ts). */
  flow(packet: Packet): void;
  malformed(error: Error): void;
  /** chatbench's keep-alive gave up on the server (sweep.ts). */
  timedOut(timeout: KeepAliveTimeout): void;
  closed(): void;
}

/** An outgoing flow's end: reasonCode (>= 0x80: refused), the packet that ended it. */
export interface Waiter {
  /** The PUBLISH's QoS; 0 for SUBSCRIBE and UNSUBSCRIBE. */
  readonly qos: 0 | 1 | 2;
  /** Set when the packet identifier is given (the request is written); undefined while it waits under the Receive Maximum. */
  messageId: number | undefined;
  done(reasonCode: number, ack: string, packet?: Packet): void;
  /** The connection closed before the flow ended. */
  fail(end: ConnectionEnd): void;
}

interface Queued {
  topic: Buffer;
  payload: Uint8Array;
  qos: 1 | 2;
  retain: boolean;
  waiter: Waiter;
  /** 5.0 PUBLISH property bytes (Message Expiry Interval), when the send has any. */
  properties: Buffer | undefined;
  /** A kept PUBLISH re-sent on a resumed connection: its bytes (DUP set); its identifier is the waiter's. */
  resend?: Buffer;
}

const MAX_ID = 65_535;
const EMPTY = Buffer.alloc(0);
/** Transport keeps each layer's first error with its phase; the outer stream's only must not throw. */
const ignore = (): void => {};

export class LeanClient implements PacketSink {
  handler: ClientHandler;
  /** Server's Receive Maximum (5.0 CONNACK); 65,535 when it announced none. */
  receiveMaximum = MAX_ID;
  /** Effective keep-alive, seconds (a 5.0 server may set its own in CONNACK [MQTT-3.2.2-21]). */
  keepAliveSeconds: number;
  /** Date.now() of the last write, and of the oldest PINGREQ not yet answered (0: none). */
  lastSentAt = Date.now();
  pingAt = 0;
  /** Sweep bookkeeping (sweep.ts): bytes received at its last look, and when the server was last heard. */
  bytesAtLook = 0;
  heardAt = 0;
  closed = false;
  readonly stream: Duplex;
  readonly #reader: PacketReader;
  /** Open flows by packet identifier; dropped when the last SUBSCRIBE-type flow ends, so an idle connection holds no table. */
  #waiting: Map<number, Waiter> | undefined;
  #inflight = 0;
  /** Sends over the Receive Maximum, oldest from #head on; undefined when none wait. */
  #queue: (Queued | undefined)[] | undefined;
  #head = 0;
  #incoming2: Set<number> | undefined;
  #lastId = 0;
  /** A persistent session's state, kept across the user's connections (kept.ts); undefined for a clean one. */
  #kept: KeptFlows | undefined;
  /** Bytes for this microtask's write; undefined between writes. */
  #out: Buffer[] | undefined;
  #idle: (() => void) | undefined;
  readonly #v5: boolean;

  constructor(readonly transport: Transport, v5: boolean, keepAliveSeconds: number, handler: ClientHandler) {
    this.#v5 = v5;
    this.keepAliveSeconds = keepAliveSeconds;
    this.handler = handler;
    this.#reader = new PacketReader(v5, this);
    this.stream = transport.build();
    this.stream.on('data', (chunk: Buffer) => this.#reader.push(chunk));
    this.stream.on('error', ignore);
    this.stream.once('close', () => {
      this.closed = true;
      this.#out = undefined;
      this.#queue = undefined;
      this.#head = 0;
      this.#idle?.();
      this.handler.closed();
    });
  }

  /** Keeps this connection's QoS 1/2 state in `kept` (a persistent session), starting from what it holds. Before CONNECT. */
  keepIn(kept: KeptFlows): void {
    this.#kept = kept;
    this.#incoming2 = kept.incoming2;
    this.#lastId = kept.lastId;
  }

  /**
   * The session resumed: re-sends the kept flows in their order [MQTT-4.6.0-1] — a PUBREL for
   * each past PUBREC, each PUBLISH again with DUP=1 [MQTT-3.3.1-1] under the Receive Maximum
   * [MQTT-4.4.0-1]. Their sends failed with the old connection; the flows still end here.
   */
  resend(): void {
    const kept = this.#kept;
    if (kept === undefined) return;
    for (const [messageId, flow] of kept.outgoing) {
      const waiter: Waiter = { qos: flow.qos, messageId, done: ignore, fail: ignore };
      (this.#waiting ??= new Map()).set(messageId, waiter);
      if (flow.publish === undefined) {
        this.#inflight++;
        this.send(encodeAck('pubrel', messageId));
        // This connection's ack flow learns what came on the earlier one: PUBLISH, then PUBREC.
        this.handler.flow({ cmd: 'publish', qos: 2, messageId, topic: '', payload: EMPTY, retain: false, dup: true });
        this.handler.flow({ cmd: 'pubrec', messageId });
        this.handler.flow({ cmd: 'pubrel', messageId });
      } else {
        flow.publish[0] = (flow.publish[0] as number) | 0x08; // the socket that wrote these bytes is gone
        if (this.#inflight < this.receiveMaximum && this.#queue === undefined) this.#resendNow(flow.publish, flow, messageId);
        else (this.#queue ??= []).push({ topic: EMPTY, payload: EMPTY, qos: flow.qos, retain: false, waiter, properties: undefined, resend: flow.publish });
      }
    }
  }

  #resendNow(bytes: Buffer, flow: Pick<KeptFlow, 'qos'>, messageId: number): void {
    this.#inflight++;
    this.send(bytes);
    this.handler.flow({ cmd: 'publish', qos: flow.qos, messageId, topic: '', payload: EMPTY, retain: false, dup: true });
  }

  /** Queues bytes for this microtask's write. */
  send(bytes: Buffer): void {
    if (this.closed) return;
    if (this.#out === undefined) {
      this.#out = [bytes];
      queueMicrotask(() => this.#flush());
    } else this.#out.push(bytes);
  }

  #flush(): void {
    const out = this.#out;
    this.#out = undefined;
    const stream = this.stream;
    if (out === undefined || stream.destroyed || stream.writableEnded) return;
    if (out.length === 1) stream.write(out[0]);
    else {
      stream.cork();
      for (const bytes of out) stream.write(bytes);
      stream.uncork();
    }
    this.lastSentAt = Date.now();
  }

  /**
   * PUBLISH; QoS 1/2 wait for a packet identifier under the Receive Maximum, then `waiter` hears
   * the end of the flow. `properties`: 5.0 property bytes (codec.ts).
   */
  publish(topic: Buffer, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean, waiter?: Waiter, properties?: Buffer): void {
    if (qos === 0 || waiter === undefined) {
      this.send(encodePublish(topic, payload, { qos: 0, retain, dup: false, messageId: 0, v5: this.#v5, properties }));
      return;
    }
    if (this.#inflight >= this.receiveMaximum || (this.#waiting?.size ?? 0) >= MAX_ID || this.#queue !== undefined) {
      (this.#queue ??= []).push({ topic, payload, qos, retain, waiter, properties });
      return;
    }
    this.#publishNow(topic, payload, qos, retain, waiter, properties);
  }

  #publishNow(topic: Buffer, payload: Uint8Array, qos: 1 | 2, retain: boolean, waiter: Waiter, properties: Buffer | undefined): void {
    const messageId = this.#take(waiter);
    this.#inflight++;
    const bytes = encodePublish(topic, payload, { qos, retain, dup: false, messageId, v5: this.#v5, properties });
    this.#kept?.outgoing.set(messageId, { qos, publish: bytes });
    this.send(bytes);
    this.handler.flow({ cmd: 'publish', qos, messageId, topic: '', payload: EMPTY, retain, dup: false });
  }

  /** SUBSCRIBE / UNSUBSCRIBE: `build` gets the packet identifier to encode. */
  request(build: (messageId: number) => Buffer, waiter: Waiter): void {
    this.send(build(this.#take(waiter)));
  }

  /** Resolves once no QoS 1/2 PUBLISH is in flight or waiting (or the connection closed). */
  whenIdle(): Promise<void> {
    if (this.closed || (this.#inflight === 0 && this.#queue === undefined)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const before = this.#idle;
      this.#idle = () => {
        before?.();
        resolve();
      };
    });
  }

  /** Every open flow's waiter, taken off the connection (it closed: the owner fails them). */
  takeWaiters(): Waiter[] {
    const waiters = [...(this.#waiting?.values() ?? []), ...(this.#queue ?? []).flatMap((q) => (q === undefined ? [] : [q.waiter]))];
    this.#waiting = undefined;
    this.#queue = undefined;
    this.#head = 0;
    this.#inflight = 0;
    return waiters;
  }

  /** Writes what is queued now, then FIN; resolves when the connection has closed. */
  end(): Promise<void> {
    this.#flush();
    const closed = this.whenClosed();
    this.stream.end();
    return closed;
  }

  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
  }

  ping(now: number): void {
    this.send(PINGREQ);
    if (this.pingAt === 0) this.pingAt = this.heardAt = now;
  }

  #take(waiter: Waiter): number {
    const waiting = (this.#waiting ??= new Map());
    let id = this.#lastId;
    do id = id >= MAX_ID ? 1 : id + 1;
    while (waiting.has(id));
    this.#lastId = id;
    if (this.#kept !== undefined) this.#kept.lastId = id;
    waiting.set(id, waiter);
    waiter.messageId = id;
    return id;
  }

  // PacketSink: what the reader found.

  /**
   * Set when this connection says goodbye with its session kept for a resume. From our
   * DISCONNECT on nothing can be acknowledged here [MQTT-3.14.4-1], so the server still holds a
   * QoS 1 message that arrives now and sends it again after the resume: taken here too, it would
   * be counted twice. (QoS 2 needs no such rule: its identifier is kept across connections.)
   */
  leavingWithSession = false;

  inbound(topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean, _dup: boolean, messageId: number): void {
    if (qos === 1 && this.leavingWithSession && (this.closed || this.stream.writableEnded)) return;
    if (qos === 2) {
      const seen = (this.#incoming2 ??= new Set());
      if (!seen.has(messageId)) {
        seen.add(messageId);
        this.handler.message(topic, payload, qos, retain);
      }
      this.send(encodeAck('pubrec', messageId));
      return;
    }
    this.handler.message(topic, payload, qos, retain);
    if (qos === 1) this.send(encodeAck('puback', messageId));
  }

  ack(type: AckType, messageId: number, reasonCode: number): void {
    if (type === 'pubrel') {
      this.#incoming2?.delete(messageId);
      this.send(encodeAck('pubcomp', messageId));
      return;
    }
    this.handler.flow({ cmd: type, messageId, reasonCode });
    const waiter = this.#waiting?.get(messageId);
    if (waiter === undefined || waiter.qos === 0) return; // ack-flow.ts reports it
    if (type === 'pubrec' && reasonCode < 0x80) {
      const kept = this.#kept?.outgoing.get(messageId);
      if (kept !== undefined) kept.publish = undefined; // from now on only the PUBREL is re-sent
      this.send(encodeAck('pubrel', messageId));
      this.handler.flow({ cmd: 'pubrel', messageId });
      return;
    }
    this.#finish(messageId, waiter, reasonCode, type.toUpperCase());
  }

  pingresp(): void {
    this.pingAt = 0;
  }

  control(packet: Packet): void {
    if ((packet.cmd === 'suback' || packet.cmd === 'unsuback') && packet.messageId !== undefined) {
      const waiter = this.#waiting?.get(packet.messageId);
      if (waiter !== undefined && waiter.qos === 0) {
        this.#waiting?.delete(packet.messageId);
        if (this.#waiting?.size === 0) this.#waiting = undefined;
        const code = (packet.granted as readonly (number | object)[] | undefined)?.[0];
        waiter.done(typeof code === 'number' ? code : packet.reasonCode ?? 0, packet.cmd.toUpperCase(), packet);
        return;
      }
    }
    this.handler.control(packet);
  }

  malformed(error: Error): void {
    this.handler.malformed(error);
  }

  #finish(messageId: number, waiter: Waiter, reasonCode: number, ack: string): void {
    this.#waiting?.delete(messageId);
    this.#kept?.outgoing.delete(messageId);
    this.#inflight--;
    waiter.done(reasonCode, ack);
    const queue = this.#queue;
    while (queue !== undefined && this.#inflight < this.receiveMaximum && (this.#waiting?.size ?? 0) < MAX_ID) {
      const next = queue[this.#head];
      if (next === undefined) break;
      queue[this.#head++] = undefined; // let the payload go
      if (next.resend !== undefined) this.#resendNow(next.resend, next, next.waiter.messageId as number);
      else this.#publishNow(next.topic, next.payload, next.qos, next.retain, next.waiter, next.properties);
    }
    if (queue !== undefined && this.#head >= queue.length) {
      this.#queue = undefined;
      this.#head = 0;
    }
    if (this.#inflight === 0 && this.#queue === undefined && this.#idle !== undefined) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }
}
