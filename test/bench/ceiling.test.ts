/**
 * bench:ceiling's step settings: how `--pacing` is read and that a step paces as asked,
 * whatever the scenario file said (the search itself runs in `npm run bench:ceiling`).
 */
import { expect, it } from 'vitest';
import { pacingOf, stepSeconds, stepSpec } from '../../bench/ceiling.js';
import { spec } from '../helpers/scenario.js';

it('--pacing reads sleep, poll (600 µs) and a window; anything else is an error naming the value', () => {
  expect(pacingOf('sleep')).toBeNull();
  expect(pacingOf('poll')).toEqual({ pollWithinMicros: 600 });
  expect(pacingOf('2ms')).toEqual({ pollWithinMicros: 2000 });
  expect(pacingOf('750us')).toEqual({ pollWithinMicros: 750 });
  expect(() => pacingOf('fast')).toThrow(/--pacing takes sleep, poll or a poll window such as 2ms, got "fast"/);
  expect(() => pacingOf('0ms')).toThrow(/got "0ms": must be longer than zero/);
  // The scenario option's bounds hold for the flag too.
  expect(() => pacingOf('1s')).toThrow(/at most 100 ms/);
  expect(() => pacingOf('2')).toThrow(/give a unit/);
});

it('a step runs at the offered rate for the given seconds, with the pacing asked for or the scenario\'s own', () => {
  const polling = spec({ pacing: { pollWithinMicros: 600 } });
  expect(stepSpec(polling, 800, 3, { pollWithinMicros: 2000 })).toMatchObject({ rate: 800, durationMs: 3000, pacing: { pollWithinMicros: 2000 }, thresholds: [] });
  expect(stepSpec(polling, 800, 3, null)).not.toHaveProperty('pacing');
  expect(stepSpec(polling, 800, 3).pacing).toEqual({ pollWithinMicros: 600 });
  expect(stepSpec(spec(), 800, 3).pacing).toBeUndefined();
});

it('a step at a low rate sends long enough for 1,000 measured sends, up to 30 s', () => {
  expect(stepSeconds(50, 3)).toBe(20.5);
  expect(stepSeconds(1_000, 3)).toBe(3);
  expect(stepSeconds(10, 3)).toBe(30);
  expect(stepSeconds(1_000, 5)).toBe(5);
});
