/**
 * Reading a saved result back: a real result round-trips; a missing file, bad JSON, a
 * schema mismatch or another schemaVersion is bad input (exit 2) that names the file and
 * what is wrong, with JSON paths.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../core/errors.js';
import type { RunResult } from '../../core/result.js';
import { renderJson } from '../../reports/json.js';
import { readResultFile } from '../../reports/read.js';
import { tempDir } from '../helpers/cli.js';
import { measureRunResult } from '../helpers/results.js';

let real: RunResult;
let dir: string;
beforeAll(async () => {
  real = await measureRunResult();
  dir = tempDir();
});

function save(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The InputError reading `path` throws. */
async function readError(path: string): Promise<InputError> {
  const error = await readResultFile(path).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(ExitCode.badInput);
  return error as InputError;
}

describe('readResultFile', () => {
  it('reads back a result written by renderJson, equal to what was measured', async () => {
    const path = save('real.json', renderJson(real));
    expect(await readResultFile(path)).toEqual(real);
  });

  it('ignores fields it does not know (added in a later version of the same schemaVersion)', async () => {
    const path = save('extra.json', { ...real, comment: 'added later', scenarios: real.scenarios.map((s) => ({ ...s, cpu: 0.5 })) });
    const read = await readResultFile(path);
    expect(read).toEqual(real);
    expect(read).not.toHaveProperty('comment');
  });

  it('names a missing file, a folder and invalid JSON', async () => {
    expect((await readError(join(dir, 'nope.json'))).message).toBe(`cannot read result file ${join(dir, 'nope.json')}: no such file`);
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    expect((await readError(folder)).message).toBe(`cannot read result file ${folder}: is a folder`);
    const truncated = save('truncated.json', renderJson(real).slice(0, 200));
    expect((await readError(truncated)).message).toMatch(new RegExp(`^result file ${truncated} is not valid JSON: `));
    const array = save('array.json', '[1, 2]');
    expect((await readError(array)).message).toBe(`result file ${array} is not a chatbench result: expected a JSON object, got an array`);
  });

  it('lists the first schema problems with their JSON paths, and how many more there are', async () => {
    const broken = structuredClone(real) as unknown as Record<string, unknown> & { scenarios: Array<Record<string, unknown>> };
    delete broken.runId;
    const first = broken.scenarios[0] as { latency: Record<string, unknown>; delivery: { byQos: Record<string, Record<string, unknown>> } };
    first.latency.p99 = 'fast';
    (first.delivery.byQos['1'] as Record<string, unknown>).lost = -1;
    const path = save('broken.json', broken);
    const message = (await readError(path)).message;
    expect(message.split('\n')).toEqual([
      `result file ${path} does not match the result format (schemaVersion 1, docs/result-format.md):`,
      '  runId: Invalid input: expected string, received undefined',
      '  scenarios[0].latency.p99: Invalid input: expected number, received string',
      '  scenarios[0].delivery.byQos["1"].lost: Too small: expected number to be >=0',
    ]);

    const many = structuredClone(real) as unknown as Record<string, unknown>;
    for (const key of ['runId', 'startedAt', 'finishedAt', 'aborted', 'target', 'selected', 'scenarios']) delete many[key];
    const manyMessage = (await readError(save('many.json', many))).message.split('\n');
    expect(manyMessage).toHaveLength(1 + 5 + 1);
    expect(manyMessage.at(-1)).toBe('  and 2 more');
  });

  it('says clearly when the result has another schemaVersion or kind', async () => {
    const newer = save('v2.json', { ...real, schemaVersion: 2 });
    expect((await readError(newer)).message).toBe(`result file ${newer}: result schemaVersion 2 is newer than this chatbench reads (1); upgrade chatbench to read it`);
    const older = save('v0.json', { ...real, schemaVersion: 0 });
    expect((await readError(older)).message).toContain('result schemaVersion 0 is older than this chatbench reads (1)');
    const conform = save('conform.json', { ...real, kind: 'conform' });
    expect((await readError(conform)).message).toBe(`result file ${conform} is a "conform" result; this reads run results (kind "run")`);
  });
});
