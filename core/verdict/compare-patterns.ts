/**
 * The chat patterns in `chatbench compare`: the figures of core/result/patterns.ts judged like
 * the metric table's — latency summaries (presence propagation, a retained message to a late
 * joiner, reconnect, catch-up) at p50 and p99 by the latency rule; the counts that
 * say a check went wrong (missing, stale, notCaughtUp, …) by the count rule, where any increase
 * from 0 regresses. A pattern is judged only when both sides measured it; on one side only, or
 * with other injected faults, the comparison warns instead.
 */
import type { LatencySummary, PatternComparison, PatternName, PercentileKey, ResolvedCompareOptions, ScenarioResult } from '../result/index.js';
import { judgeFigure, type Judged } from './compare-judge.js';
import { percentile, type Reading } from './metrics.js';

interface PatternFigure extends Judged {
  id: string;
  pattern: PatternName;
}

/**
 * The percentiles judged: p50 and p99. Not the max: it needs 1,000 samples on each side to be
 * judged (compare-rules.ts minSamplesFor), more than most pattern episodes have.
 */
const AT: ReadonlyArray<readonly [PercentileKey, number]> = [['p50', 50], ['p99', 99]];

/** The p50 and p99 of one of a pattern's latency summaries; nothing to read when the pattern is absent. */
function latencyFigures(pattern: PatternName, id: string, label: string, pick: (s: ScenarioResult) => LatencySummary | undefined): PatternFigure[] {
  return AT.map(([key, at]) => ({
    id: `${id}.${key}`, pattern, label: `${label} ${key}`, unit: 'us', better: 'lower', rule: 'latency',
    read: (s: ScenarioResult): Reading => {
      const l = pick(s);
      return l === undefined ? { kind: 'nothing' } : percentile(l, key);
    },
    percentile: { at, samples: (s: ScenarioResult) => { const l = pick(s); return l === undefined ? 0 : l.count + l.censored; } },
  }));
}

function countFigure(pattern: PatternName, id: string, label: string, pick: (s: ScenarioResult) => number | undefined): PatternFigure {
  return {
    id, pattern, label, unit: 'count', better: 'lower', rule: 'count',
    read: (s) => {
      const n = pick(s);
      return n === undefined ? { kind: 'nothing' } : { kind: 'value', value: n };
    },
  };
}

/** Every compared figure, in the order the tables show them. Ids match the threshold metrics' names where those exist. */
const FIGURES: readonly PatternFigure[] = [
  ...latencyFigures('presence', 'presence', 'presence latency', (s) => s.presence?.latency),
  countFigure('presence', 'presence.missing', 'presence updates missing', (s) => s.presence?.missing),
  countFigure('presence', 'wills.missing', 'wills missing', (s) => s.presence?.wills.missing),
  countFigure('presence', 'wills.afterCleanDisconnect', 'wills after a clean disconnect', (s) => s.presence?.wills.afterCleanDisconnect),
  countFigure('presence', 'wills.early', 'wills before their delay', (s) => s.presence?.wills.early),
  ...latencyFigures('retained', 'retained', 'retained latency', (s) => s.retained?.latency),
  countFigure('retained', 'retained.stale', 'retained stale', (s) => s.retained?.stale),
  countFigure('retained', 'retained.missing', 'retained missing', (s) => s.retained?.missing),
  ...latencyFigures('absences', 'absences.reconnect', 'reconnect time', (s) => s.absences?.reconnectTime),
  ...latencyFigures('absences', 'absences.catchUp', 'catch-up', (s) => s.absences?.catchUp),
  countFigure('absences', 'absences.notCaughtUp', 'not caught up', (s) => s.absences?.notCaughtUp),
  countFigure('absences', 'absences.notResumed', 'sessions not resumed', (s) => s.absences?.notResumed),
  countFigure('takeover', 'takeover.oldNotClosed', 'takeover: first connections not closed', (s) => s.takeover?.oldNotClosed),
];

/** Ids of the figures judged here: compare leaves a metric of the table with one of these names to the pattern rows. */
export const PATTERN_FIGURE_IDS: ReadonlySet<string> = new Set(FIGURES.map((f) => f.id));

const PATTERNS: readonly PatternName[] = ['presence', 'retained', 'absences', 'takeover'];

/** A scenario's injected faults in words, to tell whether both sides suffered the same. */
function faultShape(s: ScenarioResult): string {
  const f = s.faults;
  if (f === undefined) return 'none';
  const n = f.network;
  const network = n === null ? '' : `, network delay ${n.delayMs} ms ± ${n.jitterMs} ms, loss ${n.loss}, duplicate ${n.duplicate}`;
  return `${f.disconnects} disconnects, ${f.reconnects} reconnects, ${f.slowConsumers} slow consumers${network}`;
}

/**
 * The pattern rows of a scenario and the warnings that go with them; null when neither side has
 * any pattern figures (the comparison then has no `patterns` field, as before patterns existed).
 */
export function comparePatterns(b: ScenarioResult, c: ScenarioResult, o: ResolvedCompareOptions, unjudged: string[]): { rows: PatternComparison[]; warnings: string[] } | null {
  const on = (s: ScenarioResult, p: PatternName): boolean => s[p] !== undefined;
  const any = PATTERNS.some((p) => on(b, p) || on(c, p)) || b.faults !== undefined || c.faults !== undefined;
  if (!any) return null;
  const both = PATTERNS.filter((p) => on(b, p) && on(c, p));
  const warnings = PATTERNS.filter((p) => on(b, p) !== on(c, p))
    .map((p) => `${p} measured only in the ${on(b, p) ? 'baseline' : 'current run'}: not compared`);
  const [fb, fc] = [faultShape(b), faultShape(c)];
  if (fb !== fc) warnings.push(`the injected faults differ (baseline: ${fb}; current: ${fc}): pattern figures may differ because of them`);
  const rows = FIGURES.filter((f) => both.includes(f.pattern))
    .map((f): PatternComparison => ({ id: f.id, pattern: f.pattern, ...judgeFigure(f, b, c, o, unjudged) }));
  return { rows, warnings };
}
