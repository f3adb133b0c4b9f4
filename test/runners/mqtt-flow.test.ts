/**
 * Flow-control and connection verbs on the wire, on both MQTT clients: a takeover (second device, same client id)
 * ends the first connection by the server's hand with the evidence; 5.0 Receive Maximum caps
 * the QoS 1 deliveries in flight; pauseReads holds deliveries back on TCP, TLS and WebSocket
 * and they all arrive after; `via` connects through a proxy while TLS still checks the target's
 * name; the feature set each version declares.
 */
import { describe, expect, it } from 'vitest';
import type { Driver } from '../../core/driver.js';
import { startFaultProxy } from '../../core/faults/proxy.js';
import type { MqttTarget } from '../../runners/mqtt/endpoint.js';
import { openTarget, targetFromUrl } from '../../runners/index.js';
import { createMqttDriver, mqttFeatures } from '../../runners/mqtt/driver.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { samePayload, sleep, uniquePayload } from '../helpers/chat.js';
import { connectPattern, onBrokers, type BrokerCase, type PatternUser } from './mqtt-brokers.js';

/** Sends `count` QoS 1 messages to `to` without waiting for each, and resolves when all are acknowledged. */
async function burst(sender: PatternUser, to: string, count: number, size = 64): Promise<Buffer[]> {
  const payloads = Array.from({ length: count }, () => uniquePayload('b', size));
  await Promise.all(payloads.map((p) => sender.session.sendToUser(to, p, 1)));
  return payloads;
}

/** A paused receiver gets nothing while paused and everything after. */
async function checkPause(d: Driver): Promise<void> {
  const rx = await connectPattern(d, 'rx', { directLevel: 1 });
  const tx = await connectPattern(d, 'tx');
  rx.session.pauseReads?.(800);
  const started = Date.now();
  const payloads = await burst(tx, 'rx', 20);
  await sleep(400);
  expect(rx.inbox.messages).toEqual([]);
  await rx.inbox.waitFor(samePayload(payloads[19] as Buffer), 5000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  expect(rx.inbox.messages).toHaveLength(20);
}

describe.each([['MQTT.js', createMqttDriver], ['lean', createLeanDriver]] as const)('MQTT takeover, receive maximum, read pauses and via (%s client)', (_client, createDriver) => {
  onBrokers(['3.1.1', '5.0'], (broker: BrokerCase) => {
    it('a takeover ends the first connection by the server, with the evidence; the second device works', async () => {
      const d = broker.driver();
      const first = await connectPattern(d, 'tim');
      const second = await connectPattern(d, 'tim', { takeover: true });
      await expect.poll(() => first.ends.length, { timeout: 3000 }).toBe(1);
      const end = first.ends[0];
      expect(end?.by).toBe('server');
      // 5.0 lets the server send DISCONNECT 0x8E first [MQTT-3.1.4-3]; mosquitto 2.0 just closes.
      if (end?.code !== undefined) expect(end).toMatchObject({ code: 0x8e, cause: 'server sent DISCONNECT: session taken over (142)' });
      else {
        const goodbye = broker.version === '5.0' ? ' without a DISCONNECT' : '';
        expect(end?.cause).toBe(`the server closed the connection${goodbye} after a second connection with its client id`);
      }
      const other = await connectPattern(d, 'oth');
      const payload = uniquePayload('t');
      await other.session.sendToUser('tim', payload, 1);
      await second.inbox.waitFor(samePayload(payload));
      expect(second.ends).toEqual([]);
    });

    it('pauseReads holds deliveries back, and they all arrive after (TCP)', async () => {
      await checkPause(broker.driver());
    });

    it('via: connects through a proxy in front of the target', async () => {
      const upstream = new URL(broker.target().url);
      const proxy = await startFaultProxy({ upstream: { host: upstream.hostname, port: Number(upstream.port) }, toClient: { delayMs: 0, jitterMs: 0 }, seed: 1 });
      try {
        const d = broker.driver({}, { via: proxy.via });
        const a = await connectPattern(d, 'a');
        const b = await connectPattern(d, 'b');
        const payload = uniquePayload('v');
        await a.session.sendToUser('b', payload, 1);
        await b.inbox.waitFor(samePayload(payload));
        expect(proxy.stats().connections).toBe(2);
      } finally {
        await proxy.close();
      }
    });

    it(`declares the features of MQTT ${broker.version}`, () => {
      const base = ['persistent-session', 'will', 'presence-watch', 'retained', 'takeover', 'slow-consumer'];
      const expected = broker.version === '5.0' ? [...base, 'receive-maximum', 'message-expiry', 'will-delay'] : base;
      expect([...(broker.driver().features ?? [])].sort()).toEqual(expected.sort());
      expect(mqttFeatures(broker.version === '5.0' ? 5 : 4)).toEqual(new Set(expected));
    });

    if (broker.version === '5.0') {
      it('5.0: Receive Maximum caps the QoS 1 deliveries in flight; without it they all come at once', async () => {
        // Neither receiver reads (so acknowledges) anything for a while: what the server sends
        // meanwhile is what it may have in flight. 12 messages of 1000 bytes fit the 16 KiB the
        // paused stream still takes in, so the bytes on the socket count the PUBLISHes sent.
        const d = broker.driver();
        const capped = await connectPattern(d, 'cap', { directLevel: 1, receiveMaximum: 3 });
        const free = await connectPattern(d, 'free', { directLevel: 1 });
        const tx = await connectPattern(d, 'tx');
        const before = { capped: capped.session.wire().bytesIn, free: free.session.wire().bytesIn };
        capped.session.pauseReads?.(1000);
        free.session.pauseReads?.(1000);
        const sends = Promise.all([burst(tx, 'cap', 12, 1000), burst(tx, 'free', 12, 1000)]);
        await sleep(700);
        const cappedBytes = capped.session.wire().bytesIn - before.capped;
        const freeBytes = free.session.wire().bytesIn - before.free;
        expect(cappedBytes).toBeGreaterThanOrEqual(3 * 1000); // [MQTT-3.3.4-9]: 3 in flight, no more
        expect(cappedBytes).toBeLessThan(4 * 1000);
        expect(freeBytes).toBeGreaterThanOrEqual(12 * 1000);
        await sends;
        await expect.poll(() => capped.inbox.messages.length, { timeout: 5000 }).toBe(12);
      });
    }
  }, { tls: true, websocket: true, createDriver });
});

describe('MQTT read pauses and via over TLS and WebSocket', () => {
  onBrokers(['5.0'], (broker) => {
    it('pauseReads works over TLS and WebSocket too', async () => {
      const m = broker.server();
      if (!m) throw new Error('mosquitto expected');
      const tls = { ca: m.caFile ?? '', rejectUnauthorized: true };
      await checkPause(broker.driver({ url: m.tlsUrl ?? '', tls }));
      await checkPause(broker.driver({ url: m.wsUrl ?? '' }));
    });

    it('via with TLS: the certificate is still checked against the target host name', async () => {
      const m = broker.server();
      if (!m) throw new Error('mosquitto expected');
      const port = Number(new URL(m.tlsUrl ?? '').port);
      const proxy = await startFaultProxy({ upstream: { host: '127.0.0.1', port }, toClient: { delayMs: 0, jitterMs: 0 }, seed: 1 });
      try {
        const tls = { ca: m.caFile ?? '', rejectUnauthorized: true };
        // The certificate names localhost and 127.0.0.1 (the proxy's address, where the bytes go).
        const ok: MqttTarget = { url: `mqtts://localhost:${port}`, mqttVersion: '5.0', tls };
        await connectPattern(broker.driver(ok, { via: proxy.via }), 'a');
        // A target name the certificate lacks (and DNS does not know): refused for the name, not unreachable.
        const wrong: MqttTarget = { ...ok, url: `mqtts://chatbench-target.invalid:${port}` };
        const d: Driver = createMqttDriver(wrong, { runId: 'viatls', via: proxy.via });
        await expect(connectPattern(d, 'a')).rejects.toThrow(/TLS: Hostname\/IP does not match certificate's altnames: Host: chatbench-target\.invalid/);
        await d.close();
        expect(proxy.stats().connections).toBe(2);
      } finally {
        await proxy.close();
      }
    });
  }, { embedded: false, tls: true, websocket: true });
});

describe('driver features beside MQTT', () => {
  it('the XMPP driver declares only the pattern features it maps (the engine refuses scenarios needing the others)', async () => {
    const handle = await openTarget(targetFromUrl('xmpp://127.0.0.1:5222', { accounts: 'register', starttls: 'never' }));
    try {
      const driver = handle.createDriver('feat');
      expect(driver.features).toEqual(new Set(['retained', 'will', 'presence-watch', 'persistent-session']));
      await driver.close();
    } finally {
      await handle.close();
    }
  });
});
