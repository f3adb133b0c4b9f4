/**
 * `chatbench run --shard I/N --run-id ID` as a process: bad values are usage errors (exit 2)
 * saying what was expected; a scenario that cannot be split that many ways is refused before
 * anything connects; shards of one run write results that say which slice they hold, carry the
 * scenario file's digest, and whose counts add up to a single run's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { runCli, scenarioFile, SMALL, tempDir } from '../helpers/cli.js';
import { MIX } from '../helpers/shard-scenario.js';

describe('chatbench run --shard', () => {
  it('refuses bad --shard and --run-id values with exit 2 and says what it expected', async () => {
    const file = scenarioFile(MIX);
    const cases: [string[], RegExp][] = [
      [['--shard', '4/4', '--run-id', 'r1'], /--shard 4\/4: the index counts from 0, so shard 4 of 4 does not exist \(0 to 3\)/],
      [['--shard', '1/0', '--run-id', 'r1'], /--shard 1\/0: expected I\/N/],
      [['--shard', '2', '--run-id', 'r1'], /--shard 2: expected I\/N, the 0-based shard index and the shard count, e.g. --shard 2\/4/],
      [['--shard=-1/4', '--run-id', 'r1'], /--shard -1\/4: expected I\/N/],
      [['--shard', 'a/b', '--run-id', 'r1'], /--shard a\/b: expected I\/N/],
      [['--shard', '1/4'], /--shard 1\/4 needs --run-id ID, the same for every shard of the run/],
      [['--run-id', 'Bad_Id'], /--run-id Bad_Id: expected 1 to 32 characters of a-z, 0-9 and "-"/],
      [['--run-id', 'x'.repeat(33)], /--run-id x{33}: expected 1 to 32 characters/],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(['run', file, ...flags]);
      expect(r.code, `${flags.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/users connected|embedded broker at/);
    }
  });

  it('refuses a scenario that cannot be split that many ways, before connecting, saying how many would work', async () => {
    const r = await runCli(['run', scenarioFile(SMALL), '--shard', '0/2', '--run-id', 'r1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scenario "small-room" cannot be split into 2 shards: its 4 users form 1 indivisible group .*; it can be split at most 1 way/);
    expect(r.stderr).not.toMatch(/embedded broker at/);
  });

  it('shards of one run hold their slice, carry the file\'s digest, and add up to the single run', async () => {
    const file = scenarioFile(MIX);
    const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    const dir = tempDir();
    const single = await runCli(['run', file, '--json', join(dir, 'single.json'), '--quiet'], { timeoutMs: 90_000 });
    expect(single.code, single.stderr).toBe(0);
    const shards = await Promise.all(
      [0, 1].map((i) => runCli(['run', file, '--shard', `${i}/2`, '--run-id', 'cli-shards', '--json', join(dir, `s${i}.json`)], { timeoutMs: 90_000 })),
    );
    const whole = RunResult.parse(JSON.parse(readFileSync(join(dir, 'single.json'), 'utf8')));
    expect(whole.scenarioDigest).toBe(digest);
    expect(whole.shard).toBeUndefined();
    const parts = shards.map((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`chatbench: shard ${i}/2 of run cli-shards`);
      expect(r.stderr).toMatch(new RegExp(`connect: shard ${i}/2: \\d+ users, \\d+ rooms?, \\d+ direct streams of the scenario's 24 users, 2 rooms, 24 direct streams; [\\d,]+ of 300 sends`));
      const result = RunResult.parse(JSON.parse(readFileSync(join(dir, `s${i}.json`), 'utf8')));
      expect(result.shard).toEqual({ index: i, count: 2 });
      expect(result.runId).toBe('cli-shards');
      expect(result.scenarioDigest).toBe(digest);
      return result.scenarios[0];
    });
    const sum = (pick: (s: NonNullable<(typeof parts)[number]>) => number) => parts.reduce((n, s) => n + (s === undefined ? 0 : pick(s)), 0);
    const w = whole.scenarios[0];
    expect(w?.throughput.sent).toBe(270);
    expect(sum((s) => s.users)).toBe(24);
    expect(sum((s) => s.throughput.sent)).toBe(w?.throughput.sent);
    expect(sum((s) => s.delivery.expected)).toBe(w?.delivery.expected);
    expect(sum((s) => s.delivery.delivered)).toBe(w?.delivery.delivered);
  });

  it('lists the flags in --help', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/--shard I\/N\s+run only slice I of N \(0-based, e\.g\. 2\/4\)/);
    expect(r.stdout + r.stderr).toMatch(/--run-id ID\s+the run id/);
    expect(r.stdout + r.stderr).toMatch(/--workers N\s+run in N processes on this machine/);
  });
});
