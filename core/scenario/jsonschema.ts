/**
 * JSON Schema of the scenario file's YAML form, generated from the zod definition in
 * schema.ts (input side: what authors write, "10s" and "500/s" included). Editors use it for
 * completion and inline checks via `# yaml-language-server: $schema=schema/scenarios.schema.json`.
 * The target's fields come from the registered runners (core/target.ts), so generate it after
 * runners/index.ts registered them. The committed schema/scenarios.schema.json is kept equal to
 * this by test/scenario/jsonschema.test.ts.
 */
import * as z from 'zod';
import { scenarioFileSchema } from './schema.js';

export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioFileSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
