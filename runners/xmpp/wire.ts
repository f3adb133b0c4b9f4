/**
 * Bytes on the raw TCP sockets of one chat user, summed over every connection it made (a
 * stream-management resume opens a new one). Counted on the raw socket, under TLS: so they
 * are the encrypted bytes on the wire, handshakes included, as for MQTT (runners/mqtt/transport.ts).
 */
import type net from 'node:net';
import type { WireBytes } from '../../core/driver.js';

export class WireCounter {
  private readonly raws: net.Socket[] = [];

  add(raw: net.Socket): void {
    this.raws.push(raw);
  }

  wire(): WireBytes {
    let bytesOut = 0;
    let bytesIn = 0;
    for (const raw of this.raws) {
      bytesOut += raw.bytesWritten;
      bytesIn += raw.bytesRead;
    }
    return { bytesOut, bytesIn };
  }
}
