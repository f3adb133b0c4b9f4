/**
 * The chat patterns' checks as the judge makes them (core/verdict/pattern-checks.ts): each
 * figure that counts a failure gives one 'pattern' reason with its check name and count, and
 * nothing when the count is 0 or the pattern was not asked for.
 */
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, summarise } from '../../core/metrics/index.js';
import type { AbsenceFigures, TakeoverFigures } from '../../core/result/index.js';
import { patternReasons } from '../../core/verdict/pattern-checks.js';

const none = summarise(createLatencyHistogram());

function absences(notCaughtUp: number): AbsenceFigures {
  return {
    absences: 10, graceful: 5, abrupt: 5, resumed: 10, notResumed: 0, stayedAway: 0, reconnectTime: none,
    caughtUp: 10 - notCaughtUp, notCaughtUp, catchUp: none, excused: 0,
  } as AbsenceFigures;
}

function takeover(oldNotClosed: number): TakeoverFigures {
  return { attempted: 4, oldClosed: 4 - oldNotClosed, oldNotClosed, newConnected: 4, reasonCodes: [] };
}

describe('pattern checks', () => {
  it('reads nothing from a scenario without patterns', () => {
    expect(patternReasons({})).toEqual([]);
  });

  it('fails returning users still missing queued messages, saying chatbench stopped waiting', () => {
    expect(patternReasons({ absences: absences(0) })).toEqual([]);
    const [r] = patternReasons({ absences: absences(3) });
    expect(r).toMatchObject({ kind: 'pattern', check: 'not-caught-up', count: 3 });
    expect(r?.message).toMatch(/^3 of 10 returning users .*when chatbench stopped waiting/);
  });

  it('fails first connections the server left open after a takeover [MQTT-3.1.4-2]', () => {
    expect(patternReasons({ takeover: takeover(0) })).toEqual([]);
    const [r] = patternReasons({ takeover: takeover(1) });
    expect(r).toMatchObject({ kind: 'pattern', check: 'takeover-not-closed', count: 1 });
    expect(r?.message).toMatch(/^1 of 4 first connections stayed open.*MQTT-3\.1\.4-2/);
  });
});
