/**
 * Catch-up time is the wait for what a returning user was owed: a return with nothing queued has
 * no wait to measure. It counts as caught up, but adds no catch-up sample (one of ~1 µs would
 * drag the percentiles toward zero).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../core/engine/index.js';
import type { ScenarioResult } from '../../core/result/index.js';
import { memoryBroker } from '../helpers/memory-broker.js';
import { spec } from '../helpers/scenario.js';

/** One of 4 room members away from 100 ms for `forMs`, its session kept, at `rate` sends a second. */
async function oneAway(runId: string, rate: number, forMs: number): Promise<ScenarioResult> {
  const { driver } = memoryBroker();
  const r = await runScenario(
    spec({
      users: 4, rooms: { count: 1, members: 4 }, rate, durationMs: 1200, warmupMs: 0, qos: 1,
      session: { persistent: true, expiryMs: 60_000 }, offline: { share: 0.25, atMs: 100, forMs },
    }),
    { runId, driver },
  );
  expect(r.absences).toMatchObject({ absences: 1, resumed: 1, caughtUp: 1, notCaughtUp: 0 });
  expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0 });
  return r;
}

describe('catch-up of returning users', () => {
  it('a return with nothing queued counts as caught up without a catch-up sample', async () => {
    // 2 sends a second: none falls in the 200 ms away, so nothing is queued for the return.
    const r = await oneAway('cu1', 2, 200);
    expect(r.absences?.catchUp.count).toBe(0);
  });

  it('a return with messages queued is timed from the reconnect until the last of them arrived', async () => {
    const r = await oneAway('cu2', 200, 300);
    expect(r.absences?.catchUp.count).toBe(1);
    expect(r.absences?.catchUp.p50).toBeGreaterThan(10); // µs: it ends with a queued delivery, not at the reconnect
  });
});
