/** Scenario files that must fail, for the vocabulary tests: their issues as "line:column path | message". */
import { expect } from 'vitest';
import { InputError } from '../../core/errors.js';
import { parseScenarioText } from '../../core/scenario/index.js';

/** Lines joined with "\n": the array index + 1 is the line number used in the expectations. */
export const yaml = (...lines: string[]) => lines.join('\n') + '\n';

/** The issues of a file that must fail (exit 2, every issue at its line:column). */
export function problems(text: string, opts: { target?: string } = {}): string[] {
  try {
    parseScenarioText(text, 'bad.yaml', opts);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message.split('\n')[0]).toBe('invalid scenario file bad.yaml');
    expect(error.exitCode).toBe(2);
    return error.issues.map((i) => `${i.line}:${i.column} ${i.path} | ${i.message}`);
  }
  throw new Error('expected the file to be rejected');
}
