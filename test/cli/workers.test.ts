/**
 * `chatbench run --workers N` as a process: the run in N worker processes against the one
 * embedded broker the parent starts, merged exactly (counts equal a single run's), with
 * per-worker schedule lag kept; bad values are usage errors; a worker that dies stops the
 * others, and the result keeps what was measured and says which worker ended and how.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { runCli, scenarioFile, tempDir } from '../helpers/cli.js';
import { MIX } from '../helpers/shard-scenario.js';

const readResult = (path: string) => RunResult.parse(JSON.parse(readFileSync(path, 'utf8')));

describe('chatbench run --workers', () => {
  it('--workers 2 on the embedded broker sends, owes and delivers exactly what a single run does', async () => {
    const file = scenarioFile(MIX);
    const dir = tempDir();
    const single = await runCli(['run', file, '--json', join(dir, 'single.json'), '--quiet'], { timeoutMs: 90_000 });
    expect(single.code, single.stderr).toBe(0);
    const two = await runCli(['run', file, '--workers', '2', '--run-id', 'two-workers', '--json', join(dir, 'workers.json')], { timeoutMs: 90_000 });
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/chatbench: 2 workers of run two-workers \(pids \d+, \d+\), one shard each/);
    expect(two.stderr).toContain('workers: all 2 ready for mix; go');
    // One merged summary, as a single run prints it.
    expect(two.stderr.match(/^PASS mix/gm)).toHaveLength(1);
    const whole = readResult(join(dir, 'single.json'));
    const merged = readResult(join(dir, 'workers.json'));
    const w = whole.scenarios[0];
    const m = merged.scenarios[0];
    expect(m?.status).toBe('passed');
    expect(merged.runId).toBe('two-workers');
    expect(merged.target.embedded).toBe(true);
    expect(merged.aborted).toBeNull();
    expect(w?.throughput.sent).toBe(270);
    expect(m?.throughput.sent).toBe(w?.throughput.sent);
    expect(m?.delivery.expected).toBe(w?.delivery.expected);
    expect(m?.delivery.delivered).toBe(w?.delivery.delivered);
    expect(m?.users).toBe(24);
    expect(m?.latency.count).toBe(w?.latency.count);
    // Schedule lag stays per worker: one part per worker, their sends adding up to the merged row's.
    expect(merged.merged?.parts.map((p) => p.shard)).toEqual([0, 1]);
    const lags = merged.merged?.parts.map((p) => p.scenarios[0]?.scheduleLag.count ?? 0) ?? [];
    expect(lags.every((n) => n > 0)).toBe(true);
    expect(lags.reduce((a, b) => a + b, 0)).toBe(m?.scheduleLag.count);
  });

  it('refuses bad --workers values, more workers than the scenario has groups, and --workers with --shard', async () => {
    const file = scenarioFile(MIX);
    const cases: [string[], RegExp][] = [
      [['--workers', '0'], /--workers 0: expected a whole number of processes from 1 to 1024/],
      [['--workers=-1'], /--workers -1: expected a whole number of processes/],
      [['--workers', 'x'], /--workers x: expected a whole number of processes/],
      [['--workers', '2.5'], /--workers 2.5: expected a whole number of processes/],
      [['--workers', '11'], /scenario "mix" cannot be split into 11 shards: its 24 users form 10 indivisible groups .*it can be split at most 10 ways/],
      [['--workers', '2', '--shard', '0/2', '--run-id', 'r'], /--workers and --shard both split the run/],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(['run', file, ...flags]);
      expect(r.code, `${flags.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/workers of run/);
    }
  });

  it('a worker killed mid-run stops the others; the result keeps what was measured and says which worker ended and how', async () => {
    const file = scenarioFile(MIX.replace('duration: 1s', 'duration: 20s').replace('rate: 300/s', 'rate: 100/s'));
    const out = join(tempDir(), 'r.json');
    let killed = false;
    const r = await runCli(['run', file, '--workers', '2', '--json', out], {
      timeoutMs: 120_000,
      onStderr: (text) => {
        const pids = /workers of run \S+ \(pids (\d+), (\d+)\)/.exec(text);
        if (killed || pids === null || !text.includes('workers: all 2 ready')) return;
        killed = true;
        // Into the send phase, worker 1 dies at once.
        setTimeout(() => process.kill(Number(pids[2]), 'SIGKILL'), 1500);
      },
    });
    expect(killed).toBe(true);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/chatbench: worker 1 of 2 \(pid \d+\) was killed by SIGKILL; stopping the other workers/);
    const result = readResult(out);
    expect(result.aborted?.message).toMatch(/^worker 1 of 2 \(pid \d+\) was killed by SIGKILL/);
    // Worker 0 stopped after its drain and its measurements are in the result.
    const s = result.scenarios[0];
    expect(s?.delivery.expected).toBeGreaterThan(0);
    expect(s?.delivery.delivered).toBe(s?.delivery.expected);
    expect(result.merged?.parts.map((p) => p.shard)).toContain(0);
  });

  it('Ctrl-C stops every worker after its drain and merges what all of them measured (exit 3)', async () => {
    const file = scenarioFile(MIX.replace('duration: 1s', 'duration: 20s').replace('rate: 300/s', 'rate: 100/s'));
    const out = join(tempDir(), 'r.json');
    let pid = 0;
    let sent = false;
    const r = await runCli(['run', file, '--workers', '2', '--json', out], {
      timeoutMs: 120_000,
      onSpawn: (p) => (pid = p),
      onStderr: (text) => {
        if (sent || !text.includes('workers: all 2 ready')) return;
        sent = true;
        setTimeout(() => process.kill(pid, 'SIGINT'), 1500);
      },
    });
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(3);
    const result = readResult(out);
    expect(result.aborted?.cause).toBe('signal');
    // Both workers stopped cleanly and both parts are merged: nothing missing, every owed delivery there.
    expect(result.merged?.shards).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    expect(result.merged?.missing).toBeUndefined();
    const s = result.scenarios[0];
    expect(s?.users).toBe(24);
    expect(s?.delivery.expected).toBeGreaterThan(0);
    expect(s?.delivery.delivered).toBe(s?.delivery.expected);
  });
});
