/**
 * `chatbench merge SHARD.json...`: the results of the shards of one run (`run --shard i/n
 * --run-id ID --json`) -> one result of the whole run (core/result/merge.ts: histograms added,
 * counters summed, verdicts judged again on the sums) -> the console summary `run` prints, the
 * files asked for, and the exit code `run` would have given.
 */
import { InputError } from '../../core/errors.js';
import { mergeRunResults } from '../../core/result/merge.js';
import type { RunResult } from '../../core/result/index.js';
import { renderConsole } from '../../reports/index.js';
import { resultExitCode } from '../exit-code.js';
import { readResultFileOfKind } from '../files.js';
import { defineCommand, quietFlag, usageLine, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';
import { jsonFlag, OUTPUT_FOLDERS_NOTE, prepareOutputs, REPORT_FLAGS, resultOutputs, writeOutputs } from '../report-files.js';

export const mergeCommand = defineCommand({
  name: 'merge',
  summary: 'Merge the shard results of one run into the whole run\'s result (histograms add exactly, counters sum, verdicts judged again).',
  args: 'SHARD.json...',
  maxPositionals: Number.POSITIVE_INFINITY,
  flags: [
    jsonFlag('write the merged result JSON here'),
    ...REPORT_FLAGS,
    { name: 'allow-partial', type: 'boolean', description: 'merge even when shards are missing: the result lists them and counts as aborted (exit 3)' },
    quietFlag('print only the summary'),
  ],
  notes: [
    'SHARD.json are results of `chatbench run --shard i/n --run-id ID --json FILE` (any order). They must',
    'come from the same scenario file (sha256), chatbench version, run id, target and --scenario selection,',
    'each shard once; anything else is refused naming the files (exit 2). docs/scale-out.md shows the whole flow.',
    'Latency, service time, schedule lag and connect time histograms add bucket by bucket; counts, wire bytes',
    'and pattern figures sum; per-second series add second by second from each shard\'s own window start.',
    'Thresholds and delivery verdicts are judged again on the merged figures, never taken from the shards.',
    'Schedule lag stays per process: the merged row is all shards\' sends together; each shard\'s own is kept in',
    'the result (merged.parts).',
    OUTPUT_FOLDERS_NOTE,
    'Exit codes: 0 all passed; 1 a threshold failed or a delivery guarantee was violated; 2 bad input',
    '            (flags, files, results that do not belong together); 3 a shard aborted, or shards are missing.',
  ],
});

export async function runMerge(args: ParsedArgs<typeof mergeCommand.flags>, out: Output): Promise<number> {
  const files = args.positionals;
  if (files.length === 0) throw new InputError(`merge needs the result files of the shards\n\n${usageLine(mergeCommand)}`);
  const outputs = resultOutputs(args.values, 'run');
  // Never overwrite a shard's result with the merge.
  await prepareOutputs(outputs, new Map(files.map((f) => [f, `the shard result ${f}`])));

  // Every file is read before any is refused, so one try names every bad file.
  const settled = await Promise.allSettled(files.map((f) => readResultFileOfKind(f, 'run')));
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) throw new InputError(failures.map((e) => e.message).join('\n'));
  const parts = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));

  const merged = mergeRunResults(parts, { allowPartial: args.values['allow-partial'] === true, sources: files });
  if (args.values.quiet !== true) out.err(describeMerge(merged, files.length));
  out.err(renderConsole(merged, { color: out.color }).trimEnd());
  await writeOutputs(outputs, merged, out);
  return resultExitCode(merged);
}

/** "chatbench: merged 4 results of run abc: shards 0/4, 1/4, 2/4, 3/4" (and which are missing). */
function describeMerge(result: RunResult, files: number): string {
  const shards = result.merged?.shards ?? [];
  const missing = result.merged?.missing ?? [];
  const count = shards[0]?.count ?? 1;
  const listed = shards.map((s) => `${s.index}/${s.count}`).join(', ');
  const gap = missing.length === 0 ? '' : `; missing ${missing.map((i) => `${i}/${count}`).join(', ')}`;
  return `chatbench: merged ${files} ${files === 1 ? 'result' : 'results'} of run ${result.runId}: shards ${listed}${gap}\n`;
}
