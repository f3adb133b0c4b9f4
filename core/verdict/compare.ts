/**
 * Regression verdicts between two run results (this release against the last, MQTT against
 * XMPP): scenarios matched by name, each compared metric of the metric table judged by the
 * rules in compare-rules.ts, the chat patterns' figures likewise (compare-patterns.ts), whole
 * latency distributions compared through their HDR histograms, and the caveats that make a comparison mean little (a lagging generator, an
 * aborted side, different protocols). Pure: the result is plain data; reports/ renders it.
 */
import { InputError } from '../errors.js';
import { decodeHistogram, valuesAtPercentiles } from '../metrics/histogram.js';
import type {
  AbortCause, Caveat, CompareResult, DistributionShift, MetricComparison, ResolvedCompareOptions, RunResult, RunSide, ScenarioComparison, ScenarioResult, ScenarioSide,
} from '../result/index.js';
import { RESULT_SCHEMA_VERSION } from '../result/index.js';
import { DEFAULT_COMPARE_OPTIONS, SHIFT_PERCENTILES, minSamplesFor, relativeChange, ruleFor, verdictOf, type CompareOptions } from './compare-rules.js';
import { COMPARED_METRICS } from './metrics.js';
import { judgeFigure } from './compare-judge.js';
import { PATTERN_FIGURE_IDS, comparePatterns } from './compare-patterns.js';
import { caveatsOf } from './compare-caveats.js';
import { testClaims } from './claims.js';
import { generatorLag, lagP99 } from './generator.js';

export type { CompareOptions } from './compare-rules.js';
export type Comparison = CompareResult;

/** Envelope fields of the comparison itself (the CLI fills them: tool version, id, clock, machine). */
export type CompareEnvelope = Pick<CompareResult, 'tool' | 'runId' | 'startedAt' | 'finishedAt' | 'environment'>;

/**
 * The name of the whole-distribution comparison. It reads the HDR histograms, which hold only
 * the deliveries that arrived, whereas the latency metrics also count those that never did
 * (censored): the name says so, or "p50 6.22 s" beside "distribution p50 5.37 s" looks wrong.
 */
export const DISTRIBUTION_LABEL = 'latency distribution of what arrived';

const WORKLOAD_KEYS = ['qos', 'payloadBytes', 'users', 'rooms', 'targetRate'] as const;

export function compareResults(baseline: RunResult, current: RunResult, envelope: CompareEnvelope, options: CompareOptions = {}): Comparison {
  const o = resolveOptions(options);
  const currentByName = new Map(current.scenarios.map((s) => [s.name, s]));
  const baselineNames = new Set(baseline.scenarios.map((s) => s.name));
  const scenarios = baseline.scenarios.flatMap((b) => {
    const c = currentByName.get(b.name);
    return c === undefined ? [] : [compareScenario(b, c, o)];
  });

  const caveats = caveatsOf(baseline, current);
  const compared = new Set(scenarios.map((s) => s.name));
  const warnings = caveats.map((c) => abortWarning(c, compared, { baseline, current }) ?? c.message);
  if (baseline.runId === current.runId && baseline.startedAt === current.startedAt) {
    warnings.push(`both sides are the same run (runId ${current.runId}): nothing changed by construction`);
  }
  if (baseline.target.tcpNoDelay !== current.target.tcpNoDelay) {
    const onOff = (r: RunResult): string => (r.target.tcpNoDelay ? 'on' : 'off');
    warnings.push(`TCP_NODELAY was ${onOff(baseline)} in the baseline and ${onOff(current)} in the current run: latencies are not comparable`);
  }
  if (scenarios.length === 0) warnings.push('no scenario in common: nothing was compared');
  // An MQTT result beside an XMPP one: the popular claims about the two, tested (claims.ts).
  const claims = testClaims(baseline, current);

  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'compare',
    ...envelope,
    // The comparison itself ran to the end; a side that stopped early is a caveat.
    aborted: null,
    target: current.target,
    baseline: runSide(baseline),
    current: runSide(current),
    options: o,
    scenarios,
    onlyInBaseline: baseline.scenarios.filter((s) => !currentByName.has(s.name)).map((s) => s.name),
    onlyInCurrent: current.scenarios.filter((s) => !baselineNames.has(s.name)).map((s) => s.name),
    caveats,
    warnings,
    // A scenario the current run lacks is a regression: a server that crashed mid-run leaves
    // its later scenarios unmeasured, and that must not pass the gate. Even after an interrupt:
    // what was not measured cannot be passed (fail closed).
    regressed: scenarios.some((s) => s.regressed) || baseline.scenarios.some((s) => !currentByName.has(s.name)),
    ...(claims === null ? {} : { claims }),
  };
}

/**
 * An abort caveat on a compared scenario, worded without its reason: the scenario's block
 * gives the reason once ("the current run was aborted in room (the reason is under room)").
 * Null for any other caveat, which keeps its message.
 */
function abortWarning(c: Caveat, compared: ReadonlySet<string>, runs: Readonly<Record<'baseline' | 'current', RunResult>>): string | null {
  if (c.kind !== 'aborted' || c.scenario === null || !compared.has(c.scenario) || c.side === 'both') return null;
  const where = runs[c.side].aborted?.scenario === c.scenario ? `the ${c.side} run was aborted in ${c.scenario}` : `the ${c.side} scenario ${c.scenario} was aborted`;
  return `${where} (the reason is under ${c.scenario})`;
}

/**
 * Whether a stop with this cause says something about the server. An interrupt (Ctrl-C,
 * SIGTERM) is the user's doing: the side is a caveat, not a regression. A stall, an
 * unreachable target, lost connections, a timeout or a run killed mid-scenario still regress.
 */
export function abortRegresses(cause: AbortCause): boolean {
  return cause !== 'signal';
}

/** A figure (a metric, a pattern's figure or the whole distribution) regressed, as opposed to only the status. */
export function figuresRegressed(s: Pick<ScenarioComparison, 'metrics' | 'distribution' | 'patterns'>): boolean {
  return [...s.metrics, ...(s.patterns ?? [])].some((m) => m.verdict === 'regressed') || s.distribution?.verdict === 'regressed';
}

/** True when the comparison holds a caveat: with --strict that fails it. */
export function hasCaveats(c: Comparison): boolean {
  return c.caveats.length > 0;
}

function resolveOptions(options: CompareOptions): ResolvedCompareOptions {
  const o: ResolvedCompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  for (const [key, value] of Object.entries(o)) {
    if (!Number.isFinite(value) || value < 0) throw new InputError(`compare option ${key} must be a finite number ≥ 0, got ${value}`);
  }
  return o;
}

function runSide(r: RunResult): RunSide {
  return { runId: r.runId, startedAt: r.startedAt, toolVersion: r.tool.version, target: r.target, aborted: r.aborted };
}

function scenarioSide(s: ScenarioResult): ScenarioSide {
  return {
    status: s.status,
    reasons: s.reasons,
    workload: { users: s.users, rooms: s.rooms, qos: s.qos, payloadBytes: s.payloadBytes, targetRate: s.targetRate },
    scheduleLagP99: lagP99(s),
  };
}


/** How bad a status is: a current side worse than its baseline regressed, whatever its figures. */
const STATUS_RANK: Readonly<Record<ScenarioResult['status'], number>> = { passed: 0, failed: 1, aborted: 2 };

/**
 * "status passed → aborted" when the status got worse, else null (the reasons are the
 * scenario's own, given once in its block);
 * null too when the current side was aborted by the user (abortRegresses: a caveat instead).
 */
function statusRegression(b: ScenarioResult, c: ScenarioResult): string | null {
  if (STATUS_RANK[c.status] <= STATUS_RANK[b.status]) return null;
  const abort = c.reasons.find((r) => r.kind === 'abort');
  if (c.status === 'aborted' && abort !== undefined && !abortRegresses(abort.cause)) return null;
  return `status ${b.status} → ${c.status}`;
}

function compareScenario(b: ScenarioResult, c: ScenarioResult, o: ResolvedCompareOptions): ScenarioComparison {
  const unjudged: string[] = [];
  // A figure of a chat pattern is judged with the pattern's rows, never twice.
  const metrics = COMPARED_METRICS.filter((m) => !PATTERN_FIGURE_IDS.has(m.name)).map((m): MetricComparison => ({ id: m.name, ...judgeFigure(m, b, c, o, unjudged) }));
  const patterns = comparePatterns(b, c, o, unjudged);
  const distribution = distributionShift(b, c, o);

  const warnings: string[] = [];
  const differ = WORKLOAD_KEYS.filter((k) => b[k] !== c[k]).map((k) => `${k} ${b[k]} vs ${c[k]}`);
  if (differ.length > 0) warnings.push(`workloads differ: ${differ.join(', ')} (the comparison may be unfair)`);
  for (const [side, s] of [['baseline', b], ['current', c]] as const) {
    const why = s.reasons.length > 0 ? `: ${s.reasons.map((r) => r.message).join('; ')}` : '';
    if (s.status === 'failed') warnings.push(`${side} failed${why}`);
    if (s.status === 'aborted') warnings.push(`${side} was aborted${why} (compared anyway: its figures cover only part of the scenario)`);
  }
  warnings.push(...(patterns?.warnings ?? []));
  const rows = [...metrics, ...(patterns?.rows ?? [])];
  for (const side of ['baseline', 'current'] as const) {
    const missing = rows.filter((m) => m[side] === null).map((m) => m.label);
    if (missing.length > 0) warnings.push(`not measured in the ${side}, not compared: ${missing.join(', ')}`);
  }
  warnings.push(...unjudged);
  const lagged = ([['baseline', b], ['current', c]] as const).filter(([, s]) => generatorLag(s) !== null);

  const status = statusRegression(b, c);
  const regressions = [...(status === null ? [] : [status]), ...metrics.filter((m) => m.verdict === 'regressed').map((m) => m.label)];
  if (distribution?.verdict === 'regressed') regressions.push(DISTRIBUTION_LABEL);
  regressions.push(...(patterns?.rows ?? []).filter((m) => m.verdict === 'regressed').map((m) => m.label));
  const generatorLagged = lagged.length > 0;
  // Only figures can be chatbench's own delay; a status that got worse (an abort) never is.
  if (generatorLagged && figuresRegressed({ metrics, distribution, ...(patterns === null ? {} : { patterns: patterns.rows }) })) {
    warnings.push(`regression found while the generator lagged (${lagged.map(([side]) => side).join(' and ')}): it may be chatbench's own delay, re-run with a lower rate or more CPU`);
  }
  return {
    name: b.name, baseline: scenarioSide(b), current: scenarioSide(c), metrics, ...(patterns === null ? {} : { patterns: patterns.rows }),
    distribution, warnings, regressions, regressed: regressions.length > 0, generatorLagged,
  };
}

/**
 * Whole distributions: both HDR histograms decoded and read at those SHIFT_PERCENTILES both
 * sides have the arrivals for (minSamplesFor), each point judged by the latency rule. The
 * distribution regressed when any point regressed (the largest relative increase among them
 * is reported); else improved when any point improved (the largest decrease); else unchanged,
 * reporting the largest shift either way. Null when not even p50 can be read on both sides.
 */
function distributionShift(b: ScenarioResult, c: ScenarioResult, o: ResolvedCompareOptions): DistributionShift | null {
  const arrived = Math.min(b.latency.count, c.latency.count);
  const percentiles = SHIFT_PERCENTILES.filter((p) => arrived >= minSamplesFor(p));
  if (percentiles.length === 0) return null;
  const rule = ruleFor('latency', 'lower', o);
  const before = valuesAtPercentiles(decode(b, 'baseline'), percentiles);
  const after = valuesAtPercentiles(decode(c, 'current'), percentiles);
  const points = percentiles.map((percentile, i) => {
    const baseline = before[i] ?? 0;
    const current = after[i] ?? 0;
    const relative = relativeChange(baseline, current);
    return { percentile, baseline, current, change: current - baseline, relative: Number.isFinite(relative) ? relative : 0, verdict: verdictOf(baseline, current, rule) };
  });
  const largest = (verdict: string | null): (typeof points)[number] | undefined =>
    points
      .filter((p) => verdict === null || p.verdict === verdict)
      .reduce<(typeof points)[number] | undefined>((best, p) => (best === undefined || Math.abs(p.relative) > Math.abs(best.relative) ? p : best), undefined);
  const pick = largest('regressed') ?? largest('improved') ?? largest(null);
  if (pick === undefined) throw new Error('no percentiles to compare');
  return { percentiles, ...pick, verdict: pick.verdict === 'not-measured' ? 'unchanged' : pick.verdict, rule: rule.text };
}

function decode(s: ScenarioResult, side: string): ReturnType<typeof decodeHistogram> {
  try {
    return decodeHistogram(s.latency.hdr);
  } catch (error) {
    throw new InputError(`${side} scenario "${s.name}": latency.hdr: ${(error as Error).message}`);
  }
}
