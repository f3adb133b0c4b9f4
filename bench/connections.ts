/**
 * `npm run bench:connections [-- --connections 50000] [--rate 2000] [--sources K] [--hold 10] [--mqtt-version 3.1.1] [--mqtt-client auto|lean|mqttjs]`
 *
 * Issue 11 item 3: many concurrent MQTT connections from one chatbench process against a local
 * mosquitto (Debian's, started on a free loopback port with `max_connections -1`), through the
 * real run path: a scenario file with `users: N`, a connection ramp (`connect.rate`), source
 * addresses spread over 127.0.0.0/8 (`connect.sourceAddresses`, past one address's ~28,000
 * ports) and an idle phase that holds them all open; the same MQTT drivers chat runs use
 * (`--mqtt-client` as for `chatbench run`: auto picks the lean client when it serves the scenario).
 *
 * Prints the connections reached and how long they were held, the connect rate achieved, the
 * connect-time histogram, chatbench's RSS and heap per connection (after − before ÷ N, after a
 * GC when run with --expose-gc, as the npm script does), mosquitto's RSS, and the command.
 * Both processes need `ulimit -n` above N: the npm script raises it where it may; when it cannot,
 * the bench says so and runs the most connections this machine allows. mosquitto is stopped by
 * its PID at the end, on errors and on Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runScenarios, type EngineEvent } from '../core/engine/index.js';
import type { RunResult } from '../core/result/index.js';
import { parseScenarioText } from '../core/scenario/index.js';
import { openFileLimits } from '../core/scenario/limits.js';
import { openTarget } from '../runners/index.js';
import { startMosquitto, type LocalMosquitto } from '../runners/local/mosquitto.js';
import { waitForQuiet } from './quiet.js';
import { connectionsScenario, kbEach, mb, micros, n, portsPerAddress, rssFromStatus, sizeRun } from './connections-plan.js';

interface Sample { rss: number; heap: number; mosquittoRss: number | undefined }

const gc = (globalThis as { gc?: () => void }).gc;

function sample(mosquittoPid: number | undefined): Sample {
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  let mosquittoRss: number | undefined;
  try {
    mosquittoRss = mosquittoPid === undefined ? undefined : rssFromStatus(readFileSync(`/proc/${mosquittoPid}/status`, 'utf8'));
  } catch {
    mosquittoRss = undefined;
  }
  return { rss, heap: heapUsed, mosquittoRss };
}

/** What the engine's events tell: when each phase began, and the users connected at the last report. */
class Watch {
  readonly phaseAt = new Map<string, number>();
  connected = 0;
  /** Connected when the hold ended (the send phase began), and memory while held. */
  heldAtEnd: number | undefined;
  held: Sample | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly mosquittoPid: number, private readonly holdSeconds: number) {}

  readonly onEvent = (e: EngineEvent): void => {
    if (e.type === 'progress') this.connected = e.connected;
    if (e.type !== 'phase') return;
    this.phaseAt.set(e.phase, performance.now());
    if (e.phase === 'idle') {
      // Memory once the connections settled: half-way through the hold (at most 5 s in).
      this.#timer = setTimeout(() => { this.held = sample(this.mosquittoPid); }, Math.min(5_000, (this.holdSeconds * 1000) / 2));
    }
    if (e.phase === 'send') this.heldAtEnd = this.connected;
  };

  stop(): void {
    clearTimeout(this.#timer);
  }

  seconds(from: string, to: string): number | undefined {
    const a = this.phaseAt.get(from);
    const b = this.phaseAt.get(to);
    return a === undefined || b === undefined ? undefined : (b - a) / 1000;
  }
}

function report(o: { connections: number; rate: number; hold: number; before: Sample; watch: Watch; result: RunResult | undefined; error: unknown }): string[] {
  const { connections, watch, before, result } = o;
  const s = result?.scenarios[0];
  const reached = s?.connections.opened ?? watch.connected;
  const lines: string[] = [];
  const connectSeconds = watch.seconds('connect', 'join');
  const held = watch.heldAtEnd;
  lines.push(`connections reached: ${n(reached)} of ${n(connections)}${held === undefined ? '' : `; held ${o.hold} s (${n(held)} still connected at the end of the hold)`}`);
  if (connectSeconds !== undefined) {
    lines.push(`connect rate: ${n(reached / connectSeconds)}/s (${n(reached)} in ${connectSeconds.toFixed(2)} s; asked ${n(o.rate)}/s)`);
  }
  const t = s?.connections.connectTime;
  if (t) lines.push(`connect time: p50 ${micros(t.p50)}  p90 ${micros(t.p90)}  p99 ${micros(t.p99)}  max ${micros(t.max)}  (${n(t.count)} connections)`);
  const h = watch.held;
  if (h) {
    lines.push(`chatbench RSS: ${mb(before.rss)} before, ${mb(h.rss)} held: ${kbEach(h.rss - before.rss, reached)} per connection${gc ? '' : ' (no --expose-gc: before GC)'}`);
    lines.push(`chatbench heap: ${mb(before.heap)} before, ${mb(h.heap)} held: ${kbEach(h.heap - before.heap, reached)} per connection`);
    if (h.mosquittoRss !== undefined && before.mosquittoRss !== undefined) {
      lines.push(`mosquitto RSS: ${mb(before.mosquittoRss)} before, ${mb(h.mosquittoRss)} held: ${kbEach(h.mosquittoRss - before.mosquittoRss, reached)} per connection`);
    }
  }
  if (result?.aborted) lines.push(`broke: ${result.aborted.message}`);
  if (o.error !== undefined) lines.push(`broke: ${o.error instanceof Error ? o.error.message : String(o.error)} (${n(watch.connected)} connected at the last report)`);
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '50000' },
      rate: { type: 'string', default: '2000' },
      sources: { type: 'string' },
      hold: { type: 'string', default: '10' },
      'mqtt-version': { type: 'string', default: '3.1.1' },
      'mqtt-client': { type: 'string', default: 'auto' },
    },
  });
  const requested = Number(values.connections);
  const rate = Number(values.rate);
  const hold = Number(values.hold);
  const askedSources = values.sources === undefined ? undefined : Number(values.sources);
  const version = values['mqtt-version'];
  const client = values['mqtt-client'];
  if (!Number.isInteger(requested) || requested < 1 || requested > 1_000_000) throw new Error('--connections takes a whole number from 1 to 1,000,000');
  if (!(rate > 0)) throw new Error('--rate takes connects per second, e.g. 2000');
  if (!(hold >= 1 && hold <= 600)) throw new Error('--hold takes seconds, 1 to 600');
  if (askedSources !== undefined && !(Number.isInteger(askedSources) && askedSources >= 1 && askedSources <= 65_536)) throw new Error('--sources takes 1 to 65,536');
  if (version !== '3.1.1' && version !== '5.0') throw new Error('--mqtt-version takes 3.1.1 or 5.0');
  if (!['auto', 'lean', 'mqttjs'].includes(client)) throw new Error('--mqtt-client takes auto, lean or mqttjs');

  const sizing = sizeRun(requested, askedSources, openFileLimits(), portsPerAddress());
  const { connections, sources } = sizing;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`bench:connections: ${n(connections)} MQTT ${version} connections from one chatbench process to a local mosquitto`);
  out(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} RAM, Node ${process.version}; ulimit -n ${openFileLimits()?.soft ?? 'unknown'}`);
  out(`command: npm run bench:connections -- --connections ${requested} --rate ${rate} --sources ${sources} --hold ${hold} --mqtt-version ${version} --mqtt-client ${client}`);
  for (const note of sizing.notes) out(`note: ${note}`);
  if (connections < 1) throw new Error('no connection fits in this process\'s open-file limit');

  const abort = new AbortController();
  let mosquitto: LocalMosquitto | undefined;
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    abort.abort('SIGINT'); // the engine words a signal name as "interrupted by SIGINT"
    // A second Ctrl-C: stop waiting for a graceful end, but never leave mosquitto behind.
    if (interrupts > 1) {
      if (mosquitto) process.kill(mosquitto.process.pid, 'SIGKILL');
      process.exit(130);
    }
  });
  mosquitto = await startMosquitto({ extraConfig: ['max_connections -1'], signal: abort.signal });
  const watch = new Watch(mosquitto.process.pid, hold);
  let result: RunResult | undefined;
  let error: unknown;
  let before: Sample = sample(mosquitto.process.pid);
  try {
    out(`mosquitto ${mosquitto.version} on ${mosquitto.url} (PID ${mosquitto.process.pid}); sources 127.0.0.1 … (${sources}); connect rate ${n(rate)}/s`);
    const yaml = connectionsScenario({ connections, rate, sources, holdSeconds: hold, timeoutSeconds: 30 });
    const file = parseScenarioText(yaml, 'bench:connections', { target: mosquitto.url, targetFields: { mqttVersion: version } });
    // A shared machine: wait (bounded) for the rest of it to quieten, and say how busy it was.
    const busy = await waitForQuiet({ maxBusy: 0.15, maxWaitMs: 15_000, signal: abort.signal });
    if (busy !== null) out(`machine ${Math.round(busy * 100)}% busy just before the run (other work on the same cores slows connects)`);
    const target = await openTarget(file.target, { client });
    try {
      before = sample(mosquitto.process.pid);
      result = await runScenarios({ scenarioFile: file, target, toolVersion: 'bench', signal: abort.signal, onEvent: watch.onEvent });
    } catch (err) {
      error = err;
    } finally {
      watch.stop();
      out(`client: ${target.info.mapping?.['client'] ?? client}`);
      await target.close();
    }
  } finally {
    await mosquitto.process.stop();
  }
  for (const line of report({ connections, rate, hold, before, watch, result, error })) out(line);
  if (error !== undefined || result?.aborted) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:connections: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
