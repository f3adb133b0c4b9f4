/**
 * The embedded broker: Aedes on a plain TCP server on a loopback port, used when no target
 * is given. Server-side sockets set TCP_NODELAY too, so neither end batches small packets.
 * Aedes 1.x speaks MQTT 3.1 and 3.1.1 only: a 5.0 CONNECT is refused with return code 1.
 * Its session store is embedded-persistence.ts (upstream's memory one with the PUBREL fix);
 * embedded-order.ts keeps a resumed session's backlog ahead of messages published meanwhile.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { createEmbeddedPersistence } from './embedded-persistence.js';
import { orderResumedDeliveries } from './embedded-order.js';

export interface EmbeddedBroker {
  /** mqtt://HOST:PORT */
  url: string;
  port: number;
  /** The Aedes instance, for tests that watch its 'publish' / 'subscribe' events. */
  broker: Aedes;
  /** Closes the server, every open connection and the broker. Safe to call twice. */
  close(): Promise<void>;
}

export async function startEmbeddedBroker(opts: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  // Our memory persistence: upstream's sends PUBRELs with wrong ids to persistent sessions.
  const persistence = createEmbeddedPersistence();
  const broker = await Aedes.createBroker({
    persistence,
    // Packets the persistence found completed while a resume re-sent them are not written again.
    authorizeForward: (_client, packet) => (persistence.completedMeanwhile(packet) ? null : packet),
  });
  // Upstream delivers live messages before a resumed session's backlog [MQTT-4.6.0-6].
  const holdUntilReady = orderResumedDeliveries(broker);
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    holdUntilReady(broker.handle(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const address = server.address() as net.AddressInfo;
  const hostInUrl = net.isIPv6(host) ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  async function closeAll(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of connections) socket.destroy();
    await serverClosed;
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  }

  return {
    url: `mqtt://${hostInUrl}:${address.port}`,
    port: address.port,
    broker,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
