import { describe, expect, test } from 'vitest';
import { formatDuration, formatSize, latencyUnit, microsIn, parseDuration, parseLatency, parseLatencyText, parseRate, parseSize } from '../../core/scenario/units.js';
import type { Parsed } from '../../core/scenario/units.js';

const value = (parsed: Parsed<number>): number => {
  if (!parsed.ok) throw new Error(`expected a value, got error: ${parsed.error}`);
  return parsed.value;
};
const error = (parsed: Parsed<number>): string => {
  if (parsed.ok) throw new Error(`expected an error, got ${parsed.value}`);
  return parsed.error;
};

describe('parseDuration -> milliseconds', () => {
  test.each<[number | string, number]>([
    [10, 10_000], // a bare number is seconds
    [0.5, 500],
    [0, 0],
    ['10', 10_000],
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['2min', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h 2m 3s 4ms', 3_723_004],
    [' 250 ms ', 250],
  ])('%j -> %d ms', (input, ms) => {
    expect(value(parseDuration(input))).toBe(ms);
  });

  test.each<[number | string, RegExp]>([
    ['10 sec', /invalid duration "10 sec"/],
    ['ten seconds', /invalid duration/],
    ['', /invalid duration|empty/],
    ['5x', /invalid duration "5x": write a number of seconds/],
    ['-1s', /must not be negative/],
    [-2, /must not be negative/],
    [Number.POSITIVE_INFINITY, /finite/],
    ['1.0005s', /not a whole number of milliseconds/],
    ['s', /invalid duration/],
  ])('%j is rejected', (input, message) => {
    expect(error(parseDuration(input))).toMatch(message);
  });
});

describe('parseRate -> messages per second', () => {
  test.each<[number | string, number]>([
    [500, 500],
    [0.5, 0.5],
    ['500', 500],
    ['500/s', 500],
    ['500 / s', 500],
    ['30/min', 0.5],
    ['30/m', 0.5],
    ['3600/h', 1],
    ['2/ms', 2_000],
  ])('%j -> %d/s', (input, perSecond) => {
    expect(value(parseRate(input))).toBeCloseTo(perSecond, 12);
  });

  test.each<[number | string, RegExp]>([
    [0, /greater than zero/],
    ['0/s', /greater than zero/],
    [-5, /greater than zero/],
    ['fast', /invalid rate "fast"/],
    ['500/day', /unknown time unit "\/day"/],
    ['500 per second', /invalid rate/],
    [Number.NaN, /finite/],
  ])('%j is rejected', (input, message) => {
    expect(error(parseRate(input))).toMatch(message);
  });
});

describe('parseSize -> bytes', () => {
  test.each<[number | string, number]>([
    [256, 256],
    [0, 0],
    ['256', 256],
    ['256B', 256],
    ['2KB', 2_000],
    ['2kB', 2_000],
    ['1KiB', 1_024],
    ['1.5KiB', 1_536],
    ['1MiB', 1_048_576],
    ['1 MB', 1_000_000],
    ['1GiB', 1_073_741_824],
  ])('%j -> %d bytes', (input, bytes) => {
    expect(value(parseSize(input))).toBe(bytes);
  });

  test.each<[number | string, RegExp]>([
    [1.5, /whole number of bytes/],
    [-1, /must not be negative/],
    ['-1KiB', /must not be negative/],
    ['1kb', /unknown size unit "kb"/], // bits or bytes? ambiguous: refused
    ['1mib', /unknown size unit "mib"/],
    ['1.0001KB', /not a whole number of bytes/],
    ['big', /invalid size "big"/],
  ])('%j is rejected', (input, message) => {
    expect(error(parseSize(input))).toMatch(message);
  });
});

describe('latency units: one table, µs (micro sign) and μs (Greek mu) both mean us', () => {
  test('spellings', () => {
    expect(['us', '\u00b5s', '\u03bcs', 'ms', 's', 'm', 'US', 'sec'].map(latencyUnit)).toEqual(['us', 'us', 'us', 'ms', 's', undefined, undefined, undefined]);
  });

  test('amount + unit -> microseconds, and back in a unit', () => {
    expect(parseLatency(2.5, 'ms')).toEqual({ ok: true, value: { micros: 2_500, unit: 'ms' } });
    expect(parseLatency(7, '\u03bcs')).toEqual({ ok: true, value: { micros: 7, unit: 'us' } });
    expect(parseLatency(1, 'h')).toEqual({ ok: false, error: 'unknown latency unit "h"; use us, ms or s' });
    expect([microsIn(12_500, 'ms'), microsIn(12_500, 's'), microsIn(12_500, 'us')]).toEqual([12.5, 0.0125, 12_500]);
  });

  test.each<[string, number]>([
    ['100us', 100], ['250\u00b5s', 250], ['250\u03bcs', 250], ['0.5ms', 500], ['2 ms', 2_000], ['1.5s', 1_500_000], ['1m', 60_000_000], ['1h', 3_600_000_000],
  ])('text %j is %i us', (input, micros) => {
    expect(value(parseLatencyText(input))).toBe(micros);
  });

  test.each<[string, RegExp]>([
    ['100', /give a unit, e.g. 100us or 100ms/],
    ['-1ms', /cannot be negative/],
    ['fast', /invalid latency "fast": write a number with a unit/],
  ])('text %j is rejected', (input, message) => {
    expect(error(parseLatencyText(input))).toMatch(message);
  });
});

test('format helpers read back in the units people write', () => {
  expect([formatDuration(250), formatDuration(1_500), formatDuration(120_000), formatDuration(90_000)]).toEqual(['250ms', '1.5s', '2m', '90s']);
  expect([formatSize(1_024), formatSize(1_048_576), formatSize(2_000), formatSize(64)]).toEqual(['1KiB', '1MiB', '2000B', '64B']);
});
