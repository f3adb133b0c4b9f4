/** Builds normalised ScenarioSpecs for engine tests: defaults of a short run, overridable per test. */
import type { ScenarioSpec, ThresholdSpec } from '../../core/scenario/types.js';
import { parseThreshold } from '../../core/scenario/thresholds.js';

export function spec(overrides: Partial<ScenarioSpec> & { name?: string } = {}): ScenarioSpec {
  return {
    name: 'test',
    description: '',
    users: 4,
    rooms: { count: 1, members: 4 },
    directPairs: 0,
    rate: 400,
    payloadBytes: 128,
    qos: 1,
    durationMs: 500,
    messages: null,
    warmupMs: 100,
    drainMs: 2000,
    drainMaxMs: 60_000,
    stallTimeoutMs: 5_000,
    connect: { concurrency: 10, timeoutMs: 3000 },
    thresholds: [],
    ...overrides,
  };
}

export function thresholds(...expressions: string[]): ThresholdSpec[] {
  return expressions.map((e) => {
    const parsed = parseThreshold(e);
    if (!parsed.ok) throw new Error(`bad threshold in test: ${e}: ${parsed.error}`);
    return parsed.value;
  });
}
