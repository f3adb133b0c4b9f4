/**
 * Flags are data: one typed table per command drives parsing (node:util parseArgs,
 * strict) and --help. A wrong flag is bad input (exit 2) with the command's usage.
 */
import { parseArgs } from 'node:util';
import { InputError } from '../core/errors.js';

export interface FlagSpec {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Shown in --help, e.g. "URL". */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. "[FILE]". */
  args: string;
  maxPositionals: number;
  flags: readonly FlagSpec[];
  /** Extra lines at the end of --help. */
  notes?: readonly string[];
}

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' };

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseFlags(command: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of [...command.flags, HELP_FLAG]) {
    options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}\n\n${usageLine(command)}\nRun 'chatbench ${command.name} --help' for the flags.`);
  }
  if (parsed.positionals.length > command.maxPositionals) {
    throw new InputError(`too many arguments: ${parsed.positionals.slice(command.maxPositionals).join(' ')}\n\n${usageLine(command)}`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

export function usageLine(command: CommandSpec): string {
  return `Usage: chatbench ${command.name}${command.args ? ` ${command.args}` : ''} [flags]`;
}

export function renderHelp(command: CommandSpec): string {
  const rows = [...command.flags, HELP_FLAG].map((f) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`;
    return [left, `${f.description}${f.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [command.summary, '', usageLine(command), '', 'Flags:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`)];
  if (command.notes?.length) lines.push('', ...command.notes);
  return `${lines.join('\n')}\n`;
}
