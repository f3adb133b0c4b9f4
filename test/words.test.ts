/**
 * core/words.ts: the one plural helper, exact figures with thousands separators and human
 * durations, used by the engine's progress lines, the verdict's reasons and every report.
 */
import { describe, expect, it } from 'vitest';
import { count, duration, exactMicros, exactNumber, plural } from '../core/words.js';

describe('words', () => {
  it('says the singular for exactly one and a regular or given plural otherwise, with separators', () => {
    expect(plural(1, 'room')).toBe('1 room');
    expect(plural(0, 'room')).toBe('0 rooms');
    expect(plural(1, 'owed delivery')).toBe('1 owed delivery');
    expect(plural(3, 'owed delivery')).toBe('3 owed deliveries');
    expect(plural(2, 'day')).toBe('2 days');
    expect(plural(1500, 'user')).toBe('1,500 users');
    expect(plural(2, 'send was', 'sends were')).toBe('2 sends were');
    expect(count(22_491)).toBe('22,491');
  });

  it('writes exact figures with thousands separators and six significant digits', () => {
    expect(exactNumber(4498.0512)).toBe('4,498.05');
    expect(exactNumber(3538)).toBe('3,538');
    expect(exactNumber(0.00213912)).toBe('0.00213912');
    expect(exactNumber(12.6357142)).toBe('12.6357');
    expect(exactNumber(Number.NaN)).toBe('-');
    expect(exactMicros(850)).toBe('850 µs');
    expect(exactMicros(1234.5)).toBe('1.2345 ms');
    expect(exactMicros(12_345_678)).toBe('12.3457 s');
  });

  it('writes configured durations for people', () => {
    expect(duration(500)).toBe('500 ms');
    expect(duration(1000)).toBe('1 s');
    expect(duration(1500)).toBe('1.5 s');
    expect(duration(60_000)).toBe('60 s');
    expect(duration(150_000)).toBe('2.5 min');
  });
});
