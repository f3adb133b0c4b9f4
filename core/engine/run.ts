/**
 * A whole run: the selected scenarios in order against one target, each with its own
 * driver and run id. Returns the result envelope; an unreachable target or an abort stops
 * the run but keeps every scenario measured so far (result.aborted says why).
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { InputError, RunAbortedError, TargetUnreachableError } from '../errors.js';
import { RESULT_SCHEMA_VERSION, type Aborted, type RunResult, type ScenarioResult } from '../result/index.js';
import type { TargetHandle } from '../driver.js';
import type { ScenarioFile, ScenarioSpec } from '../scenario/types.js';
import { refuseUnsupportedNetworkFaults, ScenarioNetworkFaults } from '../faults/network.js';
import type { EventSink } from './events.js';
import { runScenario, ScenarioStopped } from './scenario-run.js';
import { featuresNeeded } from './features.js';
import { checkShards } from './shard.js';

export interface RunOptions {
  scenarioFile: ScenarioFile;
  target: TargetHandle;
  toolVersion: string;
  /** Scenario names to run (all when empty); an unknown name is bad input. */
  only?: readonly string[];
  signal?: AbortSignal;
  onEvent?: EventSink;
  /**
   * Called with the result so far after every scenario, and every `checkpointEveryMs` (default
   * 10 s) during one, so a killed run keeps what it measured.
   */
  onCheckpoint?: (partial: RunResult) => void | Promise<void>;
  checkpointEveryMs?: number;
  /** Run id override (tests, shards of one run); by default 6 random base-36 characters. */
  runId?: string;
  /** Run only this slice of every scenario (`--shard i/n`, a worker): rooms and pairs whole, each send at its single-run time. */
  shard?: { index: number; count: number };
  /** Awaited once every user of a scenario is connected and ready, before its first send: workers start their sends together. */
  beforeSend?: (scenario: string) => Promise<void>;
}

export function selectScenarios(all: readonly ScenarioSpec[], only: readonly string[] = []): ScenarioSpec[] {
  if (only.length === 0) return [...all];
  const known = new Set(all.map((s) => s.name));
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new InputError(`unknown scenario ${unknown.map((n) => `"${n}"`).join(', ')}; the file has: ${[...known].join(', ')}`);
  }
  return all.filter((s) => only.includes(s.name));
}

export function newRunId(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36).slice(0, 6).padStart(6, '0');
}

/**
 * The result so far, marked unfinished: if the process dies before the next write, the file
 * says the run did not complete rather than passing for a finished one.
 */
function checkpoint(result: RunResult, done: number): RunResult {
  const aborted: Aborted | null = result.aborted ?? (done < result.selected.length
    ? { scenario: null, cause: 'incomplete', message: `${done} of ${result.selected.length} scenarios had finished when this checkpoint was written` }
    : null);
  // A shallow copy: the scenarios already in it are never changed again, and the list is new.
  return { ...result, scenarios: [...result.scenarios], aborted };
}

/**
 * The result so far plus the scenario still running, marked as such. Shallow: copying the
 * scenarios already finished (encoded histograms and all) would block the sends of this one.
 */
function inProgress(result: RunResult, partial: ScenarioResult): RunResult {
  const why = partial.reasons.find((r) => r.kind === 'abort')?.message ?? 'in progress';
  return {
    ...result,
    scenarios: [...result.scenarios, partial],
    finishedAt: new Date().toISOString(),
    aborted: result.aborted ?? { scenario: partial.name, cause: 'incomplete', message: why },
  };
}

/** How a scenario that threw stopped the run, or null when the error is not an abort (rethrown). */
function abortOf(scenario: string, error: unknown): Aborted | null {
  if (error instanceof ScenarioStopped) return { scenario, ...error.abort };
  if (error instanceof TargetUnreachableError) return { scenario, cause: 'unreachable', message: error.message };
  if (error instanceof RunAbortedError) return { scenario, cause: 'timeout', message: error.message };
  return null;
}

export async function runScenarios(options: RunOptions): Promise<RunResult> {
  const selected = selectScenarios(options.scenarioFile.scenarios, options.only);
  refuseUnsupportedNetworkFaults(selected, options.target);
  if (options.shard !== undefined) checkShards(selected, options.shard);
  const runId = options.runId ?? newRunId();
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'run',
    tool: { name: 'chatbench', version: options.toolVersion },
    runId,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    aborted: null,
    target: { ...options.target.info },
    scenarioFile: options.scenarioFile.file,
    selected: selected.map((s) => s.name),
    scenarios: [],
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
    ...(options.scenarioFile.digest === undefined ? {} : { scenarioDigest: options.scenarioFile.digest }),
    ...(options.shard === undefined ? {} : { shard: { index: options.shard.index, count: options.shard.count } }),
  };

  const clients = new Set<string>();
  for (const [index, spec] of selected.entries()) {
    options.onEvent?.({ type: 'scenario-start', scenario: spec.name, index, total: selected.length });
    // A network fault's proxy comes first: the driver connects through it.
    const networkFaults = await ScenarioNetworkFaults.start(spec, options.target);
    const needs = featuresNeeded(spec);
    const driver = options.target.createDriver(`${runId}${index.toString(36)}`, {
      ...(needs.length === 0 ? {} : { needs }),
      ...(networkFaults === null ? {} : { via: networkFaults.via }),
      ...(spec.topics === undefined ? {} : { topics: spec.topics }),
    });
    if (driver.client !== undefined) {
      clients.add(driver.client);
      // The run's mapping lists every client its scenarios ran on ("lean", "mqttjs", or both).
      result.target = { ...result.target, mapping: { ...result.target.mapping, client: [...clients].sort().join(', ') } };
    }
    try {
      const scenario = await runScenario(spec, {
        runId: `${runId}${index.toString(36)}`,
        driver,
        ...(networkFaults === null ? {} : { networkFaults }),
        ...(options.shard === undefined ? {} : { shard: options.shard }),
        ...(options.beforeSend === undefined ? {} : { beforeSend: () => options.beforeSend?.(spec.name) ?? Promise.resolve() }),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.onCheckpoint ? {
          onSnapshot: (partial: ScenarioResult) => options.onCheckpoint?.(inProgress(result, partial)),
          snapshotEveryMs: options.checkpointEveryMs ?? 10_000,
        } : {}),
      });
      result.scenarios.push(driver.client === undefined ? scenario : { ...scenario, client: driver.client });
      options.onEvent?.({ type: 'scenario-end', scenario: spec.name, status: scenario.status });
      if (scenario.status === 'aborted') {
        const abort = scenario.reasons.find((r) => r.kind === 'abort');
        result.aborted = { scenario: spec.name, cause: abort?.cause ?? 'timeout', message: abort?.message ?? 'aborted' };
      }
    } catch (error) {
      const aborted = abortOf(spec.name, error);
      if (aborted === null) throw error;
      result.aborted = aborted;
      options.onEvent?.({ type: 'scenario-end', scenario: spec.name, status: 'aborted' });
    } finally {
      await driver.close();
      await networkFaults?.close();
    }
    result.finishedAt = new Date().toISOString();
    await options.onCheckpoint?.(checkpoint(result, index + 1));
    if (result.aborted !== null) break;
  }
  result.finishedAt = new Date().toISOString();
  return result;
}
