/**
 * The chat patterns in a scenario of the HTML report: one section per pattern the scenario has
 * (presence, retained, absences, takeover, faults) with its figures (a failed check's count
 * marked), its latency summaries as percentile tables, and for faults the timeline as a small
 * table — the first 50 events, then how many more. Every text from the result is escaped.
 */
import type { ScenarioResult } from '../../core/result/index.js';
import { xmlText } from '../escape-xml.js';
import { formatSeconds, plural } from '../format.js';
import { patternAccounts, unlistedEvents, type PatternAccount } from '../patterns.js';
import { el, table } from './markup.js';
import { latencyRow } from './cells.js';

/** Timeline rows the report lists; the rest are counted. */
export const HTML_FAULT_EVENTS = 50;

function figuresTable(a: PatternAccount): string {
  const rows = a.figures.map((f) => [xmlText(f.label), f.bad ? el('span', { class: 'bad' }, xmlText(f.value)) : xmlText(f.value)]);
  return table(a.title, ['figure', 'value'], rows, 'pattern-figures');
}

function latencyTable(a: PatternAccount): string {
  if (a.latencies.length === 0) return '';
  return table(`${a.title}: latency`, ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples', 'never arrived'],
    a.latencies.map(([label, l]) => latencyRow(label, l)), 'latency pattern-latency');
}

function timelineTable(f: NonNullable<ScenarioResult['faults']>): string {
  if (f.timeline.length === 0 && f.timelineDropped === 0) return el('p', { class: 'muted' }, 'No fault events.');
  const rows = f.timeline.slice(0, HTML_FAULT_EVENTS).map((e) => [
    xmlText(formatSeconds(e.atMs / 1000)), xmlText(e.kind), xmlText(e.users.join(', ') || '(all)'), xmlText(e.detail),
  ]);
  const more = unlistedEvents(f, HTML_FAULT_EVENTS);
  return el('div', { class: 'block' }, [
    table('Fault timeline (from the start of sending)', ['at', 'fault', 'whom', 'detail'], rows, 'fault-timeline'),
    more > 0 ? el('p', { class: 'muted more-events' }, xmlText(`… ${plural(more, 'more event')}`)) : '',
  ]);
}

/** The scenario's pattern sections; empty when it has none. */
export function patternSections(s: ScenarioResult, id: string): string[] {
  return patternAccounts(s).map((a) => {
    const sid = `${id}-${a.key}`;
    return el('section', { class: `pattern ${a.key}${a.failed ? ' failed' : ''}`, id: sid, 'aria-labelledby': `${sid}-h` }, [
      el('h3', { id: `${sid}-h` }, xmlText(a.failed ? `${a.title} ✗` : a.title)),
      el('p', { class: a.failed ? 'note bad' : 'note' }, xmlText(a.summary)),
      el('div', { class: 'row' }, [
        el('div', { class: 'block' }, figuresTable(a)),
        ...(a.latencies.length === 0 ? [] : [el('div', { class: 'block' }, latencyTable(a))]),
        ...(a.key === 'faults' && s.faults !== undefined ? [timelineTable(s.faults)] : []),
      ]),
    ]);
  });
}
