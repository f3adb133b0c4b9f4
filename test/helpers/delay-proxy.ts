/**
 * A loopback TCP proxy that holds every server -> client chunk for a fixed delay before
 * forwarding it (client -> server goes at once): a known one-way network delay on the
 * receiving side, so a test can check that a reported latency moves by exactly that much.
 * One timer per chunk with the same delay keeps the order (timers of equal delay fire in
 * the order they were set); nothing is dropped.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { listenLoopbackProxy, type ThrottleProxy } from './throttle-proxy.js';

export type DelayProxy = ThrottleProxy;

export async function startDelayProxy(brokerUrl: string, delayMs: number): Promise<DelayProxy> {
  const upstreamUrl = new URL(brokerUrl);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: upstreamUrl.hostname, port: Number(upstreamUrl.port) });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!client.destroyed) client.write(chunk);
      }, delayMs);
      timers.add(timer);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) s.on('close', end).on('error', end);
  });
  return listenLoopbackProxy(server, sockets, () => {
    for (const t of timers) clearTimeout(t);
  });
}
