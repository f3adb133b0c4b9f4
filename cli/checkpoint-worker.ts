/**
 * Worker thread: the JSON text of a checkpoint, off the event loop that sends (checkpoints.ts is
 * the main thread's end). Scenarios that have finished do not change, so each crosses once and
 * is kept here; a checkpoint names them by key and sends only the scenario still running.
 */
import type { RunResult, ScenarioResult } from '../core/result/index.js';
import { serve } from '../core/off-thread.js';
// Only the JSON renderer: the worker loads in milliseconds, without the other reports.
import { renderJson } from '../reports/json.js';

/** A scenario of a checkpoint: in full the first time, by key while the worker holds it. */
export interface ScenarioRef {
  key: number;
  scenario?: ScenarioResult;
}

export interface RenderCall {
  /** The checkpoint with `scenarios` empty: they come as `scenarios` refs, in order. */
  run: RunResult;
  scenarios: ScenarioRef[];
}

/** The scenarios of the last checkpoint, by key: a later checkpoint names the finished ones again. */
let held = new Map<number, ScenarioResult>();

serve<RenderCall, string>(({ run, scenarios }) => {
  const now = new Map<number, ScenarioResult>();
  for (const ref of scenarios) {
    const scenario = ref.scenario ?? held.get(ref.key);
    if (scenario === undefined) throw new Error(`checkpoint names scenario ${ref.key}, which this worker does not hold`);
    now.set(ref.key, scenario);
  }
  // Scenarios this checkpoint did not name (a running one since replaced) are let go.
  held = now;
  // Spread keeps the key order of `run`: the scenarios land where they are in the result.
  return renderJson({ ...run, scenarios: [...now.values()] });
});
