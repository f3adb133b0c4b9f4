export { runScenarios, selectScenarios, newRunId, type RunOptions } from './run.js';
export { runScenario, type ScenarioContext } from './scenario.js';
export { planScenario, plannedSends, type Plan, type Stream, type Destination } from './plan.js';
export { evaluateThreshold, judge, metricValue } from './verdict.js';
export type { EngineEvent, EventSink, Phase } from './events.js';
