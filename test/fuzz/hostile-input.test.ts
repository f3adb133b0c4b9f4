/**
 * Hostile input: the scenario loader and the result reader, given arbitrary text, arbitrary JSON
 * and mutated valid documents, give a value or an InputError (exit 2), never another exception
 * and never a hang (sizes bounded, every call synchronous or awaited under the test timeout).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultFile } from '../../cli/files.js';
import { ExitCode, InputError } from '../../core/errors.js';
import { parseResult } from '../../core/result/read.js';
import { parseScenarioText } from '../../core/scenario/load.js';

const RUNS = 300;

/** Runs `f`; passes when it returns or throws an InputError with exit code 2, fails on anything else. */
function valueOrInputError<T>(f: () => T): 'value' | 'input-error' {
  try {
    f();
    return 'value';
  } catch (error) {
    if (!(error instanceof InputError)) throw new Error(`expected a value or an InputError, got ${String(error)}`, { cause: error });
    expect(error.exitCode).toBe(ExitCode.badInput);
    expect(error.message.length).toBeGreaterThan(0);
    return 'input-error';
  }
}

/** Text edits: delete a span and insert arbitrary characters (any code point, lone surrogates too). */
const editArb = fc.record({ at: fc.nat(), remove: fc.nat(24), insert: fc.string({ unit: 'binary', maxLength: 12 }) });
function applyEdits(text: string, edits: readonly { at: number; remove: number; insert: string }[]): string {
  let out = text;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    out = out.slice(0, at) + e.insert + out.slice(at + e.remove);
  }
  return out;
}

/** Every path into a JSON value (objects and arrays), the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** A copy of `doc` with the value at `path` replaced (or, for `undefined`, deleted). */
function replaceAt(doc: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

describe('scenario loader on hostile text (property)', () => {
  let scenarios = '';
  beforeAll(async () => {
    scenarios = await readFile('scenarios.yaml', 'utf8');
  });

  it('the shipped scenarios.yaml loads (the mutations below start from a valid document)', () => {
    expect(valueOrInputError(() => parseScenarioText(scenarios, 'scenarios.yaml'))).toBe('value');
  });

  it('arbitrary text gives a scenario file or an InputError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        valueOrInputError(() => parseScenarioText(text, 'fuzz.yaml'));
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary JSON (which is YAML) gives a scenario file or an InputError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        valueOrInputError(() => parseScenarioText(JSON.stringify(value), 'fuzz.yaml'));
        valueOrInputError(() => parseScenarioText(JSON.stringify({ scenarios: [value] }), 'fuzz.yaml'));
      }),
      { numRuns: RUNS },
    );
  });

  it('the shipped scenarios.yaml, edited at random, gives a scenario file or an InputError', () => {
    fc.assert(
      fc.property(fc.array(editArb, { minLength: 1, maxLength: 4 }), (edits) => {
        valueOrInputError(() => parseScenarioText(applyEdits(scenarios, edits), 'scenarios.yaml'));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('result reader on hostile input (property)', () => {
  let v1 = '';
  let current: unknown;
  let dir = '';
  beforeAll(async () => {
    v1 = await readFile('fixtures/results/v1-run.json', 'utf8');
    // The version 1 fixture, upgraded: a valid result of the current schema version.
    current = JSON.parse(JSON.stringify(parseResult(JSON.parse(v1), 'v1-run.json')));
    dir = await mkdtemp(join(tmpdir(), 'chatbench-hostile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads both valid documents (the mutations below start from them)', () => {
    expect(valueOrInputError(() => parseResult(JSON.parse(v1), 'v1'))).toBe('value');
    expect(valueOrInputError(() => parseResult(current, 'current'))).toBe('value');
  });

  it('arbitrary JSON gives a result or an InputError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        valueOrInputError(() => parseResult(value, 'fuzz.json'));
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          for (const schemaVersion of [1, 2, 3, 99]) for (const kind of ['run', 'conform', 'fuzz', 'compare']) valueOrInputError(() => parseResult({ ...value, schemaVersion, kind }, 'fuzz.json'));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('valid results with one value replaced or deleted give a result or an InputError', () => {
    const docs = () => [JSON.parse(v1) as unknown, current];
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), (which, pathKnob, replacement) => {
        const doc = docs()[which];
        const paths = pathsOf(doc);
        const path = paths[pathKnob % paths.length]!;
        valueOrInputError(() => parseResult(replaceAt(doc, path, replacement), 'mutated.json'));
      }),
      { numRuns: RUNS },
    );
  });

  it('readResultFile on arbitrary and edited file contents gives a result or an InputError', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(editArb, { minLength: 1, maxLength: 3 }).map((edits) => applyEdits(v1, edits))), async (text) => {
        const file = join(dir, `r${n++}.json`);
        await writeFile(file, text);
        try {
          await readResultFile(file);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 100 },
    );
  });
});
