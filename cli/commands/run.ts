/** `chatbench run [FILE]`: options -> scenario file -> target -> engine -> reports -> exit code. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, InputError } from '../../core/errors.js';
import { runScenarios, selectScenarios } from '../../core/engine/index.js';
import type { EngineEvent } from '../../core/engine/index.js';
import type { RunResult } from '../../core/result.js';
import { loadScenarioFile, parseMqttVersion } from '../../core/scenario/index.js';
import type { MqttVersion } from '../../core/scenario/types.js';
import { prepareOutputFile, renderConsole, writeJsonFile } from '../../reports/index.js';
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

  // Everything that can be bad input is checked before the target is touched.
  const version = mqttVersion === undefined ? undefined : parseMqttVersionFlag(mqttVersion);
  if (jsonPath !== undefined) await prepareOutputFile(jsonPath, '--json');
  const scenarioFile = await loadScenarioFile(file, { target });
  if (version !== undefined) {
    if (scenarioFile.target === null) {
      throw new InputError('--mqtt-version needs a target (--target URL or target: in the file); the embedded broker speaks MQTT 3.1.1 only');
    }
    scenarioFile.target.mqttVersion = version;
  }
  selectScenarios(scenarioFile.scenarios, only);

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
      ...(jsonPath ? { onCheckpoint: (partial: RunResult) => checkpointTo(jsonPath, partial, out) } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await handle.close();
  }

  out.err(`\n${renderConsole(result, { color: out.color })}`.trimEnd());
  if (jsonPath) {
    await writeJsonFile(jsonPath, result).catch((error: unknown) => {
      throw new InputError(`could not write the result to ${jsonPath}: ${(error as Error).message}`);
    });
    out.err(`result written to ${jsonPath}`);
  }
  if (result.aborted !== null) return ExitCode.unreachable;
  return result.scenarios.every((s) => s.status === 'passed') ? ExitCode.ok : ExitCode.checkFailed;
}

function parseMqttVersionFlag(value: string): MqttVersion {
  const parsed = parseMqttVersion(value);
  if (!parsed.ok) throw new InputError(`--mqtt-version ${value}: ${parsed.error}`);
  return parsed.value;
}

/** A checkpoint that cannot be written is reported once; the run goes on and the final write decides. */
let checkpointWarned = false;
async function checkpointTo(path: string, partial: RunResult, out: Output): Promise<void> {
  try {
    await writeJsonFile(path, partial);
  } catch (error) {
    if (!checkpointWarned) out.err(`warning: could not write a checkpoint to ${path}: ${(error as Error).message}`);
    checkpointWarned = true;
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
