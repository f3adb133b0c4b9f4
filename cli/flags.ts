/**
 * Flags are data: one typed table per command drives parsing (node:util parseArgs, strict),
 * --help, and the type of the parsed values — a string flag reads as `string | undefined`, a
 * boolean as `boolean | undefined`, a repeatable one as `string[] | undefined`, with no cast.
 * A wrong flag is bad input (exit 2) with the command's usage.
 */
import { parseArgs } from 'node:util';
import { InputError } from '../core/errors.js';
import { didYouMean } from '../core/scenario/suggest.js';

export interface FlagSpec<Name extends string = string> {
  name: Name;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Shown in --help, e.g. "URL". */
  value?: string;
  description: string;
}

export interface CommandSpec<Flags extends readonly FlagSpec[] = readonly FlagSpec[]> {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. "[FILE]". */
  args: string;
  maxPositionals: number;
  flags: Flags;
  /** Extra lines at the end of --help. */
  notes?: readonly string[];
}

const HELP_FLAG = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' } as const satisfies FlagSpec;

/** --quiet / -q, which every command that prints a report takes; `description` says what it still prints. */
export function quietFlag(description: string) {
  return { name: 'quiet', short: 'q', type: 'boolean', description } as const satisfies FlagSpec;
}

/** The value one flag parses to. */
export type FlagValue<F extends FlagSpec> = F extends { type: 'boolean' }
  ? F extends { multiple: true } ? boolean[] : boolean
  : F extends { multiple: true } ? string[] : string;

/**
 * The parsed values of a flag table, keyed by flag name. A table typed only as `FlagSpec[]`
 * (names not known) reads as a loose record, so untyped tables still compile.
 */
export type FlagValues<Flags extends readonly FlagSpec[]> = string extends Flags[number]['name']
  ? Record<string, string | boolean | string[] | boolean[] | undefined>
  : { [F in Flags[number] as F['name']]?: FlagValue<F> };

export interface ParsedArgs<Flags extends readonly FlagSpec[] = readonly FlagSpec[]> {
  values: FlagValues<Flags>;
  positionals: string[];
  /** --help was given: the command prints its help instead of running. */
  help: boolean;
}

/** Declares a command so its flag names and types are kept literally (for `ParsedArgs<typeof spec.flags>`). */
export function defineCommand<const Flags extends readonly FlagSpec[]>(spec: CommandSpec<Flags>): CommandSpec<Flags> {
  return spec;
}

export function parseFlags<Flags extends readonly FlagSpec[]>(command: CommandSpec<Flags>, argv: readonly string[]): ParsedArgs<Flags> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  const all: readonly FlagSpec[] = [...command.flags, HELP_FLAG];
  for (const f of all) {
    options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs capitalises its messages ("Unknown option"); chatbench's start in lower case.
    const raw = (error as Error).message.replace(/\. To specify a positional.*$/s, '');
    const message = raw.charAt(0).toLowerCase() + raw.slice(1);
    throw new InputError(`${message}${suggestFlag(error, all)}\n\n${usageLine(command)}\nRun 'chatbench ${command.name} --help' for the flags.`);
  }
  if (parsed.positionals.length > command.maxPositionals) {
    throw new InputError(`too many arguments: ${parsed.positionals.slice(command.maxPositionals).join(' ')}\n\n${usageLine(command)}`);
  }
  // parseArgs built the values from exactly this table (strict: no other keys), so they have
  // the shape FlagValues derives from it; this is the one place that says so.
  return { values: parsed.values as FlagValues<Flags>, positionals: parsed.positionals, help: parsed.values['help'] === true };
}

/** " (did you mean --target?)" for a misspelt long flag, else "". */
function suggestFlag(error: unknown, flags: readonly FlagSpec[]): string {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return '';
  // parseArgs names the option as given, without any =value: "Unknown option '--targt'".
  const given = /'--([^'=]+)'/.exec((error as Error).message)?.[1];
  const guess = given === undefined ? undefined : didYouMean(given, flags.map((f) => f.name));
  return guess === undefined ? '' : ` (did you mean --${guess}?)`;
}

export function usageLine(command: CommandSpec): string {
  return `Usage: chatbench ${command.name}${command.args ? ` ${command.args}` : ''} [flags]`;
}

export function renderHelp(command: CommandSpec): string {
  const rows = [...command.flags, HELP_FLAG].map((f: FlagSpec) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`;
    return [left, `${f.description}${f.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [command.summary, '', usageLine(command), '', 'Flags:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`)];
  if (command.notes?.length) lines.push('', ...command.notes);
  return `${lines.join('\n')}\n`;
}
