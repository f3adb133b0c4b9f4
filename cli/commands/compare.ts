/**
 * `chatbench compare BASELINE.json CURRENT.json`: two run results (schemaVersion 1 or 2) ->
 * regression verdicts and caveats (core/verdict/compare.ts) -> a `kind: "compare"` result ->
 * exit code. With --strict, a comparison that means little (a lagging generator, an aborted
 * side, different protocols) fails as a regression does.
 */
import { cpus } from 'node:os';
import { newRunId } from '../../core/engine/index.js';
import { ExitCode, InputError } from '../../core/errors.js';
import type { RunResult } from '../../core/result/index.js';
import { parseLatencyText } from '../../core/scenario/units.js';
import { MAX_SCHEDULE_LAG_P99_MICROS } from '../../core/verdict/compare-rules.js';
import { compareResults, hasCaveats, type CompareOptions, type Comparison } from '../../core/verdict/compare.js';
import { renderConsole } from '../../reports/index.js';
import { readResultFileOfKind } from '../files.js';
import { defineCommand, quietFlag, usageLine, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';
import { htmlFlag, jsonFlag, markdownFlag, OUTPUT_FOLDERS_NOTE, prepareOutputs, resultOutputs, writeOutputs } from '../report-files.js';
import { toolVersion } from '../version.js';

export const compareCommand = defineCommand({
  name: 'compare',
  summary: 'Compare two run results side by side with regression verdicts (release against release, MQTT against XMPP).',
  args: 'BASELINE.json CURRENT.json',
  maxPositionals: 2,
  flags: [
    { name: 'tolerance', type: 'string', value: 'PCT', description: 'relative change of latency, loss, counts and bytes that still counts as unchanged (default 10%)' },
    { name: 'throughput-tolerance', type: 'string', value: 'PCT', description: 'the same for delivered messages per second (default 5%)' },
    { name: 'min-latency-change', type: 'string', value: 'TIME', description: 'latency changes smaller than this are unchanged, whatever the ratio (default 1ms)' },
    { name: 'strict', type: 'boolean', description: 'also fail (exit 1) when the comparison means little: a lagging generator, an aborted side, different protocols' },
    jsonFlag('write the comparison as JSON here (a "compare" result)'),
    markdownFlag('write the comparison as Markdown here (for a pull-request comment)'),
    htmlFlag('write the comparison as a self-contained HTML page here (side by side, ratios, regressions highlighted, the MQTT-vs-XMPP claims)'),
    quietFlag('print only the verdict'),
  ],
  notes: [
    'A metric regresses only when its change passes both the relative tolerance and the absolute floor',
    '(latency --min-latency-change, throughput 1 msg/s, loss 0.1 points, 1 byte per message); a count of',
    'duplicates, reorders, violations or undelivered messages regresses on any increase from 0. Latency is',
    'also compared as whole HDR distributions of what arrived, p50 to p99.9 (the latency rows also count',
    'deliveries that never arrived). A percentile is judged only when each side has the samples to tell it',
    'from the max (count × (1 − p) ≥ 1: p99 needs 100, p99.9 and the max 1,000); else "not judged".',
    'Scenarios are matched by name. A scenario whose status got worse (passed -> failed or aborted) regressed,',
    'unless the user interrupted it (a caveat), and so did one the baseline has and the current run lacks.',
    `Caveats (warnings; failures with --strict): either side's schedule lag p99 above ${MAX_SCHEDULE_LAG_P99_MICROS / 1000} ms (the`,
    'generator fell behind, so the figures partly measure chatbench), a side aborted, or different protocols',
    'or protocol versions. Version 1 result files are read by upgrading them.',
    'An MQTT result beside an XMPP one adds the claims section: each popular MQTT-vs-XMPP claim (wire bytes per',
    'message, keep-alive, handshake, latency, sustained rate, delivery levels, server cost) with both numbers and',
    'a verdict (supported, not supported, or not measured and why).',
    'Exit codes: 0 no regression; 1 a regression (or, with --strict, a caveat); 2 bad input (flags, files,',
    '            no scenario in common while the current run ran to its end).',
    OUTPUT_FOLDERS_NOTE,
  ],
});

type CompareArgs = ParsedArgs<typeof compareCommand.flags>;

export async function runCompare(args: CompareArgs, out: Output): Promise<number> {
  const [baselinePath, currentPath] = args.positionals;
  if (baselinePath === undefined || currentPath === undefined) {
    throw new InputError(`compare needs two result files, the baseline and the current one (got ${args.positionals.length})\n\n${usageLine(compareCommand)}`);
  }
  const options = compareOptions(args);
  const outputs = resultOutputs({ json: args.values.json, markdown: args.values.markdown, html: args.values.html }, 'compare');
  await prepareOutputs(outputs, new Map([[baselinePath, 'the baseline'], [currentPath, 'the current result']]));

  // Both files are read before either is judged, so one run names every bad file.
  const settled = await Promise.allSettled([readResultFileOfKind(baselinePath, 'run'), readResultFileOfKind(currentPath, 'run')]);
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  const unexpected = failures.find((e) => !(e instanceof InputError));
  if (unexpected !== undefined) throw unexpected;
  if (failures.length > 0) throw new InputError(failures.map((e) => e.message).join('\n'));
  const [baseline, current] = settled.map((r) => (r as PromiseFulfilledResult<RunResult>).value) as [RunResult, RunResult];

  const startedAt = new Date().toISOString();
  const comparison: Comparison = compareResults(baseline, current, {
    tool: { name: 'chatbench', version: toolVersion() },
    runId: newRunId(),
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
  }, options);
  // Nothing in common after a run that stopped early is a regression (every scenario missing);
  // after a complete run it is two unrelated files.
  if (comparison.scenarios.length === 0 && current.aborted === null) {
    const names = (list: readonly { name: string }[]): string => (list.length > 0 ? list.map((s) => s.name).join(', ') : 'none');
    throw new InputError(`no scenario in common, nothing to compare: ${baselinePath} has ${names(baseline.scenarios)}; ${currentPath} has ${names(current.scenarios)}`);
  }

  const text = renderConsole(comparison, { color: out.color }).trimEnd();
  const strictFailure = args.values.strict === true && hasCaveats(comparison);
  out.err(args.values.quiet === true ? text.split('\n').at(-1) ?? '' : text);
  if (strictFailure) out.err(`--strict: failing on ${comparison.caveats.length === 1 ? 'a caveat' : `${comparison.caveats.length} caveats`}: ${comparison.caveats.map((c) => c.message).join('; ')}`);
  await writeOutputs(outputs, comparison, out);
  return comparison.regressed || strictFailure ? ExitCode.checkFailed : ExitCode.ok;
}

function compareOptions(args: CompareArgs): CompareOptions {
  const options: CompareOptions = {};
  const { tolerance, 'throughput-tolerance': throughput, 'min-latency-change': minChange } = args.values;
  if (tolerance !== undefined) options.tolerance = parsePercent(tolerance, '--tolerance');
  if (throughput !== undefined) options.throughputTolerance = parsePercent(throughput, '--throughput-tolerance');
  if (minChange !== undefined) {
    const parsed = parseLatencyText(minChange);
    if (!parsed.ok) throw new InputError(`--min-latency-change ${minChange}: ${parsed.error}`);
    options.minLatencyChangeMicros = parsed.value;
  }
  return options;
}

const PERCENT = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/;

/** "10%" -> 0.1. The % sign is required: a bare 0.1 could mean 10% or 0.1%. */
function parsePercent(text: string, flag: string): number {
  const value = text.trim();
  if (value.startsWith('-')) throw new InputError(`${flag} ${text}: a tolerance cannot be negative`);
  const match = PERCENT.exec(value);
  if (match === null) {
    const bare = /^(\d+(?:\.\d+)?|\.\d+)$/.test(value);
    throw new InputError(`${flag} ${text}: ${bare ? `write a percentage with a % sign, e.g. ${value}%` : 'expected a percentage such as 10% or 2.5%'}`);
  }
  return Number(match[1]) / 100;
}
