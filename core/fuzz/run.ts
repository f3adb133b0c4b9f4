/**
 * A fuzz run as a result: the property loop (loop.ts) over a target, its findings turned into
 * replays and result findings, marked known or new against committed expectations, and the
 * `kind: "fuzz"` result (core/result/fuzz.ts) around them — with a checkpoint after every
 * finding and every `checkpointEveryMs`, so a killed fuzz keeps what it found.
 */
import { cpus } from 'node:os';
import { newRunId } from '../engine/run.js';
import { RESULT_SCHEMA_VERSION, type Target } from '../result/envelope.js';
import type { Finding, FuzzResult } from '../result/fuzz.js';
import type { Aborted } from '../result/reasons.js';
import { applyExpectations, type FuzzExpectations } from './files.js';
import { fuzzLoop, type FuzzTarget, type LoopFinding, type LoopProgress } from './loop.js';
import { REPLAY_FORMAT_VERSION, type Replay } from './replay.js';

export interface FuzzRunOptions {
  toolVersion: string;
  runId?: string;
  /** The target as results record it (URL redacted). */
  targetInfo: Target;
  seed: number;
  runs: number | null;
  timeLimitMs: number | null;
  shrinkBudgetMs?: number;
  signal?: AbortSignal;
  expect?: { file: string; expectations: FuzzExpectations };
  /** Keeps a finding's replay somewhere; returns where (null: only in the result). */
  saveReplay?(replay: Replay): Promise<string | null>;
  onProgress?(progress: LoopProgress): void;
  /** The result so far, marked incomplete: after each finding and every checkpointEveryMs. */
  onCheckpoint?(partial: FuzzResult): Promise<void>;
  checkpointEveryMs?: number;
}

export async function runFuzz<Case>(target: FuzzTarget<Case>, options: FuzzRunOptions): Promise<FuzzResult> {
  const runId = options.runId ?? newRunId();
  const startedAt = new Date().toISOString();
  const findings: Finding[] = [];
  let casesRun = 0;
  let lastCheckpoint = performance.now();
  const checkpointEvery = options.checkpointEveryMs ?? 10_000;

  const build = (fields: { casesRun: number; durationMs: number; fuzzingMs: number; aborted: Aborted | null }): FuzzResult => {
    const marked = options.expect === undefined ? null : applyExpectations(findings, options.expect.expectations);
    return {
      schemaVersion: RESULT_SCHEMA_VERSION,
      kind: 'fuzz',
      tool: { name: 'chatbench', version: options.toolVersion },
      runId,
      startedAt,
      finishedAt: new Date().toISOString(),
      aborted: fields.aborted,
      target: options.targetInfo,
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
      seed: options.seed,
      runs: options.runs,
      timeLimitMs: options.timeLimitMs,
      casesRun: fields.casesRun,
      // Shrinking re-runs cases to make them smaller: its time is not fuzzing time.
      casesPerSecond: fields.fuzzingMs > 0 ? fields.casesRun / (fields.fuzzingMs / 1000) : 0,
      durationMs: fields.durationMs,
      findings: findings.map((f, i) => ({ ...f, known: marked === null ? null : (marked.known[i] ?? false) })),
      expectation: options.expect === undefined || marked === null ? null : { file: options.expect.file, missing: marked.missing },
    };
  };
  const started = performance.now();
  const checkpoint = async (): Promise<void> => {
    if (options.onCheckpoint === undefined) return;
    lastCheckpoint = performance.now();
    const elapsed = performance.now() - started;
    await options.onCheckpoint(build({
      casesRun, durationMs: elapsed, fuzzingMs: elapsed,
      aborted: { scenario: null, cause: 'incomplete', message: `in progress: ${casesRun} cases run when this checkpoint was written` },
    }));
  };
  let pending: Promise<void> = Promise.resolve();

  const loop = await fuzzLoop(target, {
    seed: options.seed,
    runs: options.runs,
    timeLimitMs: options.timeLimitMs,
    ...(options.shrinkBudgetMs === undefined ? {} : { shrinkBudgetMs: options.shrinkBudgetMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onCase: (p) => {
      casesRun = p.casesRun;
      options.onProgress?.(p);
      // Checkpoints are written between cases, one at a time.
      if (performance.now() - lastCheckpoint >= checkpointEvery) pending = pending.then(checkpoint);
    },
    onFinding: async (f) => {
      const replay = replayOf(f, options.targetInfo);
      const replayPath = (await options.saveReplay?.(replay)) ?? null;
      findings.push(findingOf(f, replayPath));
      await pending;
      await checkpoint();
    },
  });
  await pending;
  return build({ casesRun: loop.casesRun, durationMs: loop.durationMs, fuzzingMs: loop.fuzzingMs, aborted: abortOf(loop.stopped, loop.casesRun) });
}

function abortOf(stopped: 'signal' | 'target-down' | null, casesRun: number): Aborted | null {
  if (stopped === 'signal') return { scenario: null, cause: 'signal', message: `stopped by a signal after ${casesRun} cases; the findings so far are kept` };
  if (stopped === 'target-down') {
    return { scenario: null, cause: 'unreachable', message: `the server stopped serving after ${casesRun} cases and did not come back; the fuzz ended there (the finding says why)` };
  }
  return null;
}

/** The replay file of a finding: everything needed to send its bytes again and judge them. */
export function replayOf(f: LoopFinding, target: Pick<Target, 'protocol' | 'protocolVersion'>): Replay {
  return {
    format: 'chatbench-replay',
    formatVersion: REPLAY_FORMAT_VERSION,
    protocol: target.protocol,
    protocolVersion: target.protocolVersion,
    seed: f.seed,
    path: f.path,
    steps: f.steps,
    received: f.received,
    verdict: f.verdict,
    fingerprint: f.fingerprint,
    foundAt: new Date().toISOString(),
  };
}

function findingOf(f: LoopFinding, replayPath: string | null): Finding {
  return {
    fingerprint: f.fingerprint,
    verdict: f.verdict,
    replayPath,
    steps: f.steps,
    received: f.received,
    failingCasesBeforeShrink: f.failingCases,
    shrinkMs: Math.round(f.shrinkMs),
    known: null,
  };
}
