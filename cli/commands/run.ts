/** `chatbench run [FILE]`: options -> scenario file -> target -> engine -> reports -> exit code. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/errors.js';
import { checkShards, newRunId, runScenarios, selectScenarios } from '../../core/engine/index.js';
import type { RunResult } from '../../core/result/index.js';
import { loadScenarioFile, parseDuration } from '../../core/scenario/index.js';
import { renderConsole } from '../../reports/index.js';
import { openTarget, redactTargetUrl, schemeList } from '../../runners/index.js';
import { checkStartRequest, localServerNames, markStarted, startLocalServer, type StartedServer } from '../../runners/local/index.js';
import { parseMqttClient } from '../../runners/mqtt/lean/choice.js';
import { parseMqttVersion } from '../../runners/mqtt/target.js';
import type { MqttVersion } from '../../runners/mqtt/endpoint.js';
import { Checkpoints } from '../checkpoints.js';
import { resultExitCode } from '../exit-code.js';
import { defineCommand, quietFlag, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';
import { progressEveryMs, ProgressDisplay } from '../progress.js';
import { createOutputFolders, jsonFlag, OUTPUT_FOLDERS_NOTE, prepareOutputs, REPORT_FLAGS, resultOutputs, writeOutputs } from '../report-files.js';
import { parseRunIdFlag, parseShardFlag, parseWorkersFlag, SHARD_FLAGS } from '../shard-flags.js';
import { workerChannel } from '../worker-channel.js';
import { runInWorkers } from '../workers.js';
import { Interrupts } from '../signals.js';
import { toolVersion } from '../version.js';

export const runCommand = defineCommand({
  name: 'run',
  summary: 'Run chat workload scenarios against a target, or against an embedded broker when none is given.',
  args: '[FILE]',
  maxPositionals: 1,
  flags: [
    { name: 'target', short: 't', type: 'string', value: 'URL', description: `server to test: ${schemeList()} URL (overrides the file's target)` },
    { name: 'mqtt-version', type: 'string', value: 'V', description: 'MQTT protocol version of the target: 3.1.1 or 5 (default: the file\'s, else 5)' },
    { name: 'mqtt-client', type: 'string', value: 'C', description: 'MQTT client: auto (default: chatbench\'s lean client where a scenario needs nothing it lacks, else MQTT.js), lean or mqttjs' },
    { name: 'start', type: 'string', value: 'SERVER', description: `start a local ${localServerNames()} on free loopback ports for the run, and stop it after (instead of --target)` },
    { name: 'protocol', type: 'string', value: 'P', description: 'with --start: the protocol to speak, mqtt or xmpp (ejabberd serves both; default mqtt)' },
    { name: 'scenario', short: 's', type: 'string', multiple: true, value: 'NAME', description: 'run only this scenario' },
    jsonFlag('write the result JSON here (rewritten after every scenario)'),
    { name: 'checkpoint-every', type: 'string', value: 'TIME', description: 'with --json, also rewrite it this often during a scenario (default 10s)' },
    ...SHARD_FLAGS,
    ...REPORT_FLAGS,
    quietFlag('print only the summary'),
  ],
  notes: [
    'FILE defaults to ./scenarios.yaml, else the scenarios shipped with chatbench.',
    'Progress: on a terminal one status line updated in place; otherwise a line every 10 s.',
    'Ctrl-C stops after the drain and keeps what was measured; a second Ctrl-C quits at once',
    '(the last --json checkpoint stays), except while the result files are being written.',
    'A server chatbench started (--start, or target: { start: NAME } in the file) is stopped by its',
    'PID in every case: after the run, on an error, on Ctrl-C. A missing one exits 2 naming its apt package.',
    'Shards: --shard I/N --run-id ID on each of N machines (same file, same ID), then chatbench merge',
    'puts their results together exactly; see the README and docs/scale-out.md.',
    OUTPUT_FOLDERS_NOTE,
    'Exit codes: 0 all passed; 1 a threshold failed or a delivery guarantee was violated;',
    '            2 bad input (flags, YAML, file); 3 target unreachable or run aborted.',
  ],
});

const SHIPPED_SCENARIOS = fileURLToPath(new URL('../../../scenarios.yaml', import.meta.url));

function defaultScenarioPath(): string {
  return existsSync('scenarios.yaml') ? 'scenarios.yaml' : SHIPPED_SCENARIOS;
}

export async function runRun(args: ParsedArgs<typeof runCommand.flags>, out: Output): Promise<number> {
  const { values } = args;
  const file = args.positionals[0] ?? defaultScenarioPath();
  const target = values.target;
  const mqttVersion = values['mqtt-version'];
  const quiet = values.quiet === true;
  const only = values.scenario ?? [];
  if (values.start !== undefined && target !== undefined) {
    throw new InputError('--start and --target both name the server: --start runs a local one, --target one already running; give one');
  }
  const checkpointEveryMs = parseCheckpointEvery(values['checkpoint-every']);
  if (values['checkpoint-every'] !== undefined && values.json === undefined) {
    out.err(`warning: --checkpoint-every ${values['checkpoint-every']} has nothing to write without --json FILE; ignored`);
  }

  // Everything that can be bad input is checked before the target is touched.
  const version = mqttVersion === undefined ? undefined : parseMqttVersionFlag(mqttVersion);
  const client = parseMqttClient(values['mqtt-client']);
  const shard = values.shard === undefined ? undefined : parseShardFlag(values.shard);
  const runId = values['run-id'] === undefined ? undefined : parseRunIdFlag(values['run-id']);
  // Each shard would draw its own id, and merge refuses results of different runs.
  if (shard !== undefined && runId === undefined) throw new InputError(`--shard ${values.shard} needs --run-id ID, the same for every shard of the run, so chatbench merge can put them together`);
  const workers = values.workers === undefined ? undefined : parseWorkersFlag(values.workers);
  if (workers !== undefined && shard !== undefined) throw new InputError('--workers and --shard both split the run: --shard runs one slice (e.g. one of N machines), --workers all of them here; give one');
  const outputs = resultOutputs(values);
  // Never overwrite the scenario file being run.
  await prepareOutputs(outputs, new Map([[file, 'the scenario file']]));
  // --mqtt-version is the MQTT runner's mqttVersion field, given on the command line.
  const versionFields = version === undefined ? {} : { mqttVersion: version };
  let scenarioFile = await loadScenarioFile(file, { target, targetFields: versionFields });
  // --start (and --protocol) win over the file's `target: { start, protocol }`.
  const start = values.start !== undefined ? { server: values.start, protocol: values.protocol } : scenarioFile.start ? { ...scenarioFile.start, ...(values.protocol === undefined ? {} : { protocol: values.protocol }) } : null;
  if (start === null && values.protocol !== undefined) throw new InputError(`--protocol ${values.protocol} goes with --start (a --target URL's scheme names its protocol)`);
  if (start !== null) checkStartRequest(start.server, start.protocol);
  // The embedded broker speaks 3.1.1: asking for that is fine, asking for 5.0 needs a target.
  if (version !== undefined && version !== '3.1.1' && scenarioFile.target === null && start === null) {
    throw new InputError(`--mqtt-version ${version} needs a target (--target URL or target: in the file); the embedded broker speaks MQTT 3.1.1 only`);
  }
  const selected = selectScenarios(scenarioFile.scenarios, only);
  if (shard !== undefined) checkShards(selected, shard);
  if (workers !== undefined) {
    if (start !== null) throw new InputError(`--workers ${workers} needs a server every worker reaches: start ${start.server} yourself and give --target URL, or give no target (an embedded broker)`);
    checkShards(selected, { index: 0, count: workers });
  }
  // A retained room's late joiners log in with accounts of their own (runners/xmpp/accounts.ts).
  const users = Math.max(0, ...selected.map((s) => s.users + (s.retained?.lateJoiners ?? 0) * s.rooms.count));
  await createOutputFolders(outputs, out);

  const progress = new ProgressDisplay(out, quiet ? 'off' : out.interactive ? 'status' : 'lines', progressEveryMs(process.env));
  // Workers write their own checkpoints; the merged result is written at the end.
  const checkpoints = values.json === undefined || workers !== undefined ? undefined : new Checkpoints(values.json, out);
  const worker = workerChannel();
  const interrupts = new Interrupts({
    say: (line) => progress.line(line),
    leftBehind: () => checkpoints === undefined ? 'no result file was asked for (--json)'
      : checkpoints.written > 0 ? `the last checkpoint stays in ${checkpoints.path}` : `no checkpoint had been written to ${checkpoints.path} yet`,
  });
  interrupts.install();
  let local: StartedServer | undefined;
  try {
    if (start !== null) {
      local = await startLocalServer({ ...start, users, signal: interrupts.signal });
      if (!quiet) out.err(`chatbench: started ${local.name} ${local.version} (pid ${local.pid}) for ${local.protocol} on ${redactTargetUrl(local.url)}`);
      // The server's address and fields, laid over the file's target as --target would be.
      scenarioFile = await loadScenarioFile(file, { target: local.url, targetFields: { ...versionFields, ...local.fields } });
    }
    const opened = await openTarget(scenarioFile.target, { client });
    const handle = local ? markStarted(opened) : opened;
    await checkpoints?.ready();
    let result: RunResult;
    try {
      if (!quiet) out.err(`chatbench: ${scenarioFile.file} -> ${handle.info.embedded ? `embedded broker at ${handle.info.url}` : handle.info.url}`);
      if (!quiet && shard !== undefined) out.err(`chatbench: shard ${shard.index}/${shard.count} of run ${runId ?? ''}`);
      result = workers !== undefined ? await runInWorkers({
        count: workers, runId: runId ?? newRunId(), file, only, target: handle.info, given: { target, mqttVersion, mqttClient: values['mqtt-client'], checkpointEvery: values['checkpoint-every'] },
        signal: interrupts.signal,
        onEvent: (e) => progress.handle(e),
        say: (line) => quiet || progress.line(line),
      }) : await runScenarios({
        scenarioFile,
        target: handle,
        toolVersion: toolVersion(),
        only,
        ...(shard === undefined ? {} : { shard }),
        ...(runId === undefined ? {} : { runId }),
        ...(worker === null ? {} : { beforeSend: worker.beforeSend }),
        signal: interrupts.signal,
        onEvent: (e) => {
          progress.handle(e);
          worker?.forward(e);
        },
        ...(checkpoints ? { onCheckpoint: (partial: RunResult) => checkpoints.write(partial), checkpointEveryMs } : {}),
      });
      // Measuring is over: from here a signal never costs the result.
      interrupts.measuringFinished();
      if (local) result = { ...result, server: local.usage() };
    } finally {
      progress.clear();
      await handle.close();
      await local?.stop();
    }
    // The blank line parts the summary from the progress above it; --quiet printed none.
    const clientsUsed = result.target.protocol === 'mqtt' ? result.target.mapping?.client : undefined;
    if (!quiet && clientsUsed) out.err(`chatbench: MQTT client: ${clientsUsed}${client === 'auto' ? ' (--mqtt-client auto)' : ''}`);
    out.err(`${quiet ? '' : '\n'}${renderConsole(result, { color: out.color })}`.trimEnd());
    await checkpoints?.close();
    await writeOutputs(outputs, result, out);
    return resultExitCode(result);
  } finally {
    // Whatever went wrong before the run (a bad file after the start, an unreachable server).
    await local?.stop();
    interrupts.uninstall();
    worker?.close();
  }
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
