/**
 * Loopback ports for test servers: free ones (bind port 0, read it back, release) and a
 * bounded wait until a server accepts connections. Everything stays on 127.0.0.1.
 */
import net from 'node:net';
import { freePorts } from '../../runners/local/listeners.js';
import { acceptsConnections } from '../../runners/local/process.js';

/** `count` distinct free TCP ports on 127.0.0.1 (chatbench's own, which --start uses). */
export { freePorts };

/** Resolves once 127.0.0.1:port accepts a TCP connection; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (await acceptsConnections(port)) return;
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} not accepting connections after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** A server that accepts TCP connections and never sends a byte (a hung broker). */
export async function startSilentServer(): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (just released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}
