/**
 * Results for the verdict and compare tests: a genuine run measured by chatbench 0.1.0 on its
 * embedded broker and committed as a version 1 file (fixtures/results/v1-run.json: rooms
 * "room" and "direct" passed, "strict" failed a threshold), read as version 2; one measured now
 * on the embedded broker; and ways to derive modified copies of them. Latency is changed only through
 * core/metrics/histogram.ts: a histogram is decoded, re-recorded with its values scaled,
 * and summarised again, so summary fields and `hdr` stay consistent.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenarios } from '../../core/engine/index.js';
import { createLatencyHistogram, decodeHistogram, recordMicros, recordedBuckets } from '../../core/metrics/histogram.js';
import { summarise } from '../../core/metrics/latency-summary.js';
import type { LatencySummary, RunResult, ScenarioResult } from '../../core/result/index.js';
import { expectKind, parseResult } from '../../core/result/read.js';
import type { CompareEnvelope } from '../../core/verdict/compare.js';
import { openTarget } from '../../runners/index.js';
import { spec } from './scenario.js';

export async function measureForCompare(): Promise<RunResult> {
  const target = await openTarget(null);
  try {
    const scenarios = [
      spec({ name: 'room', users: 4, rooms: { count: 1, members: 4 }, rate: 400, durationMs: 600, warmupMs: 100, drainMs: 500 }),
      spec({ name: 'direct', users: 4, rooms: { count: 0, members: 0 }, directPairs: 2, rate: 200, durationMs: 600, warmupMs: 100, drainMs: 500 }),
    ];
    return await runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios }, target, toolVersion: '1.0.0-test', runId: 'cmp' });
  } finally {
    await target.close();
  }
}

/** fixtures/results/v1-run.json, upgraded to version 2 on reading (a fresh copy each call). */
export function fixtureRun(): RunResult {
  const path = fileURLToPath(new URL('../../fixtures/results/v1-run.json', import.meta.url));
  return expectKind(parseResult(JSON.parse(readFileSync(path, 'utf8')), path), 'run', path);
}

/**
 * A copy whose generator kept its schedule (schedule lag 20 µs for every send): the committed
 * run was measured on a busy machine, and tests that are not about lag must not see its lag.
 */
export function onSchedule(real: RunResult): RunResult {
  const copy = structuredClone(real);
  for (const s of copy.scenarios) s.scheduleLag = latencyOf([[20, Math.max(1, s.throughput.sent)]]);
  return copy;
}

export function scenarioOf(result: RunResult, name: string): ScenarioResult {
  const s = result.scenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name} in the result`);
  return s;
}

/** The same distribution with every recorded value multiplied by `factor`. */
export function scaleLatency(summary: LatencySummary, factor: number): LatencySummary {
  const scaled = createLatencyHistogram();
  for (const { value, count } of recordedBuckets(decodeHistogram(summary.hdr))) {
    for (let i = 0; i < count; i++) recordMicros(scaled, value * factor);
  }
  return summarise(scaled);
}

/** A latency summary of exactly these values: [µs, how many times]. */
export function latencyOf(values: ReadonlyArray<readonly [number, number]>): LatencySummary {
  const h = createLatencyHistogram();
  for (const [value, count] of values) for (let i = 0; i < count; i++) recordMicros(h, value);
  return summarise(h);
}

/** 98 arrivals at 1..98 ms and 2 owed deliveries that never came, after a 5 s wait: p99 falls among the censored. */
export function censoredLatency(): LatencySummary {
  const h = createLatencyHistogram();
  for (let ms = 1; ms <= 98; ms++) recordMicros(h, ms * 1000);
  return summarise(h, { censored: 2, waited: 5_000_000 });
}

/** The envelope fields the CLI gives a comparison, fixed for tests. */
export const ENVELOPE: CompareEnvelope = {
  tool: { name: 'chatbench', version: '1.0.0-test' },
  runId: 'cmp-test',
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: '2025-01-01T00:00:01.000Z',
  environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2 },
};

/**
 * A deep copy of `real` with `change` applied to its scenario `name`: another run, so its runId
 * gets a "-v" (compare warns when both sides are the same run).
 */
export function variant(real: RunResult, name: string, change: (s: ScenarioResult, r: RunResult) => void): RunResult {
  const copy = structuredClone(real);
  copy.runId = `${real.runId}-v`;
  change(scenarioOf(copy, name), copy);
  return copy;
}
