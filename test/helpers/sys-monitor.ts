/**
 * Reads mosquitto's own `$SYS/broker/...` counters (the broker needs `sys_interval 1`) with a
 * separate raw MQTT 3.1.1 client that counts its own traffic exactly, so a test can take the
 * monitor's share back out of the broker's totals.
 *
 * mosquitto publishes the $SYS tree in a batch every interval or so (2.0.11: every other
 * second with `sys_interval 1`), only the topics whose value changed, one after the other —
 * and it writes each PUBLISH as it queues it, so a value computed later in the batch already
 * counts the batch's earlier packets to the monitor (seen: `bytes/sent` counts the `uptime`
 * PUBLISH before it). So each value is paired with the monitor's own byte and PUBLISH counts
 * just before that value's packet arrived: exactly what the broker had sent the monitor when
 * it computed the value.
 *
 *   const mon = await startSysMonitor(m.url);
 *   const before = await mon.nextSnapshot();
 *   ... traffic ...
 *   const after = await mon.nextSnapshot();
 *   await mon.close();
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

/** One counter as last published, with the monitor's own counts when its packet arrived. */
export interface SysValue {
  value: number;
  /** Bytes the monitor had received before this packet (what the broker had sent it). */
  monitorBytesIn: number;
  /** PUBLISH packets the monitor had received before this packet. */
  monitorPublishesIn: number;
  /** Every packet the monitor had received before this packet. */
  monitorPacketsIn: number;
}

export interface SysSnapshot {
  /** Topic (after `$SYS/broker/`) -> its latest value, after a complete live batch. */
  values: ReadonlyMap<string, SysValue>;
  /** Bytes the monitor has written in all (CONNECT, SUBSCRIBE, nothing after: keep-alive is off). */
  monitorBytesOut: number;
}

export interface SysMonitor {
  /** Resolves with the first complete live batch that begins after this call. */
  nextSnapshot(): Promise<SysSnapshot>;
  close(): Promise<void>;
}

/** Batches are one per second, a few ms long: a PUBLISH this long after the last one begins a new batch. */
const BATCH_GAP_MS = 300;
/** A batch is complete when nothing more came for this long. */
const BATCH_END_MS = 150;

export async function startSysMonitor(brokerUrl: string, topics: readonly string[]): Promise<SysMonitor> {
  const url = new URL(brokerUrl);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));

  let bytesIn = 0;
  let bytesOut = 0;
  let publishesIn = 0;
  let packetsIn = 0;
  let pending = Buffer.alloc(0);
  const values = new Map<string, SysValue>();
  let lastPublishAt = 0;
  let batch: { live: boolean } | undefined;
  let endTimer: NodeJS.Timeout | undefined;
  let waiters: ((s: SysSnapshot) => void)[] = [];
  let subscribed: () => void = () => undefined;
  const subacked = new Promise<void>((resolve) => {
    subscribed = resolve;
  });

  const write = (b: Buffer): void => {
    bytesOut += b.length;
    socket.write(b);
  };

  const finishBatch = (): void => {
    const b = batch;
    batch = undefined;
    if (!b?.live) return;
    const snapshot: SysSnapshot = { values: new Map(values), monitorBytesOut: bytesOut };
    const ready = waiters;
    waiters = [];
    for (const w of ready) w(snapshot);
  };

  // Frame packets ourselves (fixed header + remaining length) so every packet's byte offset in
  // the stream is known.
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let i = 1;
      for (; i < pending.length; i++) {
        const byte = pending[i] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
      }
      if (i >= pending.length) return;
      const total = i + 1 + length;
      if (pending.length < total) return;
      const packet = pending.subarray(0, total);
      pending = pending.subarray(total);
      const type = (packet[0] as number) >> 4;
      if (type === 9) subscribed();
      if (type === 3) {
        const now = Date.now();
        if (batch === undefined || now - lastPublishAt > BATCH_GAP_MS) {
          finishBatch();
          // 3.1.1: RETAIN is bit 0 of the fixed header; retained copies come right after SUBSCRIBE, not from a live batch.
          batch = { live: ((packet[0] as number) & 0x01) === 0 };
        }
        lastPublishAt = now;
        const body = packet.subarray(i + 1);
        const topicLength = body.readUInt16BE(0);
        const topic = body.subarray(2, 2 + topicLength).toString('utf8');
        // QoS 0 (we subscribe at 0): no packet identifier, the rest is the payload.
        const value = Number.parseFloat(body.subarray(2 + topicLength).toString('utf8'));
        values.set(topic.replace(/^\$SYS\/broker\//, ''), { value, monitorBytesIn: bytesIn, monitorPublishesIn: publishesIn, monitorPacketsIn: packetsIn });
        publishesIn++;
        clearTimeout(endTimer);
        endTimer = setTimeout(finishBatch, BATCH_END_MS);
      }
      bytesIn += total;
      packetsIn++;
    }
  });

  write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `sysmon${process.pid}${Date.now() % 1e6}`, keepalive: 0 }));
  write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: topics.map((topic) => ({ topic, qos: 0 })) }));
  await subacked;

  return {
    nextSnapshot: () =>
      new Promise<SysSnapshot>((resolve, reject) => {
        // Skip a batch already under way: its values may predate the call.
        let skip = batch !== undefined;
        const timeout = setTimeout(() => reject(new Error('no $SYS batch within 5 s: is sys_interval set?')), 5_000);
        const wait = (s: SysSnapshot): void => {
          if (skip) {
            skip = false;
            waiters.push(wait);
            return;
          }
          clearTimeout(timeout);
          resolve(s);
        };
        waiters.push(wait);
      }),
    close: async () => {
      clearTimeout(endTimer);
      await new Promise<void>((resolve) => {
        socket.end(mqttPacket.generate({ cmd: 'disconnect' }), () => resolve());
      });
      socket.destroy();
    },
  };
}
