/**
 * `chatbench run --workers N`: the run in N processes on this machine, each one shard of it
 * (`run --shard i/N --run-id R`, forked with an IPC channel), merged exactly afterwards by the
 * merge `chatbench merge` uses. Every worker connects its users and says it is ready; the
 * parent says go, per scenario, once all are ready. Each writes its result (and checkpoints)
 * to a file of its own, so a worker that dies leaves what it had measured.
 *
 * A worker that ends before the others finished (killed, crashed, bad input) stops the rest:
 * SIGINT (they stop after the drain and write what they measured), then, past a bound, SIGKILL.
 * The merge then keeps every part's measurements (allowPartial) and the result says which
 * worker ended and how. Ctrl-C here is passed on once to every worker; workers run in their own
 * process group, so a terminal's Ctrl-C reaches them only through this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetInfo } from '../core/driver.js';
import { RunAbortedError } from '../core/errors.js';
import type { EngineEvent, ProgressEvent } from '../core/engine/index.js';
import type { RunResult } from '../core/result/index.js';
import { mergeRunResults } from '../core/result/merge.js';
import { readResultFileOfKind } from './files.js';
import { WORKER_ENV, type ParentMessage, type WorkerMessage } from './worker-channel.js';

const BIN = fileURLToPath(new URL('../../bin/chatbench.js', import.meta.url));
/** After SIGINT, how long a worker gets to drain and write before SIGKILL. */
const STOP_GRACE_MS = 5 * 60_000;
/** Lines of a worker's stderr kept to say why it ended. */
const STDERR_TAIL = 20;

export interface WorkersOptions {
  count: number;
  runId: string;
  file: string;
  /** --scenario names to run (all when empty). */
  only: readonly string[];
  /** The target as opened here; an embedded broker is this process's, and the workers reach it by its URL. */
  target: TargetInfo;
  /**
   * Flags given here that every worker gets: otherwise the workers open the target as this
   * process did (--target, --mqtt-version), with the same client, checkpointing as asked.
   */
  given: { target?: string | undefined; mqttVersion?: string | undefined; mqttClient?: string | undefined; checkpointEvery?: string | undefined };
  signal: AbortSignal;
  onEvent: (event: EngineEvent) => void;
  say: (line: string) => void;
}

/** How a worker process ended: exit code, or the signal that ended it. */
export interface WorkerEnd {
  index: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its last lines of stderr. */
  stderr: string;
}

interface Worker {
  index: number;
  child: ChildProcess;
  resultPath: string;
  ended: Promise<WorkerEnd>;
  done: boolean;
}

export async function runInWorkers(options: WorkersOptions): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbench-workers-'));
  try {
    const workers = Array.from({ length: options.count }, (_, index) => startWorker(index, dir, options));
    options.say(`chatbench: ${options.count} workers of run ${options.runId} (pids ${workers.map((w) => w.child.pid ?? '?').join(', ')}), one shard each`);
    let killer: NodeJS.Timeout | undefined;
    /** Set once the workers were asked to stop: how they end after that is what was asked. */
    let stopping = false;
    const signalAll = (signal: NodeJS.Signals) => {
      for (const w of workers) if (!w.done) w.child.kill(signal);
    };
    const stopAll = () => {
      if (stopping) return;
      stopping = true;
      signalAll('SIGINT');
      killer = setTimeout(() => signalAll('SIGKILL'), STOP_GRACE_MS);
    };
    const barrier = new GoBarrier(workers, options.say);
    const progress = new MergedProgress(options.count, options.onEvent);
    for (const w of workers) {
      w.child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') barrier.ready(w.index, message.scenario);
        else if (message.type === 'event') progress.handle(w.index, message.event);
      });
    }
    const onAbort = () => stopAll();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const abnormal: WorkerEnd[] = [];
    try {
      await Promise.all(
        workers.map(async (w) => {
          const end = await w.ended;
          w.done = true;
          barrier.gone(w.index);
          if (isAbnormal(end) && !stopping) {
            abnormal.push(end);
            options.say(`chatbench: ${describeEnd(end, options.count)}; stopping the other workers`);
            stopAll();
          }
        }),
      );
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      clearTimeout(killer);
    }
    return await mergeParts(workers, abnormal, stopping, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function startWorker(index: number, dir: string, options: WorkersOptions): Worker {
  const resultPath = join(dir, `worker-${index}.json`);
  const args = ['run', options.file, '--shard', `${index}/${options.count}`, '--run-id', options.runId, '--json', resultPath, '--quiet', ...workerFlags(options)];
  const child = fork(BIN, args, {
    env: { ...process.env, [WORKER_ENV]: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // Its own process group: a terminal's Ctrl-C comes through the parent, once.
    detached: true,
  });
  let tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = [...tail, ...chunk.toString().split('\n')].slice(-STDERR_TAIL);
  });
  const ended = new Promise<WorkerEnd>((resolve) => {
    child.once('exit', (code, signal) => resolve({ index, pid: child.pid ?? 0, code, signal, stderr: tail.join('\n').trim() }));
    child.once('error', () => resolve({ index, pid: child.pid ?? 0, code: null, signal: null, stderr: tail.join('\n').trim() }));
  });
  return { index, child, resultPath, ended, done: false };
}

/** The scenario selection and how to reach the target, as flags of a worker's `run`. */
function workerFlags({ only, target, given }: WorkersOptions): string[] {
  const flags = only.flatMap((name) => ['--scenario', name]);
  if (given.mqttClient !== undefined) flags.push('--mqtt-client', given.mqttClient);
  if (given.checkpointEvery !== undefined) flags.push('--checkpoint-every', given.checkpointEvery);
  // The embedded broker speaks MQTT 3.1.1 only.
  if (target.embedded) return [...flags, '--target', target.url, '--mqtt-version', '3.1.1'];
  if (given.target !== undefined) flags.push('--target', given.target);
  if (given.mqttVersion !== undefined) flags.push('--mqtt-version', given.mqttVersion);
  return flags;
}

/** Exit 0 (passed) and 1 (a check failed) are a finished run; anything else ended it early. */
function isAbnormal(end: WorkerEnd): boolean {
  return end.signal !== null || (end.code !== 0 && end.code !== 1);
}

function describeEnd(end: WorkerEnd, count: number): string {
  const how = end.signal !== null ? `was killed by ${end.signal}` : end.code === null ? 'could not be started' : `exited with code ${end.code}`;
  return `worker ${end.index} of ${count} (pid ${end.pid}) ${how}`;
}

/** `stopped`: the workers were asked to stop early, so some shards may be missing or incomplete. */
async function mergeParts(workers: readonly Worker[], abnormal: readonly WorkerEnd[], stopped: boolean, options: WorkersOptions): Promise<RunResult> {
  const read = await Promise.all(workers.map((w) => readResultFileOfKind(w.resultPath, 'run').catch(() => null)));
  const parts = read.flatMap((r) => (r === null ? [] : [r]));
  const sources = workers.flatMap((w, i) => (read[i] === null ? [] : [`worker ${w.index}`]));
  const ends = abnormal.map((e) => `${describeEnd(e, options.count)}${e.stderr === '' ? '' : `: ${lastLine(e.stderr)}`}`);
  if (parts.length === 0) {
    const all = await Promise.all(workers.map(async (w) => describeEnd(await w.ended, options.count)));
    throw new RunAbortedError(`no worker left a result (${all.join('; ')})${ends.length === 0 ? '' : `; first: ${ends[0]}`}`);
  }
  const joined = mergeRunResults(parts, { allowPartial: stopped, sources });
  // The workers reached this process's embedded broker by URL; the run's target is that broker.
  const merged = options.target.embedded ? { ...joined, target: { ...options.target } } : joined;
  if (abnormal.length === 0) return merged;
  // Which worker ended, and how, leads the reason the run stopped early.
  const aborted = merged.aborted;
  return {
    ...merged,
    aborted: { scenario: aborted?.scenario ?? null, cause: aborted?.cause ?? 'incomplete', message: [...ends, aborted?.message].filter(Boolean).join('; ') },
  };
}

function lastLine(text: string): string {
  return text.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
}

/** "go" for a scenario once every worker still running is ready for it. */
class GoBarrier {
  readonly #ready = new Map<string, Set<number>>();
  readonly #gone = new Set<number>();

  constructor(
    private readonly workers: readonly Worker[],
    private readonly say: (line: string) => void,
  ) {}

  ready(index: number, scenario: string): void {
    const set = this.#ready.get(scenario) ?? new Set<number>();
    set.add(index);
    this.#ready.set(scenario, set);
    this.#release(scenario);
  }

  /** A worker ended: nobody waits for it (the others are being stopped anyway). */
  gone(index: number): void {
    this.#gone.add(index);
  }

  #release(scenario: string): void {
    const set = this.#ready.get(scenario);
    const live = this.workers.filter((w) => !this.#gone.has(w.index));
    if (set === undefined || live.some((w) => !set.has(w.index))) return;
    this.say(`  workers: all ${live.length} ready for ${scenario}; go`);
    const go: ParentMessage = { type: 'go', scenario };
    for (const w of live) if (w.child.connected) w.child.send(go);
    this.#ready.delete(scenario);
  }
}

/**
 * One display for N workers: worker 0's scenario and phase lines (every worker goes through the
 * same ones), and progress summed over the workers' latest reports.
 */
class MergedProgress {
  readonly #latest: (ProgressEvent | undefined)[];

  constructor(
    count: number,
    private readonly onEvent: (event: EngineEvent) => void,
  ) {
    this.#latest = Array.from({ length: count }, () => undefined);
  }

  handle(index: number, event: EngineEvent): void {
    if (event.type !== 'progress') {
      if (event.type === 'scenario-start') this.#latest.fill(undefined);
      if (index === 0) this.onEvent(event);
      return;
    }
    this.#latest[index] = event;
    if (index !== 0) return;
    const all = this.#latest.filter((e): e is ProgressEvent => e !== undefined && e.scenario === event.scenario);
    const sum = (pick: (e: ProgressEvent) => number) => all.reduce((n, e) => n + pick(e), 0);
    // A status line's p99: the worst worker's (the exact merged one comes with the result).
    const p99 = Math.max(...all.map((e) => e.p99Micros ?? 0));
    const users = sum((e) => e.users ?? 0);
    this.onEvent({
      ...event,
      connected: sum((e) => e.connected),
      sent: sum((e) => e.sent),
      planned: sum((e) => e.planned),
      delivered: sum((e) => e.delivered),
      ...(users > 0 ? { users } : {}),
      ...(p99 > 0 ? { p99Micros: p99 } : {}),
    });
  }
}
