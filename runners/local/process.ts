/**
 * A local server process chatbench started: spawned in a process group of its own, ready when
 * its output says so (or its ports accept), stopped by PID with SIGTERM then SIGKILL, its temp
 * folder removed. One module for every server (runners/local/mosquitto.ts, prosody.ts,
 * ejabberd.ts) so each stop path — a normal end, an error, Ctrl-C, process exit — is written once.
 *
 * Why a process group of its own: Ctrl-C in a terminal sends SIGINT to the whole foreground
 * group. chatbench's first Ctrl-C means "stop after the drain", so the server must not get it
 * too and die mid-run; chatbench stops it afterwards, by PID.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { RunAbortedError } from '../../core/errors.js';

/** The last this many characters of the server's output are kept for error messages. */
const OUTPUT_KEEP = 16_384;
/** How much of that output an error message quotes. */
const TAIL_LINES = 30;

export interface ProcessSpec {
  /** For messages: "mosquitto". */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  /** The whole environment (nothing of chatbench's is inherited unless passed). */
  env?: NodeJS.ProcessEnv;
  /** Run as this account (we are root and the server insists on its own user). */
  account?: { uid: number; gid: number } | undefined;
  /** Ready once each of these strings has appeared in the output (stdout and stderr)... */
  readyWhenLogged?: readonly string[];
  /** ...and each of these loopback ports accepts a TCP connection. */
  readyWhenListening?: readonly number[];
  startTimeoutMs: number;
  /** After SIGTERM, how long until SIGKILL. */
  stopTimeoutMs: number;
  /**
   * The PID that SIGTERM goes to and whose usage is read, when it is not the spawned one
   * (ejabberd: ejabberdctl's shell runs the Erlang VM, which writes a pid file).
   */
  serverPid?: () => Promise<number | undefined>;
  /** The temp folder with the generated config: removed when the process is stopped. */
  folder: string;
  /** Aborts the wait for readiness (Ctrl-C while a server starts): it is stopped, RunAbortedError. */
  signal?: AbortSignal | undefined;
}

export interface ServerProcess {
  /** The server's own PID (serverPid's answer, else the spawned process). */
  readonly pid: number;
  /** Its temp folder (generated config, data), removed by stop(). */
  readonly folder: string;
  /** What the server wrote so far (the last few KiB). */
  log(): string;
  /** Stops it (SIGTERM, SIGKILL after the spec's timeout), kills what is left of its group, removes the folder. Idempotent. */
  stop(): Promise<void>;
}

/** A server that could not be started: why, and what it wrote (the message quotes the tail). */
export class ServerStartError extends Error {
  /** "mosquitto". */
  readonly server: string;
  /** "exited (code 1)", "was not ready after 10000 ms", "has no PID". */
  readonly reason: string;
  /** Everything kept of its output (the last few KiB). */
  readonly output: string;
  constructor(server: string, reason: string, output: string) {
    const tail = output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
    super(`${server} did not start: it ${reason}${tail ? `; its last output:\n${tail}` : ' (it wrote nothing)'}`);
    this.name = 'ServerStartError';
    this.server = server;
    this.reason = reason;
    this.output = output;
  }
}

/**
 * Groups still running, killed synchronously if chatbench exits without stopping them (a second
 * Ctrl-C quits at once through process.exit; an uncaught error): no server outlives chatbench.
 */
const live = new Map<number, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [group, folder] of live) {
      signalGroup(group, 'SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
    live.clear();
  });
}

export function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is gone
  }
}

function signalPid(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a process with this PID is running. A zombie (exited, not yet reaped: in a container
 * whose PID 1 does not reap orphans it may stay one) is not running.
 */
export function processAlive(pid: number): boolean {
  if (!signalPid(pid, 0)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone between the two looks, or no /proc at all (not Linux: the signal's answer stands).
    return !existsSync('/proc/self');
  }
}

export async function startProcess(spec: ProcessSpec): Promise<ServerProcess> {
  installExitHook();
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd ?? spec.folder,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.account ? { uid: spec.account.uid, gid: spec.account.gid } : {}),
  });
  const group = child.pid;
  if (group !== undefined) live.set(group, spec.folder);

  let output = '';
  const awaitedLines = new Set(spec.readyWhenLogged ?? []);
  let logged = (): void => {};
  const allLogged = new Promise<void>((resolve) => {
    logged = resolve;
  });
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-OUTPUT_KEEP);
    for (const line of awaitedLines) if (output.includes(line)) awaitedLines.delete(line);
    if (awaitedLines.size === 0) logged();
  };
  if (awaitedLines.size === 0) logged();
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
    child.once('error', (err) => resolve(`could not be run: ${err.message}`));
  });
  let exitedYet = false;
  void exited.then(() => {
    exitedYet = true;
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (group !== undefined && !exitedYet) {
        // SIGTERM to the server itself (a graceful shutdown), else to its whole group.
        const own = await spec.serverPid?.();
        if (own === undefined || !signalPid(own, 'SIGTERM')) signalGroup(group, 'SIGTERM');
        const killer = setTimeout(() => signalGroup(group, 'SIGKILL'), spec.stopTimeoutMs);
        await exited;
        clearTimeout(killer);
      }
      // Helpers the server ran (ejabberd's extauth) may outlive it: anything left in the group is ours.
      if (group !== undefined) {
        signalGroup(group, 'SIGKILL');
        live.delete(group);
      }
      await rm(spec.folder, { recursive: true, force: true });
    })();
    return stopping;
  };

  const outcome = await waitUntilReady(spec, allLogged, exited);
  if (outcome !== 'ready') {
    await stop();
    if (outcome === 'aborted') throw new RunAbortedError(`interrupted while ${spec.name} was starting; it was stopped`);
    throw new ServerStartError(spec.name, outcome, output);
  }
  const pid = (await spec.serverPid?.()) ?? group;
  if (pid === undefined) {
    await stop();
    throw new ServerStartError(spec.name, 'has no PID', output);
  }
  return { pid, folder: spec.folder, log: () => output, stop };
}

/** 'ready', 'aborted', or why not ("exited (code 1)", a timeout). */
async function waitUntilReady(spec: ProcessSpec, allLogged: Promise<void>, exited: Promise<string>): Promise<string> {
  const ports = spec.readyWhenListening ?? [];
  const done = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const timedOut = new Promise<string>((resolve) => {
    timers.push(setTimeout(() => resolve(`was not ready after ${spec.startTimeoutMs} ms`), spec.startTimeoutMs));
  });
  const aborted = new Promise<string>((resolve) => {
    if (spec.signal?.aborted) resolve('aborted');
    spec.signal?.addEventListener('abort', () => resolve('aborted'), { once: true, signal: done.signal });
  });
  const ready = allLogged
    .then(() => Promise.all(ports.map((port) => waitForPort(port, done.signal))))
    .then(() => 'ready');
  try {
    return await Promise.race([ready, exited, timedOut, aborted]);
  } finally {
    done.abort();
    for (const timer of timers) clearTimeout(timer);
  }
}

/** Whether 127.0.0.1:port accepts a TCP connection now (closed at once). */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once 127.0.0.1:port accepts a connection, or once `stop` aborts (the race was decided elsewhere). */
async function waitForPort(port: number, stop: AbortSignal): Promise<void> {
  for (let delay = 10; !stop.aborted; delay = Math.min(delay * 2, 200)) {
    if (await acceptsConnections(port)) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
