/**
 * Committed expectations (`chatbench conform --expect FILE`): the verdict a broker team has
 * accepted for every case and version, so its CI fails on a change — a new failure, an
 * unexpected pass, a case the file does not know — and not on the failures it already knows
 * and has explained in `notes`.
 *
 *   { "broker": "mosquitto 2.0.11",
 *     "notes": { "publish.qos2-flow": "why it fails, with the statement it breaks" },
 *     "verdicts": { "3.1.1": { "connect.second-connect": "pass" }, "5": { … } } }
 *
 * A verdict may be a list (`["pass", "fail"]`) for a behaviour that depends on the server's
 * timing from run to run (a keep-alive enforced by a periodic sweep, say): either verdict is as
 * expected, and the note should say why.
 *
 * `--write-expect FILE` writes the verdicts of a run in that form, keeping the notes (and the
 * verdicts of cases the run did not select) of the file it replaces.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError, type InputIssue } from '../errors.js';
import type { CaseVerdict, CaseVerdictKind } from '../result/conform.js';

/** The verdicts a file may expect: timeouts and errors are never accepted, they always differ. */
export const ExpectedVerdict = z.enum(['pass', 'fail', 'skip']);
export type ExpectedVerdict = z.infer<typeof ExpectedVerdict>;

export const Expectations = z.strictObject({
  /** The server and release the verdicts were taken from, for people ("mosquitto 2.0.11"). */
  broker: z.string(),
  /** Case id → why its verdict is what it is (for a failure: the statement and what the server does). */
  notes: z.record(z.string(), z.string()).default({}),
  /** Version → case id → verdict, or the verdicts any of which is as expected. */
  verdicts: z.record(z.string(), z.record(z.string(), z.union([ExpectedVerdict, z.array(ExpectedVerdict).min(2)]))),
});
export type Expectations = z.infer<typeof Expectations>;
type Expected = ExpectedVerdict | ExpectedVerdict[];

/** Whether `actual` is one of the verdicts `want` accepts. */
function accepts(want: Expected, actual: CaseVerdictKind): boolean {
  return Array.isArray(want) ? (want as string[]).includes(actual) : want === actual;
}

export interface Difference {
  id: string;
  version: string;
  /** null: the file has no verdict for this case and version. */
  expected: Expected | null;
  actual: CaseVerdictKind;
}

/** Reads and validates an expectations file; anything wrong is bad input naming the file. */
export async function readExpectations(path: string): Promise<Expectations> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read expectations file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseExpectations(text, path);
}

export function parseExpectations(text: string, file: string): Expectations {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`expectations file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = Expectations.safeParse(data);
  if (parsed.success) return parsed.data;
  // JSON.parse keeps no positions: the issues point at the path, line and column unknown.
  const issues: InputIssue[] = parsed.error.issues.map((i) => ({ file, line: 1, column: 1, path: i.path.map(String).join('.'), message: i.message }));
  throw new InputError(
    `invalid expectations file ${file} (expected {"broker": "...", "notes": {case: "why"}, "verdicts": {"3.1.1": {case: "pass" | "fail" | "skip"}}})`,
    issues,
  );
}

/**
 * Every verdict that differs from the file: another verdict, a case the file has no verdict for,
 * and every timeout or error (chatbench could not finish the case: never as expected). Cases the
 * file lists but the run did not select are not differences (`--case` narrows a run).
 */
export function differencesFrom(expected: Expectations, verdicts: readonly CaseVerdict[]): Difference[] {
  const out: Difference[] = [];
  for (const v of verdicts) {
    const want = expected.verdicts[v.version]?.[v.id];
    if (want === undefined || !accepts(want, v.verdict)) out.push({ id: v.id, version: v.version, expected: want ?? null, actual: v.verdict });
  }
  return out;
}

export interface WriteOptions {
  /** Used when there is no previous file, or it names no broker. */
  broker: string;
  /** The file being replaced: its notes and broker are kept, and its verdicts of cases not run. */
  previous?: Expectations | undefined;
  /** Whether a case still exists for a version (a previous verdict of a removed case is dropped). */
  exists: (id: string, version: string) => boolean;
}

/**
 * The verdicts of a run as an expectations file. Timeouts and errors are left out (a file
 * cannot expect them); `left` lists them so the caller can say so.
 */
export function expectationsFrom(verdicts: readonly CaseVerdict[], options: WriteOptions): { expectations: Expectations; left: CaseVerdict[] } {
  const merged: Record<string, Record<string, Expected>> = {};
  for (const [version, cases] of Object.entries(options.previous?.verdicts ?? {})) {
    for (const [id, verdict] of Object.entries(cases)) {
      if (options.exists(id, version)) (merged[version] ??= {})[id] = verdict;
    }
  }
  const left: CaseVerdict[] = [];
  for (const v of verdicts) {
    const cases = (merged[v.version] ??= {});
    const kept = ExpectedVerdict.safeParse(v.verdict);
    const before = cases[v.id];
    // A list that already accepts this verdict stays as it is (the behaviour is known to vary).
    if (kept.success && before !== undefined && Array.isArray(before) && accepts(before, kept.data)) continue;
    if (kept.success) cases[v.id] = kept.data;
    else {
      delete cases[v.id];
      left.push(v);
    }
  }
  const sorted: Record<string, Record<string, Expected>> = {};
  // Versions keep JavaScript's key order ("5", an integer key, always comes first); case ids are sorted.
  for (const version of Object.keys(merged)) {
    const cases = merged[version] ?? {};
    sorted[version] = Object.fromEntries(Object.keys(cases).sort().map((id) => [id, cases[id] as Expected]));
  }
  const notes = options.previous?.notes ?? {};
  return {
    expectations: {
      broker: options.previous?.broker || options.broker,
      notes: Object.fromEntries(Object.keys(notes).sort().map((id) => [id, notes[id] as string])),
      verdicts: sorted,
    },
    left,
  };
}

/** The file's text: one case per line in a stable order, so a diff shows what changed. */
export function renderExpectations(e: Expectations): string {
  return `${JSON.stringify(e, null, 2)}\n`;
}
