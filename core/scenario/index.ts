/** Scenario files: load, validate and normalise YAML into the engine's ScenarioSpec[]. */
export { loadScenarioFile, parseScenarioText } from './load.js';
export type { LoadOptions } from './load.js';
export { normaliseScenarioData } from './normalise.js';
export type { Normalised, NormaliseOptions } from './normalise.js';
export { scenarioJsonSchema } from './jsonschema.js';
export {
  HEADER_MIN_PAYLOAD,
  SCENARIO_DEFAULTS,
  scenarioFileSchema,
} from './schema.js';
export type { ScenarioFileInput } from './schema.js';
export { COMPARATORS, THRESHOLD_METRICS, isLatencyMetric, parseThreshold } from './thresholds.js';
export { formatDuration, formatSize, parseDuration, parseRate, parseSize } from './units.js';
export type { Parsed } from './units.js';
export { COUNT_METRICS, LATENCY_METRICS, PATTERN_COUNT_METRICS, PATTERN_LATENCY_METRICS, SERVICE_METRICS } from './types.js';
export type {
  Comparator,
  ScenarioFile,
  ScenarioSpec,
  TargetSpec,
  ThresholdMetric,
  ThresholdSpec,
} from './types.js';
