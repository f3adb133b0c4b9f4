/**
 * Bytes on raw TCP sockets, summed over every connection a chat user made (an MQTT reconnect,
 * an XMPP stream-management resume). Counted on the raw socket, under TLS and WebSocket: so
 * they are the bytes on the wire, handshakes and framing included, for every protocol alike.
 */
import type net from 'node:net';
import type { WireBytes } from '../../core/driver.js';

export class WireCounter {
  private readonly raws: net.Socket[] = [];

  add(raw: net.Socket): void {
    this.raws.push(raw);
  }

  wire(): WireBytes {
    return socketBytes(this.raws);
  }
}

/** Bytes written and read by `raws`, summed. */
export function socketBytes(raws: Iterable<net.Socket>): WireBytes {
  let bytesOut = 0;
  let bytesIn = 0;
  for (const raw of raws) {
    bytesOut += raw.bytesWritten;
    bytesIn += raw.bytesRead;
  }
  return { bytesOut, bytesIn };
}
