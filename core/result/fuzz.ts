/**
 * The body of a `kind: "fuzz"` result (`chatbench fuzz --json`): how many cases ran and how
 * fast, the seed that reproduces the run, and every finding (deduplicated, shrunk) with its
 * replay file.
 */
import { z } from 'zod';
import { FindingVerdict, ReplayStep } from '../fuzz/replay.js';
import { count } from './fields.js';
import { envelopeFields } from './envelope.js';

export const Finding = z.object({
  fingerprint: z.string(),
  verdict: FindingVerdict,
  /** Where the replay file was written, or null when no --replay-dir was given. */
  replayPath: z.string().nullable(),
  /** The shrunk sequence, as in the replay file. */
  steps: z.array(ReplayStep),
  received: z.array(z.object({ connection: z.number().int().nonnegative(), hex: z.string() })),
  /** How many generated cases failed before shrinking, and the shrink steps taken. */
  failingCasesBeforeShrink: count(),
  shrinkMs: z.number().nonnegative(),
  /** With --expect: whether the committed expectations already list this finding. */
  known: z.boolean().nullable(),
});
export type Finding = z.infer<typeof Finding>;

export const FuzzResult = z.object({
  ...envelopeFields,
  kind: z.literal('fuzz'),
  seed: z.number().int(),
  /** --runs N, or null when bounded by time. */
  runs: count().nullable(),
  /** --time in ms, or null when bounded by runs. */
  timeLimitMs: z.number().nonnegative().nullable(),
  casesRun: count(),
  casesPerSecond: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  findings: z.array(Finding),
  /** Set with --expect: known findings not seen this time (they may be fixed, or not reached). */
  expectation: z.object({ file: z.string(), missing: z.array(z.string()) }).nullable(),
});
export type FuzzResult = z.infer<typeof FuzzResult>;

/** A finding the committed expectations do not list (every finding, without --expect). */
export function isNewFinding(f: Finding): boolean {
  return f.known !== true;
}

/**
 * What a fuzz result stands for, judged once for the exit code and every report: aborted when it
 * stopped before any case ran; failed on any finding the expectations do not list.
 */
export function fuzzStatus(result: FuzzResult): 'passed' | 'failed' | 'aborted' {
  if (result.aborted !== null && result.casesRun === 0) return 'aborted';
  return result.findings.some(isNewFinding) ? 'failed' : 'passed';
}
