/**
 * Peer processes for bench:peers: each client runs under a small sh wrapper that waits for it
 * and then prints its own /proc/PID/stat, whose cutime + cstime are exactly the CPU of the client
 * it waited for (proc(5)) — the client's own accounting, read after it exited. The wrapper also
 * prints the client's PID, so a client that hangs is stopped by that PID and no other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Stream } from 'node:stream';
import { clockTicks } from '../../runners/local/usage.js';
import { waitedChildTicks } from './figures.js';

/**
 * Runs "$@" in the background with the wrapper's stdin (a background job's stdin would be
 * /dev/null otherwise), reports its PID, waits, then reports the wrapper's stat line.
 */
const WRAPPER = 'exec 3<&0; "$@" <&3 3<&- & pid=$!; exec 3<&-; echo "pid $pid" >&2; wait $pid; code=$?; cat /proc/$$/stat >&2; exit $code';

export interface Peer {
  child: ChildProcess;
  /** Resolves when the client exited: its exit code and CPU seconds (null when the stat line was missing). */
  done: Promise<{ code: number | null; cpuSeconds: number | null; stderr: string }>;
  /** Stops the client (SIGTERM to its PID), if it still runs. */
  stop(): void;
}

/** What the wrapper printed on stderr: the client's PID and the waited-for CPU ticks, and the rest. */
export function parseWrapperOutput(stderr: string): { pid: number | null; ticks: number | null; rest: string } {
  let pid: number | null = null;
  let ticks: number | null = null;
  const rest: string[] = [];
  for (const line of stderr.split('\n')) {
    const p = /^pid (\d+)$/.exec(line);
    if (p) pid = Number(p[1]);
    else if (/^\d+ \(.*\) [A-Za-z] /.test(line)) ticks = waitedChildTicks(line) ?? null;
    else if (line.trim() !== '') rest.push(line);
  }
  return { pid, ticks, rest: rest.join('\n') };
}

/** A child's stdin or stdout: another child's pipe, a file descriptor, or nothing. */
export type StdioEntry = 'ignore' | 'pipe' | Stream | number;

export function spawnPeer(command: string, args: readonly string[], stdio: { stdin: StdioEntry; stdout: StdioEntry; env?: NodeJS.ProcessEnv }): Peer {
  const child = spawn('sh', ['-c', WRAPPER, 'sh', command, ...args], { stdio: [stdio.stdin, stdio.stdout, 'pipe'], env: stdio.env ?? process.env });
  let stderr = '';
  let clientPid: number | null = null;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    clientPid ??= parseWrapperOutput(stderr).pid;
  });
  const done = new Promise<{ code: number | null; cpuSeconds: number | null; stderr: string }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, cpuSeconds: null, stderr: `${stderr}${err.message}` }));
    child.once('close', (code) => {
      const out = parseWrapperOutput(stderr);
      resolve({ code, cpuSeconds: out.ticks === null ? null : out.ticks / clockTicks(), stderr: out.rest });
    });
  });
  const stop = (): void => {
    if (clientPid === null || child.exitCode !== null) return;
    try {
      process.kill(clientPid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  return { child, done, stop };
}

/** Shell words quoted for a command line a person can paste. */
export function shellLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
