/**
 * Thresholds on the chat patterns' figures read the figure the result holds (a hand-made
 * result with every pattern, test/reports/pattern-fixtures.ts), and read "nothing measured"
 * when the scenario has no such pattern.
 */
import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../core/scenario/thresholds.js';
import { evaluateThreshold } from '../../core/verdict/thresholds.js';
import { FIG, PATTERN_SCENARIO, withPatterns } from '../reports/pattern-fixtures.js';

function verdict(expression: string, patterns = true) {
  const parsed = parseThreshold(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  const run = withPatterns();
  const s = run.scenarios.find((x) => x.name === PATTERN_SCENARIO)!;
  if (!patterns) {
    delete s.presence; delete s.retained; delete s.absences; delete s.takeover; delete s.faults;
  }
  return evaluateThreshold(s, parsed.value);
}

describe('pattern thresholds', () => {
  it.each([
    ['absences.notCaughtUp == 0', FIG.absences.notCaughtUp],
    ['absences.notResumed == 0', FIG.absences.notResumed],
    ['takeover.notClosed == 0', FIG.takeover.oldNotClosed],
    ['retained.stale == 0', FIG.retained.stale],
    ['presence.missing == 0', FIG.presence.missing],
  ])('%s reads the figure and fails on it', (expression, actual) => {
    const v = verdict(expression);
    expect(v.actual).toBe(actual);
    expect(v.passed).toBe(false);
  });

  it.each(['catchUp.p99 < 3600s', 'retained.p99 < 3600s', 'presence.p99 < 3600s'])('%s reads a latency percentile', (expression) => {
    const v = verdict(expression);
    expect(v.actual).not.toBeNull();
    expect(v.actual!).toBeGreaterThan(0);
    expect(v.passed).toBe(true);
    expect(verdict(expression.replace('< 3600s', '< 1us')).passed).toBe(false);
  });

  it.each(['catchUp.p99 < 3600s', 'absences.notCaughtUp == 0', 'takeover.notClosed == 0'])('%s has nothing to read without the pattern', (expression) => {
    const v = verdict(expression, false);
    expect(v.actual).toBeNull();
    expect(v.passed).toBe(false);
  });
});
