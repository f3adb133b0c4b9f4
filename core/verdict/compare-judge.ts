/**
 * One figure judged between two scenario results by its compare rule (compare-rules.ts): a
 * metric of the table or a chat pattern's figure (compare-patterns.ts), the same way.
 */
import type { MetricComparison, ResolvedCompareOptions, ScenarioResult } from '../result/index.js';
import { censoredVerdictOf, minSamplesFor, relativeChange, ruleFor, verdictOf } from './compare-rules.js';
import { count } from '../words.js';
import type { Metric, Reading, RuleKind } from './metrics.js';

/** A reading as a number for the table: censored sides hold their lower bound. */
const numberOf = (r: Reading): number | null => (r.kind === 'nothing' ? null : r.kind === 'censored' ? r.atLeast : r.value);

/** What judging a figure needs: a metric of the table, or a pattern figure (compare-patterns.ts). */
export type Judged = Pick<Metric, 'label' | 'unit' | 'better'> & {
  rule: RuleKind;
  read(s: ScenarioResult): Reading;
  percentile?: { at: number; samples(s: ScenarioResult): number };
};

/**
 * One figure judged between the sides by its rule; a percentile only where each side has the
 * samples to tell it from the max (else not-measured, and `unjudged` says why).
 */
export function judgeFigure(m: Judged, b: ScenarioResult, c: ScenarioResult, o: ResolvedCompareOptions, unjudged: string[]): Omit<MetricComparison, 'id'> {
  const rule = ruleFor(m.rule, m.better, o);
  const [before, after] = [m.read(b), m.read(c)];
  const baseline = numberOf(before);
  const current = numberOf(after);
  const censored = { baseline: before.kind === 'censored', current: after.kind === 'censored' };
  const measured = baseline !== null && current !== null;
  const relative = measured ? relativeChange(baseline, current) : null;
  let verdict = measured && (censored.baseline || censored.current) ? censoredVerdictOf(baseline, current, censored, rule) : verdictOf(baseline, current, rule);
  if (measured && m.percentile !== undefined) {
    // With fewer samples the percentile is the max: one outlier would decide the verdict.
    // The max is one sample by nature: it needs as many as the highest judged percentile.
    const needed = minSamplesFor(m.percentile.at);
    const [nb, nc] = [m.percentile.samples(b), m.percentile.samples(c)];
    if (nb < needed || nc < needed) {
      verdict = 'not-measured';
      const why = m.percentile.at === 100 ? ', as p99.9 does, so that one slow message does not decide it' : ' to differ from the max';
      unjudged.push(`${m.label} not judged: it needs ${count(needed)} samples on each side${why}; the baseline has ${count(nb)}, the current run ${count(nc)}`);
    }
  }
  return {
    label: m.label, unit: m.unit, better: m.better, baseline, current, censored,
    change: measured ? current - baseline : null,
    relative: relative !== null && Number.isFinite(relative) ? relative : null,
    verdict,
    rule: rule.text,
  };
}
