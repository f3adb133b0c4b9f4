/**
 * The scenario option `pacing`, one place for what it accepts and what it means: `sleep` (the
 * default: no spec), `poll` (a 600 µs window) or `{ poll: <time> }` (that window, up to 100 ms).
 * schema.ts validates the YAML with it, shapes.ts turns the value into the spec, and
 * bench:ceiling's `--pacing` flag reads the same words.
 */
import { DEFAULT_POLL_WITHIN_MICROS, MAX_POLL_WITHIN_MICROS, type PacingSpec } from './types.js';
import { parseLatencyText, type Parsed } from './units.js';

/** The `pacing` value as the YAML schema gives it (a window already in µs). */
export type PacingValue = 'sleep' | 'poll' | { poll: number };

/** A poll window: a time with a unit (a bare number could be µs or ms), more than 0 and at most 100 ms; µs. */
export function parsePollWindow(input: number | string): Parsed<number> {
  if (typeof input === 'number') return { ok: false, error: `give a unit, e.g. ${input}us or ${input}ms` };
  const parsed = parseLatencyText(input);
  if (!parsed.ok) return parsed;
  if (parsed.value <= 0) return { ok: false, error: 'must be longer than zero' };
  if (parsed.value > MAX_POLL_WITHIN_MICROS) {
    return { ok: false, error: `must be at most ${MAX_POLL_WITHIN_MICROS / 1000} ms (the pacer would stay awake for most of the gap anyway; use a higher rate or pacing: poll)` };
  }
  return parsed;
}

/** What the pacer is asked to do; undefined: sleep. */
export function pacingSpecOf(value: PacingValue): PacingSpec | undefined {
  if (value === 'sleep') return undefined;
  return { pollWithinMicros: value === 'poll' ? DEFAULT_POLL_WITHIN_MICROS : value.poll };
}
