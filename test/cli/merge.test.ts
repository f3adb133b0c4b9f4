/**
 * `chatbench merge` as a process: shard results (two real runs on one embedded broker, written
 * as shards 0/2 and 1/2 of one run) merge into one result with the exit code `run` gives —
 * 0 passed, 1 failed on the merged figures, 2 bad input, 3 a partial merge — and the files asked for.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runScenarios } from '../../core/engine/index.js';
import type { RunResult } from '../../core/result/index.js';
import { parseResult } from '../../core/result/read.js';
import { openTarget } from '../../runners/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { spec, thresholds } from '../helpers/scenario.js';

const SCENARIOS = [spec({ name: 'room', messages: 40, durationMs: 2000, warmupMs: 0, drainMs: 500, thresholds: thresholds('sent == 40') })];

let dir: string;
let a: RunResult;
let b: RunResult;
beforeAll(async () => {
  dir = tempDir();
  const target = await openTarget(null);
  try {
    const run = () => runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios: SCENARIOS }, target, toolVersion: '1.0.0-test', runId: 'cli' });
    a = await run();
    b = await run();
  } finally {
    await target.close();
  }
}, 60_000);

/** The run written as shard `index` of `count`, with `thresholds` as the file's thresholds. */
function shardFile(r: RunResult, index: number, count: number, expressions: string[], change: (r: RunResult) => void = () => undefined): string {
  const copy: RunResult = { ...structuredClone(r), shard: { index, count }, scenarioDigest: 'abc' };
  for (const s of copy.scenarios) s.spec.thresholds = thresholds(...expressions).map((t) => ({ ...t }));
  change(copy);
  const path = join(dir, `shard-${index}-${count}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(copy));
  return path;
}

describe('chatbench merge', () => {
  test('exit 0 when the merged figures pass; writes the merged result, JUnit and HTML', async () => {
    const json = join(dir, 'merged.json');
    const junit = join(dir, 'junit.xml');
    const html = join(dir, 'report.html');
    const files = [shardFile(b, 1, 2, ['sent == 80']), shardFile(a, 0, 2, ['sent == 80'])];
    const run = await runCli(['merge', ...files, '--json', json, '--junit', junit, '--html', html]);
    expect(run.stderr).toContain('merged 2 results of run cli: shards 0/2, 1/2');
    expect(run.stderr).toMatch(/✓ sent == 80/);
    expect(run.code).toBe(0);
    const merged = parseResult(JSON.parse(readFileSync(json, 'utf8')), json);
    if (merged.kind !== 'run') throw new Error('not a run result');
    expect(merged.merged?.shards).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    expect(merged.scenarios[0]?.throughput.sent).toBe(80);
    expect(merged.shard).toBeUndefined();
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite');
    expect(readFileSync(html, 'utf8')).toContain('<html');
  });

  test('exit 1 when shards that passed alone fail together', async () => {
    const run = await runCli(['merge', shardFile(a, 0, 2, ['sent == 40']), shardFile(b, 1, 2, ['sent == 40'])]);
    expect(run.stderr).toMatch(/✗ sent == 40\s+\(actual 80/);
    expect(run.code).toBe(1);
  });

  test('exit 2 for results of different runs, naming the files', async () => {
    const first = shardFile(a, 0, 2, []);
    const second = shardFile(b, 1, 2, [], (r) => { r.runId = 'zzz'; });
    const run = await runCli(['merge', first, second]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('different run ids');
    expect(run.stderr).toContain(second);
  });

  test('exit 2 for a missing file and for no file at all', async () => {
    const missing = join(dir, 'nope.json');
    const run = await runCli(['merge', shardFile(a, 0, 2, []), missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot read result file ${missing}`);
    const none = await runCli(['merge']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: chatbench merge SHARD.json...');
  });

  test('exit 2 for a missing shard; with --allow-partial exit 3 and the missing shard named', async () => {
    const files = [shardFile(a, 0, 3, []), shardFile(b, 2, 3, [])];
    const refused = await runCli(['merge', ...files]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('1 of 3 shards missing (1/3)');
    const partial = await runCli(['merge', ...files, '--allow-partial']);
    expect(partial.stderr).toContain('missing 1/3');
    expect(partial.stderr).toMatch(/Run aborted: .*1\/3/);
    expect(partial.code).toBe(3);
  });

  test('refuses to write the merge over a shard\'s result', async () => {
    const first = shardFile(a, 0, 2, []);
    const run = await runCli(['merge', first, shardFile(b, 1, 2, []), '--json', first]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`already taken by the shard result ${first}`);
  });

  test('is listed in chatbench --help', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^\s+merge\s+Merge the shard results/m);
  });
});
