/**
 * `chatbench fuzz`: flags -> server (embedded Aedes when none) -> the property loop with seed and
 * bound -> replays, checkpoints, reports -> exit code (0 no new finding, 1 a new finding, 2 bad
 * input, 3 unreachable or interrupted before any case).
 */
import { randomInt } from 'node:crypto';
import { join, relative } from 'node:path';
import { parseFuzzExpectations, replayFileName } from '../../core/fuzz/files.js';
import { runFuzz, type FuzzRunOptions } from '../../core/fuzz/run.js';
import { newRunId } from '../../core/engine/index.js';
import { InputError } from '../../core/errors.js';
import type { FuzzResult } from '../../core/result/index.js';
import { parseDuration } from '../../core/scenario/index.js';
import { renderConsole, renderJson } from '../../reports/index.js';
import { mqttFuzzTarget } from '../../runners/mqtt/fuzz/index.js';
import { xmppFuzzTarget } from '../../runners/xmpp/fuzz/index.js';
import { resultExitCode } from '../exit-code.js';
import { createFolderFor, readJsonFile, reasonOf, writeTextFile } from '../files.js';
import { defineCommand, quietFlag, type ParsedArgs } from '../flags.js';
import { FuzzProgress } from '../fuzz-progress.js';
import { FUZZ_TARGET_FLAGS, openFuzzTarget, planFuzzTarget } from '../fuzz-target.js';
import type { Output } from '../output.js';
import { progressEveryMs } from '../progress.js';
import { createOutputFolders, jsonFlag, OUTPUT_FOLDERS_NOTE, prepareOutputs, REPORT_FLAGS, resultOutputs, writeOutputs } from '../report-files.js';
import { Interrupts } from '../signals.js';
import { toolVersion } from '../version.js';

const DEFAULT_RUNS = 200;

export const fuzzCommand = defineCommand({
  name: 'fuzz',
  summary: 'Throw generated and malformed MQTT packets or XMPP stanzas at a server; shrink every finding to a byte-level replay.',
  args: '',
  maxPositionals: 0,
  flags: [
    ...FUZZ_TARGET_FLAGS,
    { name: 'version', type: 'string', value: 'V', description: 'MQTT version to speak: 3.1.1 or 5 (default: 5 with a target, 3.1.1 embedded)' },
    { name: 'runs', short: 'n', type: 'string', value: 'N', description: `generated cases to run (default ${DEFAULT_RUNS})` },
    { name: 'time', type: 'string', value: 'TIME', description: 'fuzz for this long instead of a number of cases (e.g. 60s)' },
    { name: 'seed', type: 'string', value: 'S', description: 'seed of the generator: the same seed gives the same cases (default: random, printed)' },
    { name: 'replay-dir', type: 'string', value: 'DIR', description: 'write each finding as a replay file here, named by its fingerprint' },
    { name: 'expect', type: 'string', value: 'FILE', description: 'known findings of this server (JSON): exit 1 only on new ones' },
    jsonFlag('write the result JSON here (rewritten after every finding and every 10 s)'),
    ...REPORT_FLAGS,
    quietFlag('print only the summary'),
  ],
  notes: [
    'A case is a short sequence of valid and malformed packets over one or two connections. A valid',
    'packet must get its answer, a malformed one the connection closed; after each case a canary',
    'client must still round-trip a message (else: hang, or crash when connections are refused).',
    'Without --replay-dir the findings and their bytes are only in the result (console, --json).',
    'Credentials in the target URL are not sent: the generated CONNECT packets carry their own.',
    'An xmpp:// or xmpps:// target gets stanzas (broken and restricted XML, bad namespaces and JIDs,',
    'oversized stanzas, stanzas before authentication); logins use --accounts or an in-band account.',
    'Ctrl-C stops fuzzing (a shrink under way keeps its best case) and writes what was found.',
    OUTPUT_FOLDERS_NOTE,
    'Exit codes: 0 no finding (with --expect: none that is not listed); 1 a new finding;',
    '            2 bad input; 3 target unreachable, or interrupted before any case ran.',
  ],
});

export async function runFuzzCommand(args: ParsedArgs<typeof fuzzCommand.flags>, out: Output): Promise<number> {
  const { values } = args;
  const quiet = values.quiet === true;

  // Everything that can be bad input is checked before the server is touched.
  const plan = planFuzzTarget(values);
  const { runs, timeLimitMs } = parseBound(values.runs, values.time);
  const seed = values.seed === undefined ? randomInt(-(2 ** 31), 2 ** 31) : parseSeed(values.seed);
  const expect = values.expect === undefined ? undefined : { file: values.expect, expectations: parseFuzzExpectations(await readJsonFile(values.expect, 'expectations file'), values.expect) };
  const outputs = resultOutputs(values, 'fuzz');
  await prepareOutputs(outputs, values.expect === undefined ? new Map() : new Map([[values.expect, 'the expectations file']]));
  const replayDir = values['replay-dir'];
  await createOutputFolders(outputs, out);
  if (replayDir !== undefined) {
    await createFolderFor(join(replayDir, 'replay.json')).catch((error: unknown) => {
      throw new InputError(`--replay-dir ${replayDir}: cannot create it: ${reasonOf(error)}`);
    });
  }

  const progress = new FuzzProgress(out, quiet ? 'off' : out.interactive ? 'status' : 'lines', runs, progressEveryMs(process.env));
  let checkpoints = 0;
  const interrupts = new Interrupts({
    say: (line) => {
      progress.clear();
      out.err(line);
    },
    stopping: 'stopping after this case (a shrink under way keeps its best case), keeping the findings',
    leftBehind: () => (values.json === undefined ? 'no result file was asked for (--json)' : checkpoints > 0 ? `the last checkpoint stays in ${values.json}` : `no checkpoint had been written to ${values.json} yet`),
  });
  interrupts.install();
  try {
    const server = await openFuzzTarget(plan);
    let result: FuzzResult;
    try {
      if (!quiet) {
        const where = server.info.embedded ? `embedded broker at ${server.info.url}` : server.info.url;
        const bound = runs !== null ? `${runs} cases` : `${timeLimitMs} ms`;
        out.err(`chatbench fuzz: ${where}, ${server.protocol === 'xmpp' ? 'XMPP 1.0' : `MQTT ${plan.version}`}, seed ${seed}${values.seed === undefined ? ' (random; --seed repeats it)' : ''}, ${bound}`);
      }
      const fuzzOptions: FuzzRunOptions = {
        toolVersion: toolVersion(),
        runId: newRunId(),
        targetInfo: server.info,
        seed,
        runs,
        timeLimitMs,
        signal: interrupts.signal,
        ...(expect === undefined ? {} : { expect }),
        saveReplay: async (replay) => {
          progress.line(`finding: ${replay.verdict.kind}: ${replay.verdict.message}`);
          if (replayDir === undefined) return null;
          const path = join(replayDir, replayFileName(replay));
          await writeTextFile(path, `${JSON.stringify(replay, null, 2)}\n`);
          progress.line(`  replay written to ${relative('.', path) || path}`);
          return path;
        },
        onProgress: (p) => progress.case(p),
        ...(values.json === undefined
          ? {}
          : {
              onCheckpoint: async (partial: FuzzResult) => {
                await writeTextFile(values.json as string, renderJson(partial)).then(
                  () => void checkpoints++,
                  (error: unknown) => out.err(`warning: could not write a checkpoint to ${values.json}: ${reasonOf(error)}`),
                );
              },
            }),
      };
      result = server.protocol === 'xmpp' ? await runFuzz(xmppFuzzTarget(server.options), fuzzOptions) : await runFuzz(mqttFuzzTarget(server.options), fuzzOptions);
      interrupts.measuringFinished();
    } finally {
      progress.clear();
      await server.close();
    }
    out.err(`${quiet ? '' : '\n'}${renderConsole(result, { color: out.color })}`.trimEnd());
    await writeOutputs(outputs, result, out);
    return resultExitCode(result);
  } finally {
    interrupts.uninstall();
  }
}

function parseBound(runsText: string | undefined, timeText: string | undefined): { runs: number | null; timeLimitMs: number | null } {
  if (runsText !== undefined && timeText !== undefined) throw new InputError('--runs and --time both bound the fuzz: give one of them');
  if (timeText !== undefined) {
    const parsed = parseDuration(timeText);
    if (!parsed.ok || parsed.value <= 0) throw new InputError(`--time ${timeText}: expected a duration such as 60s or 5m`);
    return { runs: null, timeLimitMs: parsed.value };
  }
  if (runsText === undefined) return { runs: DEFAULT_RUNS, timeLimitMs: null };
  const n = Number(runsText);
  if (!/^\d+$/.test(runsText) || !Number.isSafeInteger(n) || n < 1) throw new InputError(`--runs ${runsText}: expected a whole number of cases, 1 or more`);
  return { runs: n, timeLimitMs: null };
}

/** fast-check takes a 32-bit signed integer seed. */
function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw new InputError(`--seed ${text}: expected a whole number from ${-(2 ** 31)} to ${2 ** 31 - 1}`);
  }
  return n;
}
