/** `chatbench run [FILE]`: options -> scenario file -> target -> engine -> reports -> exit code. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, InputError } from '../../core/errors.js';
import { runScenarios, selectScenarios } from '../../core/engine/index.js';
import type { EngineEvent } from '../../core/engine/index.js';
import type { RunResult } from '../../core/result.js';
import { loadScenarioFile, parseDuration, parseMqttVersion } from '../../core/scenario/index.js';
import type { MqttVersion } from '../../core/scenario/types.js';
import { renderConsole, writeJsonFile } from '../../reports/index.js';
import { prepareReports, REPORT_FLAGS, resultExitCode, writeReports } from './report.js';
import { openTarget } from '../../runners/open.js';
import type { CommandSpec, ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';
import { toolVersion } from '../version.js';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Run chat workload scenarios against a target, or against an embedded broker when none is given.',
  args: '[FILE]',
  maxPositionals: 1,
  flags: [
    { name: 'target', short: 't', type: 'string', value: 'URL', description: 'server to test: mqtt://, mqtts://, ws://, wss:// (overrides the file\'s target)' },
    { name: 'mqtt-version', type: 'string', value: 'V', description: 'MQTT protocol version of the target: 3.1.1 or 5 (default: the file\'s, else 5)' },
    { name: 'scenario', short: 's', type: 'string', multiple: true, value: 'NAME', description: 'run only this scenario' },
    { name: 'json', type: 'string', value: 'FILE', description: 'write the result JSON here (rewritten after every scenario)' },
    { name: 'checkpoint-every', type: 'string', value: 'TIME', description: 'with --json, also rewrite it this often during a scenario (default 10s)' },
    ...REPORT_FLAGS,
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the summary' },
  ],
  notes: [
    'FILE defaults to ./scenarios.yaml, else the scenarios shipped with chatbench.',
    'Exit codes: 0 all passed; 1 a threshold failed or a delivery guarantee was violated;',
    '            2 bad input (flags, YAML, file); 3 target unreachable or run aborted.',
  ],
};

const SHIPPED_SCENARIOS = fileURLToPath(new URL('../../../scenarios.yaml', import.meta.url));

export function defaultScenarioPath(): string {
  return existsSync('scenarios.yaml') ? 'scenarios.yaml' : SHIPPED_SCENARIOS;
}

export async function runRun(args: ParsedArgs, out: Output): Promise<number> {
  const file = args.positionals[0] ?? defaultScenarioPath();
  const target = args.values.target as string | undefined;
  const mqttVersion = args.values['mqtt-version'] as string | undefined;
  const jsonPath = args.values.json as string | undefined;
  const quiet = args.values.quiet === true;
  const only = (args.values.scenario as string[] | undefined) ?? [];
  const checkpointEveryMs = parseCheckpointEvery(args.values['checkpoint-every'] as string | undefined);

  // Everything that can be bad input is checked before the target is touched.
  const version = mqttVersion === undefined ? undefined : parseMqttVersionFlag(mqttVersion);
  const reports = { json: jsonPath, junit: args.values.junit as string | undefined, markdown: args.values.markdown as string | undefined, html: args.values.html as string | undefined };
  await prepareReports(reports);
  const scenarioFile = await loadScenarioFile(file, { target });
  if (version !== undefined) {
    if (scenarioFile.target === null) {
      throw new InputError('--mqtt-version needs a target (--target URL or target: in the file); the embedded broker speaks MQTT 3.1.1 only');
    }
    scenarioFile.target.mqttVersion = version;
  }
  selectScenarios(scenarioFile.scenarios, only);

  const checkpoints = jsonPath === undefined ? undefined : new Checkpoints(jsonPath, out);
  const handle = await openTarget(scenarioFile.target);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(ExitCode.unreachable);
    out.err(`\nreceived ${signal}: stopping after the drain, keeping what was measured (again to quit at once)`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: RunResult;
  try {
    if (!quiet) out.err(`chatbench: ${scenarioFile.file} -> ${handle.info.embedded ? `embedded broker at ${handle.info.url}` : handle.info.url}`);
    result = await runScenarios({
      scenarioFile,
      target: handle,
      toolVersion: toolVersion(),
      only,
      signal: controller.signal,
      ...(quiet ? {} : { onEvent: (e: EngineEvent) => progressLine(e, out) }),
      ...(checkpoints ? { onCheckpoint: (partial: RunResult) => checkpoints.write(partial), checkpointEveryMs } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await handle.close();
  }

  out.err(`\n${renderConsole(result, { color: out.color })}`.trimEnd());
  await checkpoints?.settled();
  await writeReports(result, reports, out);
  return resultExitCode(result);
}

function parseCheckpointEvery(value: string | undefined): number {
  if (value === undefined) return 10_000;
  const parsed = parseDuration(value);
  if (!parsed.ok || parsed.value <= 0) throw new InputError(`--checkpoint-every ${value}: expected a duration such as 10s or 500ms`);
  return parsed.value;
}

function parseMqttVersionFlag(value: string): MqttVersion {
  const parsed = parseMqttVersion(value);
  if (!parsed.ok) throw new InputError(`--mqtt-version ${value}: ${parsed.error}`);
  return parsed.value;
}

/**
 * Checkpoints of the result file, written one after another (never two at once, so an older
 * one cannot land after a newer one). A checkpoint that cannot be written is reported once;
 * the run goes on and the final write decides.
 */
class Checkpoints {
  #queue: Promise<void> = Promise.resolve();
  #warned = false;

  constructor(private readonly path: string, private readonly out: Output) {}

  write(partial: RunResult): Promise<void> {
    this.#queue = this.#queue.then(() => writeJsonFile(this.path, partial)).catch((error: unknown) => {
      if (!this.#warned) this.out.err(`warning: could not write a checkpoint to ${this.path}: ${(error as Error).message}`);
      this.#warned = true;
    });
    return this.#queue;
  }

  /** Resolves when every checkpoint asked for so far is on disk (or has failed). */
  settled(): Promise<void> {
    return this.#queue;
  }
}

function progressLine(e: EngineEvent, out: Output): void {
  switch (e.type) {
    case 'scenario-start':
      out.err(`[${e.index + 1}/${e.total}] ${e.scenario}`);
      break;
    case 'phase':
      out.err(`  ${e.phase}: ${e.detail}`);
      break;
    case 'progress':
      if (out.interactive) out.err(`  sent ${e.sent}/${e.planned}, delivered ${e.delivered}`);
      break;
    case 'scenario-end':
      break;
  }
}
