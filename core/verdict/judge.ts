/**
 * The scenario's verdict (placeholder signature, filled in by the verdict work): thresholds
 * from the metric table, delivery violations, lost connections, unfinished sends, protocol
 * anomalies, undelivered deliveries, aborts — each a typed Reason.
 */
import type { AbortCause, ScenarioResult } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';

export type Measured = Omit<ScenarioResult, 'status' | 'reasons' | 'thresholds'>;
export interface AbortInfo {
  cause: AbortCause;
  message: string;
}

export declare function judge(spec: ScenarioSpec, measured: Measured, aborted: AbortInfo | null): ScenarioResult;
