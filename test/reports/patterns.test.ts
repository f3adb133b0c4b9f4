/**
 * The chat patterns' figures in every report: a result with every figure (pattern-fixtures.ts)
 * shows each pattern's numbers in the console, Markdown, JUnit and HTML; failed checks are marked
 * from the verdict's `pattern` reasons; excused deliveries and injected duplicates sit beside the
 * delivery counts with why they are not held against the server; a result without them renders
 * exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { DELIVERY_LEVELS } from '../../core/driver.js';
import type { RunResult } from '../../core/result/index.js';
import { renderConsole } from '../../reports/console.js';
import { formatPercentile } from '../../reports/format.js';
import { renderHtml } from '../../reports/html/page.js';
import { renderJunit } from '../../reports/junit.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { fixtureRun } from '../helpers/compare-fixtures.js';
import { kids, parseXml, type XmlElement } from '../helpers/xml.js';
import { FAILED_CHECKS, FIG, PATTERN_SCENARIO, withPatterns } from './pattern-fixtures.js';

const scenarioOf = (r: RunResult) => {
  const s = r.scenarios.find((x) => x.name === PATTERN_SCENARIO);
  if (s === undefined) throw new Error('no scenario');
  return s;
};

function find(root: XmlElement, match: (e: XmlElement) => boolean): XmlElement[] {
  return root.children.flatMap((c) => [...(match(c) ? [c] : []), ...find(c, match)]);
}
const text = (e: XmlElement): string => e.text + e.children.map(text).join(' ');
const hasClass = (e: XmlElement, cls: string): boolean => (e.attrs.class ?? '').split(' ').includes(cls);

describe('the console summary', () => {
  it('gives a short block per pattern with its counts and latency percentiles', () => {
    const r = withPatterns();
    const s = scenarioOf(r);
    const out = renderConsole(r);
    const p = s.presence;
    if (p === undefined) throw new Error('no presence');
    expect(out).toContain(`  presence: 717 of 720 status updates reached their watchers (120 users, 360 watches), p50 ${formatPercentile(p.latency, 'p50')}, p99 ${formatPercentile(p.latency, 'p99')}, 3 missing after waiting 5 s; ` +
      'wills 28 of 30 after 10 abrupt drops, 4 after 20 clean disconnects, 1 early');
    expect(formatPercentile(p.latency, 'p50')).toBe('1.20 ms');
    expect(formatPercentile(p.latency, 'p99')).toBe('4.10 ms');
    expect(out).toContain("  retained: 8 late joins in 4 rooms: 6 got the room's last message, 1 a superseded one, 1 none; p50 800 µs, p99 2.50 ms");
    expect(out).toContain('  absences: 30 (20 graceful, 10 abrupt): 27 resumed their session, 2 started afresh, 1 stayed away; reconnect p50 3.00 ms, p99 3.00 ms; ' +
      '25 caught up, 2 not, catch-up p50 15.0 ms, p99 90.0 ms; 13 deliveries excused');
    expect(out).toContain('  takeover: 7 second devices: 7 connected, 5 first connections closed by the server (reason codes 0x8e × 5), 2 still open after the wait');
    expect(out).toContain('  faults: 10 disconnects, 9 reconnects, 2 slow consumers; network delay 20 ms ± 5 ms, loss 1%, duplication 0.5% on 12 connections: ' +
      "4,321 frames delayed, 17 chat deliveries dropped and 9 duplicated by chatbench's proxy (not held against the server)");
    // The first five events, then how many more (the rest of the timeline and those past the cap).
    expect(out).toContain('    at 0.0 s network (all): delay 20 ms ± 5 ms through the proxy');
    expect(out).toContain('    at 0.4 s disconnect u3: event-4');
    expect(out).not.toContain('event-5');
    expect(out).toContain(`    … ${FIG.faults.events - 5 + FIG.faults.timelineDropped} more events`);
  });

  it('puts excused deliveries and injected duplicates beside the delivery counts, saying why they are not held against the server', () => {
    const s = scenarioOf(withPatterns());
    const out = renderConsole(withPatterns());
    expect(out).toContain(`duplicated ${s.delivery.duplicated} (9 injected by chatbench), reordered ${s.delivery.reordered}, excused 30`);
    expect(out).toContain("    30 deliveries excused: not owed, sent while the receiver was away at a level the protocol does not keep for it, or dropped by chatbench's own fault proxy; " +
      "9 of the duplicated are copies chatbench's fault proxy made itself — not held against the server");
  });

  it('colours a pattern whose check failed red, and only that one', () => {
    const r = withPatterns(true);
    const s = scenarioOf(r);
    s.reasons = s.reasons.filter((x) => x.kind !== 'pattern' || x.check === 'retained-stale');
    const out = renderConsole(r, { color: true });
    expect(out).toMatch(/\u001b\[31m {0}retained: 8 late joins/);
    expect(out).not.toMatch(/\u001b\[31mpresence:/);
  });

  it('shows nothing of the patterns when the result has none', () => {
    const out = renderConsole(fixtureRun());
    for (const word of ['presence:', 'retained:', 'absences:', 'takeover:', 'faults:', 'excused', 'injected']) expect(out).not.toContain(word);
  });
});

describe('the Markdown summary', () => {
  it('has a table per pattern with its figures and latency, failed checks in bold, and the first fault events', () => {
    const md = renderMarkdown(withPatterns(true));
    expect(md).toContain('#### Presence (FAIL)');
    expect(md).toContain('| status updates missing | **3** |');
    expect(md).toContain('| wills after a clean disconnect | **4** |');
    expect(md).toContain('| presence propagation latency | p50 1.20 ms, p90 1.20 ms, p99 4.10 ms, p99.9 4.10 ms, max 4.10 ms (717 samples) |');
    expect(md).toContain('#### Retained room messages (FAIL)');
    expect(md).toContain('| got a superseded message | **1** |');
    expect(md).toContain('#### Absences and catch-up (FAIL)');
    expect(md).toContain('| not caught up | **2** |');
    expect(md).toContain('| catch-up latency | p50 15.0 ms');
    expect(md).toContain('#### Session takeover (FAIL)');
    expect(md).toContain('| closed with reason code 0x8e | 5 |');
    expect(md).toContain('#### Injected faults');
    expect(md).toContain('| deliveries dropped by the proxy | 17 |');
    expect(md).toContain('- at 0.9 s slow-consumer u8: event-9');
    expect(md).not.toContain('event-10');
    expect(md).toContain(`- … ${FIG.faults.events - 10 + FIG.faults.timelineDropped} more events`);
    expect(md).toContain('> 30 deliveries excused: not owed');
  });

  it('passing checks are not bold and a result without patterns has no pattern table', () => {
    expect(renderMarkdown(withPatterns())).toContain('| status updates missing | 3 |');
    expect(renderMarkdown(withPatterns())).toContain('#### Presence\n');
    expect(renderMarkdown(fixtureRun())).not.toContain('####');
  });
});

describe('the JUnit report', () => {
  const cases = (xml: string): XmlElement[] => {
    const suite = kids(parseXml(xml), 'testsuite').find((x) => x.attrs.name === PATTERN_SCENARIO);
    if (suite === undefined) throw new Error('no suite');
    return kids(suite, 'testcase');
  };
  const byName = (list: XmlElement[], name: string): XmlElement => {
    const c = list.find((x) => x.attrs.name === name);
    if (c === undefined) throw new Error(`no case ${name}: ${list.map((x) => x.attrs.name).join(', ')}`);
    return c;
  };

  it('has one case per pattern check, passing when the verdict gave no pattern reason', () => {
    const list = cases(renderJunit(withPatterns()));
    for (const name of ['presence updates', 'wills', 'retained', 'catch-up', 'takeover']) expect(kids(byName(list, name), 'failure')).toEqual([]);
  });

  it('fails each case on its pattern reasons with what was expected and the counts seen', () => {
    const list = cases(renderJunit(withPatterns(true)));
    const failure = (name: string): XmlElement => {
      const f = kids(byName(list, name), 'failure')[0];
      if (f === undefined) throw new Error(`${name} passed`);
      expect(f.attrs.type).toBe('pattern');
      return f;
    };
    expect(failure('presence updates').attrs.message).toBe('expected every status update to reach every watcher: actual 3 of 720 not seen within 5 s');
    expect(failure('wills').attrs.message).toBe('expected a will after every abrupt drop, none after a clean disconnect, none before its delay: actual 2 of 30 missing, 4 after 20 clean disconnects, 1 early');
    expect(failure('wills').text).toContain('will-after-clean-disconnect: 4');
    expect(failure('retained').attrs.message).toBe("expected every late joiner to get the room's last message: actual 1 of 8 got a superseded message, 1 got none");
    expect(failure('catch-up').attrs.message).toBe('expected every returning user to get what was queued for it: actual 2 of 27 returns still missing messages when the drain ended');
    expect(failure('takeover').attrs.message).toBe('expected the server to close the first connection when a second device takes the session over: actual 2 of 7 first connections still open after the wait');
    // Every pattern reason is reported by its case, none as a stray one.
    const names = list.map((c) => c.attrs.name);
    for (const [check] of FAILED_CHECKS) expect(names).not.toContain(check);
  });

  it('reports a pattern reason without the figures its case needs under its check name', () => {
    const r = withPatterns(true);
    delete scenarioOf(r).takeover;
    const stray = byName(cases(renderJunit(r)), 'takeover-not-closed');
    expect(kids(stray, 'failure')[0]?.attrs.message).toBe('takeover-not-closed: 2 (the verdict\'s words)');
  });

  it('shows the injected duplicates beside a failing level\'s counts and has no pattern case without figures', () => {
    const r = withPatterns();
    const s = scenarioOf(r);
    const level = DELIVERY_LEVELS.find((q) => s.delivery.byQos[q] !== undefined);
    if (level === undefined) throw new Error('no level');
    s.reasons.push({ kind: 'delivery', level, lost: 0, duplicated: 9, reordered: 0, message: 'duplicates' });
    const failure = kids(byName(cases(renderJunit(r)), `delivery guarantees (QoS ${level})`), 'failure')[0];
    expect(failure?.text).toContain('(9 injected by chatbench)');
    expect(failure?.text).toContain("9 of the duplicated are copies chatbench's fault proxy made itself — not held against the server");
    const plain = cases(renderJunit(fixtureRun()));
    for (const name of ['presence updates', 'wills', 'retained', 'catch-up', 'takeover']) expect(plain.some((c) => c.attrs.name === name)).toBe(false);
  });
});

describe('the HTML report', () => {
  const DOCTYPE = '<!DOCTYPE html>\n';
  const doc = (r: RunResult): XmlElement => parseXml(renderHtml(r).slice(DOCTYPE.length));

  it('has a section per pattern with its figures, latency tables and the fault timeline (50 events, then how many more)', () => {
    const d = doc(withPatterns(true));
    const sections = find(d, (e) => e.name === 'section' && hasClass(e, 'pattern'));
    expect(sections.map((s) => s.attrs.class)).toEqual(['pattern presence failed', 'pattern retained failed', 'pattern absences failed', 'pattern takeover failed', 'pattern faults']);
    const presence = sections[0] as XmlElement;
    const latencyRows = find(presence, (e) => e.name === 'table' && hasClass(e, 'pattern-latency')).flatMap((t) => find(t, (e) => e.name === 'tr').slice(1));
    expect(latencyRows.map((tr) => tr.children.map((c) => text(c).trim()))).toEqual([['presence propagation', '1.20 ms', '1.20 ms', '4.10 ms', '4.10 ms', '4.10 ms', '717', '0']]);
    const bad = find(presence, (e) => e.name === 'span' && hasClass(e, 'bad')).map((e) => e.text);
    expect(bad).toEqual(['3', '2', '4', '1']);
    const absences = sections[2] as XmlElement;
    expect(find(absences, (e) => e.name === 'th' && e.attrs.scope === 'row').map((e) => e.text)).toContain('catch-up');
    const faults = sections[4] as XmlElement;
    const timeline = find(faults, (e) => e.name === 'table' && hasClass(e, 'fault-timeline'))[0];
    if (timeline === undefined) throw new Error('no timeline');
    const rows = find(timeline, (e) => e.name === 'tbody')[0]?.children ?? [];
    expect(rows).toHaveLength(50);
    expect(rows[1]?.children.map((c) => text(c).trim())).toEqual(['0.1 s', 'disconnect', 'u0', 'event-1']);
    expect(find(faults, (e) => hasClass(e, 'more-events'))[0]?.text).toBe(`… ${FIG.faults.events - 50 + FIG.faults.timelineDropped} more events`);
  });

  it('adds excused and injected-duplicate columns to the delivery table, with the note saying why', () => {
    const d = doc(withPatterns());
    const table = find(d, (e) => e.name === 'table' && hasClass(e, 'delivery'))[0];
    if (table === undefined) throw new Error('no delivery table');
    const head = find(table, (e) => e.name === 'thead')[0];
    expect(find(head as XmlElement, (e) => e.name === 'th').map((e) => e.text).slice(-2)).toEqual(['excused', 'duplicated by chatbench']);
    const total = find(table, (e) => e.name === 'tr' && hasClass(e, 'total'))[0];
    expect(total?.children.slice(-2).map((c) => text(c).trim())).toEqual(['30', '9']);
    expect(find(d, (e) => e.name === 'p' && hasClass(e, 'injected'))[0]?.text).toContain('not held against the server');
  });

  it('has no pattern section and no extra delivery column without the figures', () => {
    const d = doc(fixtureRun());
    expect(find(d, (e) => e.name === 'section' && hasClass(e, 'pattern'))).toEqual([]);
    expect(renderHtml(fixtureRun())).not.toContain('excused');
  });
});
