/**
 * The property loop: fast-check generates cases from the target's arbitrary, the target runs
 * and judges each one, and every failure is shrunk by fast-check to a minimal case. Protocol-
 * neutral: a FuzzTarget brings the arbitrary, how a case is executed and judged, and how to
 * tell whether the server is up.
 *
 * More than one finding per fuzz. fast-check stops at the first failure (and shrinks it); the
 * loop then starts a new round with the next seed of the run (`roundSeed(seed, round)`) for the
 * cases still to run. A failure whose defect class (`CaseOutcome.defect`) was already found
 * counts as a pass in later rounds, so the fuzzer moves on to other defects instead of finding
 * the same one again; such repeats are counted on the finding. Same seed, same target
 * behaviour: same cases, same findings.
 *
 * A case can only be judged on a server that was up when it started: after a failing case the
 * next one first asks `healthy()`; a server still down makes that case a pass (no evidence)
 * and, once shrinking is over, ends the fuzz (`stopped: 'target-down'`). So shrinking never
 * mistakes "the server was already dead" for "this smaller case kills it".
 */
import fc from 'fast-check';
import { fingerprintOf, type FindingVerdict, type ReplayStep } from './replay.js';

/** What the server sent back on one connection, as hex. */
export interface ReceivedChunk {
  connection: number;
  hex: string;
}

/** One executed and judged case. */
export interface CaseOutcome {
  /** null: the server behaved. */
  verdict: FindingVerdict | null;
  /** What was sent, in order (a replay re-sends exactly these). */
  steps: ReplayStep[];
  received: ReceivedChunk[];
  /**
   * The defect class of a failure, e.g. "not-closed|PUBLISH|MQTT-3.3.1-4": two failures of one
   * class are taken for the same defect while fuzzing (the verdict kind when not given).
   */
  defect?: string;
}

export interface FuzzTarget<Case> {
  arbitrary: fc.Arbitrary<Case>;
  execute(c: Case): Promise<CaseOutcome>;
  /** Whether the server takes and serves connections now (after a crash or hang it may not). */
  healthy(): Promise<boolean>;
}

export interface LoopOptions {
  seed: number;
  /** Generated cases to run, or null when bounded by time. */
  runs: number | null;
  /** Milliseconds to fuzz for, or null when bounded by runs. */
  timeLimitMs: number | null;
  /** Shrinking one finding stops after this long (the best case so far is kept); default 60 s. */
  shrinkBudgetMs?: number;
  signal?: AbortSignal;
  /** After every generated case (not shrink attempts). */
  onCase?(progress: LoopProgress): void;
  /** A new finding, shrunk; awaited (a checkpoint may be written). */
  onFinding?(finding: LoopFinding): Promise<void> | void;
}

export interface LoopProgress {
  casesRun: number;
  findings: number;
  elapsedMs: number;
  shrinking: boolean;
}

export interface LoopFinding extends CaseOutcome {
  verdict: FindingVerdict;
  fingerprint: string;
  /** The seed of the round that found it and fast-check's path to the shrunk case in that round. */
  seed: number;
  path: string | null;
  /** Generated cases of this defect class that failed (the first one and later repeats). */
  failingCases: number;
  /** Shrink attempts fast-check made and how many of them it kept. */
  shrinkRuns: number;
  shrinks: number;
  shrinkMs: number;
  /** Shrinking was cut short (budget, signal, time limit): the case is smaller, maybe not minimal. */
  shrinkCut: boolean;
}

export interface LoopResult {
  /** Generated cases run (shrink attempts not included). */
  casesRun: number;
  shrinkRuns: number;
  durationMs: number;
  /** Time spent outside shrinking: cases per second is casesRun / this. */
  fuzzingMs: number;
  findings: LoopFinding[];
  stopped: null | 'signal' | 'target-down';
}

const DEFAULT_SHRINK_BUDGET_MS = 60_000;

interface RoundState {
  shrinking: { defect: string; startedAt: number; best: CaseOutcome; runs: number } | undefined;
  /** The last case executed failed: the next one checks the server first. */
  lastFailed: boolean;
  /** The last health check before a case found the server down. */
  targetDown: boolean;
  /** Shrinking was interrupted. */
  cut: boolean;
  /** execute() threw: a bug in chatbench, rethrown once fast-check has returned. */
  error: unknown;
}

/**
 * The seed of round `round` (0 is the run's seed itself): a fixed odd step (the golden ratio's
 * 32-bit constant) added per round, kept a signed 32-bit integer as fast-check takes it.
 */
export function roundSeed(seed: number, round: number): number {
  return (seed + Math.imul(round, 0x9e3779b1)) | 0;
}

export async function fuzzLoop<Case>(target: FuzzTarget<Case>, options: LoopOptions): Promise<LoopResult> {
  const start = performance.now();
  const deadline = options.timeLimitMs === null ? Infinity : start + options.timeLimitMs;
  const shrinkBudget = options.shrinkBudgetMs ?? DEFAULT_SHRINK_BUDGET_MS;
  const findings: LoopFinding[] = [];
  const byDefect = new Map<string, LoopFinding>();
  let casesRun = 0;
  let shrinkRuns = 0;
  let shrinkTotalMs = 0;
  let stopped: LoopResult['stopped'] = null;
  let round = 0;

  const remaining = (): number => (options.runs === null ? Number.MAX_SAFE_INTEGER : options.runs - casesRun);
  while (remaining() > 0 && stopped === null && performance.now() < deadline) {
    const seed = roundSeed(options.seed, round++);
    // This round's state: the first failure fixes the defect class being shrunk.
    const state: RoundState = { shrinking: undefined, lastFailed: false, targetDown: false, cut: false, error: undefined };
    const interrupt = (): never => {
      throw new fc.PreconditionFailure(true); // ends fast-check's loop; a shrink keeps its best case
    };

    const predicate = async (c: Case): Promise<boolean> => {
      const { shrinking } = state;
      if (options.signal?.aborted === true) stopped = 'signal';
      const now = performance.now();
      const overBudget = shrinking !== undefined ? now - shrinking.startedAt > shrinkBudget : now >= deadline;
      if (stopped !== null || overBudget) {
        state.cut ||= shrinking !== undefined;
        interrupt();
      }
      if (shrinking !== undefined) shrinking.runs++;
      // A case run right after a failure first checks the server is up: otherwise it proves nothing.
      if (state.lastFailed && !(await target.healthy())) {
        state.targetDown = true;
        if (shrinking === undefined) {
          stopped = 'target-down';
          interrupt();
        }
        return true;
      }
      state.targetDown = false;
      let outcome: CaseOutcome;
      try {
        outcome = await target.execute(c);
      } catch (error) {
        // chatbench's own failure, not the server's: never shrunk, rethrown below.
        state.error = error;
        return interrupt();
      }
      if (shrinking === undefined) {
        casesRun++;
        options.onCase?.({ casesRun, findings: findings.length, elapsedMs: performance.now() - start, shrinking: false });
      }
      state.lastFailed = outcome.verdict !== null;
      if (outcome.verdict === null) return true;
      const defect = outcome.defect ?? outcome.verdict.kind;
      if (shrinking === undefined) {
        const known = byDefect.get(defect);
        if (known !== undefined) {
          known.failingCases++;
          return true;
        }
        state.shrinking = { defect, startedAt: performance.now(), best: outcome, runs: 0 };
        return false;
      }
      // While shrinking, only the defect being shrunk counts: a smaller case failing otherwise is another story.
      if (defect !== shrinking.defect) return true;
      shrinking.best = outcome;
      return false;
    };

    const details = await fc.check(fc.asyncProperty(target.arbitrary, predicate), {
      seed,
      numRuns: remaining(),
      // Every case runs to its end: fast-check's timeouts would abandon one mid-flight.
      endOnFailure: false,
      markInterruptAsFailure: false,
    });
    if (state.error !== undefined) throw state.error;
    const shrunk = state.shrinking;
    if (shrunk === undefined || !details.failed) break; // out of cases, time or interrupted: the fuzz is over

    const shrinkMs = performance.now() - shrunk.startedAt;
    shrinkTotalMs += shrinkMs;
    shrinkRuns += shrunk.runs;
    const verdict = shrunk.best.verdict as FindingVerdict; // only failing outcomes are kept as best
    const finding: LoopFinding = {
      ...shrunk.best,
      verdict,
      fingerprint: fingerprintOf(verdict.kind, shrunk.best.steps),
      seed,
      path: details.counterexamplePath,
      failingCases: 1,
      shrinkRuns: shrunk.runs,
      shrinks: details.numShrinks,
      shrinkMs,
      shrinkCut: state.cut,
    };
    byDefect.set(shrunk.defect, finding);
    // Two classes can shrink to the same bytes: the first one found stands for both.
    if (!findings.some((f) => f.fingerprint === finding.fingerprint)) {
      findings.push(finding);
      await options.onFinding?.(finding);
    }
    if (state.targetDown || (state.lastFailed && !(await target.healthy()))) stopped ??= 'target-down';
  }
  const durationMs = performance.now() - start;
  return { casesRun, shrinkRuns, durationMs, fuzzingMs: Math.max(0, durationMs - shrinkTotalMs), findings, stopped };
}
