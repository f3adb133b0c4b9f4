import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { RESULT_SCHEMA_VERSION, RunResult, resultJsonSchema } from '../../core/result.js';
import { measureRunResult } from '../helpers/results.js';

/** The committed schema; `UPDATE_SCHEMA=1 npx vitest run test/result` rewrites it. */
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/result.schema.json', import.meta.url));

test('schema/result.schema.json is the schema generated from core/result.ts', async () => {
  const generated = `${JSON.stringify(resultJsonSchema(), null, 2)}\n`;
  if (process.env.UPDATE_SCHEMA === '1') await writeFile(SCHEMA_FILE, generated);
  expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(generated);
});

test('the result schema pins the version and the fields reports rely on', () => {
  const schema = resultJsonSchema() as { properties: Record<string, { const?: unknown }>; required: string[] };
  expect(schema.properties['schemaVersion']?.const).toBe(RESULT_SCHEMA_VERSION);
  expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'tool', 'target', 'scenarios', 'aborted']));
});

test('a result reads back through the schema, and only at its own version', async () => {
  const real = await measureRunResult();
  expect(RunResult.parse(JSON.parse(JSON.stringify(real)))).toEqual(real);
  expect(() => RunResult.parse({ ...real, schemaVersion: 2 })).toThrow(/schemaVersion/);
  const noHistogram = structuredClone(real);
  delete (noHistogram.scenarios[0]!.latency as Partial<typeof real.scenarios[0]['latency']>).hdr;
  expect(() => RunResult.parse(noHistogram)).toThrow(/hdr/);
}, 60_000);
