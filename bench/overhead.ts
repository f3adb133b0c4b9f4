/**
 * `npm run bench:overhead [-- --target mqtt://127.0.0.1:1883]`: does chatbench measure
 * itself? The same workload is measured three ways in one run, against one broker (the
 * embedded one unless --target names another):
 *
 *   chatbench      the engine: 1 direct pair writing to each other, QoS 1, 128 B
 *   bare MQTT.js   two plain MQTT.js clients doing the same, Nagle off, send time in the
 *                  payload, raw samples sorted at the end
 *   MQTT.js Nagle  the same with MQTT.js defaults (Nagle on)
 *
 * It prints service time (receive − actual send) p50/p99 for each and the ratios to the
 * bare peer. Bounded: 3 × ~4 s of traffic to 127.0.0.1.
 */
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { nowMicros } from '../core/clock.js';
import { runScenario } from '../core/engine/index.js';
import { pace } from '../core/engine/pacer.js';
import type { ScenarioSpec } from '../core/scenario/types.js';
import { openTarget, targetFromUrl } from '../runners/index.js';

const RATE = 2000;
const DURATION_MS = 4000;
const PAYLOAD = 128;

interface Figures { label: string; p50: number; p99: number; count: number }

const spec: ScenarioSpec = {
  name: 'overhead', description: '', users: 2, rooms: { count: 0, members: 0 }, directPairs: 1,
  rate: RATE, payloadBytes: PAYLOAD, qos: 1, durationMs: DURATION_MS, messages: null, warmupMs: 500, drainMs: 2000,
  drainMaxMs: 60_000, stallTimeoutMs: 5_000, connect: { concurrency: 2, timeoutMs: 5000 }, thresholds: [],
};

async function chatbench(url: string | undefined): Promise<Figures> {
  const target = await openTarget(url ? targetFromUrl(url, { mqttVersion: '3.1.1' }) : null);
  try {
    const driver = target.createDriver('bench0');
    const r = await runScenario(spec, { runId: 'bench0', driver });
    await driver.close();
    // Nothing is censored on a healthy loopback run; a null (censored) percentile reads as NaN here.
    return { label: 'chatbench', p50: r.serviceTime.p50 ?? Number.NaN, p99: r.serviceTime.p99 ?? Number.NaN, count: r.serviceTime.count };
  } finally {
    await target.close();
  }
}

/** Two plain MQTT.js clients writing to each other on the same schedule. */
async function bare(url: string, noDelay: boolean): Promise<Figures> {
  const clients = await Promise.all(['a', 'b'].map((id) => mqtt.connectAsync(url, { clientId: `bench-${id}-${noDelay ? 'nd' : 'ng'}`, protocolVersion: 4, reconnectPeriod: 0 })));
  const [a, b] = clients as [mqtt.MqttClient, mqtt.MqttClient];
  if (noDelay) for (const c of clients) (c.stream as unknown as Socket).setNoDelay?.(true);
  const samples: number[] = [];
  const warmupEnd = nowMicros() + spec.warmupMs * 1000;
  for (const c of clients) {
    c.on('message', (_topic, payload) => {
      const now = nowMicros();
      const sent = payload.readDoubleBE(0);
      if (sent >= warmupEnd) samples.push(now - sent);
    });
  }
  await a.subscribeAsync('bench/a', { qos: 1 });
  await b.subscribeAsync('bench/b', { qos: 1 });
  const count = Math.floor((RATE * DURATION_MS) / 1000);
  await pace({
    startMicros: nowMicros() + 1000, ratePerSecond: RATE, count,
    fire: (i) => {
      const payload = Buffer.alloc(PAYLOAD);
      payload.writeDoubleBE(nowMicros(), 0);
      (i % 2 === 0 ? a : b).publish(i % 2 === 0 ? 'bench/b' : 'bench/a', payload, { qos: 1 });
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.all(clients.map((c) => c.endAsync()));
  samples.sort((x, y) => x - y);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { label: noDelay ? 'bare MQTT.js' : 'MQTT.js Nagle', p50: at(0.5), p99: at(0.99), count: samples.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string' } } });
  const embedded = values.target === undefined ? await openTarget(null) : null;
  const url = values.target ?? embedded?.info.url ?? '';
  try {
    const rows = [await chatbench(values.target ?? url), await bare(url, true), await bare(url, false)];
    const peer = rows[1] as Figures;
    console.log(`chatbench overhead: ${RATE} msg/s, QoS 1, ${PAYLOAD} B, ${DURATION_MS / 1000} s against ${url}${embedded ? ' (embedded)' : ''}\n`);
    console.log(`${'client'.padEnd(16)}${'p50 µs'.padStart(10)}${'p99 µs'.padStart(10)}${'count'.padStart(8)}   p50 / bare   p99 / bare`);
    for (const r of rows) {
      console.log(`${r.label.padEnd(16)}${String(Math.round(r.p50)).padStart(10)}${String(Math.round(r.p99)).padStart(10)}${String(r.count).padStart(8)}   ${(r.p50 / peer.p50).toFixed(2).padStart(10)}   ${(r.p99 / peer.p99).toFixed(2).padStart(10)}`);
    }
  } finally {
    await embedded?.close();
  }
}

await main();
