/**
 * Reads a saved result file back: JSON parsed, then validated against the contract in
 * core/result.ts. Anything wrong with the file is bad input (InputError, exit 2) that names
 * the file and, for a schema mismatch, the first few problems with their JSON paths.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InputError } from '../core/errors.js';
import { RESULT_SCHEMA_VERSION, RunResult } from '../core/result.js';

/** How many schema problems the message lists before "and N more". */
const MAX_ISSUES = 5;

export async function readResultFile(path: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code ?? (error as Error).message;
    throw new InputError(`cannot read result file ${path}: ${why}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`result file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseResult(data, path);
}

/** Validates parsed JSON as a run result; `source` names it in errors. */
export function parseResult(data: unknown, source: string): RunResult {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(`result file ${source} is not a chatbench result: expected a JSON object, got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}`);
  }
  const envelope = data as Record<string, unknown>;
  const version = envelope['schemaVersion'];
  if (typeof version === 'number' && version !== RESULT_SCHEMA_VERSION) {
    const relation = version > RESULT_SCHEMA_VERSION ? 'is newer than this chatbench reads' : 'is older than this chatbench reads';
    const hint = version > RESULT_SCHEMA_VERSION ? '; upgrade chatbench to read it' : '';
    throw new InputError(`result file ${source}: result schemaVersion ${version} ${relation} (${RESULT_SCHEMA_VERSION})${hint}`);
  }
  if (typeof envelope['kind'] === 'string' && envelope['kind'] !== 'run') {
    throw new InputError(`result file ${source} is a "${envelope['kind']}" result; this reads run results (kind "run")`);
  }
  const parsed = RunResult.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES).map((issue) => `  ${jsonPath(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_ISSUES) listed.push(`  and ${issues.length - MAX_ISSUES} more`);
  throw new InputError(`result file ${source} does not match the result format (schemaVersion ${RESULT_SCHEMA_VERSION}, docs/result-format.md):\n${listed.join('\n')}`);
}

/** ["scenarios", 0, "latency", "p99"] -> "scenarios[0].latency.p99"; the document itself is "(root)". */
function jsonPath(path: z.core.$ZodIssue['path']): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}
