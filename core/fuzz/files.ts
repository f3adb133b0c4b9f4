/**
 * The two files a fuzz reads and writes besides its result: a replay (replay.ts), and the
 * committed expectations of a broker (`--expect fixtures/fuzz/<broker>.json`). Parsed JSON in,
 * typed values out; anything wrong is bad input naming the file and the JSON path of each
 * problem. Reading and writing the files themselves is the CLI's.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { jsonPath } from '../result/read.js';
import { FindingKind, Replay } from './replay.js';

const MAX_ISSUES = 5;

/** A replay file's JSON as a Replay, or bad input listing what is wrong where. */
export function parseReplay(data: unknown, source: string): Replay {
  return validated(Replay, data, `replay file ${source}`, 'a chatbench replay (docs/result-format.md, "Replay files")');
}

/** A replay file's name: its fingerprint, so the same defect found twice is one file. */
export function replayFileName(replay: Pick<Replay, 'fingerprint'>): string {
  return `${replay.fingerprint}.json`;
}

/** The committed expectations of one broker: the findings a fuzz of it is known to make. */
export const FuzzExpectations = z.object({
  broker: z.string(),
  findings: z.array(
    z.object({
      fingerprint: z.string().min(1),
      kind: FindingKind,
      /** Why it is known: which defect, checked against which statement. */
      note: z.string(),
    }),
  ),
});
export type FuzzExpectations = z.infer<typeof FuzzExpectations>;

export function parseFuzzExpectations(data: unknown, source: string): FuzzExpectations {
  return validated(FuzzExpectations, data, `expectations file ${source}`, '{ broker, findings: [{ fingerprint, kind, note }] }');
}

/**
 * Marks each finding known or new against the expectations, and lists the expected ones not
 * seen ("fingerprint kind: note"). A finding is known when its fingerprint is listed with the
 * same kind (the fingerprint covers the kind already; the kind is there for people).
 */
export function applyExpectations<F extends { fingerprint: string }>(findings: readonly F[], expected: FuzzExpectations): { known: boolean[]; missing: string[] } {
  const seen = new Set(findings.map((f) => f.fingerprint));
  const listed = new Set(expected.findings.map((e) => e.fingerprint));
  return {
    known: findings.map((f) => listed.has(f.fingerprint)),
    missing: expected.findings.filter((e) => !seen.has(e.fingerprint)).map((e) => `${e.fingerprint} ${e.kind}: ${e.note}`),
  };
}

function validated<T extends z.ZodType>(schema: T, data: unknown, what: string, expected: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES).map((issue) => `  ${jsonPath(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_ISSUES) listed.push(`  and ${issues.length - MAX_ISSUES} more`);
  throw new InputError(`${what} is not ${expected}:\n${listed.join('\n')}`);
}
