/**
 * The CLI as users meet it: the real binary spawned as a process, its exit codes
 * (0 ok, 1 check failed, 2 bad input, 3 unreachable/aborted) and its --json contract.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { removeTempDirs, SMALL, runCli, scenarioFile, tempDir, type CliRun } from '../helpers/cli.js';
import { closedPort } from '../helpers/ports.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };


describe('chatbench CLI', () => {
  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:\n\s+run\s+Run chat workload scenarios/);
    const runHelp = await runCli(['run', '--help']);
    expect(runHelp.code).toBe(0);
    for (const flag of ['--target URL', '--scenario NAME', '--json FILE', '--junit FILE', '--markdown FILE', '--html FILE', '--checkpoint-every TIME', '--quiet', '--mqtt-version']) expect(runHelp.stdout).toContain(flag);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
    const extra = await runCli(['--version', 'x']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('--version takes no arguments');
  });

  it('exits 2 on an unknown command or flag, naming it', async () => {
    const cmd = await runCli(['runn']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain('unknown command "runn"');
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: chatbench <command> [flags]');
    expect(none.stdout).toBe('');
    const badVersion = await runCli(['run', '--mqtt-version', '7']);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain('--mqtt-version 7: expected 3.1.1 or 5.0');
    const version = await runCli(['run', '--mqtt-version', '5']);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('--mqtt-version 5.0 needs a target');
    // The embedded broker speaks 3.1.1: asking for that version is no error.
    const embedded311 = await runCli(['run', scenarioFile(SMALL), '--mqtt-version', '3.1.1', '--quiet']);
    expect(embedded311.stderr).not.toContain('needs a target');
    expect(embedded311.code).toBe(0);
    const flag = await runCli(['run', '--tagret', 'mqtt://127.0.0.1:1']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--tagret' \(did you mean --target\?\)/);
    expect(flag.stderr).toContain('Usage: chatbench run [FILE] [flags]');
  });

  it('exits 2 on a bad scenario file and names every problem with line and column', async () => {
    const file = scenarioFile([
      'scenarios:',              // 1
      '  - name: a',             // 2
      '    users: -3',           // 3
      '    rate: fast',          // 4
      '  - name: b',             // 5
      '    qos: 7',              // 6
      '    tresholds: []',       // 7
    ].join('\n'));
    const r = await runCli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid scenario file ${file}`);
    expect(r.stderr).toMatch(new RegExp(`${file}:3:12: scenarios\\[0\\]\\.users`));
    expect(r.stderr).toMatch(new RegExp(`${file}:4:11: scenarios\\[0\\]\\.rate`));
    expect(r.stderr).toMatch(new RegExp(`${file}:6:10: scenarios\\[1\\]\\.qos`));
    expect(r.stderr).toMatch(new RegExp(`${file}:7:5: .*tresholds.*thresholds`));
  });

  it('exits 2 on YAML that does not parse, and on a missing file', async () => {
    const broken = scenarioFile('scenarios:\n  - name: a\n    rooms: { count: 1\n');
    const r = await runCli(['run', broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${broken}:\\d+:\\d+: `));
    const missing = await runCli(['run', '/nonexistent/chatbench.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read scenario file /nonexistent/chatbench.yaml');
  });

  it('exits 3 when the target cannot be reached, says which, and still writes the JSON', async () => {
    const port = await closedPort();
    const json = join(tempDir(), 'out.json');
    // The password in the URL never reaches the output or the result file (the user is kept).
    const r = await runCli(['run', scenarioFile(SMALL), '--target', `mqtt://alice:hunter2@127.0.0.1:${port}`, '--json', json]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach target mqtt://alice:***@127.0.0.1:${port}`);
    expect(r.stderr).toContain('connection refused');
    const text = readFileSync(json, 'utf8');
    expect(`${r.stderr}${r.stdout}${text}`).not.toContain('hunter2');
    const result = RunResult.parse(JSON.parse(text));
    expect(result.aborted).toMatchObject({ cause: 'unreachable', message: expect.stringContaining(`cannot reach target mqtt://alice:***@127.0.0.1:${port}`) as unknown });
    expect(result.scenarios).toEqual([]);
  });

  it('exits 0 on a passing run on the embedded broker and writes the result contract', async () => {
    const cwd = tempDir();
    const json = join(cwd, 'nested', 'result.json');
    // Frequent checkpoints must never land after, and overwrite, the final result.
    const junit = join(tempDir(), 'junit.xml');
    const markdown = join(tempDir(), 'summary.md');
    const html = join(tempDir(), 'report.html');
    const r = await runCli(['run', scenarioFile(SMALL), '--json', json, '--checkpoint-every', '50ms', '--junit', junit, '--markdown', markdown, '--html', html], { cwd });
    expect(r.stderr).toMatch(/PASS small-room/);
    expect(r.stderr).toContain('created folder nested for --json');
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites name="chatbench" tests="\d+" failures="0" errors="0"/);
    expect(readFileSync(markdown, 'utf8')).toContain('small-room');
    expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>\n<html lang="en">.*<title>chatbench PASS: embedded broker/s);
    expect(r.stderr).toContain(`HTML report written to ${html}`);
    expect(r.stderr).toMatch(/p50\s+p90\s+p99\s+p99\.9\s+max/);
    expect(r.stderr).toMatch(/latency\s+[\d.]+ (µs|ms)/);
    expect(r.stderr).toContain(`result written to ${json}`);
    expect(r.code).toBe(0);
    const raw = JSON.parse(readFileSync(json, 'utf8')) as unknown;
    const result = RunResult.parse(raw);
    expect(result).toMatchObject({ schemaVersion: 2, kind: 'run', tool: { name: 'chatbench', version: pkg.version }, aborted: null });
    expect(result.target).toMatchObject({ protocol: 'mqtt', protocolVersion: '3.1.1', embedded: true, tcpNoDelay: true });
    expect(result.target.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const s = result.scenarios[0];
    expect(s?.status).toBe('passed');
    // 1 s at 200/s = 200 sends, each owed to 3 other members.
    expect(s?.delivery).toMatchObject({ expected: 600, delivered: 600, lost: 0, undelivered: 0, duplicated: 0, reordered: 0, violations: 0 });
    expect(s?.delivery.byQos['1']?.allowed).toEqual({ lost: false, duplicated: true, reordered: false });
    expect(s?.latency.unit).toBe('us');
    expect(s?.latency.hdr.length).toBeGreaterThan(10);
    expect(s?.throughput.series.length).toBe(1);
    expect(s?.thresholds.map((t) => [t.expression, t.passed])).toEqual([['p99 < 5s', true], ['lost == 0', true]]);
  });

  it('exits 1 when a threshold fails, and shows which', async () => {
    const r = await runCli(['run', scenarioFile(SMALL.replace('p99 < 5s', 'p99 < 1us'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAIL small-room/);
    expect(r.stderr).toMatch(/✗ p99 < 1us\s+\(actual [\d,.]+ (µs|ms|s)\)/);
  });

  it('runs only the scenarios named with --scenario and rejects unknown ones with exit 2', async () => {
    const two = `${SMALL}\n  - name: other\n    users: 2\n    duration: 500ms\n    warmup: 100ms\n`;
    const file = scenarioFile(two);
    const json = join(tempDir(), 'r.json');
    const r = await runCli(['run', file, '--scenario', 'other', '--json', json, '--quiet']);
    expect(r.code).toBe(0);
    expect(RunResult.parse(JSON.parse(readFileSync(json, 'utf8'))).scenarios.map((s) => s.name)).toEqual(['other']);
    expect(r.stderr).not.toContain('connect:');
    const bad = await runCli(['run', file, '--scenario', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scenario "nope"; the file has: small-room, other');
    expect(bad.stderr).not.toContain('embedded broker'); // rejected before the target is touched
  });

  it('exits 2 before running when --json cannot be written, leaving nothing behind', async () => {
    const dir = tempDir();
    const folder = await runCli(['run', scenarioFile(SMALL), '--json', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`--json ${dir}: is a folder`);
    expect(folder.stderr).not.toContain('embedded broker');
    expect(readdirSync(dir)).toEqual([]);
    const empty = await runCli(['run', scenarioFile(SMALL), '--json', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--json needs a file name');
  });

  it('exits 2 before running when an output path is in a folder that cannot hold files, for every output flag', async () => {
    const dir = tempDir();
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# a file, not a folder\n');
    const cases: Array<[string, string, RegExp]> = [
      ['--json', '/proc/x.json', /--json \/proc\/x\.json: cannot create a file in \/proc \(the folder does not take new files\)/],
      ['--junit', join(readme, 'x.xml'), new RegExp(`--junit ${readme}/x\\.xml: ${readme} is a file, not a folder`)],
      ['--html', join(readme, 'deeper', 'x.html'), new RegExp(`--html ${readme}/deeper/x\\.html: ${readme} is a file, not a folder`)],
      ['--markdown', '/proc/self/x.md', /--markdown \/proc\/self\/x\.md: cannot create a file in \/proc\/self/],
    ];
    const runs = await Promise.all(cases.map(([flag, path]) => runCli(['run', scenarioFile(SMALL), flag, path])));
    runs.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(cases[i]?.[2] as RegExp);
      expect(r.stderr).not.toContain('embedded broker'); // refused before the run
    });
    expect(readdirSync(dir)).toEqual(['README.md']);
    expect(readdirSync('/proc').filter((name) => name.startsWith('.chatbench'))).toEqual([]);
  });

  it('creates missing folders for an output only when it writes, and none when the run is refused', async () => {
    const dir = tempDir();
    const r = await runCli(['run', scenarioFile('scenarios: [{ name: a, users: -1 }]'), '--json', join(dir, 'a', 'b', 'r.json')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('users');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('warns that --checkpoint-every has nothing to write without --json, and without a terminal prints no progress line within 10 s', async () => {
    const r = await runCli(['run', scenarioFile(SMALL), '--checkpoint-every', '1s']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: --checkpoint-every 1s has nothing to write without --json FILE; ignored');
    expect(r.stderr).not.toMatch(/users? connected/);
    expect(r.stderr).not.toContain('\r');
  });

  it('without a terminal prints plain progress lines (interval set for tests by CHATBENCH_PROGRESS_EVERY), none with --quiet', async () => {
    const file = scenarioFile(SMALL.replace('duration: 1s', 'duration: 3s'));
    const env = { CHATBENCH_PROGRESS_EVERY: '200ms' };
    const [r, quiet] = await Promise.all([runCli(['run', file], { env }), runCli(['run', file, '--quiet'], { env })]);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('users connected'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(/^ {2}small-room {2}(send|drain) {2}0:0\d \/ 0:03 {2}4 users connected {2}sent [\d,]+ of 600( \([\d,]+\/s\))? {2}delivered [\d,]+( \([\d,]+\/s\))?( {2}p99 [\d.,]+ (µs|ms|s))?$/);
    }
    expect(lines.some((l) => /sent [\d,]+ of 600 \(\d+\/s\)/.test(l))).toBe(true);
    expect(r.stderr).not.toContain('\r');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/users connected|send:/);
  });

  it('a second SIGINT while measuring quits at once with exit 3, saying the last checkpoint stays, and leaves it readable', async () => {
    // A room the in-process broker cannot keep up with, so the drain after the first SIGINT lasts.
    const heavy = SMALL.replace('users: 4', 'users: 60').replace('members: 4', 'members: 60').replace('rate: 200/s', 'rate: 1000/s')
      .replace('duration: 1s', 'duration: 60s').replace('drain: 2s', 'drain: 30s');
    let again = false;
    const { run: r, json } = await interruptedRun('SIGINT', {
      yaml: heavy,
      extra: ['--checkpoint-every', '200ms'],
      afterSignal: (stderr, pid) => {
        if (again || !stderr.includes('received SIGINT: stopping after the drain')) return;
        again = true;
        process.kill(pid, 'SIGINT');
      },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`received SIGINT again: quitting now; the last checkpoint stays in ${json}`);
    expect(r.stderr).not.toContain('result written to');
    const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.aborted).toMatchObject({ scenario: 'small-room', cause: 'incomplete' });
    expect(result.scenarios[0]?.delivery.expected).toBeGreaterThan(0);
    expect(readdirSync(dirname(json))).toEqual(['partial.json']); // no half-written temp file left
  });

  it('killed with SIGKILL mid-scenario, leaves a result file with what it had measured, marked incomplete', async () => {
    const { json } = await interruptedRun('SIGKILL', { extra: ['--checkpoint-every', '300ms'] });
    const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.aborted).toMatchObject({ scenario: 'small-room', cause: 'incomplete' });
    expect(result.aborted?.message).toMatch(/[\d.]+ s into the scenario/);
    const s = result.scenarios[0];
    expect(s?.status).toBe('aborted');
    expect(s?.delivery.expected).toBeGreaterThan(0);
    expect(s?.latency.count).toBeGreaterThan(0);
    const bad = await runCli(['run', scenarioFile(SMALL), '--json', json, '--checkpoint-every', 'often']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--checkpoint-every often: expected a duration');
  });

  it('on SIGINT half-way stops, exits 3 and writes what it measured', async () => {
    const { run: r, json } = await interruptedRun('SIGINT');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('received SIGINT');
    const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.aborted).toMatchObject({ scenario: 'small-room', cause: 'signal', message: expect.stringContaining('SIGINT') as unknown });
    expect(result.scenarios[0]?.status).toBe('aborted');
    expect(result.scenarios[0]?.delivery.expected).toBeGreaterThan(0);
    expect(result.scenarios[0]?.latency.count).toBeGreaterThan(0);
  });
});

describe('test temp folders', () => {
  it('are removed by removeTempDirs, which runs after every test file that uses the CLI helper', () => {
    const dirs = [tempDir(), tempDir()];
    writeFileSync(join(dirs[0] as string, 'x'), 'x');
    expect(dirs.every((d) => existsSync(d))).toBe(true);
    removeTempDirs();
    expect(dirs.some((d) => existsSync(d))).toBe(false);
  });
});

/**
 * A 60-second run with --json, sent `signal` once it has been sending for a second (and, with
 * --checkpoint-every, once a checkpoint is on disk): waiting for the output, not a fixed time,
 * keeps it right on a loaded machine. `afterSignal` sees stderr as it grows after the signal.
 */
async function interruptedRun(
  signal: NodeJS.Signals,
  options: { yaml?: string; extra?: string[]; afterSignal?: (stderr: string, pid: number) => void } = {},
): Promise<{ run: CliRun; json: string }> {
  const dir = tempDir();
  const json = join(dir, 'partial.json');
  const extra = options.extra ?? [];
  let pid = 0;
  let sending = false;
  let signalled = false;
  const running = runCli(['run', scenarioFile(options.yaml ?? SMALL.replace('duration: 1s', 'duration: 60s')), '--json', json, ...extra], {
    onSpawn: (p) => { pid = p; },
    onStderr: (stderr) => {
      sending ||= stderr.includes('\n  send: ');
      if (signalled) options.afterSignal?.(stderr, pid);
    },
  });
  const ready = (): boolean => sending && (!extra.includes('--checkpoint-every') || existsSync(json));
  for (let waited = 0; !ready() && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  signalled = true;
  process.kill(pid, signal);
  return { run: await running, json };
}
