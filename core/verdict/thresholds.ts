/**
 * Threshold evaluation: the metric's reading comes from the metric table (metrics.ts), the
 * unit the expression was written in from the parser (`ThresholdSpec.unit`), never from the
 * expression's text.
 */
import type { ThresholdVerdict } from '../result/index.js';
import type { Comparator, ThresholdSpec, ThresholdUnit } from '../scenario/types.js';
import { LATENCY_UNIT_MICROS, microsIn } from '../scenario/units.js';
import { exactMicros, exactNumber } from '../words.js';
import { METRICS, metric, type Measurable, type Reading } from './metrics.js';

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

/**
 * A metric's value (in its base unit) as a threshold written in `unit` shows it, for every
 * report and the judge's reason alike: "0.126357" for `lossRatio < 0.01`, "12.6357%" for
 * `lossRatio < 1%`, "4,498.05 msg/s", "6,000". A latency reads in the unit the latency tables
 * pick for it ("609.791 ms" for `p99 < 1us`: always labelled, so never ambiguous).
 * `metricName` names the unit of a threshold written without one.
 */
export function describeValue(base: number, unit: string, metricName: string): string {
  if (Object.hasOwn(LATENCY_UNIT_MICROS, unit)) return exactMicros(base);
  if (unit === '%') return `${exactNumber(base * 100)}%`;
  return `${exactNumber(base)}${unitSuffix(unit, metricName)}`;
}

/** A reading as its threshold's actual: null when nothing was measured, "> 12 s" among deliveries that never arrived. */
export function describeReading(reading: Reading, unit: string, metricName: string): string | null {
  switch (reading.kind) {
    case 'nothing': return null;
    case 'censored': return `> ${describeValue(reading.atLeast, unit, metricName)}`;
    case 'value': return describeValue(reading.value, unit, metricName);
  }
}

/** `unit` as a result file carries it: a ThresholdUnit, or whatever an older file wrote. */
function unitSuffix(unit: string, metricName: string): string {
  switch (unit) {
    case '/s': return ' msg/s';
    case '': break;
    default: return ` ${unit}`;
  }
  // Written without a unit: the metric's own (a ratio stays a ratio, a count a count).
  switch (METRICS.find((m) => m.name === metricName)?.unit ?? 'count') {
    case 'msg/s': return ' msg/s';
    case 'bytes': return ' B';
    case 'us': return ' µs';
    case 'ratio': case 'count': return '';
  }
}
