/**
 * The issue's end-to-end check: one scenario run as 4 shards in 4 chatbench processes against
 * one real mosquitto, merged with `chatbench merge`, gives exactly the counts of a single run of
 * the same scenario, and every merged histogram is the bucket-by-bucket sum of the shards'.
 * (The embedded broker lives inside one process, so the shards need a broker of their own.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { decodeHistogram, snapshotHistogram } from '../../core/metrics/histogram.js';
import type { LatencySummary, RunResult, ScenarioResult } from '../../core/result/index.js';
import { expectKind, parseResult } from '../../core/result/read.js';
import { runCli, scenarioFile, tempDir } from '../helpers/cli.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const SHARDS = 4;
/** 8 rooms of 4 (8 indivisible groups) and 4 direct pairs; a fixed number of sends, none in a warm-up. */
const SCENARIO = `
scenarios:
  - name: rooms-and-pairs
    users: 40
    rooms: { count: 8, members: 4 }
    directPairs: 4
    rate: 300/s
    messages: 450
    duration: 5s
    warmup: 0s
    drain: 3s
    qos: 1
    thresholds: ["lost == 0", "sent == 450"]
`;

function read(path: string): RunResult {
  return expectKind(parseResult(JSON.parse(readFileSync(path, 'utf8')), path), 'run', path);
}

function only(r: RunResult): ScenarioResult {
  const [s] = r.scenarios;
  if (s === undefined || r.scenarios.length !== 1) throw new Error('one scenario expected');
  return s;
}

function buckets(summary: LatencySummary): number[] {
  return Array.from(snapshotHistogram(decodeHistogram(summary.hdr)).counts);
}

function added(lists: number[][]): number[] {
  const length = Math.max(0, ...lists.map((l) => l.length));
  return Array.from({ length }, (_, i) => lists.reduce((n, l) => n + (l[i] ?? 0), 0));
}

describeWithMosquitto('4 shards as processes against mosquitto, merged', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  }, 30_000);
  afterAll(async () => {
    await broker?.stop();
  });

  test('counts equal a single run exactly; merged histograms are the sums of the shards\'', async () => {
    const dir = tempDir();
    const file = scenarioFile(SCENARIO);
    const single = join(dir, 'single.json');
    const one = await runCli(['run', file, '--target', broker.url, '--run-id', 'single-run', '--json', single, '--quiet'], { timeoutMs: 120_000 });
    expect(one.code, one.stderr).toBe(0);

    const shardFiles = Array.from({ length: SHARDS }, (_, i) => join(dir, `shard-${i}.json`));
    const shards = await Promise.all(shardFiles.map((json, i) =>
      runCli(['run', file, '--target', broker.url, '--shard', `${i}/${SHARDS}`, '--run-id', 'sharded-run', '--json', json, '--quiet'], { timeoutMs: 120_000 })));
    // A shard sends a quarter of the sends, so its own `sent == 450` fails (exit 1): only the merge is judged.
    for (const s of shards) expect([0, 1], s.stderr).toContain(s.code);

    const mergedPath = join(dir, 'merged.json');
    const merge = await runCli(['merge', ...[...shardFiles].reverse(), '--json', mergedPath], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);

    const whole = only(read(single));
    const parts = shardFiles.map((f) => only(read(f)));
    const merged = only(read(mergedPath));
    expect(parts.every((p) => p.throughput.sent > 0 && p.throughput.sent < 450)).toBe(true);

    expect(merged.status).toBe('passed');
    expect(merged.throughput.sent).toBe(450);
    expect(merged.throughput.sent).toBe(whole.throughput.sent);
    expect(merged.delivery.expected).toBe(whole.delivery.expected);
    expect(merged.delivery.delivered).toBe(whole.delivery.delivered);
    expect(merged.delivery.lost).toBe(whole.delivery.lost);
    expect(merged.delivery.byQos[1]?.expected).toBe(whole.delivery.byQos[1]?.expected);
    expect(merged.connections.opened).toBe(whole.connections.opened);
    expect(merged.users).toBe(whole.users);
    expect(merged.rooms).toBe(whole.rooms);

    for (const of of [(s: ScenarioResult) => s.latency, (s: ScenarioResult) => s.serviceTime, (s: ScenarioResult) => s.scheduleLag, (s: ScenarioResult) => s.connections.connectTime]) {
      expect(buckets(of(merged))).toEqual(added(parts.map((p) => buckets(of(p)))));
      expect(of(merged).count).toBe(parts.reduce((n, p) => n + of(p).count, 0));
    }
    expect(merged.latency.count).toBe(whole.latency.count);

    const record = read(mergedPath);
    expect(record.runId).toBe('sharded-run');
    expect(record.scenarioDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(record.scenarioDigest).toBe(read(single).scenarioDigest);
    expect(record.merged?.shards.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(record.merged?.parts.map((p) => p.scenarios[0]?.scheduleLag.count)).toEqual(parts.map((p) => p.scheduleLag.count));
  }, 300_000);
});
