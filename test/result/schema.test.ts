import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { ChatbenchResult, CompareResult, RESULT_SCHEMA_VERSION, RunResult, resultJsonSchema } from '../../core/result/index.js';
import { compareResults } from '../../core/verdict/compare.js';
import { ENVELOPE, fixtureRun } from '../helpers/compare-fixtures.js';

/** The committed schema; `UPDATE_SCHEMA=1 npx vitest run test/result` rewrites it. */
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/result.schema.json', import.meta.url));

test('schema/result.schema.json is the schema generated from core/result/', async () => {
  const generated = `${JSON.stringify(resultJsonSchema(), null, 2)}\n`;
  if (process.env.UPDATE_SCHEMA === '1') await writeFile(SCHEMA_FILE, generated);
  expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(generated);
});

test('the family schema has one branch per kind, each pinning the version and the envelope', () => {
  type Branch = { properties: Record<string, { const?: unknown }>; required: string[] };
  const schema = resultJsonSchema() as { oneOf?: Branch[]; anyOf?: Branch[] };
  const branches = schema.oneOf ?? schema.anyOf ?? [];
  expect(branches.map((b) => b.properties['kind']?.const)).toEqual(['run', 'compare', 'conform', 'fuzz']);
  for (const b of branches) {
    expect(b.properties['schemaVersion']?.const).toBe(RESULT_SCHEMA_VERSION);
    expect(b.required).toEqual(expect.arrayContaining(['schemaVersion', 'kind', 'tool', 'runId', 'target', 'environment', 'aborted']));
  }
});

test('a run and a comparison read back through the family schema, and only at their own version', () => {
  const real = fixtureRun();
  expect(ChatbenchResult.parse(JSON.parse(JSON.stringify(real)))).toEqual(real);
  expect(() => RunResult.parse({ ...real, schemaVersion: 1 })).toThrow(/schemaVersion/);
  const noHistogram = structuredClone(real);
  delete (noHistogram.scenarios[0]!.latency as Partial<typeof real.scenarios[0]['latency']>).hdr;
  expect(() => RunResult.parse(noHistogram)).toThrow(/hdr/);

  const comparison = compareResults(real, real, ENVELOPE);
  expect(CompareResult.parse(JSON.parse(JSON.stringify(comparison)))).toEqual(comparison);
  expect(ChatbenchResult.parse(comparison).kind).toBe('compare');
  expect(() => CompareResult.parse({ ...comparison, caveats: [{ kind: 'vibes', side: 'both', scenario: null, message: '' }] })).toThrow(/caveats/);
});
