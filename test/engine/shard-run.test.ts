/**
 * Shards on the embedded broker: a scenario run as 4 shards of one run id (at the same time,
 * as 4 machines would) sends, owes and delivers exactly what the single run does; the result
 * says which shard it holds; `beforeSend` is awaited once users are ready and its wait is not
 * counted as schedule lag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios, type EngineEvent } from '../../core/engine/index.js';
import { RunResult, type ScenarioResult } from '../../core/result/index.js';
import type { ScenarioFile } from '../../core/scenario/types.js';
import { openTarget } from '../../runners/index.js';
import { spec } from '../helpers/scenario.js';

let target: TargetHandle;
beforeAll(async () => {
  target = await openTarget(null);
});
afterAll(async () => {
  await target.close();
});

// Rooms r0 = u0..u3 and r1 = u4..u7, 12 pairs (u0,u1)..(u22,u23): 2 room groups and 8 lone pairs.
const scenario = spec({ name: 'mix', users: 24, rooms: { count: 2, members: 4 }, directPairs: 12, rate: 400, durationMs: 1000, warmupMs: 100, qos: 1 });
const file: ScenarioFile = { file: '<inline>', digest: 'ab'.repeat(32), target: null, scenarios: [scenario] };

/** The counts a merge must reproduce exactly. */
function counts(s: ScenarioResult | undefined) {
  if (s === undefined) throw new Error('no scenario result');
  return {
    users: s.users,
    rooms: s.rooms,
    expected: s.delivery.expected,
    delivered: s.delivery.delivered,
    sent: s.throughput.sent,
    measured: s.latency.count,
    opened: s.connections.opened,
  };
}

describe('shards of one run on the embedded broker', () => {
  it('4 shards together send, owe and deliver exactly what one run does', async () => {
    const single = await runScenarios({ scenarioFile: file, target, toolVersion: '0', runId: 'whole1' });
    expect(single.shard).toBeUndefined();
    expect(single.scenarioDigest).toBe('ab'.repeat(32));
    const parts = await Promise.all(
      [0, 1, 2, 3].map((index) => runScenarios({ scenarioFile: file, target, toolVersion: '0', runId: 'shard4', shard: { index, count: 4 } })),
    );
    for (const [index, part] of parts.entries()) {
      expect(RunResult.parse(part)).toEqual(part);
      expect(part.runId).toBe('shard4');
      expect(part.shard).toEqual({ index, count: 4 });
      expect(part.scenarioDigest).toBe('ab'.repeat(32));
      expect(part.scenarios[0]?.status).toBe('passed');
      // Every shard holds a real slice, not all or nothing.
      expect(part.scenarios[0]?.users).toBeGreaterThan(0);
      expect(part.scenarios[0]?.users).toBeLessThan(24);
    }
    const whole = counts(single.scenarios[0]);
    // 1 s at 400/s = 400 sends; 100 ms warm-up leaves 360 measured; room messages owed to 3, pairs to 1.
    expect(whole.sent).toBe(360);
    expect(whole.delivered).toBe(whole.expected);
    const summed = parts.map((p) => counts(p.scenarios[0])).reduce((a, b) => ({
      users: a.users + b.users,
      rooms: a.rooms + b.rooms,
      expected: a.expected + b.expected,
      delivered: a.delivered + b.delivered,
      sent: a.sent + b.sent,
      measured: a.measured + b.measured,
      opened: a.opened + b.opened,
    }));
    expect(summed).toEqual(whole);
  });

  it('awaits beforeSend once every user is ready, and starts the send clock after it', async () => {
    const events: string[] = [];
    const calls: string[] = [];
    const small = spec({ name: 'gate', users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 300, warmupMs: 0, qos: 1 });
    const r = await runScenarios({
      scenarioFile: { file: '<inline>', target: null, scenarios: [small] },
      target,
      toolVersion: '0',
      onEvent: (e: EngineEvent) => {
        if (e.type === 'phase') events.push(e.phase);
      },
      beforeSend: async (name) => {
        calls.push(name);
        events.push('before-send');
        await new Promise((resolve) => setTimeout(resolve, 1500));
      },
    });
    expect(calls).toEqual(['gate']);
    expect(events.slice(0, 4)).toEqual(['connect', 'join', 'before-send', 'send']);
    const s = r.scenarios[0];
    expect(s?.status).toBe('passed');
    expect(s?.connections.opened).toBe(4);
    // Had the clock started before the 1.5 s wait, every send would be at least that late.
    expect(s?.scheduleLag.max ?? Number.POSITIVE_INFINITY).toBeLessThan(1_000_000);
  });

  it('a scenario stopped while waiting in beforeSend ends without sending', async () => {
    const stop = new AbortController();
    const small = spec({ name: 'held', users: 2, rooms: { count: 1, members: 2 }, rate: 100, durationMs: 300, qos: 1 });
    const r = await runScenarios({
      scenarioFile: { file: '<inline>', target: null, scenarios: [small] },
      target,
      toolVersion: '0',
      signal: stop.signal,
      // Never resolves: only the stop ends the wait.
      beforeSend: () => {
        setTimeout(() => stop.abort('SIGINT'), 100);
        return new Promise<void>(() => undefined);
      },
    });
    expect(r.aborted).toMatchObject({ scenario: 'held', cause: 'signal', message: 'interrupted by SIGINT' });
    expect(r.scenarios).toEqual([]);
  });
});
