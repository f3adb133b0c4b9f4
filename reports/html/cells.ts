/**
 * The cells the HTML report's tables share (overview, scenario, patterns): a status badge, a
 * latency percentile (censored ones as "> waited", marked), a count marked bad, and a latency
 * row. Pure functions returning markup; text escaped.
 */
import type { LatencySummary, ScenarioResult } from '../../core/result/index.js';
import { statusLabel } from '../describe.js';
import { xmlText } from '../escape-xml.js';
import { formatCount, formatPercentile } from '../format.js';
import { el } from './markup.js';

type Status = ScenarioResult['status'] | 'not-run';

/** A status badge: PASS, FAIL, ABORTED or NOT RUN. */
export function badge(status: Status): string {
  return el('span', { class: `badge ${status}` }, status === 'not-run' ? 'NOT RUN' : statusLabel(status));
}

/** A latency percentile cell: "-" when nothing was owed, "> 12.0 s" (marked) among the censored. */
export function percentileCell(l: LatencySummary, key: 'p50' | 'p90' | 'p99' | 'p999' | 'max'): string {
  const text = xmlText(formatPercentile(l, key));
  return l[key] === null && (l.count > 0 || l.censored > 0) ? el('span', { class: 'bad censored', title: 'among deliveries that never arrived' }, text) : text;
}

/** A count, marked bad when `bad` and not zero. */
export function countCell(n: number, bad = false): string {
  return bad && n > 0 ? el('span', { class: 'bad' }, xmlText(formatCount(n))) : xmlText(formatCount(n));
}

export function latencyRow(label: string, l: LatencySummary): string[] {
  return [xmlText(label), ...(['p50', 'p90', 'p99', 'p999', 'max'] as const).map((k) => percentileCell(l, k)), xmlText(formatCount(l.count)), countCell(l.censored, true)];
}
