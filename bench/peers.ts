/**
 * `npm run bench:peers [-- --workloads fan-in-qos0,...] [--messages N] [--seconds S]
 *  [--peers c-clients,mqttjs,tsung|none] [--mqtt-client lean|mqttjs] [--long [--minutes M] [--rate R]]`
 *
 * Issue 11 items 1–2: chatbench against the reference load tools, side by side on one local
 * mosquitto with the same settings for all (bench/peers/broker.ts). Per workload (fan-in of 8
 * publishers and a pair, QoS 0 and 1, 64-byte messages): chatbench's highest delivered rate with
 * schedule-lag p99 under 1 ms and nothing lost (the bench:ceiling search, through the normal run
 * path), and each peer's delivered throughput flat out — the `mosquitto_pub -l`/`mosquitto_sub`
 * C clients, a plain MQTT.js pair, Tsung where installed — each with the command that reproduces
 * it, the `ratio chatbench/<peer> <workload>: <number>` lines and a summary of the goals.
 * `--long` instead runs one workload at a constant rate and checks that RSS stays flat.
 *
 * The report goes to stdout, progress to stderr. The machine should be quiet: each chatbench
 * step waits (bounded) for it, as bench:ceiling does.
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { StartedServer } from '../runners/local/index.js';
import { brokerPort, BROKER_SETTINGS, startBroker } from './peers/broker.js';
import { runCClients } from './peers/c-clients.js';
import { chatbenchCeiling, PEERS_SEARCH } from './peers/chatbench-side.js';
import { PEER_NAMES, type PeerName, type PeerResult } from './peers/figures.js';
import { rssLines, runLong } from './peers/long.js';
import { runMqttjs } from './peers/mqttjs.js';
import { summaryLines, workloadLines, type WorkloadResult } from './peers/report.js';
import { runTsung } from './peers/tsung.js';
import { pickWorkloads, slug, WORKLOADS, type Workload } from './peers/workloads.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function pickPeers(list: string | undefined): PeerName[] {
  if (list === undefined || list.trim() === '') return [...PEER_NAMES];
  if (list.trim() === 'none') return [];
  const wanted = list.split(',').map((s) => s.trim());
  const unknown = wanted.filter((p) => !(PEER_NAMES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`unknown peer ${unknown.join(', ')}: choose from ${PEER_NAMES.join(', ')}`);
  return PEER_NAMES.filter((p) => wanted.includes(p));
}

interface Settings {
  messages: number;
  seconds: number;
  peers: PeerName[];
  /** `--mqtt-client`, passed to the runner as `chatbench run --mqtt-client` passes it (it checks the value). */
  client: string | undefined;
  argv: string;
}

async function measure(w: Workload, server: StartedServer, s: Settings, signal: AbortSignal): Promise<WorkloadResult> {
  const port = brokerPort(server);
  log(`\n${w.name}: chatbench's ceiling`);
  const ceiling = await chatbenchCeiling({ workload: w, server, ...(s.client === undefined ? {} : { client: s.client }), seconds: s.seconds, search: PEERS_SEARCH, signal, log });
  const u = ceiling.under;
  const ran = `${ceiling.client === null ? '' : `, ${ceiling.client} client`}, pacing: poll`;
  const detail = u === null
    ? `${ceiling.steps} steps, first over: ${ceiling.over?.limits.join(', ') ?? 'none'}${ran}`
    : `offered ${Math.round(u.rate).toLocaleString('en-US')}/s, lag p99 ${u.lagP99Micros ?? '-'} µs, lost ${u.lost}, undelivered ${u.undelivered}; next step over: ${ceiling.over?.limits.join(', ') ?? 'none tried'}${ran}`;
  const peers: Partial<Record<PeerName, PeerResult>> = {};
  for (const peer of s.peers) {
    if (signal.aborted) break;
    log(`${w.name}: ${peer}`);
    if (peer === 'c-clients') peers[peer] = await runCClients({ workload: w, host: '127.0.0.1', port, messages: s.messages, signal, brokerLog: () => server.log() });
    else if (peer === 'mqttjs') peers[peer] = await runMqttjs(w, server.url, s.messages, signal);
    else peers[peer] = await runTsung(w, port, s.messages, signal);
  }
  return { workload: w, chatbench: { figure: ceiling.figure, detail, command: `npm run bench:peers -- --workloads ${slug(w)} --peers none${s.argv}` }, peers };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workloads: { type: 'string' },
      peers: { type: 'string' },
      messages: { type: 'string', default: '200000' },
      seconds: { type: 'string', default: '3' },
      'mqtt-client': { type: 'string' },
      long: { type: 'boolean', default: false },
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '5000' },
    },
  });
  const messages = Number(values.messages);
  const seconds = Number(values.seconds);
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  if (!(Number.isInteger(messages) && messages >= 1000 && messages <= 10_000_000)) throw new Error('--messages takes 1000 to 10,000,000');
  if (!(seconds > 0 && seconds <= 30)) throw new Error('--seconds takes 0 < s <= 30');
  if (!(minutes > 0 && minutes <= 120) || !(rate > 0)) throw new Error('--minutes takes 0 < m <= 120, --rate a positive rate');
  const client = values['mqtt-client'];
  const argv = values['mqtt-client'] === undefined ? '' : ` --mqtt-client ${values['mqtt-client']}`;
  const workloads = pickWorkloads(values.workloads);
  const peers = pickPeers(values.peers);

  const abort = new AbortController();
  const stop = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const server = await startBroker(abort.signal);
  try {
    const head = `bench:peers on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), node ${process.version}, mosquitto ${server.version} on ${server.url} (fixtures/mosquitto/chatbench.conf + ${BROKER_SETTINGS.join(', ')}), 64-byte messages`;
    if (values.long) {
      const w = workloads.length === WORKLOADS.length ? WORKLOADS[0] as Workload : workloads[0] as Workload;
      log(`${head}\n${w.name} at ${rate}/s for ${minutes} min`);
      const run = await runLong({ workload: w, server, ...(client === undefined ? {} : { client }), rate, minutes, signal: abort.signal, log });
      const command = `npm run bench:peers -- --long --workloads ${slug(w)} --rate ${rate} --minutes ${minutes}${argv}`;
      process.stdout.write(`${[head, `${w.name} at ${rate}/s for ${minutes} min: lost ${run.lost}, undelivered ${run.undelivered}, lag p99 ${run.lagP99 ?? '-'} µs`, ...rssLines(run.samples, command)].join('\n')}\n`);
      return;
    }
    const settings: Settings = { messages, seconds, peers, client, argv };
    const results: WorkloadResult[] = [];
    for (const w of workloads) {
      if (abort.signal.aborted) break;
      results.push(await measure(w, server, settings, abort.signal));
    }
    const lines = [head, `peers send ${messages.toLocaleString('en-US')} messages per workload; chatbench searches ${seconds} s steps`, ''];
    for (const r of results) lines.push(...workloadLines(r), '');
    lines.push(...summaryLines(results));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:peers: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
