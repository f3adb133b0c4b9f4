/**
 * Which client carried each scenario: the engine records the driver's `client` on the scenario's
 * result and lists every client of the run in `target.mapping.client`, without touching the
 * target handle's own info; a merge of parts lists the clients of all of them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios } from '../../core/engine/index.js';
import { mergeScenarioFigures } from '../../core/result/merge-figures.js';
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

const pair = (name: string) => spec({ name, users: 2, rooms: { count: 0, members: 0 }, directPairs: 1, rate: 50, durationMs: 200, warmupMs: 0, qos: 1 });
const file: ScenarioFile = { file: '<inline>', digest: 'cd'.repeat(32), target: null, scenarios: [pair('a'), pair('b'), pair('c')] };

it('records each scenario\'s client and the run\'s list of them, leaving the target handle as it was', async () => {
  const clients = ['kestrel', 'finch', 'kestrel'];
  let made = 0;
  const relabelled: TargetHandle = {
    ...target,
    createDriver: (runId, options) => ({ ...target.createDriver(runId, options), client: clients[made++] ?? 'none' }),
  };
  const infoBefore = structuredClone(target.info);
  const result = await runScenarios({ scenarioFile: file, target: relabelled, toolVersion: '0' });
  expect(result.scenarios.map((s) => [s.name, s.client])).toEqual([['a', 'kestrel'], ['b', 'finch'], ['c', 'kestrel']]);
  expect(result.target.mapping?.client).toBe('finch, kestrel');
  expect(target.info).toEqual(infoBefore);

  const [a, b] = result.scenarios;
  if (a === undefined || b === undefined) throw new Error('missing scenarios');
  expect(mergeScenarioFigures([a, b]).client).toBe('finch, kestrel');
  expect(mergeScenarioFigures([a, a]).client).toBe('kestrel');
}, 60_000);
