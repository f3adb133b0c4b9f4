/**
 * Real run results for report tests, measured on the embedded broker: a scenario that
 * passes, one that fails a threshold (p99 < 1us) and one whose receivers lose every 7th
 * message at QoS 1 (a delivery-guarantee violation). Plus hand-made variants of a real
 * result for the cases a short test run cannot produce on demand (aborted, not run).
 */
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios } from '../../core/engine/index.js';
import type { RunResult } from '../../core/result.js';
import { openTarget } from '../../runners/open.js';
import { withFault } from './faulty-driver.js';
import { spec, thresholds } from './scenario.js';

export const TOOL_VERSION = '1.2.3-test';

export async function measureRunResult(): Promise<RunResult> {
  const target = await openTarget(null);
  try {
    // Scenario i runs with driver run id `${runId}${i}`: the third one ("lossy") gets the fault.
    const faulty: TargetHandle = {
      info: target.info,
      close: async () => undefined,
      createDriver: (runId) => {
        const driver = target.createDriver(runId);
        return runId.endsWith('2') ? withFault(driver, (_, m, i) => (i % 7 === 3 ? [] : [m])) : driver;
      },
    };
    const scenarios = [
      spec({ name: 'steady', thresholds: thresholds('p99 < 10s', 'lost == 0') }),
      spec({ name: 'slow', thresholds: thresholds('p99 < 1us', 'deliveredPerSecond >= 1') }),
      spec({ name: 'lossy', drainMs: 300, thresholds: thresholds('lost == 0') }),
    ];
    return await runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios }, target: faulty, toolVersion: TOOL_VERSION, runId: 'rpt' });
  } finally {
    await target.close();
  }
}

export function scenario(result: RunResult, name: string): RunResult['scenarios'][number] {
  const s = result.scenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name} in the result`);
  return s;
}

/** Interrupted during "slow" (SIGINT): "lossy" never ran. */
export function abortedVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  copy.scenarios = copy.scenarios.slice(0, 2);
  const slow = scenario(copy, 'slow');
  slow.status = 'aborted';
  slow.reasons = ['interrupted by SIGINT', ...slow.reasons];
  copy.aborted = 'slow: interrupted by SIGINT';
  return copy;
}

/** The target went away before "slow" could connect; "lossy" never started. */
export function unreachableVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  copy.scenarios = copy.scenarios.slice(0, 1);
  copy.aborted = 'slow: cannot reach target mqtt://127.0.0.1:1: connection refused (ECONNREFUSED 127.0.0.1:1)';
  return copy;
}

/** Only the passing scenario. */
export function passingVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  copy.scenarios = [scenario(copy, 'steady')];
  copy.selected = ['steady'];
  return copy;
}
