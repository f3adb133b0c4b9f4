/**
 * Any saved result, from parsed JSON to a typed ChatbenchResult: the envelope's
 * `schemaVersion` and `kind` pick the definition (version 1 run results are validated as
 * version 1 and upgraded, upgrade-v1.ts). Anything wrong is bad input (InputError, exit 2)
 * naming the source and, for a schema mismatch, the first few problems with their JSON paths.
 * Reading the file itself is the CLI's (cli/files.ts).
 */
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { RESULT_SCHEMA_VERSION } from './envelope.js';
import { ChatbenchResult, type ResultKind } from './index.js';
import { upgradeV1 } from './upgrade-v1.js';
import * as v1 from './v1.js';

/** How many schema problems the message lists before "and N more". */
const MAX_ISSUES = 5;

/** The kinds this chatbench reads, from the family's definition. */
export const RESULT_KINDS: readonly ResultKind[] = ChatbenchResult.options.map((o) => o.shape.kind.value);

/** Validates parsed JSON as a result of any kind; `source` names it in errors. */
export function parseResult(data: unknown, source: string): ChatbenchResult {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(`result file ${source} is not a chatbench result: expected a JSON object, got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}`);
  }
  const envelope = data as Record<string, unknown>;
  const version = envelope['schemaVersion'];
  const kind = envelope['kind'];
  if (version === 1) {
    if (kind !== 'run') throw new InputError(`result file ${source}: schemaVersion 1 holds only run results, not "${String(kind)}"`);
    return upgradeV1(validated(v1.RunResult, data, source, 1));
  }
  if (typeof version === 'number' && version !== RESULT_SCHEMA_VERSION) {
    const relation = version > RESULT_SCHEMA_VERSION ? 'is newer than this chatbench reads' : 'is older than this chatbench reads';
    const hint = version > RESULT_SCHEMA_VERSION ? '; upgrade chatbench to read it' : '';
    throw new InputError(`result file ${source}: result schemaVersion ${version} ${relation} (1 to ${RESULT_SCHEMA_VERSION})${hint}`);
  }
  if (typeof kind === 'string' && !(RESULT_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(`result file ${source} is a "${kind}" result; this chatbench reads ${RESULT_KINDS.map((k) => `"${k}"`).join(', ')} results`);
  }
  return validated(ChatbenchResult, data, source, RESULT_SCHEMA_VERSION);
}

/** The result if it is of `kind`; bad input naming what it is otherwise (e.g. compare given a comparison). */
export function expectKind<K extends ResultKind>(result: ChatbenchResult, kind: K, source: string): Extract<ChatbenchResult, { kind: K }> {
  if (result.kind !== kind) throw new InputError(`result file ${source} is a "${result.kind}" result; a "${kind}" result is needed here`);
  return result as Extract<ChatbenchResult, { kind: K }>;
}

function validated<T extends z.ZodType>(schema: T, data: unknown, source: string, version: number): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES).map((issue) => `  ${jsonPath(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_ISSUES) listed.push(`  and ${issues.length - MAX_ISSUES} more`);
  throw new InputError(`result file ${source} does not match the result format (schemaVersion ${version}, docs/result-format.md):\n${listed.join('\n')}`);
}

/** ["scenarios", 0, "latency", "p99"] -> "scenarios[0].latency.p99"; the document itself is "(root)". */
export function jsonPath(path: z.core.$ZodIssue['path']): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}
