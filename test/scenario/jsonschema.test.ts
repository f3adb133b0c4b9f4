import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { scenarioJsonSchema } from '../../core/scenario/index.js';
import '../../runners/index.js'; // the target's fields come from the registered runners

/** The committed schema; `UPDATE_SCHEMA=1 npx vitest run test/scenario/jsonschema.test.ts` rewrites it. */
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/scenarios.schema.json', import.meta.url));

type Json = Record<string, unknown>;
const at = (schema: unknown, ...keys: string[]): Json =>
  keys.reduce<Json>((node, key) => {
    const next = node[key];
    if (typeof next !== 'object' || next === null) throw new Error(`no "${key}" in ${JSON.stringify(node).slice(0, 200)}`);
    return next as Json;
  }, schema as Json);

test('the generated schema describes the YAML form (input side: units as written)', () => {
  const schema = scenarioJsonSchema();
  expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
  expect(schema['required']).toEqual(['scenarios']);
  expect(schema['additionalProperties']).toBe(false);
  expect(Object.keys(at(schema, 'properties'))).toEqual(['target', 'defaults', 'scenarios']);

  const scenarios = at(schema, 'properties', 'scenarios');
  expect(scenarios['type']).toBe('array');
  expect(scenarios['minItems']).toBe(1);
  const scenario = at(scenarios, 'items');
  expect(scenario['required']).toEqual(['name']);
  expect(scenario['additionalProperties']).toBe(false);
  expect(at(scenario, 'properties', 'rate')).toMatchObject({ type: ['number', 'string'], default: '100/s' });
  expect(at(scenario, 'properties', 'qos')).toMatchObject({ enum: [0, 1, 2], default: 1 });
  expect(at(scenario, 'properties', 'duration')).toMatchObject({ default: '10s' });
  expect(at(scenario, 'properties', 'thresholds', 'items')).toMatchObject({ type: 'string' });
  // url, or start (a local server chatbench starts): core/target.ts asks for one of them
  expect(at(schema, 'properties', 'target')['required']).toBeUndefined();
  expect(at(schema, 'properties', 'target', 'properties', 'start')).toMatchObject({ type: 'string' });
  // MQTT 3.1 (protocol level 3) is not offered; 4 is 3.1.1's protocol level
  expect(at(schema, 'properties', 'target', 'properties', 'mqttVersion')).toMatchObject({ enum: [4, 5, '3.1.1', '4', '5', '5.0'], default: '5.0' });
  // defaults: takes every scenario key but the name
  expect(Object.keys(at(schema, 'properties', 'defaults', 'properties'))).not.toContain('name');
  expect(Object.keys(at(schema, 'properties', 'defaults', 'properties'))).toContain('drain');
});

test('schema/scenarios.schema.json is the generated schema', async () => {
  const generated = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
  if (process.env['UPDATE_SCHEMA'] === '1') await writeFile(SCHEMA_FILE, generated);
  const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '(missing)');
  expect(committed, 'schema/scenarios.schema.json is stale: run UPDATE_SCHEMA=1 npx vitest run test/scenario/jsonschema.test.ts').toBe(generated);
});
