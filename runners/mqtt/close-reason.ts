/**
 * Who ended an MQTT connection, and why, from the evidence one session collects: a DISCONNECT
 * from the server (5.0), chatbench's own keep-alive or graceful-disconnect timer, a malformed
 * packet chatbench closed the connection for, a socket error, the server's FIN without a
 * goodbye, or an error MQTT.js closed the connection for. The party that acted first is the one
 * named: a socket error after chatbench dropped the socket is a consequence, not a cause, and
 * a FIN that answers chatbench's own close never counts as the server's (transport.ts records
 * a FIN only when it came first). An error MQTT.js reported before the server's FIN without
 * closing for it is kept as evidence beside the server's close.
 */
import type { ConnectionEnd } from '../../core/driver.js';
import { reasonName } from './connection.js';
import type { KeepAliveTimeout } from './keep-alive.js';
import type { TransportFailure } from './transport.js';

export interface EndEvidence {
  protocolVersion: 4 | 5;
  /** Reason code of a DISCONNECT the server sent (5.0 only [MQTT-3.14.2-1]). */
  serverDisconnect?: number | undefined;
  /** chatbench's keep-alive timer gave up: no PINGRESP came back in time. */
  keepAlive?: KeepAliveTimeout | undefined;
  /** chatbench's graceful-disconnect timer dropped the socket: in-flight sends were never acknowledged. */
  disconnectTimerMs?: number | undefined;
  /** chatbench asked for a graceful disconnect (DISCONNECT, then its FIN). */
  disconnectRequested?: boolean;
  /** chatbench dropped the socket on purpose (an abrupt disconnect) with sends in flight. */
  droppedByChatbench?: boolean;
  /** An error MQTT.js reported before any FIN from the server (it closes for some: packet too large, receive maximum exceeded). */
  clientError?: Error | undefined;
  /** MQTT.js could not parse a packet from the server, so chatbench closed the connection [MQTT-4.8.0-1]. */
  malformedPacket?: Error | undefined;
  /** The first socket error (reset, timeout, TLS alert). */
  failure?: TransportFailure | undefined;
  /** The server closed its side (FIN) without a goodbye packet, before chatbench's side began closing. */
  peerEnded: boolean;
  /** chatbench opened a second connection with this client id (a takeover), so the server had to close this one. */
  takenOver?: boolean;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}

/** A socket error in words: "connection reset (ECONNRESET)". */
function socketError({ phase, error }: TransportFailure): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (phase === 'tls' || code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) return `TLS error: ${error.message}`;
  if (code === 'ECONNRESET') return 'connection reset (ECONNRESET), no DISCONNECT from the server';
  if (code === 'ETIMEDOUT') return 'connection timed out (ETIMEDOUT)';
  if (code === 'EPIPE') return 'connection broken while writing (EPIPE)';
  return code ? `${error.message} (${code})` : error.message;
}

export function connectionEnd(e: EndEvidence): ConnectionEnd {
  if (e.serverDisconnect !== undefined) {
    const code = e.serverDisconnect;
    return { by: 'server', cause: `server sent DISCONNECT: ${reasonName(code)} (${code})`, code };
  }
  if (e.keepAlive) {
    const { keepAliveSeconds, waitedMs } = e.keepAlive;
    return { by: 'chatbench', cause: `chatbench's keep-alive timeout: no PINGRESP within ${seconds(waitedMs)} of its PINGREQ (keep-alive ${keepAliveSeconds} s)` };
  }
  if (e.disconnectTimerMs !== undefined) {
    return { by: 'chatbench', cause: `chatbench's disconnect timer: sends in flight were not acknowledged within ${seconds(e.disconnectTimerMs)} of the DISCONNECT request, socket dropped` };
  }
  if (e.disconnectRequested) return { by: 'chatbench', cause: 'chatbench sent DISCONNECT and closed the connection' };
  if (e.droppedByChatbench) return { by: 'chatbench', cause: 'chatbench dropped the connection (abrupt disconnect)' };
  if (e.malformedPacket) {
    return { by: 'chatbench', cause: `chatbench's client closed the connection: the server sent a malformed packet (${e.malformedPacket.message})` };
  }
  if (e.failure) return { by: 'network', cause: socketError(e.failure) };
  if (e.peerEnded) {
    // MQTT 3.1.1 has no server DISCONNECT: closing is the only way a 3.1.1 server can say goodbye.
    const goodbye = e.protocolVersion === 5 ? ' without a DISCONNECT' : '';
    const before = e.clientError ? ` (after chatbench's client reported: ${e.clientError.message})` : '';
    // 3.1.1 [MQTT-3.1.4-2]: the server disconnects the existing client of a client id that connects again.
    const takeover = e.takenOver ? ' after a second connection with its client id' : '';
    return { by: 'server', cause: `the server closed the connection${goodbye}${takeover}${before}` };
  }
  if (e.clientError) return { by: 'chatbench', cause: `chatbench's client closed the connection: ${e.clientError.message}` };
  return { by: 'network', cause: 'the connection closed with no goodbye, no FIN and no socket error seen' };
}

/** "not connected (server sent DISCONNECT: …)" — why a verb was not even sent. */
export function notConnected(end: ConnectionEnd): string {
  return `not connected (${end.cause})`;
}

/** "before the connection closed (server sent DISCONNECT: …)" — the tail of an unfinished send's message. */
export function endPhrase(end: ConnectionEnd, stoppedWaiting: boolean): string {
  return stoppedWaiting ? `before chatbench stopped waiting (${end.cause})` : `before the connection closed (${end.cause})`;
}
