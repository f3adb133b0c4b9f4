/**
 * The raw-packet client: one MQTT connection where chatbench writes exactly the bytes it
 * chooses and reads every packet the server sends, with no client library deciding anything
 * in between. Conformance cases (suites/mqtt/) and the fuzzer (runners/mqtt/fuzz/) both use
 * it, so a finding of either is a byte sequence the other can replay.
 *
 *   const c = await RawClient.open({ endpoint, version: 5 });
 *   c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'x', clean: true, keepalive: 30 });
 *   const ev = await c.next(2_000);          // { kind: 'packet', packet: { cmd: 'connack', … } }
 *   c.sendBytes(Buffer.from('e000', 'hex')); // anything at all
 *   const end = await c.untilClosed(2_000);  // { kind: 'closed', by: 'server' } or a timeout
 *   c.transcript();                           // every byte both ways, as hex, in order
 *
 * Packets are encoded with mqtt-packet (`send`) or given as bytes (`sendBytes`); what the
 * server sends is parsed by mqtt-packet for the connection's version. Bytes the parser cannot
 * read are reported as an `unparsable` event, never thrown. Sockets come from the driver's
 * Transport (TCP_NODELAY, TLS, WebSocket), so a raw connection reaches any target the driver
 * reaches.
 */
import { ConnectRefusedError } from '../../../core/fuzz/canary.js';
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import type { Endpoint } from '../endpoint.js';
import { Transport } from '../transport.js';

/** MQTT protocol level on the wire: 4 is 3.1.1, 5 is 5.0. */
export type ProtocolLevel = 4 | 5;

/** One chunk of bytes as it crossed the connection. */
export interface Exchange {
  dir: 'sent' | 'received';
  /** Milliseconds since the connection was opened. */
  atMs: number;
  hex: string;
}

export type ClosedBy = 'server' | 'chatbench' | 'network';

export type RawEvent =
  | { kind: 'packet'; packet: Packet; atMs: number }
  /** The server sent bytes mqtt-packet cannot read as a packet of this version. */
  | { kind: 'unparsable'; error: string; atMs: number }
  /** The connection is over: the server closed it (FIN), chatbench did, or it broke (reset, TLS error). */
  | { kind: 'closed'; by: ClosedBy; error?: string; atMs: number }
  /** Nothing happened for `waitedMs`: chatbench stopped waiting (not, by itself, a server failure). */
  | { kind: 'timeout'; waitedMs: number };

export interface RawOpenOptions {
  endpoint: Endpoint;
  /** The version the server's packets are parsed as. */
  version: ProtocolLevel;
  tls?: tls.ConnectionOptions;
  /** Names the connection in transcripts ("publisher", "canary"). */
  label?: string;
  /** How long open() waits for TCP (and TLS / WebSocket) to be up; default 5 s. */
  connectTimeoutMs?: number;
}

/** The transport could not be set up (refused, timed out, TLS rejected): the target is not reachable. */
export class RawConnectError extends ConnectRefusedError {
  constructor(
    message: string,
    readonly phase: string,
  ) {
    super(message);
    this.name = 'RawConnectError';
  }
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export class RawClient {
  readonly label: string;
  private readonly openedAt = performance.now();
  private readonly exchanges: { dir: 'sent' | 'received'; atMs: number; bytes: Buffer }[] = [];
  private readonly queue: RawEvent[] = [];
  private waiter: ((ev: RawEvent) => void) | undefined;
  private closedEvent: Extract<RawEvent, { kind: 'closed' }> | undefined;
  private parseFailed = false;
  private endedHere = false;
  private lastPacketId = 0;

  private constructor(
    private readonly stream: Duplex,
    private readonly transport: Transport,
    readonly version: ProtocolLevel,
    label: string,
  ) {
    this.label = label;
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (packet: Packet) => this.push({ kind: 'packet', packet, atMs: this.now() }));
    parser.on('error', (err: Error) => {
      // After one framing error the rest of the stream cannot be trusted to line up.
      this.parseFailed = true;
      this.push({ kind: 'unparsable', error: err.message, atMs: this.now() });
    });
    stream.on('data', (chunk: Buffer) => {
      this.exchanges.push({ dir: 'received', atMs: this.now(), bytes: Buffer.from(chunk) });
      if (!this.parseFailed) parser.parse(chunk);
    });
    stream.on('error', () => undefined); // the transport records it; 'close' reports it
    stream.once('close', () => this.onClose());
  }

  /** Opens the transport (TCP, TLS, WebSocket) and resolves once bytes can flow; sends nothing. */
  static async open(options: RawOpenOptions): Promise<RawClient> {
    const transport = new Transport(options.endpoint, options.tls);
    const stream = transport.build();
    const client = new RawClient(stream, transport, options.version, options.label ?? 'client');
    await client.ready(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    return client;
  }

  /** Encodes `packet` for this connection's version and writes it; returns the bytes written. */
  send(packet: Packet): Buffer {
    const bytes = mqttPacket.generate(packet, { protocolVersion: this.version });
    this.sendBytes(bytes);
    return bytes;
  }

  /** Writes `bytes` exactly as given (ignored once the connection is closed; the transcript shows it). */
  sendBytes(bytes: Uint8Array): void {
    const copy = Buffer.from(bytes);
    if (this.closedEvent !== undefined || this.stream.destroyed || this.stream.writableEnded) return;
    this.exchanges.push({ dir: 'sent', atMs: this.now(), bytes: copy });
    this.stream.write(copy);
  }

  /** The next thing that happens: a packet, unparsable bytes, the close, or a timeout. */
  next(timeoutMs: number): Promise<RawEvent> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedEvent !== undefined) return Promise.resolve(this.closedEvent);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ kind: 'timeout', waitedMs: timeoutMs });
      }, timeoutMs);
      this.waiter = (ev) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(ev);
      };
    });
  }

  /**
   * The next packet of type `cmd`, skipping others (they stay in the transcript and are
   * returned in `skipped`); or whatever ended the wait (close, unparsable bytes, timeout).
   */
  async nextOf<C extends Packet['cmd']>(
    cmd: C,
    timeoutMs: number,
  ): Promise<{ packet: Extract<Packet, { cmd: C }>; skipped: Packet[] } | { packet: undefined; ended: Exclude<RawEvent, { kind: 'packet' }>; skipped: Packet[] }> {
    const deadline = performance.now() + timeoutMs;
    const skipped: Packet[] = [];
    for (;;) {
      const left = Math.max(0, deadline - performance.now());
      const ev = await this.next(left);
      if (ev.kind !== 'packet') return { packet: undefined, ended: ev.kind === 'timeout' ? { kind: 'timeout', waitedMs: timeoutMs } : ev, skipped };
      if (ev.packet.cmd === cmd) return { packet: ev.packet as Extract<Packet, { cmd: C }>, skipped };
      skipped.push(ev.packet);
    }
  }

  /** Waits for the close, collecting any packets the server sends first; a timeout if it stays open. */
  async untilClosed(timeoutMs: number): Promise<{ end: Extract<RawEvent, { kind: 'closed' | 'timeout' }>; packets: Packet[]; unparsable: boolean }> {
    const deadline = performance.now() + timeoutMs;
    const packets: Packet[] = [];
    let unparsable = false;
    for (;;) {
      const ev = await this.next(Math.max(0, deadline - performance.now()));
      if (ev.kind === 'packet') packets.push(ev.packet);
      else if (ev.kind === 'unparsable') unparsable = true;
      else return { end: ev.kind === 'timeout' ? { kind: 'timeout', waitedMs: timeoutMs } : ev, packets, unparsable };
    }
  }

  get closed(): boolean {
    return this.closedEvent !== undefined;
  }

  /** The next packet identifier for this connection: 1, 2, … 65535, then 1 again (never 0 [MQTT-2.3.1-1]). */
  packetId(): number {
    this.lastPacketId = (this.lastPacketId % 65_535) + 1;
    return this.lastPacketId;
  }

  /** Every chunk both ways, in order, as hex: the evidence a report shows and a replay re-sends. */
  transcript(): Exchange[] {
    return this.exchanges.map((e) => ({ dir: e.dir, atMs: Math.round(e.atMs * 1000) / 1000, hex: e.bytes.toString('hex') }));
  }

  /** Bytes chatbench sent, in order, one entry per write. */
  sent(): Buffer[] {
    return this.exchanges.filter((e) => e.dir === 'sent').map((e) => e.bytes);
  }

  /** Closes chatbench's side politely (TCP FIN; no DISCONNECT — send one first if wanted). */
  end(): void {
    this.endedHere = true;
    this.stream.end();
  }

  /** Drops the connection at once (an abrupt client disconnect, as a phone losing signal). */
  destroy(): void {
    this.endedHere = true;
    this.transport.destroy();
  }

  private now(): number {
    return performance.now() - this.openedAt;
  }

  private push(ev: RawEvent): void {
    if (this.waiter) this.waiter(ev);
    else this.queue.push(ev);
  }

  private onClose(): void {
    const failure = this.transport.failure;
    const by: ClosedBy = this.endedHere && !this.transport.peerEnded ? 'chatbench' : this.transport.peerEnded ? 'server' : failure ? 'network' : 'server';
    const ev: Extract<RawEvent, { kind: 'closed' }> = { kind: 'closed', by, atMs: this.now() };
    if (failure !== undefined && by === 'network') ev.error = failure.error.message;
    this.closedEvent = ev;
    this.push(ev);
  }

  private ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        clearInterval(poll);
        if (err) reject(err);
        else resolve();
      };
      const fail = (why: string): void => {
        const failure = this.transport.failure;
        this.destroy();
        done(new RawConnectError(failure ? `${failure.phase}: ${failure.error.message}` : why, failure?.phase ?? this.transport.phase));
      };
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms (${this.transport.phase})`), timeoutMs);
      // The transport moves to phase 'mqtt' once TCP, TLS and WebSocket are all up.
      const poll = setInterval(() => {
        if (this.transport.phase === 'mqtt') done();
        else if (this.closedEvent !== undefined) fail('connection closed while opening');
      }, 1);
      if (this.transport.phase === 'mqtt') done();
    });
  }
}
