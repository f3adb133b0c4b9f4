/**
 * mergeRunResults on real results measured on the embedded broker: two runs of one scenario
 * stand for two shards (each ran every user, so the merged counts are exactly twice a run's:
 * the arithmetic is the same whatever the slice). Counts sum, histograms add bucket by bucket,
 * verdicts are judged again on the sums, parts that do not belong together are refused, and
 * one whole result merges into itself.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { runScenarios } from '../../core/engine/index.js';
import { InputError } from '../../core/errors.js';
import { decodeHistogram, snapshotHistogram } from '../../core/metrics/histogram.js';
import { mergeRunResults } from '../../core/result/merge.js';
import { runStatus, type LatencySummary, type RunResult, type ScenarioResult } from '../../core/result/index.js';
import { judge } from '../../core/verdict/judge.js';
import { openTarget } from '../../runners/index.js';
import { latencyOf } from '../helpers/compare-fixtures.js';
import { spec, thresholds } from '../helpers/scenario.js';

const SCENARIOS = [
  spec({ name: 'room', users: 4, rooms: { count: 1, members: 4 }, rate: 400, messages: 40, durationMs: 2000, warmupMs: 0, drainMs: 500, thresholds: thresholds('sent == 40', 'p99 < 10s') }),
  spec({ name: 'pairs', users: 4, rooms: { count: 0, members: 0 }, directPairs: 2, rate: 200, messages: 20, durationMs: 2000, warmupMs: 0, drainMs: 500, qos: 0 }),
];

/** Two runs on one broker, as shards of one run share their target. */
async function measureTwice(): Promise<[RunResult, RunResult]> {
  const target = await openTarget(null);
  try {
    const run = () => runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios: SCENARIOS }, target, toolVersion: '1.0.0-test', runId: 'mrg' });
    return [await run(), await run()];
  } finally {
    await target.close();
  }
}

/** A measured run as shard `index` of `count`, read from a file with this digest. */
function asShard(r: RunResult, index: number, count: number): RunResult {
  return { ...structuredClone(r), shard: { index, count }, scenarioDigest: 'd1' };
}

function scenario(r: RunResult, name: string): ScenarioResult {
  const s = r.scenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

/** Every bucket count of an encoded histogram, up to its highest recorded one. */
function buckets(summary: LatencySummary): number[] {
  return Array.from(snapshotHistogram(decodeHistogram(summary.hdr)).counts);
}

function sumOf(a: number[], b: number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}

let a: RunResult;
let b: RunResult;
beforeAll(async () => {
  [a, b] = await measureTwice();
}, 60_000);

describe('merging two parts', () => {
  test('counters sum exactly, per scenario, in the order the run selected', () => {
    const merged = mergeRunResults([asShard(b, 1, 2), asShard(a, 0, 2)]);
    expect(merged.scenarios.map((s) => s.name)).toEqual(['room', 'pairs']);
    for (const name of ['room', 'pairs']) {
      const [sa, sb, m] = [scenario(a, name), scenario(b, name), scenario(merged, name)];
      expect(sa.throughput.sent).toBeGreaterThan(0);
      expect(m.throughput.sent).toBe(sa.throughput.sent + sb.throughput.sent);
      expect(m.throughput.delivered).toBe(sa.throughput.delivered + sb.throughput.delivered);
      expect(m.throughput.series).toEqual(sumOf(sa.throughput.series, sb.throughput.series));
      for (const k of ['expected', 'delivered', 'lost', 'undelivered', 'duplicated', 'reordered', 'violations', 'sendErrors'] as const) {
        expect(m.delivery[k], k).toBe(sa.delivery[k] + sb.delivery[k]);
      }
      const level = sa.qos;
      expect(m.delivery.byQos[level]?.delivered).toBe((sa.delivery.byQos[level]?.delivered ?? 0) + (sb.delivery.byQos[level]?.delivered ?? 0));
      expect(m.connections.opened).toBe(sa.connections.opened + sb.connections.opened);
      expect(m.users).toBe(sa.users + sb.users);
      expect(m.wire.bytesOut).toBe(sa.wire.bytesOut + sb.wire.bytesOut);
      expect(m.wire.phases.handshake.bytesIn).toBe(sa.wire.phases.handshake.bytesIn + sb.wire.phases.handshake.bytesIn);
      expect(m.drain.owedAtStart).toBe(sa.drain.owedAtStart + sb.drain.owedAtStart);
    }
  });

  test('each histogram of the merge is the bucket-by-bucket sum of the parts\' histograms', () => {
    const merged = mergeRunResults([asShard(a, 0, 2), asShard(b, 1, 2)]);
    for (const name of ['room', 'pairs']) {
      const [sa, sb, m] = [scenario(a, name), scenario(b, name), scenario(merged, name)];
      const pick = [
        (s: ScenarioResult) => s.latency, (s: ScenarioResult) => s.serviceTime,
        (s: ScenarioResult) => s.scheduleLag, (s: ScenarioResult) => s.connections.connectTime,
      ];
      for (const of of pick) {
        expect(of(sa).count).toBeGreaterThan(0);
        expect(buckets(of(m))).toEqual(sumOf(buckets(of(sa)), buckets(of(sb))));
        expect(decodeHistogram(of(m).hdr).count).toBe(of(sa).count + of(sb).count);
        expect(of(m).count).toBe(of(sa).count + of(sb).count);
      }
    }
  });

  test('the merge says which shards it holds and keeps each part\'s own schedule lag', () => {
    const merged = mergeRunResults([asShard(b, 1, 2), asShard(a, 0, 2)]);
    expect(merged.shard).toBeUndefined();
    expect(merged.merged?.shards).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    expect(merged.merged?.missing).toBeUndefined();
    expect(merged.merged?.parts.map((p) => p.shard)).toEqual([0, 1]);
    expect(merged.merged?.parts[1]?.scenarios.map((s) => s.scheduleLag)).toEqual(b.scenarios.map((s) => s.scheduleLag));
    expect(merged.startedAt).toBe([a.startedAt, b.startedAt].sort()[0]);
    expect(merged.finishedAt).toBe([a.finishedAt, b.finishedAt].sort()[1]);
    expect(merged.runId).toBe('mrg');
    expect(merged.scenarioDigest).toBe('d1');
  });
});

describe('verdicts are judged again on the merged figures', () => {
  test('two parts that each pass `sent == 40` fail it together: the sum is 80', () => {
    expect(scenario(a, 'room').status).toBe('passed');
    expect(scenario(b, 'room').status).toBe('passed');
    const room = scenario(mergeRunResults([asShard(a, 0, 2), asShard(b, 1, 2)]), 'room');
    expect(room.status).toBe('failed');
    expect(room.thresholds.find((t) => t.expression === 'sent == 40')).toMatchObject({ actual: 80, passed: false });
    expect(room.reasons).toEqual([expect.objectContaining({ kind: 'threshold', expression: 'sent == 40' })]);
  });

  test('two parts that each fail `delivered == <their sum>` pass it together', () => {
    const total = scenario(a, 'pairs').delivery.delivered + scenario(b, 'pairs').delivery.delivered;
    const [t] = thresholds(`delivered == ${total}`);
    if (t === undefined) throw new Error('threshold');
    const parts = [asShard(a, 0, 2), asShard(b, 1, 2)].map((r) => {
      scenario(r, 'pairs').spec.thresholds = [{ ...t }];
      return r;
    });
    for (const r of parts) {
      const { status: _s, reasons: _r, thresholds: _t, ...measured } = scenario(r, 'pairs');
      expect(judge({ thresholds: [t] }, measured, null).status).toBe('failed');
    }
    const pairs = scenario(mergeRunResults(parts), 'pairs');
    expect(pairs.thresholds).toEqual([expect.objectContaining({ actual: total, passed: true })]);
    expect(pairs.status).toBe('passed');
  });

  test('a part whose p99 fails on a handful of slow deliveries passes when the merge holds them under 1%', () => {
    const pa = asShard(a, 0, 2);
    const pb = asShard(b, 1, 2);
    scenario(pa, 'room').latency = latencyOf([[1_000, 1_000]]);
    scenario(pb, 'room').latency = latencyOf([[20_000_000, 5]]);
    for (const r of [pa, pb]) scenario(r, 'room').spec.thresholds = thresholds('p99 < 1s');
    const { status: _s, reasons: _r, thresholds: _t, ...slow } = scenario(pb, 'room');
    expect(judge({ thresholds: thresholds('p99 < 1s') }, slow, null).status).toBe('failed');
    const room = scenario(mergeRunResults([pa, pb]), 'room');
    expect(room.latency.count).toBe(1_005);
    expect(room.status).toBe('passed');
  });

  test('a part that aborted a scenario aborts the merged one, saying which shard', () => {
    const pb = asShard(b, 1, 2);
    const s = scenario(pb, 'pairs');
    s.status = 'aborted';
    s.reasons = [{ kind: 'abort', cause: 'signal', message: 'interrupted by SIGINT' }];
    pb.aborted = { scenario: 'pairs', cause: 'signal', message: 'interrupted by SIGINT' };
    const merged = mergeRunResults([asShard(a, 0, 2), pb]);
    expect(scenario(merged, 'pairs').status).toBe('aborted');
    expect(scenario(merged, 'pairs').reasons[0]).toMatchObject({ kind: 'abort', cause: 'signal', message: 'shard 1/2: interrupted by SIGINT' });
    expect(merged.aborted).toMatchObject({ scenario: 'pairs', cause: 'signal' });
    expect(merged.aborted?.message).toContain('shard 1/2');
    expect(runStatus(merged)).toBe('aborted');
  });
});

describe('one whole result merges into itself', () => {
  test('every figure and verdict is unchanged', () => {
    const merged = mergeRunResults([a]);
    expect(merged.scenarios).toEqual(a.scenarios);
    const { merged: record, ...rest } = merged;
    expect(rest).toEqual(a);
    expect(record?.shards).toEqual([{ index: 0, count: 1 }]);
  });
});

describe('parts that do not belong together are refused, naming them', () => {
  const sources = ['s0.json', 's1.json'];
  const refused = (parts: RunResult[], pattern: RegExp, allowPartial = false): void => {
    let error: unknown;
    try {
      mergeRunResults(parts, { sources: sources.slice(0, parts.length), allowPartial });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(pattern);
  };

  test('different scenario files', () => {
    refused([asShard(a, 0, 2), { ...asShard(b, 1, 2), scenarioDigest: 'd2' }], /different scenario files[\s\S]*"d1": s0\.json[\s\S]*"d2": s1\.json/);
  });
  test('different tool versions', () => {
    refused([asShard(a, 0, 2), { ...asShard(b, 1, 2), tool: { name: 'chatbench', version: '9.9.9' } }], /different chatbench versions[\s\S]*9\.9\.9/);
  });
  test('different run ids', () => {
    refused([asShard(a, 0, 2), { ...asShard(b, 1, 2), runId: 'other' }], /different run ids[\s\S]*"other": s1\.json/);
  });
  test('different targets', () => {
    const other = asShard(b, 1, 2);
    other.target = { ...other.target, url: 'mqtt://127.0.0.1:1' };
    refused([asShard(a, 0, 2), other], /different targets/);
  });
  test('the same shard twice', () => {
    refused([asShard(a, 1, 2), asShard(b, 1, 2)], /shard 1\/2 appears twice \(s0\.json and s1\.json\)/);
  });
  test('shard counts that differ', () => {
    refused([asShard(a, 0, 2), asShard(b, 1, 3)], /different shard counts/);
  });
  test('a scenario whose settings differ', () => {
    const other = asShard(b, 1, 2);
    scenario(other, 'room').spec.rate = 1;
    refused([asShard(a, 0, 2), other], /scenario "room": its settings differ/);
  });
  test('a result of another kind', () => {
    const notRun = { ...asShard(b, 1, 2), kind: 'fuzz' } as unknown as RunResult;
    refused([asShard(a, 0, 2), notRun], /s1\.json: it is a "fuzz" result/);
  });
  test('a missing shard, unless asked to merge what is there', () => {
    refused([asShard(a, 0, 3), asShard(b, 2, 3)], /1 of 3 shards missing \(1\/3\).*--allow-partial/);
    const partial = mergeRunResults([asShard(a, 0, 3), asShard(b, 2, 3)], { allowPartial: true });
    expect(partial.merged?.missing).toEqual([1]);
    expect(partial.aborted).toMatchObject({ cause: 'incomplete', scenario: null });
    expect(partial.aborted?.message).toContain('1/3');
    expect(runStatus(partial)).toBe('aborted');
    expect(scenario(partial, 'room').throughput.sent).toBe(scenario(a, 'room').throughput.sent + scenario(b, 'room').throughput.sent);
  });
  test('nothing at all', () => {
    refused([], /nothing to merge/);
  });
});
