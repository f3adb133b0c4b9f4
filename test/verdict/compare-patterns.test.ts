/**
 * `chatbench compare` on the chat patterns' figures: latency summaries judged as the latency
 * rows are, counts (missing, stale, notCaughtUp, …) as correctness rows where any increase from
 * 0 regresses; a pattern on one side only or other injected faults warn; results without
 * patterns compare exactly as before; the rows appear in the JSON, console, Markdown and HTML.
 */
import { describe, expect, it } from 'vitest';
import { CompareResult, type RunResult, type ScenarioResult } from '../../core/result/index.js';
import { compareResults } from '../../core/verdict/compare.js';
import { renderComparison } from '../../reports/compare/console.js';
import { renderComparisonHtml } from '../../reports/compare/html.js';
import { renderComparisonMarkdown } from '../../reports/compare/markdown.js';
import { ENVELOPE, fixtureRun, onSchedule, scaleLatency } from '../helpers/compare-fixtures.js';
import { PATTERN_SCENARIO, withPatterns } from '../reports/pattern-fixtures.js';

function changed(base: RunResult, change: (s: ScenarioResult) => void): RunResult {
  const copy = structuredClone(base);
  copy.runId = `${base.runId}-v`;
  const s = copy.scenarios.find((x) => x.name === PATTERN_SCENARIO);
  if (s === undefined) throw new Error('no scenario');
  change(s);
  return copy;
}

const scenarioOf = (c: CompareResult) => {
  const s = c.scenarios.find((x) => x.name === PATTERN_SCENARIO);
  if (s === undefined) throw new Error('no compared scenario');
  return s;
};
const row = (c: CompareResult, id: string) => {
  const r = scenarioOf(c).patterns?.find((p) => p.id === id);
  if (r === undefined) throw new Error(`no row ${id}`);
  return r;
};

describe('compare on pattern figures', () => {
  it('compares every pattern figure both sides have, unchanged against itself, and reads back through the schema', () => {
    const base = withPatterns();
    const c = compareResults(base, changed(base, () => undefined), ENVELOPE);
    const rows = scenarioOf(c).patterns ?? [];
    expect(rows.map((r) => r.id)).toEqual([
      'presence.p50', 'presence.p99', 'presence.missing', 'wills.missing', 'wills.afterCleanDisconnect', 'wills.early',
      'retained.p50', 'retained.p99', 'retained.stale', 'retained.missing',
      'absences.reconnect.p50', 'absences.reconnect.p99', 'absences.catchUp.p50', 'absences.catchUp.p99',
      'absences.notCaughtUp', 'absences.notResumed', 'takeover.oldNotClosed',
    ]);
    expect(row(c, 'presence.missing')).toMatchObject({ pattern: 'presence', baseline: 3, current: 3, verdict: 'unchanged', unit: 'count' });
    expect(row(c, 'presence.p50')).toMatchObject({ baseline: 1200, current: 1200, verdict: 'unchanged', unit: 'us' });
    // p99 needs 100 samples on each side: retained has 7, so its p99 is not judged, and a warning says so.
    expect(row(c, 'retained.p99').verdict).toBe('not-measured');
    expect(scenarioOf(c).warnings).toContain('retained latency p99 not judged: it needs 100 samples on each side to differ from the max; the baseline has 7, the current run 7');
    expect(c.regressed).toBe(false);
    expect(CompareResult.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('regresses on an increase of a correctness count from 0 or beyond the tolerance, and on slower presence', () => {
    const base = withPatterns();
    const worse = changed(base, (s) => {
      if (s.presence === undefined || s.retained === undefined || s.absences === undefined || s.takeover === undefined) throw new Error('figures');
      s.presence.missing = 9;
      s.presence.latency = scaleLatency(s.presence.latency, 3);
      s.retained.stale = 1; // unchanged: 1 → 1
      s.absences.notCaughtUp = 2; // unchanged
      s.takeover.oldNotClosed = 1; // 2 → 1: improved
    });
    const c = compareResults(base, worse, ENVELOPE);
    expect(row(c, 'presence.missing')).toMatchObject({ baseline: 3, current: 9, change: 6, verdict: 'regressed' });
    expect(row(c, 'presence.p50')).toMatchObject({ baseline: 1200, verdict: 'regressed' });
    expect(row(c, 'takeover.oldNotClosed').verdict).toBe('improved');
    expect(scenarioOf(c).regressions).toEqual(expect.arrayContaining(['presence updates missing', 'presence latency p50']));
    expect(scenarioOf(c).regressed).toBe(true);
    expect(c.regressed).toBe(true);

    const fromZero = changed(base, (s) => { if (s.retained) s.retained.stale = 0; });
    const back = compareResults(fromZero, base, ENVELOPE);
    expect(row(back, 'retained.stale')).toMatchObject({ baseline: 0, current: 1, verdict: 'regressed' });
  });

  it('warns, without rows, about a pattern measured on one side only and about different injected faults', () => {
    const base = withPatterns();
    const noPresence = changed(base, (s) => {
      delete s.presence;
      if (s.faults?.network) s.faults.network.delayMs = 50;
    });
    const c = compareResults(noPresence, base, ENVELOPE);
    const s = scenarioOf(c);
    expect(s.patterns?.some((r) => r.pattern === 'presence')).toBe(false);
    expect(s.warnings).toContain('presence measured only in the current run: not compared');
    expect(s.warnings.some((w) => w.startsWith('the injected faults differ (baseline: 10 disconnects, 9 reconnects, 2 slow consumers, network delay 50 ms'))).toBe(true);
  });

  it('leaves comparisons of results without patterns as they were: no patterns field', () => {
    const base = fixtureRun();
    const c = compareResults(base, base, ENVELOPE);
    for (const s of c.scenarios) expect(s.patterns).toBeUndefined();
    expect(JSON.stringify(c)).not.toContain('"patterns"');
  });

  it('shows the pattern rows in the console, Markdown and HTML comparisons', () => {
    // On schedule: a regression found while the generator lagged is marked so, which this test is not about.
    const base = onSchedule(withPatterns());
    const worse = changed(base, (s) => { if (s.presence) s.presence.missing = 9; });
    const c = compareResults(base, worse, ENVELOPE);
    const console = renderComparison(c);
    expect(console).toMatch(/ {2}presence updates missing +3 +9 +\+200% \(\+6\) +✗ regressed/);
    expect(console).toMatch(/ {2}catch-up p50 +15\.0 ms +15\.0 ms +no change +unchanged/);
    expect(console).toContain('regressed: room (presence updates missing)');
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('| **presence updates missing** | 3 | 9 | +200% (+6) | ❌ regressed |');
    expect(md).toContain('| wills after a clean disconnect | 4 | 4 | no change | unchanged |');
    const html = renderComparisonHtml(c);
    expect(html).toContain('<tr class="regressed"><th scope="row">presence updates missing</th><td>3</td><td>9</td><td>3×</td><td>+200% (+6)</td><td>✗ regressed</td></tr>');
    expect(html).toContain('<th scope="row">takeover: first connections not closed</th>');
  });
});
