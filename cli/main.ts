/**
 * The CLI: argv -> typed options -> library call -> reporters -> exit code.
 * The only place that maps errors to exit codes; it returns the code and the launcher sets it.
 */
import { ChatbenchError, ExitCode } from '../core/errors.js';
import { resultJsonSchema } from '../core/result.js';
import { scenarioJsonSchema } from '../core/scenario/index.js';
import { parseFlags, renderHelp, type CommandSpec, type ParsedArgs } from './flags.js';
import { processOutput, type Output } from './output.js';
import { compareCommand, runCompare } from './commands/compare.js';
import { reportCommand, runReport } from './commands/report.js';
import { runCommand, runRun } from './commands/run.js';
import { toolVersion } from './version.js';

interface Command {
  spec: CommandSpec;
  execute(args: ParsedArgs, out: Output): Promise<number>;
}

const schemaCommand: Command = {
  spec: {
    name: 'schema',
    summary: 'Print the JSON Schema of scenarios.yaml (for editors), or of the result file.',
    args: '',
    maxPositionals: 0,
    flags: [{ name: 'result', type: 'boolean', description: 'the schema of the --json result file instead' }],
  },
  execute: async (args, out) => {
    const schema = args.values.result === true ? resultJsonSchema() : scenarioJsonSchema();
    out.out(`${JSON.stringify(schema, null, 2)}\n`);
    return ExitCode.ok;
  },
};

const COMMANDS: readonly Command[] = [
  { spec: runCommand, execute: runRun },
  { spec: reportCommand, execute: runReport },
  { spec: compareCommand, execute: runCompare },
  schemaCommand,
];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return [
    `chatbench ${toolVersion()} — checks and measures chat messaging servers`,
    '',
    'Usage: chatbench <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    "Run 'chatbench <command> --help' for a command's flags.",
    'Exit codes: 0 ok, 1 a check failed, 2 bad input, 3 target unreachable or run aborted.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    out.err(topHelp());
    return ExitCode.badInput;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    out.out(topHelp());
    return ExitCode.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    if (rest.length > 0) {
      out.err(`chatbench: ${name} takes no arguments (got ${rest.join(' ')})`);
      return ExitCode.badInput;
    }
    out.out(`${toolVersion()}\n`);
    return ExitCode.ok;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (command === undefined) {
    out.err(`chatbench: unknown command "${name}"\n`);
    out.err(topHelp());
    return ExitCode.badInput;
  }
  try {
    const args = parseFlags(command.spec, rest);
    if (args.values.help === true) {
      out.out(renderHelp(command.spec));
      return ExitCode.ok;
    }
    return await command.execute(args, out);
  } catch (error) {
    if (error instanceof ChatbenchError) {
      out.err(`chatbench ${name}: ${error.message}`);
      return error.exitCode;
    }
    out.err(`chatbench ${name}: internal error: ${(error as Error)?.stack ?? String(error)}`);
    return ExitCode.unreachable;
  }
}
