export { runScenarios, selectScenarios, newRunId, type RunOptions } from './run.js';
export { runScenario, ScenarioStopped, type ScenarioContext } from './scenario-run.js';
export { checkShards, sliceScenario, type ShardSpec, type Slice } from './shard.js';
export { planScenario, plannedSends, type Plan, type Stream, type Destination } from './plan.js';
export type { EngineEvent, EventSink, Phase, ProgressEvent } from './events.js';
