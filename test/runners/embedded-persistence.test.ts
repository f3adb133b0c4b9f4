/**
 * The embedded broker's session store (runners/mqtt/embedded-persistence.ts): a PUBREL sent to
 * a Clean Session 0 client carries the packet id of the PUBLISH it completes [MQTT-4.3.3-1],
 * an unacknowledged PUBREL is re-sent with that id on resume [MQTT-4.4.0-1], and a completed
 * PUBLISH never stays queued. The wire tests use a plain MQTT.js client whose PUBRECs reach
 * Aedes in one read, the case in which upstream aedes-persistence 11.0.0 rewrote the ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, Store, type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { createEmbeddedPersistence } from '../../runners/mqtt/embedded-persistence.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { sleep } from '../helpers/chat.js';

const COUNT = 5;
const DEADLINE_MS = 10_000;

interface Queued { cmd: string; messageId?: number }
interface QueueReader { outgoingStream(client: { id: string }): AsyncIterable<Queued> }

let embedded: EmbeddedBroker;
beforeAll(async () => { embedded = await startEmbeddedBroker(); });
afterAll(async () => { await embedded.close(); });

/** What the broker still holds for this client: `publish 7`, `pubrel 7`, … */
async function queueOf(clientId: string, persistence?: QueueReader): Promise<string[]> {
  const reader = persistence ?? (embedded.broker as unknown as { persistence: QueueReader }).persistence;
  const out: string[] = [];
  for await (const p of reader.outgoingStream({ id: clientId })) out.push(`${p.cmd} ${p.messageId}`);
  return out;
}

/** Bounded wait for a condition that events will make true (never a speed assertion). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (Date.now() < end && !(await check())) await sleep(20);
}

function persistentOptions(clientId: string, stores?: Pick<IClientOptions, 'incomingStore' | 'outgoingStore'>): IClientOptions {
  return {
    clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0,
    incomingStore: stores?.incomingStore ?? new Store({ clean: false }),
    outgoingStore: stores?.outgoingStore ?? new Store({ clean: false }),
  };
}

/**
 * Holds the client's PUBRECs back until `count` are written, then lets them leave in one TCP
 * write, so Aedes handles them in one synchronous pass. `stopReading` then detaches MQTT.js
 * from the socket in the same tick, before any answer can come back. Resolves once they left.
 */
function batchPubrecs(client: MqttClient, count: number, stopReading = false): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    const release = (): void => {
      clearTimeout(fallback);
      client.stream.uncork();
      if (stopReading) client.stream.unpipe();
      resolve();
    };
    const fallback = setTimeout(release, DEADLINE_MS); // still uncork if some PUBLISH never came
    client.on('packetsend', (p: Packet) => {
      if (p.cmd !== 'pubrec') return;
      if (sent === 0) client.stream.cork();
      sent += 1;
      // 'packetsend' comes just before the write: release after it.
      if (sent === count) setImmediate(release);
    });
  });
}

/** A subscriber on `topic` at QoS 2, plus the publisher that sends it COUNT messages. */
async function subscriberAndPublisher(name: string): Promise<{ rx: MqttClient; tx: MqttClient; topic: string; ids: number[]; got: string[] }> {
  const topic = `pubrel/${name}`;
  const rx = await connectAsync(embedded.url, persistentOptions(`${name}-rx`));
  const ids: number[] = [];
  const got: string[] = [];
  rx.on('packetreceive', (p: Packet) => { if (p.cmd === 'publish' && p.messageId !== undefined) ids.push(p.messageId); });
  rx.on('message', (_t, payload) => got.push(payload.toString()));
  await rx.subscribeAsync(topic, { qos: 2 });
  const tx = await connectAsync(embedded.url, { clientId: `${name}-tx`, protocolVersion: 4, reconnectPeriod: 0 });
  return { rx, tx, topic, ids, got };
}

const expected = Array.from({ length: COUNT }, (_, i) => `m${i + 1}`);

describe('embedded broker: QoS 2 to a Clean Session 0 subscriber', () => {
  it('PUBRECs handled in one pass each get a PUBREL with their own packet id; every message arrives once', async () => {
    const { rx, tx, topic, ids, got } = await subscriberAndPublisher('batch');
    const pubrels: number[] = [];
    rx.on('packetreceive', (p: Packet) => { if (p.cmd === 'pubrel' && p.messageId !== undefined) pubrels.push(p.messageId); });
    const batched = batchPubrecs(rx, COUNT);
    for (const m of expected) await tx.publishAsync(topic, m, { qos: 2 });
    await batched;
    await until(async () => got.length >= COUNT && (await queueOf('batch-rx')).length === 0);

    expect(ids).toHaveLength(COUNT);
    expect(pubrels).toEqual(ids); // [MQTT-4.3.3-1]: one PUBREL per PUBLISH, same id
    expect(got).toEqual(expected);
    expect(await queueOf('batch-rx')).toEqual([]); // no completed PUBLISH left to re-send
    await Promise.all([tx.endAsync(true), rx.endAsync(true)]);
  });

  it('after an abrupt drop with the PUBRELs unread, the resume re-sends each PUBREL with its id, and nothing else; each message arrives once', async () => {
    const { rx, tx, topic, ids, got } = await subscriberAndPublisher('resume');
    // MQTT.js never reads what comes after its PUBRECs: the PUBRELs stay outstanding.
    const batched = batchPubrecs(rx, COUNT, true);
    for (const m of expected) await tx.publishAsync(topic, m, { qos: 2 });
    await batched;
    const socket = rx.stream;
    let unread = 0;
    socket.on('data', (chunk: Buffer) => { unread += chunk.length; });
    socket.resume(); // unpipe() paused it
    await until(() => unread >= 4 * COUNT); // a 3.1.1 PUBREL is 4 bytes
    expect(unread).toBe(4 * COUNT); // the broker sent them, the client never acknowledged them
    socket.destroy();
    await rx.endAsync(true);
    expect(got).toEqual([]);
    expect(await queueOf('resume-rx')).toEqual(ids.map((id) => `pubrel ${id}`));

    const back = await connectAsync(embedded.url, persistentOptions('resume-rx', { incomingStore: rx.incomingStore, outgoingStore: rx.outgoingStore }));
    expect(back.options.clean).toBe(false);
    const resent: string[] = [];
    back.on('packetreceive', (p: Packet) => { if (p.cmd === 'pubrel' || p.cmd === 'publish') resent.push(`${p.cmd} ${p.messageId}`); });
    back.on('message', (_t, payload) => got.push(payload.toString()));
    await until(async () => got.length >= COUNT && (await queueOf('resume-rx')).length === 0);

    expect(resent).toEqual(ids.map((id) => `pubrel ${id}`)); // [MQTT-4.4.0-1], [MQTT-4.3.3-1]
    expect(got).toEqual(expected);
    expect(await queueOf('resume-rx')).toEqual([]);
    await Promise.all([tx.endAsync(true), back.endAsync(true)]);
  });
});

describe('createEmbeddedPersistence: outgoingUpdate for a PUBREL', () => {
  interface Updatable extends QueueReader {
    broker: { id: string; counter: number };
    once(event: 'ready', listener: () => void): void;
    outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: object, cb?: (err: unknown, client?: unknown, packet?: unknown) => void): Promise<void> | undefined;
  }

  async function queued(ids: number[]): Promise<{ store: Updatable; client: { id: string } }> {
    const store = createEmbeddedPersistence() as unknown as Updatable;
    const broker = { id: 'broker-a', counter: 0 };
    // The setter is the callback layer's setup: its callback form waits for 'ready'.
    const ready = new Promise<void>((resolve) => store.once('ready', resolve));
    store.broker = broker;
    await ready;
    const client = { id: 'c' };
    for (const [i, id] of ids.entries()) {
      const packet = { cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 2, brokerId: broker.id, brokerCounter: i + 1 };
      await store.outgoingEnqueue({ clientId: client.id }, packet);
      await store.outgoingUpdate(client, { ...packet, messageId: id }); // as Aedes does when it sends it
    }
    return { store, client };
  }

  it('replaces the PUBLISH with its id, then an earlier PUBREL with its id, and nothing else', async () => {
    const { store, client } = await queued([11, 12, 13]);
    await store.outgoingUpdate(client, { cmd: 'pubrel', messageId: 12 });
    await store.outgoingUpdate(client, { cmd: 'pubrel', messageId: 11 });
    expect(await queueOf(client.id, store)).toEqual(['pubrel 11', 'pubrel 12', 'publish 13']);
    await store.outgoingUpdate(client, { cmd: 'pubrel', messageId: 12 }); // a resumed session's re-send
    expect(await queueOf(client.id, store)).toEqual(['pubrel 11', 'pubrel 12', 'publish 13']);
  });

  it('keeps the object the caller writes out of the queue, and fails for an id nothing holds', async () => {
    const { store, client } = await queued([21, 22]);
    const written = { cmd: 'pubrel', messageId: 21 };
    await store.outgoingUpdate(client, written);
    await store.outgoingUpdate(client, { cmd: 'pubrel', messageId: 22 });
    expect(written).toEqual({ cmd: 'pubrel', messageId: 21 });
    await expect(store.outgoingUpdate(client, { cmd: 'pubrel', messageId: 99 })).rejects.toThrow('no such packet');
    expect(await queueOf(client.id, store)).toEqual(['pubrel 21', 'pubrel 22']);
  });

  it('the callback form reports the caller’s packet, or the error', async () => {
    const { store, client } = await queued([31]);
    const packet = { cmd: 'pubrel', messageId: 31 };
    const ok = await new Promise<unknown[]>((resolve) => { store.outgoingUpdate(client, packet, (...args) => resolve(args)); });
    expect(ok).toEqual([null, client, packet]);
    const failed = await new Promise<unknown[]>((resolve) => { store.outgoingUpdate(client, { cmd: 'pubrel', messageId: 98 }, (...args) => resolve(args)); });
    expect(String(failed[0])).toContain('no such packet');
  });
});

describe('createEmbeddedPersistence: a resume re-sending a queue that changes under it', () => {
  interface Store extends QueueReader {
    broker: { id: string; counter: number };
    once(event: 'ready', listener: () => void): void;
    outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: object): Promise<void> | undefined;
    outgoingClearMessageId(client: { id: string }, packet: object): Promise<unknown>;
    outgoingStream(client: { id: string }): AsyncIterable<{ cmd: string; messageId?: number }>;
    completedMeanwhile(packet: object): boolean;
  }

  async function store(): Promise<Store> {
    const s = createEmbeddedPersistence() as unknown as Store;
    const ready = new Promise<void>((resolve) => s.once('ready', resolve));
    s.broker = { id: 'broker-b', counter: 0 };
    await ready;
    return s;
  }

  const publish = (id: number, counter: number) =>
    ({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 2, brokerId: 'broker-b', brokerCounter: counter, messageId: id });

  it('skips an entry completed after the stream began and sends a converted one as a PUBREL', async () => {
    const s = await store();
    const client = { id: 'r' };
    for (const [i, id] of [41, 42, 43, 44].entries()) {
      await s.outgoingEnqueue({ clientId: client.id }, publish(id, i + 1));
      await s.outgoingUpdate(client, publish(id, i + 1));
    }
    const seen: string[] = [];
    const stream = s.outgoingStream(client)[Symbol.asyncIterator]();
    const first = await stream.next(); // the stream has begun (and read at most one entry ahead)
    seen.push(`${first.value?.cmd} ${first.value?.messageId}`);
    await s.outgoingClearMessageId(client, { messageId: 43 }); // completed by the connection being replaced
    await s.outgoingUpdate(client, { cmd: 'pubrel', messageId: 44 }); // its PUBREC arrived meanwhile
    for (let r = await stream.next(); !r.done; r = await stream.next()) seen.push(`${r.value.cmd} ${r.value.messageId}`);
    expect(seen).toEqual(['publish 41', 'publish 42', 'pubrel 44']);
  });

  it('an update of a queued publication completed meanwhile succeeds and marks it not to be written', async () => {
    const s = await store();
    const client = { id: 'm' };
    await s.outgoingEnqueue({ clientId: client.id }, publish(51, 1));
    await s.outgoingUpdate(client, publish(51, 1));
    await s.outgoingClearMessageId(client, { messageId: 51 });
    const stale = publish(51, 1);
    await expect(s.outgoingUpdate(client, stale)).resolves.toBeUndefined();
    expect(s.completedMeanwhile(stale)).toBe(true);
    expect(s.completedMeanwhile(publish(52, 2))).toBe(false);
    // A new packet (no brokerId yet) that nothing holds still fails, as upstream does.
    await expect(s.outgoingUpdate(client, { cmd: 'publish', topic: 't', qos: 1, messageId: 53 })).rejects.toThrow('no such packet');
  });
});
