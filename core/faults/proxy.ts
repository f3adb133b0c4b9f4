/**
 * The loopback TCP proxy chatbench runs between its clients and the target for a `network`
 * fault. Protocol-neutral: it moves bytes, each direction held back by its own delay and jitter
 * (delay-line.ts), optionally through a per-connection filter a protocol's runner supplies (MQTT:
 * runners/mqtt/fault-proxy.ts frames packets and drops or doubles some). Order is kept per
 * connection and direction. Buffers are bounded: past `maxBufferedBytes` held for one direction
 * (queued in the delay plus not yet taken by the receiving socket) the sending socket is paused,
 * so a slow reader slows its sender as it would over a real network, and memory stays flat.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { seededRandom } from '../engine/random.js';
import { DelayLine, type DirectionDelay } from './delay-line.js';

export type { DirectionDelay } from './delay-line.js';

/** What a protocol's runner does to one connection's bytes before the delay. */
export interface ProxyFilter {
  /** Bytes from the client on their way to the server: returns the bytes to forward (empty: none yet). */
  toServer?(chunk: Buffer): Buffer;
  /** Bytes from the server on their way to the client. */
  toClient?(chunk: Buffer): Buffer;
}

export interface FaultProxyOptions {
  upstream: { host: string; port: number };
  toServer?: DirectionDelay;
  toClient?: DirectionDelay;
  /** Seed of the jitter draws. */
  seed: number;
  /** A filter for each accepted connection (numbered from 0 in accept order). */
  filter?: (connection: number) => ProxyFilter;
  /** Bytes one direction of one connection may hold before its sender is paused (default 4 MiB). */
  maxBufferedBytes?: number;
}

export interface FaultProxyStats {
  /** Connections accepted so far. */
  connections: number;
  /** Connections still open. */
  open: number;
  /** Chunks held back by a delay or jitter, both directions. */
  framesDelayed: number;
  /** Bytes held back right now (waiting out their delay), every connection. */
  heldBytes: number;
}

export interface FaultProxy {
  readonly via: { host: string; port: number };
  stats(): FaultProxyStats;
  /** Stops listening and destroys every proxied connection; idempotent. */
  close(): Promise<void>;
}

const NO_DELAY: DirectionDelay = { delayMs: 0, jitterMs: 0 };
const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
/** Random streams of the seed: one per direction, so one direction's traffic does not shift the other's draws. */
const JITTER_STREAM = { toServer: 101, toClient: 102 } as const;

/** One direction of one connection: source -> filter -> delay -> destination, with backpressure. */
class Pipe {
  readonly line: DelayLine;
  #paused = false;
  #sourceDone = false;
  #finished = false;

  constructor(
    private readonly source: Socket,
    private readonly dest: Socket,
    delay: DirectionDelay,
    random: () => number,
    filter: ((chunk: Buffer) => Buffer) | undefined,
    private readonly maxBuffered: number,
    private readonly onFinished: () => void,
  ) {
    this.line = new DelayLine(delay, random, (bytes) => this.#write(bytes), () => this.#check());
    source.on('data', (chunk: Buffer) => {
      this.line.push(filter === undefined ? chunk : filter(chunk));
      this.#check();
    });
    // A half-close or a dropped source: what is already on its way still arrives, then the
    // destination sees the end (a goodbye written just before a close must not turn into an abrupt drop).
    source.once('end', () => this.#sourceEnded());
    source.once('close', () => this.#sourceEnded());
    dest.on('drain', () => this.#check());
    dest.once('close', () => this.line.close());
  }

  #write(bytes: Buffer): void {
    if (!this.dest.destroyed && this.dest.writable) this.dest.write(bytes);
  }

  #sourceEnded(): void {
    this.#sourceDone = true;
    this.#check();
  }

  #check(): void {
    if (this.#sourceDone) {
      if (this.line.empty && !this.#finished) {
        this.#finished = true;
        if (this.dest.destroyed || !this.dest.writable) this.onFinished();
        else this.dest.end(() => this.onFinished());
      }
      return;
    }
    const held = this.line.queuedBytes + this.dest.writableLength;
    if (!this.#paused && held > this.maxBuffered) {
      this.#paused = true;
      this.source.pause();
    } else if (this.#paused && held <= this.maxBuffered / 2) {
      this.#paused = false;
      this.source.resume();
    }
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const lines = new Set<DelayLine>();
  const randoms = {
    toServer: seededRandom(options.seed, JITTER_STREAM.toServer),
    toClient: seededRandom(options.seed, JITTER_STREAM.toClient),
  };
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  let accepted = 0;
  let open = 0;
  let heldByClosed = 0;

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const index = accepted++;
    open++;
    const upstream = createConnection({ host: options.upstream.host, port: options.upstream.port, allowHalfOpen: true });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const filter = options.filter?.(index);
    let finished = 0;
    let closed = 0;
    // Both directions delivered everything and ended: nothing more can pass.
    const onFinished = (): void => {
      if (++finished === 2) for (const s of [client, upstream]) s.destroy();
    };
    const up = new Pipe(client, upstream, options.toServer ?? NO_DELAY, randoms.toServer, filter?.toServer?.bind(filter), maxBuffered, onFinished);
    const down = new Pipe(upstream, client, options.toClient ?? NO_DELAY, randoms.toClient, filter?.toClient?.bind(filter), maxBuffered, onFinished);
    lines.add(up.line).add(down.line);
    const onClose = (socket: Socket) => () => {
      sockets.delete(socket);
      if (++closed < 2) return;
      open--;
      heldByClosed += up.line.held + down.line.held;
      for (const line of [up.line, down.line]) {
        line.close();
        lines.delete(line);
      }
    };
    // Errors (a reset, a refused upstream) end in 'close', which the pipes handle.
    for (const s of [client, upstream]) s.on('error', () => undefined).once('close', onClose(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no port');
  let closing: Promise<void> | null = null;
  return {
    via: { host: '127.0.0.1', port: address.port },
    stats: () => {
      let held = heldByClosed;
      let heldBytes = 0;
      for (const line of lines) {
        held += line.held;
        heldBytes += line.queuedBytes;
      }
      return { connections: accepted, open, framesDelayed: held, heldBytes };
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const line of lines) line.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
