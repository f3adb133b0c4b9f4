/**
 * `npm run bench:checkpoint`: do checkpoints perturb the send schedule? The same scenario —
 * 2,000 msg/s, QoS 1, one room of 4 on the embedded broker — runs twice in one process: once
 * writing a checkpoint of the result every 100 ms through the CLI's own writer (cli/checkpoints.ts,
 * as `chatbench run --json` does), once without. It prints, for both, the schedule lag (how late
 * each send left against its intended time: chatbench's own delay) p50/p99/max, the event-loop
 * blocks while sending (perf_hooks monitorEventLoopDelay, enabled over the window the lag is
 * measured in: from the end of the warm-up, when the JIT has settled, to the drain; connecting
 * and the final result, which is encoded on the main thread once the sends are over, are not on
 * the send path) and the checkpoints written.
 *
 * The loop figures count any delay of the main thread, the operating system's too: on a machine
 * shared with other busy processes they are noisy. So it also times, on the histograms and
 * result that run measured, the main thread's own share of one checkpoint: before issue 5 the
 * three summaries (each one event-loop turn) and the JSON text; now the copies of the bucket
 * counts and the hand-over of the running scenario to the workers (structured clone).
 * Bounded: 2 × ~6 s of loopback traffic, then a few hundred ms of timing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Checkpoints } from '../cli/checkpoints.js';
import type { Output } from '../cli/output.js';
import { runScenarios, type EngineEvent } from '../core/engine/index.js';
import { decodeHistogram, snapshotHistogram, summarise, type LatencyHistogram } from '../core/metrics/index.js';
import type { RunResult } from '../core/result/index.js';
import { renderJson } from '../reports/index.js';
import type { ScenarioSpec } from '../core/scenario/types.js';
import { openTarget } from '../runners/index.js';

const RATE = 2_000;
const DURATION_MS = 6_000;
const CHECKPOINT_EVERY_MS = 100;

const spec: ScenarioSpec = {
  name: 'checkpoint-lag', description: '', users: 4, rooms: { count: 1, members: 4 }, directPairs: 0,
  rate: RATE, payloadBytes: 128, qos: 1, durationMs: DURATION_MS, messages: null, warmupMs: 1_000,
  drainMs: 2_000, drainMaxMs: 60_000, stallTimeoutMs: 5_000, connect: { concurrency: 4, timeoutMs: 5_000 }, thresholds: [],
};

/** The checkpoint writer's warnings go to stderr; nothing else is printed through it. */
const output: Output = {
  out: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(`${line}\n`),
  errRaw: (text) => process.stderr.write(text),
  color: false,
  interactive: false,
  columns: undefined,
};

interface Row {
  label: string;
  lagP50: number | null;
  lagP99: number | null;
  lagMax: number | null;
  /** Event-loop delay while sending, ms: p99 and the longest block. */
  loopP99Ms: number;
  loopMaxMs: number;
  checkpoints: number;
  result: RunResult;
}

async function measure(label: string, checkpointFile: string | undefined): Promise<Row> {
  const target = await openTarget(null);
  const checkpoints = checkpointFile === undefined ? undefined : new Checkpoints(checkpointFile, output);
  await checkpoints?.ready(); // as `chatbench run` does before the first scenario
  const loop = monitorEventLoopDelay({ resolution: 1 });
  // The send path after the warm-up, until the drain (or the end, if there is nothing to drain).
  let warm: NodeJS.Timeout | undefined;
  const onEvent = (e: EngineEvent): void => {
    if (e.type !== 'phase') return;
    clearTimeout(warm);
    if (e.phase === 'send') warm = setTimeout(() => loop.enable(), spec.warmupMs);
    else loop.disable();
  };
  try {
    const result = await runScenarios({
      scenarioFile: { file: 'bench', target: null, scenarios: [spec] },
      target,
      toolVersion: 'bench',
      onEvent,
      ...(checkpoints === undefined ? {} : { onCheckpoint: (partial) => checkpoints.write(partial), checkpointEveryMs: CHECKPOINT_EVERY_MS }),
    });
    loop.disable();
    await checkpoints?.close();
    const lag = result.scenarios[0]?.scheduleLag;
    return {
      label,
      lagP50: lag?.p50 ?? null,
      lagP99: lag?.p99 ?? null,
      lagMax: lag?.max ?? null,
      // monitorEventLoopDelay reports ns; its resolution (1 ms) is added to every sample.
      loopP99Ms: loop.percentile(99) / 1e6,
      loopMaxMs: loop.max / 1e6,
      checkpoints: checkpoints?.written ?? 0,
      result,
    };
  } finally {
    await target.close();
  }
}

/** The shortest of `reps` timings of `work`, ms: the cost without the noise of a shared machine. */
function fastest(reps: number, work: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** The main thread's share of one checkpoint of `result`, before issue 5 and now, ms. */
function mainThreadShare(result: RunResult): Array<[string, number]> {
  const scenario = result.scenarios[0];
  if (scenario === undefined) return [];
  const histograms: LatencyHistogram[] = [scenario.latency, scenario.serviceTime, scenario.scheduleLag].map((s) => decodeHistogram(s.hdr));
  const REPS = 30;
  return [
    ['before: longest summary + encoding (one turn)', Math.max(...histograms.map((h) => fastest(REPS, () => summarise(h))))],
    ['before: JSON text of the checkpoint', fastest(REPS, () => renderJson(result))],
    ['now: copy of the three histograms\' counts', fastest(REPS, () => histograms.map(snapshotHistogram))],
    ['now: hand-over of the running scenario', fastest(REPS, () => structuredClone({ ...result, scenarios: [] }) && structuredClone(scenario))],
  ];
}

const us = (v: number | null): string => (v === null ? 'n/a' : `${(v / 1000).toFixed(3)} ms`);
const ms = (v: number): string => `${v.toFixed(2)} ms`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbench-bench-'));
  try {
    // Without first: the JIT is as warm for the second run as it can be for the first.
    const without = await measure('no checkpoints', undefined);
    const withCheckpoints = await measure(`checkpoint every ${CHECKPOINT_EVERY_MS} ms`, join(dir, 'result.json'));
    console.log(`schedule lag at ${RATE.toLocaleString('en-US')} msg/s, ${DURATION_MS / 1000} s, embedded broker; event loop while sending (1 ms resolution)`);
    console.log('run                          lag p50      lag p99      lag max      loop p99   loop max   checkpoints');
    for (const r of [without, withCheckpoints]) {
      console.log(`${r.label.padEnd(28)} ${us(r.lagP50).padEnd(12)} ${us(r.lagP99).padEnd(12)} ${us(r.lagMax).padEnd(12)} ${ms(r.loopP99Ms).padEnd(10)} ${ms(r.loopMaxMs).padEnd(10)} ${r.checkpoints}`);
    }
    console.log('\nmain-thread work per checkpoint of this result (fastest of 30)');
    for (const [what, took] of mainThreadShare(withCheckpoints.result)) console.log(`${what.padEnd(48)} ${took.toFixed(3)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
