/**
 * The embedded broker's resume order (runners/mqtt/embedded-order.ts): a Clean Session 0
 * subscriber that comes back while its contact keeps publishing gets the queued backlog first,
 * then the live messages, all in publish order [MQTT-4.6.0-6]; upstream Aedes 1.2.0 lets live
 * messages overtake the backlog (moscajs/aedes#649). A client that drops during its resume
 * leaves no emitter callback waiting: the broker keeps delivering and the session keeps them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { connectAsync, Store, type IClientOptions, type MqttClient } from 'mqtt';
import type { Client } from 'aedes';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { sleep } from '../helpers/chat.js';

const BACKLOG = 150;
const LIVE_MAX = 400; // bound on the live publisher
const DEADLINE_MS = 15_000;

let embedded: EmbeddedBroker;
beforeAll(async () => { embedded = await startEmbeddedBroker(); });
afterAll(async () => { await embedded.close(); });

async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (Date.now() < end && !check()) await sleep(20);
}

function persistent(clientId: string): IClientOptions {
  return {
    clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0, resubscribe: false,
    incomingStore: new Store({ clean: false }), outgoingStore: new Store({ clean: false }),
  };
}

/** Connects with the message listener attached before CONNECT, so nothing is missed. */
function resume(clientId: string, got: number[]): Promise<MqttClient> {
  const client = mqtt.connect(embedded.url, persistent(clientId));
  client.on('message', (_t, payload) => got.push(Number(payload.toString())));
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

const inOrder = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

describe('embedded broker: resumed session order', () => {
  for (const qos of [1, 2] as const) {
    it(`QoS ${qos}: backlog, then messages published during the resume, in publish order`, async () => {
      const topic = `order/q${qos}`;
      const first = await connectAsync(embedded.url, persistent(`order-rx-${qos}`));
      await first.subscribeAsync(topic, { qos });
      await first.endAsync(); // DISCONNECT, the session stays
      const tx = await connectAsync(embedded.url, { clientId: `order-tx-${qos}`, protocolVersion: 4, reconnectPeriod: 0 });
      let seq = 0;
      for (; seq < BACKLOG;) await tx.publishAsync(topic, String(++seq), { qos });
      // Keep publishing (unawaited) while the subscriber comes back and its backlog drains.
      const live = setInterval(() => { if (seq < BACKLOG + LIVE_MAX) void tx.publishAsync(topic, String(++seq), { qos }); }, 1);
      const got: number[] = [];
      const rx = await resume(`order-rx-${qos}`, got);
      await sleep(300);
      clearInterval(live);
      await until(() => got.length >= seq);
      await sleep(100); // a duplicate would arrive now
      expect(seq).toBeGreaterThan(BACKLOG + 20); // live messages really overlapped the resume
      expect(got).toEqual(inOrder(seq));
      await rx.endAsync(true);
      await tx.endAsync();
    });
  }

  it('a client dropping during its resume leaves no callback waiting; its session keeps the messages', async () => {
    const topic = 'order/drop';
    const id = 'order-drop-rx';
    const first = await connectAsync(embedded.url, persistent(id));
    await first.subscribeAsync(topic, { qos: 1 });
    await first.endAsync();
    const other = await connectAsync(embedded.url, { clientId: 'order-drop-other', protocolVersion: 4, reconnectPeriod: 0 });
    const otherGot: number[] = [];
    other.on('message', (_t, payload) => otherGot.push(Number(payload.toString())));
    await other.subscribeAsync(topic, { qos: 1 });
    const broker = embedded.broker;
    let seq = 0;
    const publish = (): Promise<void> => new Promise((resolve, reject) => {
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(String(++seq)), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
    for (let i = 0; i < BACKLOG; i++) await publish();

    // Right after the CONNACK, while the backlog drains: publish, then cut the connection.
    let readyEvents = 0;
    broker.on('clientReady', (c: Client) => { if (c.id === id) readyEvents += 1; });
    const duringResume: Array<Promise<void>> = [];
    const dropped = new Promise<void>((resolve) => {
      broker.on('connackSent', (_p, c: Client) => {
        if (c.id !== id || duringResume.length > 0) return; // the first resume only
        for (let i = 0; i < 20; i++) duringResume.push(publish());
        setImmediate(() => { c.conn.destroy(); resolve(); });
      });
    });
    const got: number[] = []; // what the session's two connections received, in order
    const lost = mqtt.connect(embedded.url, persistent(id));
    lost.on('error', () => undefined);
    lost.on('message', (_t, payload) => got.push(Number(payload.toString())));
    await dropped;
    lost.end(true);
    // Each publish callback waits for every delivery's callback: all must come.
    const settled = await Promise.race([Promise.all(duringResume).then(() => true), sleep(DEADLINE_MS).then(() => false)]);
    expect(settled).toBe(true);
    expect(readyEvents).toBe(0); // the drop really came before 'clientReady'
    const afterDrop = seq;
    for (let i = 0; i < 150; i++) await publish(); // more than the emitter's concurrency (100)
    await until(() => otherGot.length >= seq);
    expect(otherGot).toEqual(inOrder(seq));
    expect((broker as unknown as { mq: { current: number } }).mq.current).toBe(0);

    // The session kept what it was not given, in order (QoS 1 may repeat the unacknowledged).
    const back = await resume(id, got);
    await until(() => new Set(got).size >= seq);
    const firstSeen = got.filter((n, i) => got.indexOf(n) === i);
    expect(firstSeen).toEqual(inOrder(seq));
    expect(afterDrop).toBe(BACKLOG + 20);
    await back.endAsync(true);
    await other.endAsync();
  });
});
