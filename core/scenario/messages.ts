/**
 * zod issues -> messages a scenario author can act on, each with the path it belongs to.
 * Schema-level messages (set in schema.ts) win; this map words the generic ones.
 */
import type * as z from 'zod';
import { knownKeysAt } from './schema.js';
import { didYouMean } from './suggest.js';

export type IssuePath = (string | number)[];

/** A problem at a path inside the document; `at: 'key'` points at the key rather than its value. */
export interface PathIssue {
  path: IssuePath;
  message: string;
  at: 'value' | 'key';
  /** The command-line value the problem is with ('url': --target; else the runner field set by a flag); absent for the file's. */
  commandLine?: string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list',
};

/** How a value the author wrote reads back in a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean; origin?: string; input?: unknown }, small: boolean): string {
  const limit = String(small ? issue.minimum : issue.maximum);
  if (issue.origin === 'array') return small ? `must have at least ${limit} item(s)` : `must have at most ${limit} item(s)`;
  if (issue.origin === 'string') return small ? 'must not be empty' : `must be at most ${limit} characters long`;
  const relation = small ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
  return `must be ${relation} ${limit}, got ${describeValue(issue.input)}`;
}

/** Per-parse error map: the wording for issues the schema did not word itself. */
export const scenarioErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required key is missing';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return bound(issue, true);
    case 'too_big':
      return bound(issue, false);
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
};

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const guess = didYouMean(key, known);
  if (guess === undefined) return `unknown key "${key}"; valid keys here: ${known.join(', ')}`;
  const secret = guess.endsWith('Env') ? ' (credentials come from environment variables: name the variable here)' : '';
  return `unknown key "${key}"; did you mean "${guess}"?${secret}`;
}

/** One zod issue -> one PathIssue per problem (an unrecognized_keys issue names several keys). */
export function toPathIssues(issue: z.core.$ZodIssue): PathIssue[] {
  const path: IssuePath = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known), at: 'key' }));
  }
  if (issue.code === 'invalid_union') {
    // A value of the right kind for exactly one of the union's forms (a map where a map or a word
    // is accepted) is judged as that form: its own problems, at their own keys, say more than
    // "expected one of". Otherwise the union's message (set in schema.ts) stands.
    const inside = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    const [chosen] = inside;
    if (inside.length === 1 && chosen !== undefined) {
      return chosen.flatMap((i) => toPathIssues({ ...i, path: [...issue.path, ...i.path] }));
    }
  }
  if (issue.code === 'invalid_type' && issue.message === 'required key is missing') {
    const key = path[path.length - 1];
    return [{ path, message: `required key "${String(key)}" is missing`, at: 'value' }];
  }
  return [{ path, message: issue.message, at: 'value' }];
}

/** `['scenarios', 1, 'rate']` -> `scenarios[1].rate`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
