/** `chatbench schema [--result]`: the JSON Schema of scenarios.yaml (for editors) or of the whole result family. */
import { ExitCode } from '../../core/errors.js';
import { resultJsonSchema } from '../../core/result/index.js';
import { scenarioJsonSchema } from '../../core/scenario/index.js';
import { defineCommand, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';

export const schemaCommand = defineCommand({
  name: 'schema',
  summary: 'Print the JSON Schema of scenarios.yaml (for editors), or of the result files.',
  args: '',
  maxPositionals: 0,
  flags: [{ name: 'result', type: 'boolean', description: 'the schema of every kind of result file (--json) instead' }],
});

export async function runSchema(args: ParsedArgs<typeof schemaCommand.flags>, out: Output): Promise<number> {
  const schema = args.values.result === true ? resultJsonSchema() : scenarioJsonSchema();
  out.out(`${JSON.stringify(schema, null, 2)}\n`);
  return ExitCode.ok;
}
