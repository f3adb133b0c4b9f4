/**
 * Units of the scenario vocabulary. Each parser takes what YAML gives (a number or a string)
 * and returns the value in the engine's base unit, or a message saying what was wrong:
 *
 *   duration  "10s", "500ms", "2m", "1h", "1m30s", or a number of seconds  -> milliseconds
 *   rate      "500/s", "30/min", "2/ms", "3600/h", or a number per second   -> messages per second
 *   size      256, "256B", "2KB" (1000), "1KiB" (1024), "1MiB", "1GB"        -> bytes
 *   latency   "250us", "250µs", "250μs", "12ms", "1.5s"                      -> microseconds
 *   share     "30%", 0.3                                                      -> a fraction from 0 to 1
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const NUMBER = String.raw`\d+(?:\.\d+)?|\.\d+`;
const BARE_NUMBER = new RegExp(`^(?:${NUMBER})$`);

const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };
const DURATION_UNIT = 'ms|min|s|m|h';
const DURATION_FULL = new RegExp(String.raw`^(?:(?:${NUMBER})\s*(?:${DURATION_UNIT})\s*)+$`);
const DURATION_PART = new RegExp(String.raw`(${NUMBER})\s*(${DURATION_UNIT})`, 'g');
const DURATION_HINT = 'write a number of seconds, or a number with a unit: 500ms, 10s, 2m, 1h, 1m30s';

/** Milliseconds, whole; the input is never negative. A bare number is seconds. */
export function parseDuration(input: number | string): Parsed<number> {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return fail(`duration must be a finite number of seconds, got ${input}`);
    if (input < 0) return fail(`duration must not be negative, got ${input}`);
    return wholeMs(input * 1_000, String(input));
  }
  const text = input.trim();
  if (text.startsWith('-')) return fail(`duration must not be negative, got "${input}"`);
  if (BARE_NUMBER.test(text)) return wholeMs(Number(text) * 1_000, input);
  if (!DURATION_FULL.test(text)) return fail(`invalid duration "${input}": ${DURATION_HINT}`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * (DURATION_UNIT_MS[unit ?? ''] ?? Number.NaN);
  }
  return wholeMs(total, input);
}

function wholeMs(ms: number, written: string): Parsed<number> {
  const rounded = Math.round(ms);
  if (Math.abs(ms - rounded) > 1e-6) return fail(`duration "${written}" is not a whole number of milliseconds`);
  return ok(rounded);
}

const RATE_PER_S: Readonly<Record<string, number>> = { ms: 1_000, s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3_600 };
const RATE = new RegExp(String.raw`^(${NUMBER})(?:\s*/\s*([a-z]+))?$`);
const RATE_HINT = 'write messages per time unit: 500/s, 30/min, 3600/h, or a number per second';

/** Messages per second, finite and greater than zero (may be fractional: 30/min is 0.5/s). */
export function parseRate(input: number | string): Parsed<number> {
  let perSecond: number;
  if (typeof input === 'number') {
    perSecond = input;
  } else {
    const match = RATE.exec(input.trim());
    if (!match) return fail(`invalid rate "${input}": ${RATE_HINT}`);
    const unit = match[2] ?? 's';
    const factor = RATE_PER_S[unit];
    if (factor === undefined) return fail(`unknown time unit "/${unit}" in rate "${input}": use /ms, /s, /min or /h`);
    perSecond = Number(match[1]) * factor;
  }
  if (!Number.isFinite(perSecond)) return fail(`rate must be a finite number, got ${input}`);
  if (perSecond <= 0) return fail(`rate must be greater than zero, got ${input}`);
  return ok(perSecond);
}

const SIZE_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1_000, kB: 1_000, MB: 1_000_000, GB: 1_000_000_000,
  KiB: 1_024, MiB: 1_024 ** 2, GiB: 1_024 ** 3,
};
const SIZE = new RegExp(String.raw`^(${NUMBER})\s*([A-Za-z]*)$`);
const SIZE_HINT = 'write a number of bytes, or a number with a unit: B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024)';

/** Whole bytes, never negative. */
export function parseSize(input: number | string): Parsed<number> {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) return fail(`size must be a whole number of bytes, got ${input}`);
    if (input < 0) return fail(`size must not be negative, got ${input}`);
    return ok(input);
  }
  const text = input.trim();
  if (text.startsWith('-')) return fail(`size must not be negative, got "${input}"`);
  const match = SIZE.exec(text);
  if (!match) return fail(`invalid size "${input}": ${SIZE_HINT}`);
  const unit = match[2] || 'B';
  const factor = SIZE_BYTES[unit];
  if (factor === undefined) return fail(`unknown size unit "${unit}" in "${input}": ${SIZE_HINT}`);
  const bytes = Number(match[1]) * factor;
  const rounded = Math.round(bytes);
  if (Math.abs(bytes - rounded) > 1e-6) return fail(`size "${input}" is not a whole number of bytes`);
  return ok(rounded);
}

const SHARE = new RegExp(String.raw`^(${NUMBER})\s*(%?)$`);

/** A fraction from 0 to 1: "30%" or a plain number (0.3). 30 alone is refused: it reads as 30% or as 30 times. */
export function parseShare(input: number | string): Parsed<number> {
  const match = typeof input === 'string' ? SHARE.exec(input.trim()) : null;
  if (typeof input === 'string' && !match) return fail(`invalid share "${input}": write a percentage (30%) or a fraction from 0 to 1 (0.3)`);
  const value = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : Number(input);
  if (!Number.isFinite(value) || value < 0) return fail(`a share must be from 0% to 100%, got ${input}`);
  if (value > 1) return fail(match?.[2] === '%' ? `a share is at most 100%, got ${input}` : `a share is at most 1 (100%), got ${input}: write ${input}% for a percentage`);
  return ok(value);
}

/** 1500 -> "1.5s", 250 -> "250ms", 120000 -> "2m": for messages. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** 1024 -> "1KiB", 2000 -> "2000B": exact, for messages. */
export function formatSize(bytes: number): string {
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const factor = SIZE_BYTES[unit] ?? 1;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/**
 * The one latency-unit table: microseconds per unit. Histograms record in microseconds, so
 * thresholds are stored in them and shown back in the unit they were written in.
 */
export const LATENCY_UNIT_MICROS = { us: 1, ms: 1_000, s: 1_000_000 } as const;
export type LatencyUnit = keyof typeof LATENCY_UNIT_MICROS;

/** How people write the units: the micro sign (U+00B5) and the Greek mu (U+03BC) both mean us. */
const LATENCY_SPELLINGS: Readonly<Record<string, LatencyUnit>> = { us: 'us', '\u00b5s': 'us', '\u03bcs': 'us', ms: 'ms', s: 's' };

/** The latency unit a spelling means, or undefined when it is not one. */
export function latencyUnit(written: string): LatencyUnit | undefined {
  return LATENCY_SPELLINGS[written];
}

/** A latency written as amount + unit ("12ms"), in microseconds, never negative. */
export function parseLatency(amount: number, written: string): Parsed<{ micros: number; unit: LatencyUnit }> {
  const unit = latencyUnit(written);
  if (unit === undefined) return fail(`unknown latency unit "${written}"; use us, ms or s`);
  if (!Number.isFinite(amount) || amount < 0) return fail('a latency must be a finite number, not negative');
  return ok({ micros: amount * LATENCY_UNIT_MICROS[unit], unit });
}

/** Microseconds expressed in `unit` (12_500 us in ms is 12.5). */
export function microsIn(micros: number, unit: LatencyUnit): number {
  return micros / LATENCY_UNIT_MICROS[unit];
}

const LATENCY_TEXT = new RegExp(String.raw`^(${NUMBER})\s*(\S+)$`);

/**
 * A latency written as text, in microseconds: "100us", "250µs", "0.5ms", "2s", or any
 * duration ("1m", "1h"). A bare number is refused: 100 could be µs or ms.
 */
export function parseLatencyText(input: string): Parsed<number> {
  const text = input.trim();
  if (text.startsWith('-')) return fail(`a latency cannot be negative, got "${input}"`);
  if (BARE_NUMBER.test(text)) return fail(`give a unit, e.g. ${text}us or ${text}ms`);
  const match = LATENCY_TEXT.exec(text);
  const unit = match === null ? undefined : latencyUnit(match[2] ?? '');
  if (match !== null && unit !== undefined) return ok(Number(match[1]) * LATENCY_UNIT_MICROS[unit]);
  const duration = parseDuration(text);
  if (!duration.ok) return fail(`invalid latency "${input}": write a number with a unit: 100us, 2.5ms, 1s, 1m`);
  return ok(duration.value * 1_000);
}
