/**
 * Measurement truth, losses and duplicates: a proxy between chatbench and a real mosquitto
 * drops some QoS 0 room PUBLISH packets on their way to the subscribers and sends some others
 * twice. The proxy counts what it did; chatbench must report exactly that many lost and
 * duplicated — not one more, not one fewer.
 */
import { expect, it } from 'vitest';
import type { Packet } from 'mqtt-packet';
import { runScenario } from '../../core/engine/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';
import { useMosquitto } from './broker.js';

// Positions in each connection's stream of room PUBLISHes (1-based). All lie well inside the
// run (each receiver gets ~200), so later messages of the same stream arrive after every drop:
// the evidence chatbench needs to call a missing message lost rather than undelivered.
const DROP_AT = new Set([10, 40, 70, 100]);
const DUPLICATE_AT = new Set([25, 55, 85]);

describeWithMosquitto('truth: known losses and duplicates through a proxy', () => {
  const broker = useMosquitto();

  it.each(['3.1.1', '5.0'] as const)('counts exactly the QoS 0 PUBLISHes dropped and duplicated (MQTT %s)', async (mqttVersion) => {
    const seen = new Map<number, number>();
    // MQTT 3.1.1 has no No Local: a member gets its own room messages back, which chatbench
    // does not expect (so dropping one is no loss). Streams a connection publishes are its own.
    const ownStreams = new Map<number, Set<number>>();
    const streamOf = (payload: Buffer | string): number => (Buffer.isBuffer(payload) ? payload.readUInt32BE(12) : -1);
    let dropped = 0;
    let duplicated = 0;
    const proxy = await startTamperProxy(broker().url, {
      toServer(packet: Packet, conn) {
        if (packet.cmd === 'publish') {
          const own = ownStreams.get(conn.index) ?? new Set<number>();
          ownStreams.set(conn.index, own.add(streamOf(packet.payload)));
        }
        return undefined;
      },
      toClient(packet: Packet, conn) {
        if (packet.cmd !== 'publish' || packet.qos !== 0 || !packet.topic.includes('/room/')) return undefined;
        if (ownStreams.get(conn.index)?.has(streamOf(packet.payload))) return undefined;
        const n = (seen.get(conn.index) ?? 0) + 1;
        seen.set(conn.index, n);
        if (DROP_AT.has(n)) {
          dropped++;
          return [];
        }
        if (DUPLICATE_AT.has(n)) {
          duplicated++;
          return [packet, packet];
        }
        return undefined;
      },
    });
    const runId = `truthx${mqttVersion.replace('.', '')}${Date.now() % 1e7}`;
    const driver = createMqttDriver({ url: proxy.url, mqttVersion }, { runId });
    try {
      const s = spec({ users: 3, rooms: { count: 1, members: 3 }, rate: 150, qos: 0, durationMs: 2_000, warmupMs: 0, drainMs: 500 });
      const r = await runScenario(s, { runId, driver });
      // Every receiving connection passed every chosen position.
      expect(seen.size).toBe(3);
      for (const n of seen.values()) expect(n).toBeGreaterThan(Math.max(...DROP_AT, ...DUPLICATE_AT));
      expect(dropped).toBe(3 * DROP_AT.size);
      expect(duplicated).toBe(3 * DUPLICATE_AT.size);
      expect(r.delivery.lost).toBe(dropped);
      expect(r.delivery.duplicated).toBe(duplicated);
      expect(r.delivery.undelivered).toBe(0);
      expect(r.delivery.delivered).toBe(r.delivery.expected - dropped);
      expect(r.delivery.byQos['0']).toMatchObject({ lost: dropped, duplicated });
    } finally {
      await driver.close();
      await proxy.close();
    }
  }, 30_000);
});
