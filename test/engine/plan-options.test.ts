/**
 * Per-scenario options the engine takes from the spec rather than the caller: maxInFlight
 * bounds the pacer (core/engine/scenario-run.ts), and every pattern option is recorded in the
 * result's spec (core/scenario/patterns.ts patternOptions -> ScenarioSpecRecord).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenario } from '../../core/engine/index.js';
import { ScenarioSpecRecord } from '../../core/result/index.js';
import { patternOptions } from '../../core/scenario/patterns.js';
import { openTarget } from '../../runners/index.js';
import { spec } from '../helpers/scenario.js';

let target: TargetHandle;
beforeAll(async () => {
  target = await openTarget(null);
});
afterAll(async () => {
  await target.close();
});

it('spec.maxInFlight holds the pacer at that many unacknowledged sends', async () => {
  const base = target.createDriver('planopts1');
  const stalled = { ...base, connect: async (o: Parameters<typeof base.connect>[0]) => {
    const session = await base.connect(o);
    return Object.assign(Object.create(session) as typeof session, { sendToRoom: () => new Promise<void>(() => undefined) });
  } };
  const s = spec({ rate: 200, durationMs: 500, maxInFlight: 7, connect: { concurrency: 4, timeoutMs: 3_000 } });
  const r = await runScenario(s, { runId: 'planopts1', driver: stalled });
  await base.close();
  expect(r.status).toBe('aborted');
  expect(r.reasons[0]?.message).toMatch(/: 7 of 100 messages sent, 7 still unacknowledged/);
  expect(r.spec.maxInFlight).toBe(7);
}, 30_000);

it('the result records every pattern option as the spec had it', () => {
  const options = {
    roomSizes: [{ count: 8, members: 3 }, { count: 2, members: 12 }],
    randomPeers: 3,
    fanIn: { receivers: 1 },
    topics: { style: 'long' as const, bytes: 1000 },
    receiveMaximum: 10,
    maxInFlight: 100,
    session: { persistent: true, expiryMs: 300_000, messageExpiryMs: 60_000 },
    presence: { watchers: 3, offlineShare: 0.5, abruptShare: 0.5, awayMs: 500, waitMs: 5_000, willDelayMs: 1_000 },
    retained: { lateJoiners: 2 },
    offline: { share: 0.5, atMs: 500, forMs: 1_000 },
    takeover: { share: 0.1, atMs: 500 },
    faults: [
      { kind: 'disconnect' as const, share: 0.3, atMs: 1_000, reconnectWithinMs: null },
      { kind: 'slow-consumer' as const, users: 2, atMs: 1_000, forMs: 1_000 },
      { kind: 'network' as const, delayMs: 20, jitterMs: 5, loss: 0.01, duplicate: 0.01 },
    ],
  };
  const copied = patternOptions(spec({ ...options, users: 24 }));
  expect(copied).toEqual(options);
  expect(copied.faults).not.toBe(options.faults); // a copy: the record never shares the spec's objects
  const { users: _u, ...base } = spec();
  const record = ScenarioSpecRecord.parse({ ...base, users: 24, thresholds: [], ...copied });
  expect(record).toMatchObject(options);
  expect(patternOptions(spec())).toEqual({});
});
