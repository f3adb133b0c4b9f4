/**
 * The engine's phase lines as a user reads them on stderr: singulars right ("1 room", "1 owed
 * delivery"), counts with thousands separators, and the drain's bounds as human durations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenario, type EngineEvent } from '../../core/engine/index.js';
import { openTarget } from '../../runners/index.js';
import { withFault } from '../helpers/faulty-driver.js';
import { spec } from '../helpers/scenario.js';

let target: TargetHandle;
beforeAll(async () => {
  target = await openTarget(null);
});
afterAll(async () => {
  await target.close();
});

describe('phase lines', () => {
  it('say "1 room", "1 message", "1 owed delivery", "1,500/s" and the drain in seconds', async () => {
    // One message to the one other member of one room, dropped on arrival: the drain starts owing exactly one.
    const d = withFault(target.createDriver('words0'), () => []);
    const phases: string[] = [];
    const onEvent = (e: EngineEvent): void => { if (e.type === 'phase') phases.push(`${e.phase}: ${e.detail}`); };
    const s = spec({ users: 2, rooms: { count: 1, members: 2 }, rate: 1500, messages: 1, warmupMs: 0, qos: 0, payloadBytes: 2048, drainMs: 200 });
    const r = await runScenario(s, { runId: 'words0', driver: d, onEvent });
    await d.close();
    expect(r.drain.owedAtStart).toBe(1);
    expect(phases).toEqual([
      `connect: 2 users, ${s.connect.concurrency} at a time`,
      'join: 1 room',
      'send: 1 message at 1,500/s, 2,048 B, QoS 0',
      'drain: 1 owed delivery; up to 60 s, ends after 200 ms without progress',
      'disconnect: 2 users',
    ]);
  });

  it('say "join: no rooms (direct messages only)" for a scenario of direct messages, never "0 rooms"', async () => {
    const phases: string[] = [];
    const onEvent = (e: EngineEvent): void => { if (e.type === 'phase') phases.push(`${e.phase}: ${e.detail}`); };
    const d = target.createDriver('words1');
    const s = spec({ users: 2, rooms: { count: 0, members: 0 }, directPairs: 1, rate: 100, messages: 1, warmupMs: 0, drainMs: 200 });
    await runScenario(s, { runId: 'words1', driver: d, onEvent });
    await d.close();
    expect(phases).toContain('join: no rooms (direct messages only)');
  });
});
