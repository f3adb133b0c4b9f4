/**
 * Threshold evaluation: the metric's reading comes from the metric table (metrics.ts), the
 * unit the expression was written in from the parser (`ThresholdSpec.unit`), never from the
 * expression's text.
 */
import type { ThresholdVerdict } from '../result/index.js';
import type { Comparator, ThresholdSpec, ThresholdUnit } from '../scenario/types.js';
import { microsIn } from '../scenario/units.js';
import { metric, type Measurable } from './metrics.js';

export function holds(actual: number, comparator: Comparator, limit: number): boolean {
  switch (comparator) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return actual === limit;
    case '!=': return actual !== limit;
  }
}

/**
 * Whether `value > atLeast` (all that is known of a censored latency) settles the comparison
 * as true for every such value. Only lower bounds can be proved: `p99 > 1s` passes when the
 * wait already exceeded 1 s; `p99 < 250ms` never passes on a censored percentile.
 */
function holdsAboveBound(atLeast: number, comparator: Comparator, limit: number): boolean {
  switch (comparator) {
    case '>': case '>=': case '!=': return atLeast >= limit;
    case '<': case '<=': case '==': return false;
  }
}

/** A value in the metric's base unit, expressed in the unit the threshold was written in. */
export function inWrittenUnit(base: number, unit: ThresholdUnit): number {
  switch (unit) {
    case 'us': case 'ms': case 's': return microsIn(base, unit);
    case '%': return base * 100;
    case '/s': case '': return base;
  }
}

export function evaluateThreshold(measured: Measurable, t: ThresholdSpec): ThresholdVerdict {
  const reading = metric(t.metric).read(measured);
  const verdict = { expression: t.expression, unit: t.unit };
  switch (reading.kind) {
    case 'nothing':
      return { ...verdict, actual: null, censored: false, passed: false };
    case 'censored':
      return { ...verdict, actual: inWrittenUnit(reading.atLeast, t.unit), censored: true, passed: holdsAboveBound(reading.atLeast, t.comparator, t.value) };
    case 'value':
      return { ...verdict, actual: inWrittenUnit(reading.value, t.unit), censored: false, passed: holds(reading.value, t.comparator, t.value) };
  }
}
