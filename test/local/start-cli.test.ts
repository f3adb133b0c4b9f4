/**
 * `chatbench run --start mosquitto` (and `target: { start: mosquitto }` in the file) as a
 * process: the server is started on a loopback port, run against, recorded in the result, and
 * stopped by its PID — after the run, on Ctrl-C, and
 * when the input is bad. What cannot start is exit 2 naming the apt package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { processAlive } from '../../runners/local/process.js';
import { runCli, scenarioFile, SMALL, tempDir, type CliRun } from '../helpers/cli.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';

/** The PID and URL chatbench printed for the server it started. */
function startedLine(stderr: string): { server: string; version: string; pid: number; url: string } | undefined {
  const m = /chatbench: started (\S+) (\S+) \(pid (\d+)\) for \S+ on (\S+)/.exec(stderr);
  return m ? { server: m[1] ?? '', version: m[2] ?? '', pid: Number(m[3]), url: m[4] ?? '' } : undefined;
}

/** A scenario that sends for a long time (interrupted by the test). */
const LONG = `
scenarios:
  - name: long-room
    users: 4
    rooms: { count: 1, members: 4 }
    rate: 50/s
    duration: 60s
    warmup: 0s
    drain: 1s
`;

/**
 * Runs chatbench and sends it SIGINT once it has started the server and the run has begun. (A
 * second Ctrl-C quits through process.exit: test/local/process.test.ts checks the exit hook that
 * then kills the server.)
 */
async function interrupted(): Promise<{ run: CliRun; pid: number | undefined }> {
  let cli: number | undefined;
  let signalled = false;
  const run = await runCli(['run', scenarioFile(LONG), '--start', 'mosquitto'], {
    timeoutMs: 40_000,
    onSpawn: (pid) => { cli = pid; },
    onStderr: (stderr) => {
      // "connect" progress means the server is up and the run is under way.
      if (signalled || cli === undefined || !startedLine(stderr) || !/connect/.test(stderr.split('chatbench: started')[1] ?? '')) return;
      signalled = true;
      const pid = cli;
      setTimeout(() => process.kill(pid, 'SIGINT'), 500);
    },
  });
  return { run, pid: startedLine(run.stderr)?.pid };
}

describeWithMosquitto('chatbench run --start mosquitto', () => {
  it('starts it, runs against it, records it in the result, and stops it by PID', async () => {
    const json = join(tempDir(), 'r.json');
    const r = await runCli(['run', scenarioFile(SMALL), '--start', 'mosquitto', '--json', json], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const started = startedLine(r.stderr);
    expect(started).toMatchObject({ server: 'mosquitto', version: expect.stringMatching(/^2\./), url: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/) });
    expect(processAlive(started?.pid ?? 0)).toBe(false);
    const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.target).toMatchObject({ url: started?.url, protocol: 'mqtt', embedded: false, started: true });
    expect(result.server).toMatchObject({ name: 'mosquitto', version: started?.version });
    expect(result.server?.cpuSeconds).toBeGreaterThanOrEqual(0);
    // mosquitto's resident set is megabytes, not bytes or gigabytes.
    expect(result.server?.peakRssBytes).toBeGreaterThan(1024 * 1024);
    expect(result.server?.peakRssBytes).toBeLessThan(512 * 1024 * 1024);
    expect(result.scenarios[0]?.delivery).toMatchObject({ lost: 0 });
    expect(result.scenarios[0]?.delivery.delivered).toBeGreaterThan(0);
  }, 45_000);

  it('target: { start: mosquitto } in the file does the same', async () => {
    const json = join(tempDir(), 'r.json');
    const r = await runCli(['run', scenarioFile(`target:\n  start: mosquitto\n  mqttVersion: 3.1.1\n${SMALL}`), '--json', json, '--quiet'], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    // The file's other target fields still apply to the server started.
    expect(result.target).toMatchObject({ protocol: 'mqtt', protocolVersion: '3.1.1', started: true });
    expect(result.server?.name).toBe('mosquitto');
  }, 45_000);

  it('a run against a server given by --target records no start and no server', async () => {
    const first = await runCli(['run', scenarioFile(SMALL), '--json', join(tempDir(), 'embedded.json'), '--quiet'], { timeoutMs: 40_000 });
    expect(first.code, first.stderr).toBe(0);
    const result = RunResult.parse(JSON.parse(readFileSync(join(first.stderr.match(/result written to (\S+)/)?.[1] ?? ''), 'utf8')));
    expect(result.target.started).toBeUndefined();
    expect(result.server).toBeUndefined();
  }, 45_000);

  it('Ctrl-C once: the run stops after the drain, and the server is stopped', async () => {
    const { run, pid } = await interrupted();
    expect(run.stderr).toContain('received SIGINT: stopping after the drain');
    expect(run.code, run.stderr).toBe(3);
    expect(pid).toBeGreaterThan(0);
    expect(processAlive(pid ?? 0)).toBe(false);
  }, 45_000);

  it('bad input found after the start (an unknown scenario) still stops the server', async () => {
    const r = await runCli(['run', scenarioFile(SMALL), '--start', 'mosquitto', '--scenario', 'nope'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown scenario "nope"');
    // Refused before anything started.
    expect(startedLine(r.stderr)).toBeUndefined();
  }, 25_000);
});

it.each([
  ['--start with --target', ['--start', 'mosquitto', '--target', 'mqtt://127.0.0.1:1883'], '--start and --target both name the server'],
  ['--protocol without --start', ['--protocol', 'xmpp'], '--protocol xmpp goes with --start'],
  ['a protocol the server does not speak', ['--start', 'mosquitto', '--protocol', 'xmpp'], 'mosquitto serves mqtt, not xmpp'],
  ['a server chatbench does not know', ['--start', 'openfire'], 'cannot start "openfire": chatbench starts mosquitto, ejabberd or prosody'],
])('%s: exit 2 before anything starts', async (_, args, message) => {
  const r = await runCli(['run', scenarioFile(SMALL), ...args], { timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(message);
  expect(startedLine(r.stderr)).toBeUndefined();
});

it.each([
  ['mosquitto', 'CHATBENCH_MOSQUITTO', 'apt-get install -y mosquitto'],
  ['prosody', 'CHATBENCH_PROSODY', 'apt-get install -y prosody'],
  ['ejabberd', 'CHATBENCH_EJABBERDCTL', 'apt-get install -y ejabberd'],
])('%s not installed: exit 2 naming the apt package', async (server, variable, install) => {
  const r = await runCli(['run', scenarioFile(SMALL), '--start', server], { env: { [variable]: '/nonexistent/bin/server' }, timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`${server} is not installed (${variable}=/nonexistent/bin/server is not an executable file): ${install}`);
});

it.each([
  ['url and start', 'target:\n  url: mqtt://127.0.0.1:1883\n  start: mosquitto\n', '3:10: target.start: give url (a running server) or start (a server chatbench starts), not both'],
  ['protocol without start', 'target:\n  url: mqtt://127.0.0.1:1883\n  protocol: xmpp\n', "3:13: target.protocol: protocol goes with start (a local server); a url's scheme names its protocol"],
  ['neither url nor start', 'target:\n  mqttVersion: 5\n', '2:3: target: the target names no server: give url, or start (a local server chatbench starts)'],
])('the file names %s: exit 2 with line and column', async (_, target, message) => {
  const r = await runCli(['run', scenarioFile(`${target}${SMALL}`)], { timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(message);
});
