/**
 * Merges the results of the shards (or workers) of one run into the result of the whole run,
 * exactly: histograms add bucket by bucket, counters sum, per-second series add tick by tick
 * (merge-figures.ts), and every scenario is judged again on the merged figures by the same
 * judge a run uses (core/verdict/judge.ts), never by OR-ing the parts' verdicts: two parts
 * that each delivered 500 pass `delivered == 500` alone, and their sum fails it.
 *
 * Parts that do not belong together are refused (InputError, exit 2), naming them: a different
 * scenario file (digest), tool version, run id, target or selection, a shard given twice, shard
 * counts that differ. A missing shard is refused unless `allowPartial`; then the result says
 * which are missing (`merged.missing`) and is marked incomplete (aborted, cause "incomplete").
 */
import { InputError } from '../errors.js';
import { parseThreshold } from '../scenario/thresholds.js';
import type { ThresholdSpec } from '../scenario/types.js';
import { judge, type AbortInfo } from '../verdict/judge.js';
import { mergeScenarioFigures } from './merge-figures.js';
import type { Aborted } from './reasons.js';
import type { RunResult, ScenarioResult } from './run.js';

export interface MergeOptions {
  /** Merge even when some shards of the run are missing (the result says which, and is marked incomplete). */
  allowPartial?: boolean;
  /** What to call each part in messages (file names), in the order of `parts`; default "part 1", "part 2", … */
  sources?: readonly string[];
}

type Shard = { index: number; count: number };
type Merged = NonNullable<RunResult['merged']>;

/** A part with what it is called and which shards it holds. */
interface Part {
  result: RunResult;
  source: string;
  shards: Shard[];
}

const describeShard = (s: Shard): string => `${s.index}/${s.count}`;

/** The shards a result covers: its own slice, the slices it was merged from, or the whole (0/1). */
function coverage(r: RunResult): Shard[] {
  if (r.shard !== undefined) return [{ ...r.shard }];
  if (r.merged !== undefined) return r.merged.shards.map((s) => ({ ...s }));
  return [{ index: 0, count: 1 }];
}

/** Refuses when the parts do not agree on `what`: names each value and the parts that have it. */
function sameEverywhere(parts: readonly Part[], what: string, of: (r: RunResult) => string | undefined): void {
  const groups = new Map<string, string[]>();
  for (const p of parts) {
    const value = of(p.result);
    const key = value === undefined ? '(none)' : JSON.stringify(value);
    groups.set(key, [...(groups.get(key) ?? []), p.source]);
  }
  if (groups.size <= 1) return;
  const listed = [...groups].map(([value, sources]) => `  ${value}: ${sources.join(', ')}`);
  throw new InputError(`cannot merge results of different ${what}:\n${listed.join('\n')}`);
}

function checkTogether(parts: readonly Part[]): void {
  for (const p of parts) {
    const kind: string = p.result.kind;
    if (kind !== 'run') throw new InputError(`cannot merge ${p.source}: it is a "${kind}" result; only "run" results merge`);
  }
  sameEverywhere(parts, 'scenario files (sha256 of the file read; results without one predate shards)', (r) => r.scenarioDigest);
  sameEverywhere(parts, 'chatbench versions', (r) => r.tool.version);
  sameEverywhere(parts, 'run ids (give every shard of one run the same --run-id)', (r) => r.runId);
  sameEverywhere(parts, 'targets', (r) => `${r.target.protocol} ${r.target.protocolVersion} ${r.target.url}`);
  sameEverywhere(parts, 'scenario selections (--scenario)', (r) => r.selected.join(', '));
  sameEverywhere(parts, 'shard counts', (r) => String(coverage(r)[0]?.count));
}

/** Every shard once; the missing ones (indices) when the count is not reached. */
function checkShards(parts: readonly Part[], allowPartial: boolean): number[] {
  const holder = new Map<number, string>();
  for (const p of parts) {
    for (const s of p.shards) {
      const other = holder.get(s.index);
      if (other !== undefined) throw new InputError(`cannot merge: shard ${describeShard(s)} appears twice (${other} and ${p.source})`);
      holder.set(s.index, p.source);
    }
  }
  const count = parts[0]?.shards[0]?.count ?? 1;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !holder.has(i));
  if (missing.length > 0 && !allowPartial) {
    throw new InputError(`cannot merge: ${missing.length} of ${count} shards missing (${missing.map((i) => `${i}/${count}`).join(', ')}); merge them all, or pass --allow-partial to merge what is there`);
  }
  return missing;
}

/** The scenario as run must be the same in every part that ran it (a file changed between shards shows here too). */
function checkSpecs(name: string, found: ReadonlyArray<{ part: Part; scenario: ScenarioResult }>): void {
  const groups = new Set(found.map((f) => JSON.stringify(f.scenario.spec)));
  if (groups.size > 1) {
    throw new InputError(`cannot merge scenario "${name}": its settings differ between ${found.map((f) => f.part.source).join(', ')}`);
  }
}

/** The thresholds as the run parsed them, parsed again from their expressions (the records carry them). */
function thresholdsOf(s: ScenarioResult, source: string): ThresholdSpec[] {
  return s.spec.thresholds.map((t) => {
    const parsed = parseThreshold(t.expression);
    if (!parsed.ok) throw new InputError(`cannot merge ${source}: scenario "${s.name}": ${parsed.error}`);
    return parsed.value;
  });
}

/** Why the merged scenario stopped early: a part that aborted it, or a part that never ran it. */
function scenarioAbort(name: string, found: ReadonlyArray<{ part: Part; scenario: ScenarioResult }>, parts: readonly Part[]): AbortInfo | null {
  for (const { part, scenario } of found) {
    if (scenario.status !== 'aborted') continue;
    const reason = scenario.reasons.find((r) => r.kind === 'abort');
    return { cause: reason?.cause ?? 'incomplete', message: `shard ${part.shards.map(describeShard).join(', ')}: ${reason?.message ?? 'aborted'}` };
  }
  const absent = parts.filter((p) => !found.some((f) => f.part === p));
  if (absent.length === 0) return null;
  return {
    cause: 'incomplete',
    message: `${absent.map((p) => `shard ${p.shards.map(describeShard).join(', ')} (${p.source})`).join(', ')} has no result for "${name}": the merged figures lack its share`,
  };
}

function mergeScenario(name: string, parts: readonly Part[]): ScenarioResult | null {
  const found = parts.flatMap((part) => {
    const scenario = part.result.scenarios.find((s) => s.name === name);
    return scenario === undefined ? [] : [{ part, scenario }];
  });
  const first = found[0];
  if (first === undefined) return null;
  checkSpecs(name, found);
  const measured = mergeScenarioFigures(found.map((f) => f.scenario));
  return judge({ thresholds: thresholdsOf(first.scenario, first.part.source) }, measured, scenarioAbort(name, found, parts));
}

/** The run's abort: the first part's (by shard), saying which shard; else "incomplete" for missing shards. */
function runAbort(parts: readonly Part[], missing: readonly number[], count: number): Aborted | null {
  const stopped = parts.find((p) => p.result.aborted !== null);
  if (stopped?.result.aborted) {
    const a = stopped.result.aborted;
    return { ...a, message: `shard ${stopped.shards.map(describeShard).join(', ')} (${stopped.source}): ${a.message}` };
  }
  if (missing.length === 0) return null;
  return { scenario: null, cause: 'incomplete', message: `merged without ${missing.length} of ${count} shards (${missing.map((i) => `${i}/${count}`).join(', ')}): their share of the run is not in these figures` };
}

function mergedRecord(parts: readonly Part[], missing: readonly number[]): Merged {
  return {
    shards: parts.flatMap((p) => p.shards),
    parts: parts.flatMap((p) => p.result.merged?.parts
      ?? [{ shard: p.shards[0]?.index ?? 0, scenarios: p.result.scenarios.map((s) => ({ name: s.name, scheduleLag: s.scheduleLag })) }]),
    ...(missing.length === 0 ? {} : { missing: [...missing] }),
  };
}

/** The whole run from its parts; see the file comment for what is refused. */
export function mergeRunResults(results: readonly RunResult[], options: MergeOptions = {}): RunResult {
  if (results.length === 0) throw new InputError('nothing to merge: give the result files of the shards');
  const parts: Part[] = results
    .map((result, i) => ({ result, source: options.sources?.[i] ?? `part ${i + 1}`, shards: coverage(result) }))
    .sort((a, b) => (a.shards[0]?.index ?? 0) - (b.shards[0]?.index ?? 0));
  checkTogether(parts);
  const missing = checkShards(parts, options.allowPartial === true);
  const first = parts[0] as Part;
  const base = first.result;
  const scenarios = base.selected.flatMap((name) => mergeScenario(name, parts) ?? []);
  const sameServer = new Set(parts.map((p) => JSON.stringify(p.result.server ?? null))).size === 1;
  const { shard: _shard, merged: _merged, server: _server, ...envelope } = base;
  return {
    ...envelope,
    startedAt: parts.map((p) => p.result.startedAt).sort()[0] ?? base.startedAt,
    finishedAt: parts.map((p) => p.result.finishedAt).sort().at(-1) ?? base.finishedAt,
    aborted: runAbort(parts, missing, first.shards[0]?.count ?? 1),
    scenarios,
    ...(sameServer && base.server !== undefined ? { server: base.server } : {}),
    merged: mergedRecord(parts, missing),
  };
}
