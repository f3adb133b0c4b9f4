/**
 * `chatbench fuzz` and `chatbench replay` as a process: exit codes 0/1/2/3, replay files named
 * by fingerprint, --expect, progress without a terminal, and a fuzz killed with SIGKILL keeping
 * its findings in the last checkpoint. The server with findings is the deliberately broken one
 * (test/helpers/broken-broker.ts); the one without is the embedded Aedes for the same bytes.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuzzResult } from '../../core/result/fuzz.js';
import { Replay } from '../../core/fuzz/replay.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { FuzzProgress } from '../../cli/fuzz-progress.js';
import type { Output } from '../../cli/output.js';
import { startBrokenBroker, type BrokenBroker } from '../helpers/broken-broker.js';
import { runCli, tempDir, type CliRun } from '../helpers/cli.js';
import { closedPort } from '../helpers/ports.js';

const FAST = ['--answer-timeout', '200ms', '--canary-timeout', '1s'];

let broken: BrokenBroker;
let aedes: EmbeddedBroker;
let dir: string;
let fuzzRun: CliRun;
let result: FuzzResult;

beforeAll(async () => {
  broken = await startBrokenBroker();
  aedes = await startEmbeddedBroker();
  dir = tempDir();
  // Seed 42 meets the SUBSCRIBE flags defect at case 93 (the wildcard stall needs more cases).
  fuzzRun = await runCli(['fuzz', '--target', broken.url, '--version', '3.1.1', '--runs', '100', '--seed', '42', '--replay-dir', 'replays', '--json', 'fuzz.json', ...FAST], {
    cwd: dir,
    env: { CHATBENCH_PROGRESS_EVERY: '200ms' },
    timeoutMs: 240_000,
  });
  if (!existsSync(join(dir, 'fuzz.json'))) throw new Error(`no result file; exit ${fuzzRun.code}:\n${fuzzRun.stderr}`);
  result = FuzzResult.parse(JSON.parse(readFileSync(join(dir, 'fuzz.json'), 'utf8')));
}, 300_000);

afterAll(async () => {
  await broken.close();
  await aedes.close();
});

describe('chatbench fuzz', () => {
  it('exits 1 on a finding, writes its replay named by fingerprint and the result JSON, and shows progress lines without a terminal', () => {
    expect(fuzzRun.code, fuzzRun.stderr).toBe(1);
    expect(result.seed).toBe(42);
    expect(result.runs).toBe(100);
    expect(result.casesRun).toBe(100);
    expect(result.casesPerSecond).toBeGreaterThan(0);
    expect(result.aborted).toBeNull();
    const [finding] = result.findings;
    expect(result.findings).toHaveLength(1);
    expect(finding?.verdict.kind).toBe('accepted-malformed');
    expect(finding?.replayPath).toBe(join('replays', `${finding?.fingerprint}.json`));
    const replay = Replay.parse(JSON.parse(readFileSync(join(dir, finding?.replayPath ?? ''), 'utf8')));
    expect(replay.steps).toEqual(finding?.steps);
    expect(replay.fingerprint).toBe(finding?.fingerprint);
    expect(readdirSync(join(dir, 'replays'))).toEqual([`${finding?.fingerprint}.json`]);
    expect(fuzzRun.stderr).toMatch(/fuzz {2}\d+:\d\d {2}\d+ of 100 cases/);
    expect(fuzzRun.stderr).toContain(`finding: accepted-malformed: ${finding?.verdict.message}`);
    expect(fuzzRun.stderr).toContain(`chatbench replay ${finding?.replayPath}`);
  });

  it('with --expect listing the finding exits 0 and marks it known; a listed one not seen is named', async () => {
    const fingerprint = result.findings[0]?.fingerprint ?? '';
    const expectFile = join(dir, 'broken.json');
    writeFileSync(expectFile, JSON.stringify({ broker: 'broken broker', findings: [
      { fingerprint, kind: 'accepted-malformed', note: 'SUBSCRIBE flags ignored [MQTT-2.2.2-2]' },
      { fingerprint: 'feedfacefeedface', kind: 'hang', note: 'wildcard PUBLISH stalls it' },
    ] }));
    const run = await runCli(['fuzz', '--target', broken.url, '--version', '3.1.1', '--runs', '100', '--seed', '42', '--expect', expectFile, '--json', 'known.json', ...FAST], { cwd: dir, timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    const known = FuzzResult.parse(JSON.parse(readFileSync(join(dir, 'known.json'), 'utf8')));
    expect(known.findings.map((f) => [f.fingerprint, f.known])).toEqual([[fingerprint, true]]);
    expect(known.expectation).toEqual({ file: expectFile, missing: ['feedfacefeedface hang: wildcard PUBLISH stalls it'] });
    expect(run.stderr).toContain('feedfacefeedface hang');
  }, 300_000);

  it('bad input exits 2 before touching any server', async () => {
    const cases: [string[], RegExp][] = [
      [['fuzz', '--version', '5'], /--version 5 needs a target .*embedded broker speaks MQTT 3\.1\.1 only/],
      [['fuzz', '--runs', '5', '--time', '1s'], /--runs and --time both bound the fuzz/],
      [['fuzz', '--runs', 'many'], /--runs many: expected a whole number/],
      [['fuzz', '--seed', '1.5'], /--seed 1\.5: expected a whole number/],
      [['fuzz', '--target', 'http://x'], /scheme/],
      [['fuzz', '--runz', '5'], /did you mean --runs/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const expectFile = join(tempDir(), 'bad.json');
    writeFileSync(expectFile, JSON.stringify({ broker: 'x', findings: [{ fingerprint: 'a', kind: 'explosion', note: '' }] }));
    const bad = await runCli(['fuzz', '--expect', expectFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/findings\[0\]\.kind/);
  });

  it('an unreachable target exits 3 naming it', async () => {
    const port = await closedPort();
    const run = await runCli(['fuzz', '--target', `mqtt://127.0.0.1:${port}`, '--runs', '5']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach target mqtt://127.0.0.1:${port}`);
  });

  it('without --seed picks one, prints it and records it; the embedded broker is used without --target', async () => {
    const cwd = tempDir();
    const run = await runCli(['fuzz', '--runs', '3', '--json', 'r.json', ...FAST], { cwd, timeoutMs: 120_000 });
    expect([0, 1]).toContain(run.code);
    const printed = /seed (-?\d+) \(random; --seed repeats it\)/.exec(run.stderr);
    const saved = FuzzResult.parse(JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')));
    expect(Number(printed?.[1])).toBe(saved.seed);
    expect(saved.target.embedded).toBe(true);
    expect(saved.target.protocolVersion).toBe('3.1.1');
  }, 120_000);

  it('killed with SIGKILL after a finding, leaves a result file holding it, marked incomplete', async () => {
    const cwd = tempDir();
    let pid = 0;
    const run = await runCli(['fuzz', '--target', broken.url, '--version', '3.1.1', '--runs', '100000', '--seed', '42', '--json', 'k.json', ...FAST], {
      cwd,
      timeoutMs: 240_000,
      onSpawn: (p) => { pid = p; },
      onStderr: (text) => {
        const child = pid;
        if (text.includes('finding: accepted-malformed') && child > 0) {
          pid = -1; // once
          // The checkpoint is written right after the finding is announced.
          setTimeout(() => process.kill(child, 'SIGKILL'), 1_000);
        }
      },
    });
    expect(run.code).toBeNull();
    const saved = FuzzResult.parse(JSON.parse(readFileSync(join(cwd, 'k.json'), 'utf8')));
    expect(saved.aborted?.cause).toBe('incomplete');
    expect(saved.findings.map((f) => f.verdict.kind)).toEqual(['accepted-malformed']);
  }, 300_000);
});

describe('chatbench replay', () => {
  it('exits 1 when the verdict reproduces and 0 on a server without the defect', async () => {
    const path = join(dir, result.findings[0]?.replayPath ?? '');
    const again = await runCli(['replay', path, '--target', broken.url, ...FAST]);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain('REPRODUCED: accepted-malformed');
    // Aedes checks SUBSCRIBE's flags and closes the connection, as it must.
    const fixed = await runCli(['replay', path, '--target', aedes.url, ...FAST]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain('BEHAVES');
  });

  it('a bad replay file exits 2 with the JSON path of each problem; an unreachable server 3', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ format: 'chatbench-replay', formatVersion: 1, protocol: 'mqtt', protocolVersion: '3.1.1', seed: 1, path: null, steps: [{ connection: 0, hex: 'xyz' }], received: [], verdict: { kind: 'hang', message: '', statements: [] }, fingerprint: 'f', foundAt: 'now' }));
    const bad = await runCli(['replay', 'bad.json'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('steps[0].hex');
    expect((await runCli(['replay', 'missing.json'], { cwd })).code).toBe(2);
    const port = await closedPort();
    const path = join(dir, result.findings[0]?.replayPath ?? '');
    expect(existsSync(path)).toBe(true);
    const down = await runCli(['replay', path, '--target', `mqtt://127.0.0.1:${port}`]);
    expect(down.code).toBe(3);
  });
});

describe('fuzz progress', () => {
  const recorder = (interactive: boolean) => {
    const written: string[] = [];
    const out: Output = { out: () => undefined, err: (l) => written.push(`${l}\n`), errRaw: (t) => written.push(t), color: false, interactive, columns: interactive ? 40 : undefined };
    return { out, written };
  };
  const at = (casesRun: number, elapsedMs: number) => ({ casesRun, findings: 1, elapsedMs, shrinking: false });

  it('on a terminal rewrites one status line in place, cut to the width, and clears it before a finding line', () => {
    const { out, written } = recorder(true);
    const p = new FuzzProgress(out, 'status', 200);
    p.case(at(50, 2_000));
    expect(written).toEqual(['\r\u001b[2Kfuzz  0:02  50 of 200 cases (25/s)  1 …']);
    p.line('finding: hang');
    expect(written.slice(1)).toEqual(['\r\u001b[2K', 'finding: hang\n']);
  });

  it('without a terminal prints a plain line only every interval', () => {
    const { out, written } = recorder(false);
    const p = new FuzzProgress(out, 'lines', null, 10_000);
    p.case(at(10, 5_000));
    p.case(at(20, 10_000));
    p.case(at(30, 15_000));
    p.case(at(40, 20_000));
    expect(written).toEqual(['  fuzz  0:10  20 cases (2/s)  1 finding\n', '  fuzz  0:20  40 cases (2/s)  1 finding\n']);
  });
});
