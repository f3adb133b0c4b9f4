/**
 * Field builders of the YAML vocabulary (zod), shared by schema.ts (the classic keys) and
 * pattern-fields.ts (chat patterns, edge cases, faults): a value in a unit, a duration, a
 * count, a share, and the wording for a map written as something else.
 */
import * as z from 'zod';
import { parseDuration, parseShare } from './units.js';
import type { Parsed } from './units.js';

/** A field parsed by `parse`; `check` adds a range rule on the parsed value. */
export function unitField(
  expected: string,
  parse: (input: number | string) => Parsed<number>,
  meta: { description: string; default?: string | number; examples: (string | number)[] },
  check?: (value: number) => string | undefined,
) {
  return z
    .union([z.number(), z.string()], { error: (issue) => (issue.input === undefined ? `missing: give ${expected}` : `expected ${expected}`) })
    .meta(meta)
    .transform((input, ctx) => {
      const parsed = parse(input);
      const problem = parsed.ok ? check?.(parsed.value) : parsed.error;
      if (!parsed.ok || problem !== undefined) {
        ctx.issues.push({ code: 'custom', message: problem ?? 'invalid value', input });
        return z.NEVER;
      }
      return parsed.value;
    });
}

/** A duration field; `check` adds a range rule on the milliseconds. */
export const duration = (description: string, defaultValue: string | undefined, check?: (ms: number) => string | undefined) =>
  unitField(
    'a duration such as 10s, 500ms or 2m',
    parseDuration,
    { description, ...(defaultValue === undefined ? {} : { default: defaultValue }), examples: ['500ms', '10s', '2m'] },
    check,
  );

export const positive = (ms: number) => (ms > 0 ? undefined : 'must be longer than zero');

/** A share of something: "30%" or 0.3, from 0 to 1 (`above0`: more than none). */
export const share = (description: string, defaultValue?: string, above0 = false) =>
  unitField(
    'a share such as 30% or 0.3',
    parseShare,
    { description, ...(defaultValue === undefined ? {} : { default: defaultValue }), examples: ['30%', 0.3] },
    above0 ? (v) => (v > 0 ? undefined : 'must be more than 0%') : undefined,
  );

export const count = (min: number, description: string, defaultValue?: number) =>
  z.int().min(min).meta({ description, ...(defaultValue === undefined ? {} : { default: defaultValue }) });

/** A map field's message for a value that is not a map (exported: runners' target fields use it too). */
export const mapError = (example: string) => (issue: { code: string }) =>
  issue.code === 'invalid_type' ? `expected a map such as ${example}` : undefined;
