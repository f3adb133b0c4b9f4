/**
 * A loopback TCP proxy that forwards client -> server at once and server -> client at a fixed
 * byte rate per connection: a server that is slow to deliver, on demand and on any machine.
 * Bytes are queued, never dropped, so every delivery arrives — late.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ThrottleProxy {
  url: string;
  close(): Promise<void>;
}

const TICK_MS = 10;

export async function startThrottleProxy(upstreamPort: number, bytesPerSecond: number): Promise<ThrottleProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const queue: Buffer[] = [];
    const perTick = Math.max(1, Math.floor((bytesPerSecond * TICK_MS) / 1000));
    const timer = setInterval(() => {
      let budget = perTick;
      while (budget > 0 && queue.length > 0) {
        const head = queue[0] as Buffer;
        const part = head.subarray(0, budget);
        client.write(part);
        budget -= part.length;
        if (part.length === head.length) queue.shift();
        else queue[0] = head.subarray(part.length);
      }
    }, TICK_MS);
    timers.add(timer);
    upstream.on('data', (chunk: Buffer) => queue.push(chunk));
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const end = (): void => {
      clearInterval(timer);
      timers.delete(timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  return listenLoopbackProxy(server, sockets, () => {
    for (const t of timers) clearInterval(t);
  });
}

/**
 * Listen on a free loopback port; close() runs `stopTimers`, destroys the proxy's sockets and
 * closes the server. Shared by the loopback proxies in this folder.
 */
export async function listenLoopbackProxy(server: Server, sockets: ReadonlySet<Socket>, stopTimers: () => void): Promise<ThrottleProxy> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    close: async () => {
      stopTimers();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
