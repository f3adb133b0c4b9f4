/**
 * Flag tables are data: the parsed values' types come from the table (checked by tsc on this
 * file: `expectTypeOf` fails the typecheck if a flag's type drifts), parsing is strict, and
 * --help is its own field.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { defineCommand, parseFlags, renderHelp } from '../../cli/flags.js';
import { runCommand } from '../../cli/commands/run.js';

const spec = defineCommand({
  name: 'demo',
  summary: 'A demo command.',
  args: '[FILE]',
  maxPositionals: 1,
  flags: [
    { name: 'json', type: 'string', value: 'FILE', description: 'a file' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'be quiet' },
    { name: 'scenario', short: 's', type: 'string', multiple: true, value: 'NAME', description: 'a name' },
  ],
});

describe('parseFlags', () => {
  it('types each value from the table: string, boolean, repeatable string; no cast needed', () => {
    const args = parseFlags(spec, ['file.yaml', '--json', 'r.json', '-q', '-s', 'a', '--scenario', 'b']);
    expectTypeOf(args.values.json).toEqualTypeOf<string | undefined>();
    expectTypeOf(args.values.quiet).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(args.values.scenario).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(args.values).not.toHaveProperty('nope');
    expect(args.values).toEqual({ json: 'r.json', quiet: true, scenario: ['a', 'b'] });
    expect(args.positionals).toEqual(['file.yaml']);
    expect(args.help).toBe(false);
    // The real tables are typed the same way.
    expectTypeOf(parseFlags(runCommand, []).values['checkpoint-every']).toEqualTypeOf<string | undefined>();
    expectTypeOf(parseFlags(runCommand, []).values.html).toEqualTypeOf<string | undefined>();
  });

  it('reads --help apart from the command\'s own flags', () => {
    expect(parseFlags(spec, ['-h']).help).toBe(true);
  });

  it('rejects an unknown flag, a missing value and too many arguments as bad input with the usage', () => {
    for (const argv of [['--jsn', 'x'], ['--json'], ['a', 'b']]) {
      const error = (() => { try { parseFlags(spec, argv); } catch (e) { return e; } return undefined; })();
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain('Usage: chatbench demo [FILE] [flags]');
    }
  });

  it('suggests the closest flag for a misspelt one, and nothing for one far from every flag', () => {
    const messageOf = (argv: string[]): string => {
      try { parseFlags(runCommand, argv); } catch (e) { return (e as InputError).message; }
      return '';
    };
    expect(messageOf(['--targt', 'mqtt://h'])).toMatch(/^unknown option '--targt' \(did you mean --target\?\)\n\nUsage: chatbench run /);
    expect(messageOf(['--targt=mqtt://h'])).toContain('(did you mean --target?)');
    expect(messageOf(['--qiet'])).toContain("unknown option '--qiet' (did you mean --quiet?)");
    expect(messageOf(['--checkpoint'])).toContain('(did you mean --checkpoint-every?)');
    expect(messageOf(['--zzzzzz'])).toMatch(/^unknown option '--zzzzzz'\n/);
  });

  it('renders --help from the same table', () => {
    const help = renderHelp(spec);
    expect(help).toContain('  -s, --scenario NAME  a name (repeatable)');
    expect(help).toContain('  -h, --help           show this help');
  });
});
