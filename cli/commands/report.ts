/**
 * `chatbench report RESULT.json`: re-renders a saved result of any kind and either schema
 * version without re-running — the console summary, and JUnit / Markdown / HTML / JSON files on
 * request — and exits as the run did, so CI can gate on a saved result.
 */
import { InputError } from '../../core/errors.js';
import { renderConsole } from '../../reports/index.js';
import { resultExitCode } from '../exit-code.js';
import { readResultFile } from '../files.js';
import { defineCommand, quietFlag, usageLine, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';
import { jsonFlag, OUTPUT_FOLDERS_NOTE, prepareOutputs, REPORT_FLAGS, resultOutputs, writeOutputs } from '../report-files.js';

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'Re-render a saved result (console, JUnit, Markdown, HTML) without re-running; exits as the run did.',
  args: 'RESULT.json',
  maxPositionals: 1,
  flags: [
    ...REPORT_FLAGS,
    jsonFlag('write the result JSON here (validated, upgraded to the current schema and re-serialised)'),
    quietFlag('do not print the summary'),
  ],
  notes: [
    'RESULT.json is a file written by chatbench --json (any schemaVersion this chatbench reads).',
    'Exit codes: 0 every scenario passed; 1 a scenario failed; 2 bad input (flags, a missing or',
    '            invalid result file); 3 the run was aborted — the code the run itself exited with.',
    '            A conform result: 1 on a fail, timeout or error (with --expect: on a difference), 3 if',
    '            the target was unreachable or it was interrupted. A fuzz result: 1 on a new finding, 3 if no case ran.',
    OUTPUT_FOLDERS_NOTE,
  ],
});

export async function runReport(args: ParsedArgs<typeof reportCommand.flags>, out: Output): Promise<number> {
  const file = args.positionals[0];
  if (file === undefined) throw new InputError(`needs the result file to render (written by chatbench run --json FILE)\n\n${usageLine(reportCommand)}`);
  const result = await readResultFile(file);
  const outputs = resultOutputs(args.values, result.kind);
  // Never overwrite the result being rendered.
  await prepareOutputs(outputs, new Map([[file, 'the result file being read']]));
  if (args.values.quiet !== true) out.err(renderConsole(result, { color: out.color }).trimEnd());
  await writeOutputs(outputs, result, out);
  return resultExitCode(result);
}
