/**
 * The protocol-neutral fault proxy (core/faults/proxy.ts): a delay moves every byte by
 * delay ± jitter and never less, order is kept per connection and direction, a goodbye written
 * before a close still arrives before the close, buffers stay bounded, and close() leaves
 * nothing behind. Clocks: one process, one performance.now(); lower bounds are exact, upper
 * bounds are generous (two busy cores).
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../../core/faults/proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(onSocket: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as net.AddressInfo).port;
}

/** An upstream that keeps what it receives and notes the end of the stream (a half-open socket: the proxy's close shows as that end). */
async function collecting(): Promise<{ port: number; bytes: () => Buffer; ended: () => boolean }> {
  const received: Buffer[] = [];
  let ended = false;
  const port = await listen((s) => {
    s.on('data', (c: Buffer) => received.push(c));
    s.on('end', () => (ended = true));
  });
  return { port, bytes: () => Buffer.concat(received), ended: () => ended };
}

async function proxyTo(port: number, options: Partial<FaultProxyOptions>): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ upstream: { host: '127.0.0.1', port }, seed: 7, ...options });
  cleanups.push(() => proxy.close());
  return proxy;
}

async function connect(proxy: FaultProxy): Promise<net.Socket> {
  const socket = net.connect({ host: proxy.via.host, port: proxy.via.port, allowHalfOpen: true });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Resolves when `check` holds, polling; rejects after a generous deadline. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** 16-byte stamped messages: index (u32), send time (f64, performance.now()), padding. */
const MESSAGE = 16;
function stamped(index: number): Buffer {
  const b = Buffer.alloc(MESSAGE);
  b.writeUInt32BE(index, 0);
  b.writeDoubleBE(performance.now(), 4);
  return b;
}

/** Reads stamped messages off a socket: each one's index and how long it took to arrive. */
function readStamped(socket: net.Socket): { index: number; tookMs: number }[] {
  const got: { index: number; tookMs: number }[] = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const now = performance.now();
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= MESSAGE) {
      got.push({ index: pending.readUInt32BE(0), tookMs: now - pending.readDoubleBE(4) });
      pending = pending.subarray(MESSAGE);
    }
  });
  return got;
}

describe('fault proxy: delay and jitter', () => {
  it('holds every client byte delay ± jitter (never less), in order', async () => {
    let got: { index: number; tookMs: number }[] = [];
    const port = await listen((s) => (got = readStamped(s)));
    const proxy = await proxyTo(port, { toServer: { delayMs: 30, jitterMs: 10 } });
    const client = await connect(proxy);
    const N = 40;
    for (let i = 0; i < N; i++) {
      client.write(stamped(i));
      await sleep(3);
    }
    await until(() => got.length === N, `${N} messages`);
    expect(got.map((g) => g.index)).toEqual([...Array(N).keys()]);
    for (const g of got) {
      expect(g.tookMs).toBeGreaterThanOrEqual(20); // delay - jitter, exactly: the proxy never releases early
      expect(g.tookMs).toBeLessThan(40 + 1_000); // delay + jitter, plus room for a starved machine
    }
    const took = got.map((g) => g.tookMs);
    // Jitter spreads them (the draws are seeded: the same every run).
    expect(Math.max(...took) - Math.min(...took)).toBeGreaterThan(5);
    expect(proxy.stats().framesDelayed).toBeGreaterThanOrEqual(1);
  });

  it('delays only the direction asked for: server bytes to the client', async () => {
    const port = await listen((s) => s.pipe(s)); // an echo server
    const proxy = await proxyTo(port, { toClient: { delayMs: 25, jitterMs: 0 } });
    const client = await connect(proxy);
    const got = readStamped(client);
    for (let i = 0; i < 10; i++) {
      client.write(stamped(i));
      await sleep(2);
    }
    await until(() => got.length === 10, '10 echoes');
    expect(got.map((g) => g.index)).toEqual([...Array(10).keys()]);
    for (const g of got) expect(g.tookMs).toBeGreaterThanOrEqual(25);
  });

  it('keeps every byte and its order under heavy jitter, many chunks of many sizes', async () => {
    const upstream = await collecting();
    const proxy = await proxyTo(upstream.port, { toServer: { delayMs: 4, jitterMs: 4 } });
    const client = await connect(proxy);
    const sent: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const chunk = randomBytes(1 + ((i * 37) % 3000));
      sent.push(chunk);
      client.write(chunk);
      if (i % 20 === 0) await sleep(1);
    }
    client.end();
    await until(upstream.ended, 'the end of the stream');
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    expect(upstream.bytes().length).toBe(Buffer.concat(sent).length);
    expect(digest(upstream.bytes())).toBe(digest(Buffer.concat(sent)));
  });

  it('passes bytes straight through when nothing is delayed', async () => {
    let got: { index: number; tookMs: number }[] = [];
    const port = await listen((s) => (got = readStamped(s)));
    const proxy = await proxyTo(port, {});
    const client = await connect(proxy);
    for (let i = 0; i < 5; i++) client.write(stamped(i));
    await until(() => got.length === 5, '5 messages');
    expect(got.map((g) => g.index)).toEqual([0, 1, 2, 3, 4]);
    expect(proxy.stats().framesDelayed).toBe(0);
  });

  it('runs bytes through a filter before the delay', async () => {
    const upstream = await collecting();
    const proxy = await proxyTo(upstream.port, {
      toServer: { delayMs: 5, jitterMs: 0 },
      filter: () => ({ toServer: (chunk) => Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1') }),
    });
    const client = await connect(proxy);
    client.write('hello ');
    client.write('proxy');
    await until(() => upstream.bytes().length === 11, '11 bytes');
    expect(upstream.bytes().toString()).toBe('HELLO PROXY');
  });
});

describe('fault proxy: ends, bounds, close', () => {
  it('delivers what was written before a half-close, then the end (a goodbye stays a goodbye)', async () => {
    const events: string[] = [];
    const port = await listen((s) => {
      s.on('data', (c: Buffer) => events.push(`data:${c.toString()}`));
      s.on('end', () => events.push('end'));
      s.on('close', (hadError: boolean) => events.push(hadError ? 'close-error' : 'close'));
    });
    const proxy = await proxyTo(port, { toServer: { delayMs: 50, jitterMs: 0 } });
    const client = await connect(proxy);
    client.end('goodbye');
    await until(() => events.includes('end'), 'the end');
    expect(events.slice(0, 2)).toEqual(['data:goodbye', 'end']);
    expect(events).not.toContain('close-error');
  });

  it('pauses a sender past the buffer bound, and loses nothing', async () => {
    const upstream = await collecting();
    const bound = 64 * 1024;
    const proxy = await proxyTo(upstream.port, { toServer: { delayMs: 300, jitterMs: 0 }, maxBufferedBytes: bound });
    const client = await connect(proxy);
    const sent = randomBytes(256 * 1024);
    for (let at = 0; at < sent.length; at += 16 * 1024) client.write(sent.subarray(at, at + 16 * 1024));
    let peak = 0;
    await until(() => {
      peak = Math.max(peak, proxy.stats().heldBytes);
      return upstream.bytes().length === sent.length;
    }, 'every byte', 30_000);
    // At most the bound plus one read (a socket hands over up to 64 KiB at a time) is held.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(bound + 64 * 1024);
    expect(upstream.bytes().equals(sent)).toBe(true);
  });

  it('close() stops listening, drops what is held and closes every connection', async () => {
    const upstream = await collecting();
    const proxy = await proxyTo(upstream.port, { toServer: { delayMs: 300, jitterMs: 0 } });
    const client = await connect(proxy);
    let clientClosed = false;
    client.on('end', () => (clientClosed = true));
    client.write('held back');
    await until(() => proxy.stats().heldBytes > 0, 'bytes held');
    await proxy.close();
    await until(() => clientClosed && upstream.ended(), 'both sides closed');
    await sleep(400); // past the delay: the held bytes must not appear now
    expect(upstream.bytes()).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ connections: 1, open: 0, heldBytes: 0 });
    await expect(connect(proxy)).rejects.toThrow(/ECONNREFUSED/);
    await proxy.close(); // idempotent
  });
});
