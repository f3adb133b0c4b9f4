/**
 * A loopback TCP proxy that holds every server -> client byte for a fixed delay before
 * forwarding it (client -> server goes at once): a known one-way network delay on the
 * receiving side, so a test can check that a reported latency moves by exactly that much.
 * A thin wrapper over chatbench's own fault proxy (core/faults/proxy.ts), which keeps the order
 * and never releases a byte early.
 */
import { startFaultProxy } from '../../core/faults/proxy.js';
import type { ThrottleProxy } from './throttle-proxy.js';

export type DelayProxy = ThrottleProxy;

export async function startDelayProxy(brokerUrl: string, delayMs: number): Promise<DelayProxy> {
  const upstream = new URL(brokerUrl);
  const proxy = await startFaultProxy({
    upstream: { host: upstream.hostname, port: Number(upstream.port) },
    toClient: { delayMs, jitterMs: 0 },
    seed: 1,
  });
  return { url: `mqtt://${proxy.via.host}:${proxy.via.port}`, close: () => proxy.close() };
}
