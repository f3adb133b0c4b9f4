/**
 * chatbench's keep-alive against a scripted server (test/helpers/scripted-broker.ts) with a
 * 1 s keep-alive: a server whose PINGRESP is held up while it keeps delivering is alive and
 * stays connected (§3.1.2.10: the client's PINGRESP wait is its own "reasonable amount of
 * time"); a server silent for a whole PINGRESP window is closed by chatbench, with the cause.
 * All on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Packet } from 'mqtt-packet';
import type { ChatSession, ConnectionEnd } from '../../../core/driver.js';
import { createMqttDriver } from '../../../runners/mqtt/driver.js';
import { startScriptedBroker, type ScriptedBroker, type ScriptedConnection } from '../../helpers/scripted-broker.js';

type Version = '3.1.1' | '5.0';

const KEEP_ALIVE_MS = 1000;

interface Watched {
  session: ChatSession;
  /** Connection ends chatbench reported, each with when it was reported. */
  ends: { end: ConnectionEnd; at: number }[];
  received: () => number;
  close(): Promise<void>;
}

const brokers: ScriptedBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

/**
 * A server that withholds PINGRESP while `holding` says so; `pings` gets the time of every
 * PINGREQ it received. Everything else gets the well-behaved default answers.
 */
async function pingHolder(holding: () => boolean, pings: number[]): Promise<ScriptedBroker> {
  const broker = await startScriptedBroker({
    onPacket: (packet) => {
      if (packet.cmd !== 'pingreq') return false;
      pings.push(Date.now());
      return holding();
    },
  });
  brokers.push(broker);
  return broker;
}

async function connect(broker: ScriptedBroker, mqttVersion: Version): Promise<Watched> {
  const driver = createMqttDriver({ url: broker.url, mqttVersion }, { runId: 'keepalive', keepaliveSeconds: KEEP_ALIVE_MS / 1000 });
  const ends: Watched['ends'] = [];
  let received = 0;
  const session = await driver.connect({
    user: 'alice', directLevel: 0, timeoutMs: 2000,
    onMessage: () => received++,
    onConnectionLost: (end) => ends.push({ end, at: Date.now() }),
  });
  return { session, ends, received: () => received, close: () => driver.close() };
}

/** The inbox the client subscribed to: deliveries there reach its message handler. */
function inboxOf(conn: ScriptedConnection): string {
  const subscribe = conn.received.find((p): p is Packet & { cmd: 'subscribe' } => p.cmd === 'subscribe');
  const topic = subscribe?.subscriptions[0]?.topic;
  if (topic === undefined) throw new Error('the client subscribed to no inbox');
  return topic;
}

/** QoS 0 deliveries to the inbox every 100 ms (a tenth of the keep-alive); stop() returns when the last went out. */
function deliver(conn: ScriptedConnection): () => number {
  const topic = inboxOf(conn);
  let lastAt = Date.now();
  const timer = setInterval(() => {
    conn.send({ cmd: 'publish', topic, payload: Buffer.from('backlog'), qos: 0, retain: false, dup: false });
    lastAt = Date.now();
  }, KEEP_ALIVE_MS / 10);
  return () => {
    clearInterval(timer);
    return lastAt;
  };
}

/** The one connection end reported, which must be chatbench's; `at` is when it was reported. */
async function endedByChatbench(c: Watched): Promise<{ cause: string; at: number }> {
  await expect.poll(() => c.ends.length, { timeout: 4 * KEEP_ALIVE_MS }).toBe(1);
  const [first] = c.ends;
  expect(first?.end.by).toBe('chatbench');
  return { cause: first?.end.cause ?? '', at: first?.at ?? 0 };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<Version>(['3.1.1', '5.0'])('MQTT %s keep-alive', (version) => {
  it('a server that delays PINGRESP while delivering for 3× keep-alive stays connected; the late PINGRESPs are taken', async () => {
    let holding = true;
    const pings: number[] = [];
    const broker = await pingHolder(() => holding, pings);
    const c = await connect(broker, version);
    const conn = broker.connections[0]!;
    const stop = deliver(conn);
    await sleep(3 * KEEP_ALIVE_MS);
    expect(c.ends).toEqual([]);
    expect(c.received()).toBeGreaterThan(10);
    // Waiting on, chatbench kept its side of the keep-alive [MQTT-3.1.2-23]: a PINGREQ at least
    // every keep-alive, though the server had answered none.
    expect(pings.length).toBeGreaterThanOrEqual(2);
    const gaps = pings.slice(1).map((t, i) => t - pings[i]!);
    // The server's own limit is 1.5× keep-alive without a packet from the client [MQTT-3.1.2-24].
    expect(Math.max(...gaps, Date.now() - pings.at(-1)!)).toBeLessThan(1.5 * KEEP_ALIVE_MS);
    // The backlog drains: the held PINGRESPs arrive at last and the connection carries on.
    holding = false;
    for (const _ of pings) conn.send({ cmd: 'pingresp' });
    stop();
    await sleep(1.5 * KEEP_ALIVE_MS);
    expect(c.ends).toEqual([]);
    await c.session.sendToUser('alice', Buffer.from('still here'), 1);
    await c.close();
  }, 15_000);

  it('a server that delivers without PINGRESP, then falls silent: closed by chatbench after a silent PINGRESP window', async () => {
    const pings: number[] = [];
    const broker = await pingHolder(() => true, pings);
    const c = await connect(broker, version);
    const stop = deliver(broker.connections[0]!);
    await sleep(2 * KEEP_ALIVE_MS);
    const silentFrom = stop();
    const { cause, at } = await endedByChatbench(c);
    // Given up on only after a whole half keep-alive without a byte (timer rounding aside), and within two of them.
    expect(at - silentFrom).toBeGreaterThanOrEqual(KEEP_ALIVE_MS / 2 - 20);
    expect(at - silentFrom).toBeLessThan(2 * KEEP_ALIVE_MS);
    // The wait is counted from the first PINGREQ, which went out while deliveries still came.
    const waited = Number(/no PINGRESP within ([\d.]+) s of its PINGREQ \(keep-alive 1 s\)$/.exec(cause)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(1.5);
    expect(pings[0]).toBeLessThan(silentFrom);
    await c.close();
  }, 15_000);

  it('a server silent from the start: closed by chatbench half a keep-alive after its PINGREQ', async () => {
    const pings: number[] = [];
    const broker = await pingHolder(() => true, pings);
    const c = await connect(broker, version);
    const connectedAt = Date.now();
    const { cause, at } = await endedByChatbench(c);
    expect(cause).toMatch(/^chatbench's keep-alive timeout: no PINGRESP within 0\.[4-9] s of its PINGREQ \(keep-alive 1 s\)$/);
    // MQTT.js pings after a keep-alive of silence; chatbench closes half a keep-alive later (~1.5×).
    expect(at - connectedAt).toBeGreaterThanOrEqual(1.5 * KEEP_ALIVE_MS - 100);
    expect(at - connectedAt).toBeLessThan(2.5 * KEEP_ALIVE_MS);
    expect(pings).toHaveLength(1);
    await c.close();
  }, 15_000);
});
