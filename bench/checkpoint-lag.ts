/**
 * `npm run bench:checkpoint`: do checkpoints perturb the send schedule? The same scenario —
 * 2,000 msg/s, QoS 1, one room of 4 on the embedded broker — runs twice in one process: once
 * writing a checkpoint of the result every 100 ms (built, encoded to JSON and written to a
 * temp file, as `chatbench run --json` does), once without. It prints, for both, the schedule
 * lag (how late each send left against its intended time: chatbench's own delay) p50/p99/max,
 * the longest event-loop block seen (perf_hooks monitorEventLoopDelay) and the checkpoints
 * written. Bounded: 2 × ~6 s of loopback traffic.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runScenarios } from '../core/engine/index.js';
import type { RunResult } from '../core/result/index.js';
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

interface Row {
  label: string;
  lagP50: number | null;
  lagP99: number | null;
  lagMax: number | null;
  loopMaxMs: number;
  checkpoints: number;
}

async function measure(label: string, checkpointFile: string | undefined): Promise<Row> {
  const target = await openTarget(null);
  let checkpoints = 0;
  let writing: Promise<void> = Promise.resolve();
  const onCheckpoint = (partial: RunResult): Promise<void> => {
    checkpoints++;
    // One write at a time, like the CLI's checkpoint queue; encoding happens here, on the event loop.
    writing = writing.then(() => writeFile(checkpointFile as string, `${JSON.stringify(partial, null, 2)}\n`));
    return writing;
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    loop.enable();
    const result = await runScenarios({
      scenarioFile: { file: 'bench', target: null, scenarios: [spec] },
      target,
      toolVersion: 'bench',
      ...(checkpointFile === undefined ? {} : { onCheckpoint, checkpointEveryMs: CHECKPOINT_EVERY_MS }),
    });
    loop.disable();
    await writing;
    const lag = result.scenarios[0]?.scheduleLag;
    return {
      label,
      lagP50: lag?.p50 ?? null,
      lagP99: lag?.p99 ?? null,
      lagMax: lag?.max ?? null,
      // monitorEventLoopDelay reports ns; its resolution (1 ms) is added to every sample.
      loopMaxMs: loop.max / 1e6,
      checkpoints,
    };
  } finally {
    await target.close();
  }
}

const us = (v: number | null): string => (v === null ? 'n/a' : `${(v / 1000).toFixed(3)} ms`);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbench-bench-'));
  try {
    // Without first: the JIT is as warm for the second run as it can be for the first.
    const without = await measure('no checkpoints', undefined);
    const withCheckpoints = await measure(`checkpoint every ${CHECKPOINT_EVERY_MS} ms`, join(dir, 'result.json'));
    console.log(`schedule lag at ${RATE.toLocaleString('en-US')} msg/s, ${DURATION_MS / 1000} s, embedded broker`);
    console.log('run                          lag p50      lag p99      lag max      loop max   checkpoints');
    for (const r of [without, withCheckpoints]) {
      console.log(`${r.label.padEnd(28)} ${us(r.lagP50).padEnd(12)} ${us(r.lagP99).padEnd(12)} ${us(r.lagMax).padEnd(12)} ${`${r.loopMaxMs.toFixed(2)} ms`.padEnd(10)} ${r.checkpoints}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
