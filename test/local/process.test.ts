/**
 * runners/local/process.ts on a stand-in server (a small Node program): ready when its output
 * says so and its port accepts, the tail of its output when it never gets ready or exits, stop
 * by PID with SIGTERM then SIGKILL, its folder removed, and Ctrl-C while it starts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunAbortedError } from '../../core/errors.js';
import { freePorts } from '../../runners/local/listeners.js';
import { acceptsConnections, processAlive, ServerStartError, startProcess, type ProcessSpec } from '../../runners/local/process.js';

/** A server that listens on PORT after DELAY ms, logs "listening on PORT", and ignores SIGTERM when asked. */
const STAND_IN = `
const net = require('node:net');
const [port, delay, ignoreTerm] = process.argv.slice(2);
console.log('stand-in starting');
if (ignoreTerm === 'yes') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
setTimeout(() => net.createServer(() => {}).listen(Number(port), '127.0.0.1', () => console.log('listening on ' + port)), Number(delay));
`;

async function standIn(port: number, opts: { delayMs?: number; ignoreTerm?: boolean } = {}): Promise<Pick<ProcessSpec, 'command' | 'args' | 'folder'>> {
  const folder = await mkdtemp(join(tmpdir(), 'chatbench-local-test-'));
  const script = join(folder, 'server.cjs');
  await writeFile(script, STAND_IN);
  return { command: process.execPath, args: [script, String(port), String(opts.delayMs ?? 0), opts.ignoreTerm ? 'yes' : 'no'], folder };
}

const TIMES = { startTimeoutMs: 10_000, stopTimeoutMs: 2_000 };

describe('a local server process', () => {
  it('is ready once it logged the line and its port accepts; stop ends it by PID and removes its folder', async () => {
    const [port = 0] = await freePorts(1);
    const spec = await standIn(port, { delayMs: 200 });
    const proc = await startProcess({ name: 'stand-in', ...spec, readyWhenLogged: [`listening on ${port}`], readyWhenListening: [port], ...TIMES });
    expect(await acceptsConnections(port)).toBe(true);
    expect(proc.log()).toContain(`listening on ${port}`);
    expect(proc.folder).toBe(spec.folder);
    expect(processAlive(proc.pid)).toBe(true);
    await proc.stop();
    expect(processAlive(proc.pid)).toBe(false);
    expect(await acceptsConnections(port)).toBe(false);
    expect(existsSync(spec.folder)).toBe(false);
    await proc.stop(); // idempotent
  });

  it('a server that ignores SIGTERM gets SIGKILL after the stop timeout', async () => {
    const [port = 0] = await freePorts(1);
    const proc = await startProcess({ name: 'stubborn', ...(await standIn(port, { ignoreTerm: true })), readyWhenListening: [port], startTimeoutMs: 10_000, stopTimeoutMs: 300 });
    await proc.stop();
    expect(proc.log()).toContain('ignoring SIGTERM');
    expect(processAlive(proc.pid)).toBe(false);
  });

  it('never ready: stopped after the start timeout, the error quotes its output, the folder is gone', async () => {
    const [port = 0] = await freePorts(1);
    const spec = await standIn(port);
    const failed = await startProcess({ name: 'stand-in', ...spec, readyWhenLogged: ['a line it never writes'], startTimeoutMs: 3_000, stopTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ServerStartError);
    expect((failed as ServerStartError).reason).toBe('was not ready after 3000 ms');
    expect((failed as Error).message).toMatch(/^stand-in did not start: it was not ready after 3000 ms; its last output:\n[\s\S]*stand-in starting/);
    expect(existsSync(spec.folder)).toBe(false);
    expect(await acceptsConnections(port)).toBe(false);
  });

  it('exits before ready: the error says how', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'chatbench-local-test-'));
    const failed = await startProcess({
      name: 'crasher', command: process.execPath, args: ['-e', 'console.error("bad config line 3"); process.exit(4)'], folder, readyWhenLogged: ['never'], ...TIMES,
    }).catch((e: unknown) => e as ServerStartError);
    expect(failed).toMatchObject({ reason: 'exited (code 4)' });
    expect((failed as Error).message).toContain('bad config line 3');
    expect(existsSync(folder)).toBe(false);
  });

  it('Ctrl-C while it starts: it is stopped, RunAbortedError (exit 3)', async () => {
    const [port = 0] = await freePorts(1);
    const spec = await standIn(port, { delayMs: 60_000 });
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGINT'), 300);
    const failed = await startProcess({ name: 'slow', ...spec, readyWhenListening: [port], ...TIMES, signal: abort.signal }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RunAbortedError);
    expect(existsSync(spec.folder)).toBe(false);
  });
});

/** The built module (npm test builds dist/ first): a child Node process loads it as chatbench does. */
const BUILT = fileURLToPath(new URL('../../dist/runners/local/process.js', import.meta.url));

it('chatbench exiting at once (a second Ctrl-C: process.exit) takes the server with it', async () => {
  const [port = 0] = await freePorts(1);
  const spec = await standIn(port);
  const program = `
    const { startProcess } = await import(${JSON.stringify(BUILT)});
    const spec = JSON.parse(process.argv[1]);
    const proc = await startProcess({ name: 'stand-in', ...spec, readyWhenListening: [${port}], startTimeoutMs: 10000, stopTimeoutMs: 2000 });
    console.log(proc.pid);
    process.exit(3);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', program, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(3);
  const pid = Number(out.trim());
  expect(pid).toBeGreaterThan(0);
  // Killed with SIGKILL in the exit hook: gone once reaped by init, within moments.
  for (let i = 0; i < 50 && processAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(processAlive(pid)).toBe(false);
  expect(await acceptsConnections(port)).toBe(false);
  expect(existsSync(spec.folder)).toBe(false);
});
