/** `chatbench compare BASELINE.json CURRENT.json`: two results -> regression verdicts -> exit code. */
import { ExitCode, InputError } from '../../core/errors.js';
import type { RunResult } from '../../core/result.js';
import { parseDuration } from '../../core/scenario/index.js';
import { compareResults, renderComparison, renderComparisonMarkdown, type CompareOptions, type Comparison } from '../../reports/compare.js';
import { prepareOutputFile, writeTextFile } from '../../reports/json.js';
import { readResultFile } from '../../reports/read.js';
import { usageLine, type CommandSpec, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';

export const compareCommand: CommandSpec = {
  name: 'compare',
  summary: 'Compare two run results side by side with regression verdicts (release against release, MQTT against XMPP).',
  args: 'BASELINE.json CURRENT.json',
  maxPositionals: 2,
  flags: [
    { name: 'tolerance', type: 'string', value: 'PCT', description: 'relative change of latency, loss, counts and bytes that still counts as unchanged (default 10%)' },
    { name: 'throughput-tolerance', type: 'string', value: 'PCT', description: 'the same for delivered messages per second (default 5%)' },
    { name: 'min-latency-change', type: 'string', value: 'TIME', description: 'latency changes smaller than this are unchanged, whatever the ratio (default 1ms)' },
    { name: 'json', type: 'string', value: 'FILE', description: 'write the comparison as JSON here' },
    { name: 'markdown', type: 'string', value: 'FILE', description: 'write the comparison as Markdown here (for a pull-request comment)' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the verdict' },
  ],
  notes: [
    'A metric regresses only when its change passes both the relative tolerance and the absolute floor',
    '(latency --min-latency-change, throughput 1 msg/s, loss 0.1 points, 1 byte per message); a count of',
    'duplicates, reorders or violations regresses on any increase from 0. Latency is also compared as whole',
    'HDR distributions, p50 to p99.9. Scenarios are matched by name.',
    'Exit codes: 0 no regression; 1 a regression; 2 bad input (flags, files, no scenario in common).',
  ],
};

export async function runCompare(args: ParsedArgs, out: Output): Promise<number> {
  const [baselinePath, currentPath] = args.positionals;
  if (baselinePath === undefined || currentPath === undefined) {
    throw new InputError(`compare needs two result files, the baseline and the current one (got ${args.positionals.length})\n\n${usageLine(compareCommand)}`);
  }
  const options = compareOptions(args);
  const jsonPath = args.values.json as string | undefined;
  const markdownPath = args.values.markdown as string | undefined;
  const quiet = args.values.quiet === true;
  if (jsonPath !== undefined) await prepareOutputFile(jsonPath, '--json');
  if (markdownPath !== undefined) await prepareOutputFile(markdownPath, '--markdown');

  // Both files are read before either is judged, so one run names every bad file.
  const settled = await Promise.allSettled([readResultFile(baselinePath), readResultFile(currentPath)]);
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  const unexpected = failures.find((e) => !(e instanceof InputError));
  if (unexpected !== undefined) throw unexpected;
  if (failures.length > 0) throw new InputError(failures.map((e) => e.message).join('\n'));
  const [baseline, current] = settled.map((r) => (r as PromiseFulfilledResult<RunResult>).value) as [RunResult, RunResult];

  const comparison = compareResults(baseline, current, options);
  if (comparison.scenarios.length === 0) {
    const names = (list: readonly { name: string }[]): string => (list.length > 0 ? list.map((s) => s.name).join(', ') : 'none');
    throw new InputError(`no scenario in common, nothing to compare: ${baselinePath} has ${names(baseline.scenarios)}; ${currentPath} has ${names(current.scenarios)}`);
  }

  const text = renderComparison(comparison, { color: out.color }).trimEnd();
  out.err(quiet ? text.split('\n').at(-1) ?? '' : text);
  if (jsonPath !== undefined) await writeOutput(jsonPath, `${JSON.stringify(comparison satisfies Comparison, null, 2)}\n`, 'the comparison', out);
  if (markdownPath !== undefined) await writeOutput(markdownPath, renderComparisonMarkdown(comparison), 'the Markdown', out);
  return comparison.regressed ? ExitCode.checkFailed : ExitCode.ok;
}

async function writeOutput(path: string, text: string, what: string, out: Output): Promise<void> {
  await writeTextFile(path, text).catch((error: unknown) => {
    throw new InputError(`could not write ${what} to ${path}: ${(error as Error).message}`);
  });
  out.err(`${what} written to ${path}`);
}

function compareOptions(args: ParsedArgs): CompareOptions {
  const options: CompareOptions = {};
  const tolerance = args.values.tolerance as string | undefined;
  const throughput = args.values['throughput-tolerance'] as string | undefined;
  const minChange = args.values['min-latency-change'] as string | undefined;
  if (tolerance !== undefined) options.tolerance = parsePercent(tolerance, '--tolerance');
  if (throughput !== undefined) options.throughputTolerance = parsePercent(throughput, '--throughput-tolerance');
  if (minChange !== undefined) options.minLatencyChangeMicros = parseLatencyChange(minChange, '--min-latency-change');
  return options;
}

const PERCENT = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/;

/** "10%" -> 0.1. The % sign is required: a bare 0.1 could mean 10% or 0.1%. */
export function parsePercent(text: string, flag: string): number {
  const value = text.trim();
  if (value.startsWith('-')) throw new InputError(`${flag} ${text}: a tolerance cannot be negative`);
  const match = PERCENT.exec(value);
  if (match === null) {
    const bare = /^(\d+(?:\.\d+)?|\.\d+)$/.test(value);
    throw new InputError(`${flag} ${text}: ${bare ? `write a percentage with a % sign, e.g. ${value}%` : 'expected a percentage such as 10% or 2.5%'}`);
  }
  return Number(match[1]) / 100;
}

const MICROS = /^(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|μs)$/;

/** "100us" -> 100; "2ms", "1s" through parseDuration (whole milliseconds: "0.5ms" is written "500us") -> µs. */
export function parseLatencyChange(text: string, flag: string): number {
  const value = text.trim();
  const micros = MICROS.exec(value);
  if (micros !== null) return Number(micros[1]);
  if (/^(\d+(?:\.\d+)?|\.\d+)$/.test(value)) throw new InputError(`${flag} ${text}: give a unit, e.g. ${value}us or ${value}ms`);
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new InputError(`${flag} ${text}: ${parsed.error.replace('write a number of seconds, or a number with a unit', 'write a number with a unit')} (for microseconds write e.g. 100us)`);
  return parsed.value * 1_000;
}
