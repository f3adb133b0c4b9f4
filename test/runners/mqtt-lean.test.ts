/**
 * The lean MQTT driver (runners/mqtt/lean/) through the shared chat suite — room and direct
 * messages at QoS 0/1/2, downgrades, 3.1.1 echo versus 5.0 No Local, wire bytes — on the
 * embedded broker (3.1.1) and on mosquitto over TCP, TLS, WebSocket and secure WebSocket; read
 * pauses (slow consumers) on each transport, and connecting through a proxy (`via`). Presence,
 * wills and retained rooms run in mqtt-presence.test.ts for both clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from '../../core/driver.js';
import type { MqttVersion } from '../../runners/mqtt/endpoint.js';
import { startFaultProxy } from '../../core/faults/proxy.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { defineChatSuite } from '../helpers/mqtt-chat-suite.js';
import { samePayload, uniquePayload } from '../helpers/chat.js';
import { connectPattern, onBrokers } from './mqtt-brokers.js';

const VERSIONS: MqttVersion[] = ['3.1.1', '5.0'];

describe('lean driver, embedded broker, MQTT 3.1.1', () => {
  let embedded: EmbeddedBroker;
  beforeAll(async () => {
    embedded = await startEmbeddedBroker();
  });
  afterAll(async () => {
    await embedded.close();
  });
  defineChatSuite(() => ({ url: embedded.url, mqttVersion: '3.1.1', embedded: true }), createLeanDriver);

  it('connects from the source address asked for (ConnectOptions.localAddress)', async () => {
    const seen: string[] = [];
    const onClient = (client: { conn: unknown }): void => void seen.push(String((client.conn as { remoteAddress?: string }).remoteAddress));
    embedded.broker.on('client', onClient);
    const d = createLeanDriver({ url: embedded.url, mqttVersion: '3.1.1' }, { runId: 'source', embedded: true });
    try {
      await d.connect({ user: 'a', directLevel: 0, timeoutMs: 3000, onMessage: () => {}, localAddress: '127.0.0.3' });
      expect(seen.map((a) => a.replace(/^::ffff:/, ''))).toEqual(['127.0.0.3']);
    } finally {
      embedded.broker.off('client', onClient);
      await d.close();
    }
  });
});

describeWithMosquitto('lean driver, mosquitto', () => {
  let m: Mosquitto;
  const verified = () => ({ ca: m.caFile ?? '', rejectUnauthorized: true });
  beforeAll(async () => {
    m = await startMosquitto({ tls: true, websocket: true });
  }, 20_000);
  afterAll(async () => {
    await m?.stop();
  });

  describe.each(VERSIONS)('TCP, MQTT %s', (mqttVersion) => {
    defineChatSuite(() => ({ url: m.url, mqttVersion }), createLeanDriver);
  });
  describe.each(VERSIONS)('TLS verified with the test CA, MQTT %s', (mqttVersion) => {
    defineChatSuite(() => ({ url: m.tlsUrl ?? '', mqttVersion, tls: verified() }), createLeanDriver);
  });
  describe.each(VERSIONS)('WebSocket, MQTT %s', (mqttVersion) => {
    defineChatSuite(() => ({ url: m.wsUrl ?? '', mqttVersion }), createLeanDriver);
  });
  describe('secure WebSocket, MQTT 5.0', () => {
    defineChatSuite(() => ({ url: m.wssUrl ?? '', mqttVersion: '5.0', tls: verified() }), createLeanDriver);
  });
});

/** Deliveries to a paused receiver wait in the server and the socket: none read while paused, all after. */
async function pausedReceiverCatchesUp(d: Driver): Promise<void> {
  const rx = await connectPattern(d, 'rx', { directLevel: 0 });
  const tx = await connectPattern(d, 'tx');
  const pauseMs = 700;
  rx.session.pauseReads?.(pauseMs);
  const pausedAt = Date.now();
  const payloads = Array.from({ length: 30 }, () => uniquePayload('paused'));
  await Promise.all(payloads.map((p) => tx.session.sendToUser('rx', p, 0)));
  const last = await rx.inbox.waitFor(samePayload(payloads[29]!), 5000);
  expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(pauseMs - 50);
  expect(rx.inbox.messages).toHaveLength(30);
  expect(last.level).toBe(0);
}

describe('lean driver: read pauses and via', () => {
  onBrokers(['3.1.1', '5.0'], (broker) => {
    it('pauseReads holds deliveries back until the pause ends (TCP)', async () => {
      await pausedReceiverCatchesUp(broker.driver());
    });

    if (broker.mosquitto && broker.version === '5.0') {
      it('pauseReads over TLS and WebSocket', async () => {
        const m = broker.server()!;
        await pausedReceiverCatchesUp(broker.driver({ url: m.tlsUrl ?? '', tls: { ca: m.caFile ?? '', rejectUnauthorized: true } }));
        await pausedReceiverCatchesUp(broker.driver({ url: m.wsUrl ?? '' }));
      });
    }

    it('via: every connection goes through the proxy in front of the target', async () => {
      const { hostname, port } = new URL(broker.target().url);
      const proxy = await startFaultProxy({ upstream: { host: hostname, port: Number(port) }, toClient: { delayMs: 0, jitterMs: 0 }, seed: 7 });
      try {
        const d = broker.driver({}, { via: proxy.via });
        const [a, b] = [await connectPattern(d, 'a'), await connectPattern(d, 'b')];
        const payload = uniquePayload('via');
        await b.session.sendToUser('a', payload, 2);
        expect((await a.inbox.waitFor(samePayload(payload))).level).toBe(2);
        expect(proxy.stats().connections).toBe(2);
      } finally {
        await proxy.close();
      }
    });
  }, { tls: true, websocket: true, createDriver: createLeanDriver });
});
