/**
 * The CLI: argv -> typed options -> library call -> reporters -> exit code.
 * The only place that maps errors to exit codes; it returns the code and the launcher sets it.
 */
import { ChatbenchError, ExitCode } from '../core/errors.js';
import { parseFlags, renderHelp, type CommandSpec, type FlagSpec, type ParsedArgs } from './flags.js';
import { processOutput, type Output } from './output.js';
import { compareCommand, runCompare } from './commands/compare.js';
import { conformCommand, runConform } from './commands/conform.js';
import { fuzzCommand, runFuzzCommand } from './commands/fuzz.js';
import { mergeCommand, runMerge } from './commands/merge.js';
import { replayCommand, runReplay } from './commands/replay.js';
import { reportCommand, runReport } from './commands/report.js';
import { runCommand, runRun } from './commands/run.js';
import { runSchema, schemaCommand } from './commands/schema.js';
import { toolVersion } from './version.js';

/** A command with its flag table's types erased: parsing happens inside, against its own table. */
interface Command {
  spec: CommandSpec;
  run(argv: readonly string[], out: Output): Promise<number>;
}

function command<Flags extends readonly FlagSpec[]>(spec: CommandSpec<Flags>, execute: (args: ParsedArgs<Flags>, out: Output) => Promise<number>): Command {
  return {
    spec,
    run: async (argv, out) => {
      const args = parseFlags(spec, argv);
      if (!args.help) return execute(args, out);
      out.out(renderHelp(spec));
      return ExitCode.ok;
    },
  };
}

const COMMANDS: readonly Command[] = [
  command(runCommand, runRun),
  command(conformCommand, runConform),
  command(fuzzCommand, runFuzzCommand),
  command(replayCommand, runReplay),
  command(reportCommand, runReport),
  command(compareCommand, runCompare),
  command(mergeCommand, runMerge),
  command(schemaCommand, runSchema),
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
  const found = COMMANDS.find((c) => c.spec.name === name);
  if (found === undefined) {
    out.err(`chatbench: unknown command "${name}"\n`);
    out.err(topHelp());
    return ExitCode.badInput;
  }
  try {
    return await found.run(rest, out);
  } catch (error) {
    if (error instanceof ChatbenchError) {
      out.err(`chatbench ${name}: ${error.message}`);
      return error.exitCode;
    }
    out.err(`chatbench ${name}: internal error: ${(error as Error)?.stack ?? String(error)}`);
    return ExitCode.unreachable;
  }
}
