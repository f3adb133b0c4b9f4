/**
 * `npm run bench:cpu [-- --target mqtt://127.0.0.1:1883] [--seconds 3] [--rates 10,100,1000,5000]`:
 * does chatbench's CPU grow with the messages it sends, or with wall time?
 *
 * One pair of users (u0 <-> u1, QoS 1, 128 B) on the embedded broker, and on --target too when
 * given, at each rate for a few seconds, paced two ways in the same run with the same per-message
 * work (header encode + stamp, schedule-lag record, send; receive + header decode):
 *
 *   precise pacer core/engine/pacer.ts as chatbench runs it: a timing thread wakes it at the due
 *                 time (wake.ts), every due send fired per wake-up
 *   timer pacer   the same pacer with `wake: 'timer'`: Node's timers alone (whole milliseconds)
 *   busy-wait     the wait loop chatbench had before issue 5, copied below as the reference peer
 *   idle pair     the pair connected and nothing sent: what the process costs per second anyway
 *
 * It prints process CPU time (process.cpuUsage: user + system, the embedded broker's included)
 * per message and per second of wall time, and schedule lag (how late each send left against its
 * intended time) p50/p99; and last, the machine's own wake-up lateness from a plain OS sleep
 * (bench/wake-floor.ts), the floor under any pacer that sleeps. Figures from a machine shared with other busy processes are noisy:
 * read the strategies at one rate against each other. Bounded: 3 strategies × rates ×
 * seconds of loopback traffic per target, plus one idle row per target.
 */
import { parseArgs } from 'node:util';
import { nowMicros } from '../core/clock.js';
import type { ChatSession, TargetHandle } from '../core/driver.js';
import { pace } from '../core/engine/pacer.js';
import { holdPreciseWake } from '../core/engine/wake.js';
import type { PaceOptions } from '../core/engine/pacer.js';
import { createLatencyHistogram, decodeHeader, encodeMessage, recordMicros, runTag, stampActualSendTime, summarise } from '../core/metrics/index.js';
import { openTarget, targetFromUrl } from '../runners/index.js';
import { measureWakeFloor, wakeFloorLine } from './wake-floor.js';

const PAYLOAD = 128;

type Strategy = 'precise pacer' | 'timer pacer' | 'busy-wait (old)' | 'idle pair';
const STRATEGIES: Record<Strategy, (options: PaceOptions) => Promise<number>> = {
  'precise pacer': pace,
  'timer pacer': (options) => pace({ ...options, wake: 'timer' }),
  'busy-wait (old)': busyWaitPace,
  'idle pair': idle,
};
const PACED = ['precise pacer', 'timer pacer', 'busy-wait (old)'] as const;

/** The baseline: the pair connected, nothing sent for as long as the sends would take. */
async function idle({ startMicros, ratePerSecond, count }: PaceOptions): Promise<number> {
  const endMicros = startMicros + (count / ratePerSecond) * 1e6;
  await new Promise((resolve) => setTimeout(resolve, (endMicros - nowMicros()) / 1000));
  return 0;
}

interface Row {
  target: string;
  strategy: Strategy;
  rate: number;
  sent: number;
  delivered: number;
  wallSeconds: number;
  cpuSeconds: number;
  lagP50: number | null;
  lagP99: number | null;
}

/**
 * BENCHMARK REFERENCE ONLY, not used by chatbench: the pacer's wait loop before issue 5, kept so
 * its cost can be measured beside the timer pacer in the same run. Waits under 1.5 ms spin on
 * setImmediate, so its CPU grows with wall time.
 */
async function busyWaitPace({ startMicros, ratePerSecond, count, fire }: PaceOptions): Promise<number> {
  const intervalMicros = 1_000_000 / ratePerSecond;
  let index = 0;
  while (index < count) {
    const now = nowMicros();
    while (index < count && startMicros + index * intervalMicros <= now) {
      fire(index, Math.round(startMicros + index * intervalMicros));
      index++;
    }
    if (index >= count) break;
    const waitMicros = startMicros + index * intervalMicros - nowMicros();
    await new Promise<void>((resolve) => {
      if (waitMicros >= 1500) setTimeout(resolve, Math.floor(waitMicros / 1000) - 1);
      else setImmediate(resolve);
    });
  }
  return index;
}

async function measure(handle: TargetHandle, label: string, strategy: Strategy, rate: number, seconds: number): Promise<Row> {
  const runId = `cpu${Math.random().toString(36).slice(2, 8)}`;
  const tag = runTag(runId);
  const driver = handle.createDriver(runId);
  let delivered = 0;
  const onMessage = ({ payload }: { payload: Uint8Array }) => {
    if (decodeHeader(payload, tag) !== null) delivered++;
  };
  try {
    const users = ['u0', 'u1'] as const;
    const sessions = await Promise.all(users.map((user) => driver.connect({ user, directLevel: 1, onMessage, timeoutMs: 10_000 })));
    const lag = createLatencyHistogram();
    const count = Math.max(1, Math.round(rate * seconds));
    const fire = (index: number, intended: number) => {
      const side = index % 2; // u0 and u1 take turns: each side's seq is index / 2
      const payload = encodeMessage({ runTag: tag, streamId: side, seq: index >> 1, intendedSendMicros: intended, actualSendMicros: 0 }, PAYLOAD);
      const actual = nowMicros();
      stampActualSendTime(payload, actual);
      recordMicros(lag, actual - intended);
      (sessions[side] as ChatSession).sendToUser(users[1 - side] as string, payload, 1).catch(() => undefined);
    };
    const startMicros = nowMicros() + 5_000;
    const cpuBefore = process.cpuUsage();
    const sent = await STRATEGIES[strategy]({ startMicros, ratePerSecond: rate, count, fire });
    const cpu = process.cpuUsage(cpuBefore);
    const wallSeconds = (nowMicros() - startMicros) / 1e6;
    // Let the pair drain (bounded) so this run's tail does not land in the next run's CPU.
    const until = nowMicros() + 5_000_000;
    while (delivered < sent && nowMicros() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(sessions.map((s) => s.disconnect('graceful')));
    const { p50, p99 } = summarise(lag);
    return { target: label, strategy, rate, sent, delivered, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, lagP50: p50, lagP99: p99 };
  } finally {
    await driver.close();
  }
}

function print(rows: readonly Row[]): void {
  const head = ['target', 'strategy', 'rate/s', 'sent', 'delivered', 'CPU s', 'CPU µs/msg', 'CPU ms/s wall', 'lag p50 µs', 'lag p99 µs'];
  const widths = [16, 17, 7, 7, 10, 7, 11, 14, 11, 11];
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' ');
  console.log(line(head));
  for (const r of rows) {
    const perSecond = r.cpuSeconds / r.wallSeconds;
    console.log(line([
      r.target, r.strategy, r.sent === 0 ? '0' : String(r.rate), String(r.sent), String(r.delivered), r.cpuSeconds.toFixed(3),
      r.sent === 0 ? '-' : ((r.cpuSeconds / r.sent) * 1e6).toFixed(1), (perSecond * 1e3).toFixed(1),
      r.sent === 0 ? '-' : String(r.lagP50 ?? '-'), r.sent === 0 ? '-' : String(r.lagP99 ?? '-'),
    ]));
  }
  console.log('\nA core is 1000 ms/s. The idle pair is what the process costs per second with nothing to send; the');
  console.log('strategies at one rate do the same per-message work, so their difference is what the waiting costs.');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string' }, seconds: { type: 'string', default: '3' }, rates: { type: 'string', default: '10,100,1000,5000' } } });
  const seconds = Number(values.seconds);
  const rates = values.rates.split(',').map(Number);
  if (!(seconds > 0) || rates.some((r) => !(r > 0))) throw new Error('--seconds and --rates take positive numbers');
  const targets: Array<[string, () => Promise<TargetHandle>]> = [['embedded', () => openTarget(null)]];
  if (values.target !== undefined) {
    const url = values.target;
    targets.push([new URL(url).host, () => openTarget(targetFromUrl(url, { mqttVersion: '3.1.1' }))]);
  }
  console.log(`pacer CPU: one pair, QoS 1, ${PAYLOAD} B, ${seconds} s per row, Node ${process.version}\n`);
  // The timing thread starts with a scenario's pacer and stops after it; here one start serves
  // every row (its start-up, a new V8 isolate, is a one-off cost per scenario, printed apart).
  const cpuBefore = process.cpuUsage();
  const timing = holdPreciseWake();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const startCpu = process.cpuUsage(cpuBefore);
  const rows: Row[] = [];
  try {
    for (const [label, open] of targets) rows.push(...(await measureTarget(label, open, rates, seconds)));
  } finally {
    timing.release();
  }
  print(rows);
  console.log(`Timing thread start-up (once per scenario): ${((startCpu.user + startCpu.system) / 1e3).toFixed(1)} ms CPU, the first 500 ms of a process included.`);
  console.log(wakeFloorLine(measureWakeFloor(3_000, 1_000)));
}

async function measureTarget(label: string, open: () => Promise<TargetHandle>, rates: readonly number[], seconds: number): Promise<Row[]> {
  const rows: Row[] = [];
  const handle = await open();
  try {
    await measure(handle, label, 'precise pacer', 1_000, 1); // warm-up (JIT, broker caches): not printed
    rows.push(await measure(handle, label, 'idle pair', 1, seconds));
    for (const rate of rates) for (const strategy of PACED) rows.push(await measure(handle, label, strategy, rate, seconds));
  } finally {
    await handle.close();
  }
  return rows;
}

await main();
