/**
 * The body of a `kind: "conform"` result (`chatbench conform --json`): one verdict per case
 * and version with the statement IDs it checks, the evidence of every failure (expected,
 * observed, and for raw cases the bytes both ways as hex), the server's capabilities as
 * discovered and as the profile file declared them, and coverage per spec version.
 */
import { z } from 'zod';
import { count } from './fields.js';
import { envelopeFields } from './envelope.js';

export const CaseVerdictKind = z.enum(['pass', 'fail', 'skip', 'timeout', 'error']);
export type CaseVerdictKind = z.infer<typeof CaseVerdictKind>;

export const ConformFailure = z.object({ statement: z.string(), expected: z.string(), observed: z.string() });
export const ConformChoice = z.object({ statement: z.string(), behaviour: z.string() });
export const ConformEvidence = z.object({
  connection: z.string(),
  exchanges: z.array(z.object({ dir: z.enum(['sent', 'received']), atMs: z.number(), hex: z.string() })),
});

export const CaseVerdict = z.object({
  id: z.string(),
  title: z.string(),
  /** The spec version this verdict is for ("3.1.1", "5"). */
  version: z.string(),
  layer: z.enum(['raw', 'client']),
  /** The spec section the case belongs to ("3.1"), from its first statement ID. */
  section: z.string(),
  statements: z.array(z.string()),
  verdict: CaseVerdictKind,
  /** Why it was skipped, timed out or errored; null for pass and fail. */
  reason: z.string().nullable(),
  failures: z.array(ConformFailure),
  /** What the server chose where the spec lets it (SHOULD / MAY): reported, never failed. */
  choices: z.array(ConformChoice),
  /** Bytes both ways on each raw connection; kept for failing cases only. */
  evidence: z.array(ConformEvidence),
  durationMs: z.number().nonnegative(),
});
export type CaseVerdict = z.infer<typeof CaseVerdict>;

export const Coverage = z.object({
  /** Normative statements in the spec's manifest. */
  statements: count(),
  /** Those a server can be checked for from outside (status "server"). */
  testable: count(),
  /** Testable statements at least one case checks. */
  tested: count(),
  /** Testable statements no case checks yet, by ID. */
  untested: z.array(z.string()),
});
export type Coverage = z.infer<typeof Coverage>;

/** One difference from the committed expectations (`--expect`): a new failure or an unexpected pass. */
export const ExpectationDifference = z.object({
  id: z.string(),
  version: z.string(),
  /** The committed verdict (a list: any of them was accepted), or null when the file has none. */
  expected: z.union([CaseVerdictKind, z.array(CaseVerdictKind)]).nullable(),
  actual: CaseVerdictKind,
});

export const ConformResult = z.object({
  ...envelopeFields,
  kind: z.literal('conform'),
  versions: z.array(z.string()),
  /** --case pattern, or null for every case. */
  casePattern: z.string().nullable(),
  profileFile: z.string().nullable(),
  /** Per version: capability name → value (discovered from the server, or declared in the profile). */
  capabilities: z.record(z.string(), z.record(z.string(), z.union([z.boolean(), z.number(), z.string(), z.null()]))),
  coverage: z.record(z.string(), Coverage),
  cases: z.array(CaseVerdict),
  totals: z.object({ pass: count(), fail: count(), skip: count(), timeout: count(), error: count() }),
  /** Set with --expect: the file compared against and every difference (empty: as expected). */
  expectation: z.object({ file: z.string(), differences: z.array(ExpectationDifference) }).nullable(),
});
export type ConformResult = z.infer<typeof ConformResult>;

/** Verdicts that count against a server when no expectations are given: fail, and the cases chatbench could not finish. */
const UNEXPECTED_WITHOUT_EXPECTATIONS: ReadonlySet<CaseVerdictKind> = new Set(['fail', 'timeout', 'error']);

/**
 * What a conform result stands for, judged once for the exit code and every report: aborted when
 * the target could not be reached or the user stopped it; with `--expect`, failed only on a
 * difference from the expectations; without, failed on any fail, timeout or error.
 */
export function conformStatus(result: ConformResult): 'passed' | 'failed' | 'aborted' {
  if (result.aborted !== null && (result.aborted.cause === 'unreachable' || result.aborted.cause === 'signal')) return 'aborted';
  if (result.expectation !== null) return result.expectation.differences.length > 0 ? 'failed' : 'passed';
  return result.cases.some((c) => UNEXPECTED_WITHOUT_EXPECTATIONS.has(c.verdict)) ? 'failed' : 'passed';
}
