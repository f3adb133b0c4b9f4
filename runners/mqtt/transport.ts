/**
 * The sockets under one MQTT.js client, built here and handed to MQTT.js as its stream
 * builder so that chatbench controls every socket option and counts every byte:
 *
 *   - TCP_NODELAY is set on the raw TCP socket before it connects, so before the first byte
 *     (with Nagle on, a small PUBLISH can wait for the previous segment's ACK and the
 *     latency measured is the tool's own).
 *   - TLS wraps the raw socket (tls.connect({ socket })); bytes are counted on the raw socket,
 *     so they are the encrypted bytes on the wire, handshake included.
 *   - WebSocket uses `ws` with subprotocol "mqtt" and no permessage-deflate; `ws` gets the
 *     raw socket through createConnection, so the HTTP upgrade and framing are counted too.
 *
 * Failures are remembered with the phase they happened in (tcp, tls, websocket, mqtt), which
 * is what makes an unreachable-target message short and specific.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocket, createWebSocketStream } from 'ws';
import type { WireBytes } from '../../core/driver.js';
import { bindTo } from '../common/source-address.js';
import { socketBytes } from '../common/wire.js';
import type { Endpoint } from './endpoint.js';

/** What the connection is doing: TCP connect, TLS handshake, WebSocket upgrade, then MQTT. */
export type Phase = 'tcp' | 'tls' | 'websocket' | 'mqtt';

export interface TransportFailure {
  phase: Phase;
  error: Error;
}

/** How much of the server's first bytes is kept for diagnosis. */
const GREETING_BYTES = 64;

export class Transport {
  /** Every raw TCP socket this transport opened (one per MQTT.js connect). */
  private readonly raws: net.Socket[] = [];
  private outer: Duplex | undefined;
  private current: Phase = 'tcp';
  private firstFailure: TransportFailure | undefined;
  /** The server's FIN came before chatbench (or MQTT.js) began closing: the server acted first. */
  private peerFin = false;
  /** chatbench dropped the sockets itself (destroy()). */
  private droppedHere = false;
  /** Inbound chunks handed to MQTT.js so far, and whether one is being handled right now. */
  private chunks = 0;
  private inChunk = false;
  private greeting: Buffer | undefined;
  /** One shared wait for 'drain', however many writes wait on it (see whenWritable). */
  private drained: Promise<void> | undefined;

  /** Reads held back by pauseReads() until this time (ms since epoch); 0 when not paused. */
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  /** Ends the current pause (set by pauseReads). */
  private release: (() => void) | undefined;

  /**
   * `via`: where the TCP connection goes instead of the endpoint's host and port (a fault proxy
   * in front of the target); TLS still verifies, and WebSocket still names, the endpoint's host.
   * `localAddress`: the source address every raw socket binds to (connect.sourceAddresses), under
   * TCP, TLS and WebSocket alike, to the target or to `via`.
   */
  constructor(
    private readonly endpoint: Endpoint,
    private readonly tlsOptions: tls.ConnectionOptions | undefined,
    private readonly via?: { host: string; port: number },
    readonly localAddress?: string,
  ) {}

  get phase(): Phase {
    return this.current;
  }

  /** The first error seen on any layer, tagged with the phase it interrupted. */
  get failure(): TransportFailure | undefined {
    return this.firstFailure;
  }

  /**
   * True once the server closed its side (a FIN, not a reset) before chatbench's side began
   * closing. A FIN that answers chatbench's own close (its DISCONNECT and FIN, or MQTT.js
   * dropping the socket on an error) is not the server's doing.
   */
  get peerEnded(): boolean {
    return this.peerFin;
  }

  /** chatbench's side began closing: dropped here, or ended / destroyed by MQTT.js. */
  get closing(): boolean {
    return this.droppedHere || Boolean(this.outer?.writableEnded || this.outer?.destroyed);
  }

  /**
   * The number of the inbound chunk MQTT.js is parsing right now (synchronously, inside the
   * 'data' event), or undefined between chunks: what ties an MQTT.js 'error' to the bytes
   * that caused it.
   */
  get chunkInHand(): number | undefined {
    return this.inChunk ? this.chunks : undefined;
  }

  /**
   * The first bytes the server sent on the stream MQTT.js reads (decrypted for TLS, unframed
   * for WebSocket), up to 64: what tells an HTTP server on the port from an MQTT one.
   */
  get firstBytes(): Buffer | undefined {
    return this.greeting;
  }

  /** MQTT.js StreamBuilder: called on each client.connect(). */
  readonly build = (): Duplex => {
    this.current = 'tcp';
    this.greeting = undefined;
    const { websocket, secure } = this.endpoint;
    const stream = websocket ? this.openWebSocket() : secure ? this.secure(this.openRaw()) : this.openRaw();
    this.outer = stream;
    // MQTT.js pipes the stream right after this returns, before any byte can arrive, so this
    // listener runs before MQTT.js parses each chunk; the flag drops once that handling is over.
    stream.once('data', (chunk: Buffer) => {
      this.greeting = Buffer.from(chunk.subarray(0, GREETING_BYTES));
    });
    stream.on('data', () => {
      this.chunks++;
      this.inChunk = true;
      queueMicrotask(() => {
        this.inChunk = false;
      });
    });
    // The server ended the stream MQTT.js reads (a TLS or WebSocket layer may hide the raw FIN).
    stream.once('end', () => this.onPeerEnd());
    return stream;
  };

  /**
   * A FIN counts as the server's act only when chatbench's side had not begun closing: not
   * ended by MQTT.js (its DISCONNECT and FIN; Node's own answer to a FIN comes a tick later),
   * not destroyed (an 'end' already queued can still be emitted after destroy()).
   */
  private onPeerEnd(): void {
    if (!this.closing) this.peerFin = true;
  }

  /**
   * undefined while the stream under MQTT.js takes more writes; else a promise that settles at
   * its next 'drain' (or close). QoS 0 sends wait on this one shared promise instead of
   * handing MQTT.js a callback: MQTT.js adds one 'drain' listener per such callback when the
   * socket is backed up, which at 300,000 sends/s means thousands of listeners,
   * MaxListenersExceededWarning on every client, and an O(n²) 'drain' (each once-listener
   * removes itself from the array).
   */
  whenWritable(): Promise<void> | undefined {
    const stream = this.outer;
    if (stream === undefined || !stream.writableNeedDrain) return undefined;
    this.drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        this.drained = undefined;
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
    return this.drained;
  }

  /** Bytes moved by the raw sockets, summed over every connection this transport made. */
  wire(): WireBytes {
    return socketBytes(this.raws);
  }

  /**
   * Stops reading the stream MQTT.js reads for `ms` (a slow consumer): once its buffer (16 KiB)
   * is full the socket stops reading, the kernel's receive window closes and the server's queue
   * for this client grows. Pausing the outer stream works the same for TCP, TLS (the TLS layer
   * reads the raw socket's handle itself, so pausing the raw socket would not hold it) and
   * WebSocket (ws pauses its socket when the stream's buffer is full). MQTT.js's pipe may resume
   * the stream on its own 'drain'; while paused, any resume is undone at once. A later call
   * extends the pause; keep-alive may time out meanwhile, which is the fault's point.
   */
  pauseReads(ms: number): void {
    const stream = this.outer;
    if (stream === undefined || stream.destroyed) return;
    const until = Date.now() + Math.max(0, ms);
    if (until <= this.pausedUntil) return;
    const wasPaused = this.pausedUntil !== 0;
    this.pausedUntil = until;
    clearTimeout(this.pauseTimer);
    if (!wasPaused) {
      const hold = (): void => {
        if (this.pausedUntil !== 0) stream.pause();
      };
      stream.on('resume', hold);
      stream.pause();
      this.release = () => {
        stream.off('resume', hold);
        this.pausedUntil = 0;
        if (!stream.destroyed) stream.resume();
      };
    }
    this.pauseTimer = setTimeout(() => this.release?.(), ms);
  }

  /** True while pauseReads() holds the reads back. */
  get readsPaused(): boolean {
    return this.pausedUntil !== 0;
  }

  /** Drop the connection without any goodbye (no DISCONNECT, no TLS close_notify, no WebSocket close). */
  destroy(): void {
    clearTimeout(this.pauseTimer);
    this.droppedHere = true;
    for (const raw of this.raws) raw.destroy();
    this.outer?.destroy();
  }

  private fail(error: Error): void {
    this.firstFailure ??= { phase: this.current, error };
  }

  private openRaw(): net.Socket {
    const raw = new net.Socket();
    // Before connect(): Node applies the stored flag to the handle as the socket connects.
    raw.setNoDelay(true);
    this.raws.push(raw);
    raw.on('error', (err) => this.fail(err));
    raw.once('end', () => this.onPeerEnd());
    raw.once('connect', () => {
      this.current = this.endpoint.secure ? 'tls' : this.endpoint.websocket ? 'websocket' : 'mqtt';
    });
    // A dead raw socket takes the layers above it down, so nothing waits on a TLS or
    // WebSocket layer that will never hear from the peer again.
    raw.once('close', () => {
      if (this.outer && this.outer !== raw && !this.outer.destroyed) this.outer.destroy();
    });
    raw.connect({ ...(this.via ?? { host: this.endpoint.host, port: this.endpoint.port }), ...bindTo(this.localAddress) });
    return raw;
  }

  private secure(raw: net.Socket): tls.TLSSocket {
    const { host } = this.endpoint;
    const options: tls.ConnectionOptions = {
      ...this.tlsOptions,
      socket: raw,
      // The identity check uses `host` (an IP SAN for 127.0.0.1); SNI must not be an IP (RFC 6066).
      host,
      servername: this.tlsOptions?.servername ?? (net.isIP(host) ? undefined : host),
    };
    if (this.endpoint.websocket) options.ALPNProtocols = ['http/1.1'];
    const socket = tls.connect(options);
    socket.on('error', (err) => this.fail(err));
    socket.once('secureConnect', () => {
      this.current = this.endpoint.websocket ? 'websocket' : 'mqtt';
    });
    return socket;
  }

  private openWebSocket(): Duplex {
    const { host, port, path, secure } = this.endpoint;
    const hostInUrl = net.isIPv6(host) ? `[${host}]` : host;
    const url = `${secure ? 'wss' : 'ws'}://${hostInUrl}:${port}${path}`;
    const ws = new WebSocket(url, ['mqtt'], {
      perMessageDeflate: false,
      createConnection: () => {
        const raw = this.openRaw();
        return secure ? this.secure(raw) : raw;
      },
    });
    ws.on('error', (err) => this.fail(err));
    ws.once('open', () => {
      this.current = 'mqtt';
    });
    const stream = createWebSocketStream(ws);
    // mqtt-packet writes one packet as several small chunks inside cork()/uncork(); without
    // _writev each chunk would become its own WebSocket frame (and segment). Allowed
    // [MQTT-6.0.0-2] but wasteful: one frame per corked batch instead.
    stream._writev = (chunks, callback) => {
      stream._write(Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer)), 'binary', callback);
    };
    return stream;
  }
}
