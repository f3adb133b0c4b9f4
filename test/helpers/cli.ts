/**
 * Spawns the real chatbench binary (bin/chatbench.js over dist/, built by `npm test`'s pretest),
 * in temp folders that are removed when the test file that made them finishes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** A one-second scenario on four users that passes on any broker that delivers. */
export const SMALL = `
scenarios:
  - name: small-room
    users: 4
    rooms: { count: 1, members: 4 }
    rate: 200/s
    duration: 1s
    warmup: 200ms
    drain: 2s
    thresholds: ["p99 < 5s", "lost == 0"]
`;

export const BIN = fileURLToPath(new URL('../../bin/chatbench.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called once the child has started, e.g. to send it a signal later. */
  onSpawn?: (pid: number) => void;
  /** Called with all of stderr so far whenever more arrives, e.g. to wait for a message. */
  onStderr?: (stderr: string) => void;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? tempDir(),
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chatbench ${args.join(' ')} did not exit within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Temp folders made by this test file (each test file loads its own copy of this module). */
const made = new Set<string>();

/** A fresh temp folder, removed after the test file that asked for it (see removeTempDirs). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chatbench-test-'));
  made.add(dir);
  return dir;
}

/** Removes every folder tempDir() made so far. */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

// Registered at load time, so it runs at the end of every test file that imports this helper
// (vitest isolates test files: each evaluates this module and registers its own hook).
afterAll(removeTempDirs);

/** Writes `text` to a scenario file in a fresh temp folder and returns its path. */
export function scenarioFile(text: string, name = 'scenarios.yaml'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}
