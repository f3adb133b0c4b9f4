/**
 * The profile file (`chatbench conform --profile FILE`): YAML (JSON is YAML too) validated
 * against the suite's profile schema, every problem reported at once with file:line:column as
 * the scenario loader reports them (the same position helpers).
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError, type InputIssue } from '../errors.js';
import { clampedPosition, offsetOf } from '../scenario/load.js';
import { formatPath, scenarioErrorMap, type PathIssue } from '../scenario/messages.js';
import { didYouMean } from '../scenario/suggest.js';

export async function readProfileFile(path: string, schema: z.ZodType<unknown>): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read profile file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseProfileText(text, path, schema);
}

export function parseProfileText(text: string, file: string, schema: z.ZodType<unknown>): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => clampedPosition(text, lineCounter, offset);
  const issues: InputIssue[] = doc.errors.map((e) => ({ file, ...position(e.pos[0]), path: '', message: e.message }));
  if (issues.length === 0) {
    // An empty file is an empty profile: every field is optional.
    const data: unknown = doc.contents === null ? {} : doc.toJS({ maxAliasCount: 100 });
    const parsed = schema.safeParse(data, { error: scenarioErrorMap, reportInput: true });
    if (parsed.success) return parsed.data;
    for (const problem of parsed.error.issues.flatMap((i) => pathIssues(i, schema))) {
      issues.push({ file, ...position(offsetOf(doc, problem)), path: formatPath(problem.path), message: problem.message });
    }
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new InputError(`invalid profile file ${file}`, issues);
}

/** A zod issue as positioned problems; an unknown key points at the key, with a guess. */
function pathIssues(issue: z.core.$ZodIssue, schema: z.ZodType<unknown>): PathIssue[] {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  if (issue.code === 'invalid_union') {
    // A choice of literals (maximumQoS: 0 | 1 | 2): name them, as an enum's message would.
    const values = issue.errors.flat().flatMap((e) => (e.code === 'invalid_value' ? e.values : []));
    const got = (issue as { input?: unknown }).input;
    if (values.length > 0) return [{ path, message: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(got)}`, at: 'value' }];
  }
  if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message, at: 'value' }];
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return issue.keys.map((key) => {
    const guess = didYouMean(key, known);
    const hint = guess !== undefined ? `did you mean "${guess}"?` : `valid keys: ${known.join(', ')}`;
    return { path: [...path, key], message: `unknown key "${key}"; ${hint}`, at: 'key' as const };
  });
}
