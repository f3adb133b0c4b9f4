/**
 * A raw XMPP connection for fuzzing: chatbench's bytes go out exactly as given (however broken),
 * and what the server sends back is read as events — its stream header, each top-level element,
 * its </stream:stream>, the socket closing — plus every received byte kept for the replay.
 * TCP_NODELAY as on every chatbench socket; direct TLS for xmpps://, no STARTTLS (the fuzz
 * speaks to the stream itself, so a server that requires encryption on xmpp:// is fuzzed over
 * xmpps://).
 */
import { ConnectRefusedError } from '../../../core/fuzz/canary.js';
import net from 'node:net';
import tls from 'node:tls';
import { StreamParser, type XmlElement } from '../xml.js';

export interface Endpoint {
  host: string;
  port: number;
  /** xmpps://: TLS from the first byte. */
  tls?: tls.ConnectionOptions;
}

export type XmppEvent =
  | { kind: 'open'; attrs: Record<string, string> }
  | { kind: 'element'; el: XmlElement }
  /** The server's </stream:stream>. */
  | { kind: 'end' }
  /** What the server sent does not parse as XML. */
  | { kind: 'unparsable'; message: string }
  | { kind: 'closed' };

/** Who waits for any connection's next event (until()). */
const waiters = new Set<() => void>();

/**
 * Resolves with check()'s first defined value, looked at now and after every event on any
 * connection, or undefined after `timeoutMs`.
 */
export function until<T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const now = check();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve) => {
    const finish = (value: T | undefined): void => {
      clearTimeout(timer);
      waiters.delete(look);
      resolve(value);
    };
    const look = (): void => {
      const value = check();
      if (value !== undefined) finish(value);
    };
    const timer = setTimeout(() => finish(undefined), Math.max(0, timeoutMs));
    waiters.add(look);
  });
}

/** The connection could not be set up: a refusal as the canary counts it. */
export class RawConnectError extends ConnectRefusedError {}

export class RawXmppConnection {
  private readonly events: XmppEvent[] = [];
  private readonly received: Buffer[] = [];
  private parser: StreamParser;
  private isClosed = false;

  private constructor(private readonly socket: net.Socket) {
    this.parser = this.newParser();
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.parser.write(chunk);
    });
    socket.on('error', () => undefined); // the close that follows is the event
    socket.on('close', () => {
      this.isClosed = true;
      this.push({ kind: 'closed' });
    });
  }

  static open(endpoint: Endpoint, timeoutMs: number): Promise<RawXmppConnection> {
    return new Promise((resolve, reject) => {
      const raw = new net.Socket();
      raw.setNoDelay(true); // before connect(): applied as the socket connects
      raw.connect({ host: endpoint.host, port: endpoint.port });
      const socket = endpoint.tls ? tls.connect({ servername: net.isIP(endpoint.host) === 0 ? endpoint.host : '', ...endpoint.tls, socket: raw }) : raw;
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        raw.destroy();
        reject(new RawConnectError(`${endpoint.host}:${endpoint.port}: ${err.message}`));
      };
      socket.once('error', fail);
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new RawXmppConnection(socket));
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(bytes: Uint8Array): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** A stream restart (RFC 6120 §4.3.3, after SASL): the server's next bytes are a new stream. */
  restart(): void {
    this.parser = this.newParser();
  }

  /** Every event so far, in order (a close is the last one). */
  get log(): readonly XmppEvent[] {
    return this.events;
  }

  /** Everything the server sent on this connection, as hex. */
  receivedHex(): string {
    return Buffer.concat(this.received).toString('hex');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private push(ev: XmppEvent): void {
    this.events.push(ev);
    for (const listener of waiters) listener();
  }

  private newParser(): StreamParser {
    return new StreamParser({
      onOpen: (attrs) => this.push({ kind: 'open', attrs }),
      onElement: (el) => this.push({ kind: 'element', el }),
      onEnd: () => this.push({ kind: 'end' }),
      onError: (err) => this.push({ kind: 'unparsable', message: err.message }),
    });
  }
}
