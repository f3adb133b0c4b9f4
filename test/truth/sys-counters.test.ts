/**
 * Measurement truth, the broker's own books: the messages chatbench says it sent and got, and
 * the bytes it says crossed its sockets, agree with mosquitto's `$SYS` counters for the run.
 *
 * The counters are read before and after the run by a separate raw client (test/helpers/
 * sys-monitor.ts) that counts its own traffic, so its share is taken out exactly. chatbench's
 * control traffic (CONNECT, SUBSCRIBE, presence, DISCONNECT and their answers) is computed, not
 * guessed: a pass-through proxy forwards the run's bytes unchanged and parses a copy, counting
 * every packet by type; chat PUBLISHes are told from the rest by their topic. Everything
 * else on the broker is this test's, so the equalities are exact.
 */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { expect, it } from 'vitest';
import { runScenario } from '../../core/engine/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';
import { startSysMonitor, type SysSnapshot } from '../helpers/sys-monitor.js';
import { useMosquitto } from './broker.js';

interface Tally {
  packets: number;
  chatPublishes: number;
  otherPublishes: number;
  /** Bytes of everything but PUBLISH and its acknowledgements: CONNECT, SUBSCRIBE, PING, DISCONNECT and their answers. */
  controlBytes: number;
}

const MESSAGE_FLOW = new Set(['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp']);

/** A packet's size on the wire: fixed header byte, Remaining Length varint, the rest. */
function packetBytes(p: Packet): number {
  const rest = p.length ?? 0;
  return 1 + (rest < 128 ? 1 : rest < 16_384 ? 2 : rest < 2_097_152 ? 3 : 4) + rest;
}

/** Forwards bytes as they are both ways (MQTT 5 clients only) and counts the packets in each direction. */
async function startCountingProxy(brokerUrl: string): Promise<{ url: string; up: Tally; down: Tally; close(): Promise<void> }> {
  const upstream = new URL(brokerUrl);
  const up: Tally = { packets: 0, chatPublishes: 0, otherPublishes: 0, controlBytes: 0 };
  const down: Tally = { packets: 0, chatPublishes: 0, otherPublishes: 0, controlBytes: 0 };
  const sockets = new Set<net.Socket>();
  const count = (tally: Tally) => (p: Packet): void => {
    tally.packets++;
    if (!MESSAGE_FLOW.has(p.cmd)) tally.controlBytes += packetBytes(p);
    if (p.cmd !== 'publish') return;
    if (/\/(room|user)\//.test(p.topic)) tally.chatPublishes++;
    else tally.otherPublishes++;
  };
  const server = net.createServer((client) => {
    const broker = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
    client.setNoDelay(true);
    broker.setNoDelay(true);
    sockets.add(client).add(broker);
    const fromClient = mqttPacket.parser({ protocolVersion: 5 }).on('packet', count(up));
    const fromBroker = mqttPacket.parser({ protocolVersion: 5 }).on('packet', count(down));
    client.on('data', (chunk: Buffer) => {
      broker.write(chunk);
      fromClient.parse(chunk);
    });
    broker.on('data', (chunk: Buffer) => {
      client.write(chunk);
      fromBroker.parse(chunk);
    });
    // Half-close each way as it happens, so the last bytes (DISCONNECT) still reach the broker.
    client.on('end', () => broker.end()).on('error', () => broker.destroy());
    broker.on('end', () => client.end()).on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    up,
    down,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const TOPICS = ['bytes/received', 'bytes/sent', 'messages/received', 'messages/sent', 'publish/messages/received', 'publish/messages/sent'];

/** How much a counter moved between two snapshots, and how much of that was the monitor's own (what it received). */
function moved(before: SysSnapshot, after: SysSnapshot, topic: string): { total: number; monitorBytes: number; monitorPublishes: number; monitorPackets: number } {
  const a = after.values.get(topic);
  const b = before.values.get(topic);
  if (!a || !b) throw new Error(`$SYS/broker/${topic} was not published`);
  return {
    total: a.value - b.value,
    monitorBytes: a.monitorBytesIn - b.monitorBytesIn,
    monitorPublishes: a.monitorPublishesIn - b.monitorPublishesIn,
    monitorPackets: a.monitorPacketsIn - b.monitorPacketsIn,
  };
}

describeWithMosquitto('truth: counts and bytes against mosquitto $SYS counters', () => {
  const broker = useMosquitto({ extraConfig: ['sys_interval 1'] });

  it('sent, delivered, bytes out and bytes in agree with the broker, control traffic accounted for', async () => {
    const m = broker();
    const monitor = await startSysMonitor(m.url, TOPICS.map((t) => `$SYS/broker/${t}`));
    const proxy = await startCountingProxy(m.url);
    const runId = `truthc${Date.now() % 1e8}`;
    const driver = createMqttDriver({ url: proxy.url, mqttVersion: '5.0' }, { runId });
    try {
      const before = await monitor.nextSnapshot();
      // QoS 1 so the acknowledgements are part of the books too; warm-up 0 so every send is counted.
      const s = spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 200, qos: 1, durationMs: 1_500, warmupMs: 0 });
      const r = await runScenario(s, { runId, driver });
      await driver.close();
      // Give the last bytes a moment through the proxy; the next batch is computed after this call.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await monitor.nextSnapshot();
      // The monitor wrote nothing between the snapshots (keep-alive off).
      expect(after.monitorBytesOut).toBe(before.monitorBytesOut);

      expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, duplicated: 0 });
      expect(r.throughput.sent).toBe(300);
      // What the proxy saw of chat messages is what chatbench reports.
      expect(proxy.up.chatPublishes).toBe(r.throughput.sent);
      expect(proxy.down.chatPublishes).toBe(r.delivery.delivered + r.delivery.duplicated);

      // Sent: every PUBLISH the broker received is a chatbench send or counted control traffic.
      const pubIn = moved(before, after, 'publish/messages/received');
      expect(pubIn.total).toBe(r.throughput.sent + proxy.up.otherPublishes);
      // Delivered: every PUBLISH the broker sent is a delivery chatbench counted, counted control
      // traffic, or a $SYS PUBLISH to the monitor.
      const pubOut = moved(before, after, 'publish/messages/sent');
      expect(pubOut.total - pubOut.monitorPublishes).toBe(r.delivery.delivered + r.delivery.duplicated + proxy.down.otherPublishes);
      // All packets, control traffic included.
      expect(moved(before, after, 'messages/received').total).toBe(proxy.up.packets);
      const packetsOut = moved(before, after, 'messages/sent');
      expect(packetsOut.total - packetsOut.monitorPackets).toBe(proxy.down.packets);

      // Bytes: chatbench's wire totals (every phase, handshake to goodbye) are the broker's.
      const bytesIn = moved(before, after, 'bytes/received');
      expect(bytesIn.total).toBe(r.wire.bytesOut);
      const bytesOut = moved(before, after, 'bytes/sent');
      expect(bytesOut.total - bytesOut.monitorBytes).toBe(r.wire.bytesIn);
      // The control traffic is where the result's phases put it: connects and joins in the
      // handshake, goodbyes in close; the steady phase is the messages and their acknowledgements.
      const { handshake, steady, close } = r.wire.phases;
      expect(proxy.up.controlBytes).toBeGreaterThan(0);
      expect(handshake.bytesOut + (close?.bytesOut ?? 0)).toBe(proxy.up.controlBytes);
      expect(handshake.bytesIn + (close?.bytesIn ?? 0)).toBe(proxy.down.controlBytes);
      expect(steady.bytesOut).toBe(bytesIn.total - proxy.up.controlBytes);
      expect(steady.bytesIn).toBe(bytesOut.total - bytesOut.monitorBytes - proxy.down.controlBytes);
    } finally {
      await driver.close();
      await proxy.close();
      await monitor.close();
    }
  }, 30_000);
});
