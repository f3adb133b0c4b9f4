/**
 * Plain MQTT.js's figure for one workload: mqttjs-peer.ts in a child process (its own CPU, its
 * own event loop, as chatbench's is), delivered throughput = received ÷ receipt span.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeerResult } from './figures.js';
import type { MqttjsPeerArgs, MqttjsPeerReport } from './mqttjs-peer.js';
import { shellLine } from './processes.js';
import { PAYLOAD_BYTES, peerTopic, type Workload } from './workloads.js';

const SCRIPT = fileURLToPath(new URL('./mqttjs-peer.js', import.meta.url));
/** The child's whole run, bounded: a stalled broker ends it with what it got. */
const MAX_RUN_MS = 300_000;

/** The child's report line, or null when it is not one. */
export function parseMqttjsReport(stdout: string): MqttjsPeerReport | null {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as Partial<MqttjsPeerReport>;
      if (typeof v.received === 'number' && typeof v.spanMs === 'number' && typeof v.cpuSeconds === 'number') return { received: v.received, spanMs: v.spanMs, cpuSeconds: v.cpuSeconds };
    } catch {
      // not the report
    }
  }
  return null;
}

export async function runMqttjs(w: Workload, url: string, messages: number, signal: AbortSignal): Promise<PeerResult> {
  const perPublisher = Math.max(1, Math.floor(messages / w.publishers));
  const expected = perPublisher * w.publishers;
  const args: MqttjsPeerArgs = { url, topic: peerTopic(w), qos: w.qos, publishers: w.publishers, perPublisher, payloadBytes: PAYLOAD_BYTES };
  const command = shellLine(['node', 'dist/bench/peers/mqttjs-peer.js', JSON.stringify(args)]);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'], signal, timeout: MAX_RUN_MS });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('error', (e) => resolve({ code: null, stdout: out, stderr: `${err}${e.message}` }));
    child.once('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const report = parseMqttjsReport(stdout);
  if (code !== 0 || report === null) return { kind: 'unavailable', reason: `the MQTT.js peer failed (exit ${code}): ${stderr.trim().slice(-300)}`, command };
  if (report.received < 2 || !(report.spanMs > 0)) return { kind: 'unavailable', reason: `the MQTT.js subscriber received ${report.received} of ${expected}: no rate`, command };
  const missing = expected - report.received;
  return {
    kind: 'measured',
    figure: { deliveredPerSecond: report.received / (report.spanMs / 1000), cpuPerMessage: report.cpuSeconds / report.received },
    delivered: report.received,
    expected,
    command,
    ...(missing > 0 ? { note: `${missing} of ${expected} never reached the subscriber` } : {}),
  };
}
