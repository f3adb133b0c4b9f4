/**
 * compareResults (core/verdict/compare.ts) on a genuine run (the committed fixture, measured
 * on the embedded broker, read through the v1 upgrade) against modified copies of it:
 * verdicts, tolerance and floor at their boundaries, unmatched scenarios, workload and status
 * warnings, whole-distribution (HDR) shifts, censored latencies, the caveats that make a
 * comparison mean little (a lagging generator, an aborted side, other protocols); and the two
 * renderings of a comparison.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { AbortCause, MetricComparison, RunResult, ScenarioResult } from '../../core/result/index.js';
import type { MetricName } from '../../core/verdict/metrics.js';
import { compareResults as compareWith, hasCaveats, type CompareOptions, type Comparison } from '../../core/verdict/compare.js';
import { minSamplesFor } from '../../core/verdict/compare-rules.js';
import { createLatencyHistogram, recordMicros } from '../../core/metrics/histogram.js';
import { summarise } from '../../core/metrics/latency-summary.js';
import { renderComparison, renderComparisonMarkdown } from '../../reports/index.js';
import { ENVELOPE, censoredLatency, fixtureRun, latencyOf, onSchedule, scaleLatency, scenarioOf, variant } from '../helpers/compare-fixtures.js';

type MetricId = MetricName;
/** The fixture's two passing scenarios, room and direct, with a generator that kept its schedule. */
const real: RunResult = (() => {
  const run = onSchedule(fixtureRun());
  run.scenarios = run.scenarios.filter((s) => s.name !== 'strict');
  return run;
})();
const compareResults = (b: RunResult, c: RunResult, options: CompareOptions = {}): Comparison => compareWith(b, c, ENVELOPE, options);

const LATENCY_IDS: MetricId[] = ['p50', 'p90', 'p99', 'p999', 'max'];
/** The latency metrics judged in the room scenario (600 samples: p99.9 and the max need 1,000). */
const ROOM_JUDGED: MetricId[] = ['p50', 'p90', 'p99'];
/** A scenario's warnings other than the percentiles left unjudged for too few samples. */
const otherWarnings = (c: Comparison, name: string): string[] => inScenario(c, name).warnings.filter((w) => !/^latency (p99\.9|max) not judged/.test(w));
const inScenario = (c: Comparison, name: string) => {
  const s = c.scenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`scenario ${name} not compared`);
  return s;
};
const metric = (c: Comparison, name: string, id: MetricId) => {
  const m = inScenario(c, name).metrics.find((x) => x.id === id);
  if (m === undefined) throw new Error(`no metric ${id}`);
  return m;
};
const verdict = (c: Comparison, name: string, id: MetricId) => metric(c, name, id).verdict;
/** The room scenario's latency replaced by exactly these values, in a copy of the real result. */
const withRoomLatency = (values: ReadonlyArray<readonly [number, number]>) => variant(real, 'room', (s) => { s.latency = latencyOf(values); });

describe('compareResults on a real run', () => {
  it('finds nothing changed when a result is compared with itself, and is plain JSON', () => {
    expect(real.scenarios.map((s) => [s.name, s.status])).toEqual([['room', 'passed'], ['direct', 'passed']]);
    const c = compareResults(real, structuredClone(real));
    // The same run on both sides (same runId and startedAt): said, or it reads as "nothing changed".
    expect(c).toMatchObject({
      schemaVersion: 2, kind: 'compare', ...ENVELOPE, aborted: null, regressed: false, onlyInBaseline: [], onlyInCurrent: [], caveats: [],
      warnings: ['both sides are the same run (runId 268t5v): nothing changed by construction'],
    });
    expect(renderComparison(c)).toContain('  ! both sides are the same run (runId 268t5v): nothing changed by construction');
    // The direct-messages-only scenario: its pairs, never "0 rooms".
    expect(renderComparison(c)).toMatch(/^ {2}baseline: PASS, 4 users, QoS/m);
    expect(renderComparison(c)).not.toContain('0 rooms');
    // Another run (another runId, or the same id started at another time) is not.
    expect(compareResults(real, { ...structuredClone(real), runId: 'other' }).warnings).toEqual([]);
    expect(compareResults(real, { ...structuredClone(real), startedAt: '2030-01-01T00:00:00.000Z' }).warnings).toEqual([]);
    expect(inScenario(c, 'room').warnings).toEqual([
      'latency p99.9 not judged: it needs 1,000 samples on each side to differ from the max; the baseline has 600, the current run 600',
      'latency max not judged: it needs 1,000 samples on each side, as p99.9 does, so that one slow message does not decide it; the baseline has 600, the current run 600',
    ]);
    expect(c.baseline).toMatchObject({ runId: '268t5v', toolVersion: '0.1.0' });
    expect(c.options).toEqual({ tolerance: 0.1, throughputTolerance: 0.05, minLatencyChangeMicros: 1000 });
    for (const s of c.scenarios) {
      expect(s.metrics.map((m) => [m.id, m.verdict, m.change])).toEqual(s.metrics.map((m) => [m.id, m.id === 'p999' || m.id === 'max' ? 'not-measured' : 'unchanged', 0]));
      expect(s.distribution).toMatchObject({ change: 0, relative: 0, verdict: 'unchanged' });
      expect(otherWarnings(c, s.name)).toEqual([]);
      expect(s.generatorLagged).toBe(false);
    }
    expect(metric(c, 'room', 'p99').baseline).toBe(scenarioOf(real, 'room').latency.p99);
    const bytes = scenarioOf(real, 'room');
    expect(metric(c, 'room', 'bytesPerDelivered').current).toBeCloseTo((bytes.wire.bytesOut + bytes.wire.bytesIn) / bytes.delivery.delivered, 9);
    expect(JSON.parse(JSON.stringify(c))).toStrictEqual(c);
  });

  it('calls latency ×2 (re-encoded HDR) a regression, and ×½ an improvement', () => {
    const base = scenarioOf(real, 'room').latency;
    const slow = variant(real, 'room', (s) => { s.latency = scaleLatency(s.latency, 2); });
    const doubled = scenarioOf(slow, 'room').latency;
    expect(doubled.count).toBe(base.count);
    expect(doubled.p50).toBeGreaterThanOrEqual(2 * base.p50! - 1);
    expect(doubled.p50).toBeLessThanOrEqual(2 * base.p50! * 1.002 + 1);

    const c = compareResults(real, slow, { minLatencyChangeMicros: 1 });
    for (const id of LATENCY_IDS) expect(metric(c, 'room', id).relative).toBeCloseTo(1, 1);
    for (const id of ROOM_JUDGED) expect(verdict(c, 'room', id)).toBe('regressed');
    expect(verdict(c, 'room', 'p999')).toBe('not-measured');
    expect(verdict(c, 'room', 'max')).toBe('not-measured');
    expect(verdict(c, 'room', 'service.p99')).toBe('unchanged');
    expect(inScenario(c, 'room').distribution).toMatchObject({ verdict: 'regressed' });
    expect(inScenario(c, 'room').distribution?.relative).toBeCloseTo(1, 1);
    expect(inScenario(c, 'room').regressions).toEqual(['latency p50', 'latency p90', 'latency p99', 'latency distribution of what arrived']);
    expect(inScenario(c, 'direct').regressed).toBe(false);
    expect(c.regressed).toBe(true);

    const back = compareResults(slow, real, { minLatencyChangeMicros: 1 });
    expect(ROOM_JUDGED.map((id) => verdict(back, 'room', id))).toEqual(ROOM_JUDGED.map(() => 'improved'));
    expect(inScenario(back, 'room').distribution?.verdict).toBe('improved');
    expect(back.regressed).toBe(false);
  });

  it('keeps a latency change under --min-latency-change unchanged, and counts one exactly at it', () => {
    const slow = variant(real, 'room', (s) => { s.latency = scaleLatency(s.latency, 2); });
    const p99Change = scenarioOf(slow, 'room').latency.p99! - scenarioOf(real, 'room').latency.p99!;
    expect(p99Change).toBeGreaterThan(0);
    expect(verdict(compareResults(real, slow, { minLatencyChangeMicros: p99Change }), 'room', 'p99')).toBe('regressed');
    expect(verdict(compareResults(real, slow, { minLatencyChangeMicros: p99Change + 1 }), 'room', 'p99')).toBe('unchanged');
    const hour = compareResults(real, slow, { minLatencyChangeMicros: 3_600_000_000 });
    expect(ROOM_JUDGED.map((id) => verdict(hour, 'room', id))).toEqual(ROOM_JUDGED.map(() => 'unchanged'));
    expect(hour.regressed).toBe(false);
  });

  it('applies the relative tolerance at its boundary: +10% is unchanged, more regresses', () => {
    const base = withRoomLatency([[1000, 100]]);
    // A 100 µs floor here, so the relative tolerance is what decides.
    const judge = (value: number, options = {}) =>
      verdict(compareResults(base, withRoomLatency([[value, 100]]), { minLatencyChangeMicros: 100, ...options }), 'room', 'p99');
    expect(judge(1100)).toBe('unchanged');
    expect(judge(1101)).toBe('regressed');
    expect(judge(900)).toBe('unchanged');
    expect(judge(899)).toBe('improved');
    expect(judge(1100, { tolerance: 0.05 })).toBe('regressed');
    expect(judge(1101, { tolerance: 0.2 })).toBe('unchanged');
  });

  it('applies the latency floor at its boundary: 99 µs is unchanged even at +20% with a 100 µs floor, 100 µs counts', () => {
    const base = withRoomLatency([[500, 100]]);
    const floor = { minLatencyChangeMicros: 100 };
    const c99 = compareResults(base, withRoomLatency([[599, 100]]), floor);
    expect(metric(c99, 'room', 'p50')).toMatchObject({ change: 99, verdict: 'unchanged' });
    expect(metric(c99, 'room', 'p50').relative).toBeCloseTo(0.198, 9);
    expect(verdict(compareResults(base, withRoomLatency([[600, 100]]), floor), 'room', 'p50')).toBe('regressed');
    expect(verdict(compareResults(base, withRoomLatency([[599, 100]]), { minLatencyChangeMicros: 50 }), 'room', 'p50')).toBe('regressed');
  });

  it('by default ignores latency changes under 1 ms, whatever the ratio (loopback jitter)', () => {
    const base = withRoomLatency([[5000, 100]]);
    expect(verdict(compareResults(base, withRoomLatency([[5900, 100]])), 'room', 'p50')).toBe('unchanged'); // +18%, +0.9 ms
    expect(verdict(compareResults(base, withRoomLatency([[6200, 100]])), 'room', 'p50')).toBe('regressed'); // +24%, +1.2 ms
  });

  it('judges throughput with its own 5% tolerance and a 1 msg/s floor', () => {
    const at = (rate: number) => variant(real, 'room', (s) => { s.throughput.deliveredPerSecond = rate; });
    const judge = (from: number, to: number, options = {}) => verdict(compareResults(at(from), at(to), options), 'room', 'deliveredPerSecond');
    expect(judge(1000, 950)).toBe('unchanged');
    expect(judge(1000, 949)).toBe('regressed');
    expect(judge(1000, 1050)).toBe('unchanged');
    expect(judge(1000, 1051)).toBe('improved');
    expect(judge(1000, 949, { throughputTolerance: 0.1 })).toBe('unchanged');
    expect(judge(1000, 949, { tolerance: 0.5 })).toBe('regressed'); // --tolerance is not the throughput one
    expect(judge(10, 9.2)).toBe('unchanged'); // -8% but under 1 msg/s
    expect(judge(10, 9)).toBe('regressed');
  });

  it('regresses on any violation where there were none, and uses the tolerance above 0', () => {
    const at = (n: number) => variant(real, 'room', (s) => { s.delivery.violations = n; });
    const judge = (from: number, to: number, options = {}) => verdict(compareResults(at(from), at(to), options), 'room', 'violations');
    expect(judge(0, 1, { tolerance: 100 })).toBe('regressed');
    expect(metric(compareResults(at(0), at(1)), 'room', 'violations')).toMatchObject({ change: 1, relative: null });
    expect(judge(10, 11)).toBe('unchanged');
    expect(judge(10, 12)).toBe('regressed');
    expect(judge(3, 0)).toBe('improved');
    const dup = variant(real, 'direct', (s) => { s.delivery.duplicated = 1; });
    expect(verdict(compareResults(real, dup), 'direct', 'duplicated')).toBe('regressed');
  });

  it('judges the loss ratio with a floor of 0.1 percentage point', () => {
    const lossy = (lost: number) => variant(real, 'room', (s) => { s.delivery.expected = 10_000; s.delivery.lost = lost; });
    expect(metric(compareResults(lossy(0), lossy(9)), 'room', 'lossRatio')).toMatchObject({ baseline: 0, current: 0.0009, verdict: 'unchanged' });
    expect(verdict(compareResults(lossy(0), lossy(10)), 'room', 'lossRatio')).toBe('regressed');
    expect(verdict(compareResults(lossy(100), lossy(50)), 'room', 'lossRatio')).toBe('improved');
  });

  it('judges wire bytes per delivered message', () => {
    const heavier = variant(real, 'room', (s) => { s.wire.bytesOut += Math.ceil((s.wire.bytesOut + s.wire.bytesIn) * 0.2); });
    expect(verdict(compareResults(real, heavier), 'room', 'bytesPerDelivered')).toBe('regressed');
    expect(verdict(compareResults(heavier, real), 'room', 'bytesPerDelivered')).toBe('improved');
  });

  it('lists scenarios found on one side only; one missing from the current run is a regression, a new one is not', () => {
    const renamed = variant(real, 'direct', (s) => { s.name = 'direct-v2'; });
    const c = compareResults(real, renamed);
    expect(c.scenarios.map((s) => s.name)).toEqual(['room']);
    expect(c).toMatchObject({ onlyInBaseline: ['direct'], onlyInCurrent: ['direct-v2'], regressed: true, warnings: [] });
    expect(inScenario(c, 'room').regressed).toBe(false);
    const text = renderComparison(c);
    expect(text.split('\n')[0]).toBe('chatbench compare: regressed');
    expect(text).toMatch(/^REGRESSED missing from the current run: direct \(not in the current run\)$/m);
    expect(text).toContain('only in current: direct-v2');
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 baseline scenario missing from the current run: direct');
    expect(renderComparisonMarkdown(c)).toContain('❌ **Missing from the current run:** direct (not in the current run)');
    const added = structuredClone(real);
    added.scenarios.push(scenarioOf(renamed, 'direct-v2'));
    expect(compareResults(real, added)).toMatchObject({ onlyInBaseline: [], onlyInCurrent: ['direct-v2'], regressed: false });
    const none = compareResults(real, { ...structuredClone(real), runId: 'empty', scenarios: [] });
    expect(none.warnings).toEqual(['no scenario in common: nothing was compared']);
    expect(none.onlyInBaseline).toEqual(['room', 'direct']);
  });

  it('compares different protocols, and warns when the workloads or socket settings differ', () => {
    const xmpp = variant(real, 'room', (s, r) => {
      s.qos = 2;
      s.payloadBytes = 256;
      r.target = { url: 'xmpp://chat.example:5222', protocol: 'xmpp', protocolVersion: '1.0', embedded: false, tcpNoDelay: false };
    });
    const c = compareResults(real, xmpp);
    expect(otherWarnings(c, 'room')).toEqual(['workloads differ: qos 1 vs 2, payloadBytes 128 vs 256 (the comparison may be unfair)']);
    expect(otherWarnings(c, 'direct')).toEqual([]);
    expect(c.warnings).toEqual([
      'the protocols differ: MQTT 3.1.1 in the baseline, XMPP 1.0 in the current run (the figures measure different things)',
      'TCP_NODELAY was on in the baseline and off in the current run: latencies are not comparable',
    ]);
    expect(c.current.target.protocol).toBe('xmpp');
    const header = renderComparison(c).split('\n').slice(0, 3).join('\n');
    expect(header).toMatch(/baseline {2}MQTT 3\.1\.1 embedded broker \(mqtt:\/\/127\.0\.0\.1:\d+\), run 268t5v/);
    expect(header).toContain('current   XMPP 1.0 xmpp://chat.example:5222, run 268t5v');
  });

  it('calls a status that got worse a regression with its reasons, warns, and still compares an aborted one', () => {
    const broken = variant(real, 'room', (s, r) => {
      s.status = 'failed';
      s.reasons = [{ kind: 'threshold', expression: 'p99 < 1us', message: 'threshold p99 < 1us: actual 14,000 us' }];
      const direct = scenarioOf(r, 'direct');
      direct.status = 'aborted';
      direct.reasons = [{ kind: 'abort', cause: 'signal', message: 'interrupted by SIGINT' }];
      r.aborted = { scenario: 'direct', cause: 'signal', message: 'interrupted by SIGINT' };
    });
    const c = compareResults(real, broken);
    expect(otherWarnings(c, 'room')).toEqual(['current failed: threshold p99 < 1us: actual 14,000 us']);
    expect(otherWarnings(c, 'direct')).toEqual(['current was aborted: interrupted by SIGINT (compared anyway: its figures cover only part of the scenario)']);
    expect(inScenario(c, 'direct').metrics.every((m) => m.verdict === (m.id === 'p999' || m.id === 'max' ? 'not-measured' : 'unchanged'))).toBe(true);
    expect(inScenario(c, 'room').regressions).toEqual(['status passed → failed']);
    // Interrupted by the user: a caveat (below), not the server regressing.
    expect(inScenario(c, 'direct')).toMatchObject({ regressions: [], regressed: false });
    expect(c.regressed).toBe(true);
    // Better or equal is no regression: the other way round, and a side against itself.
    expect(compareResults(broken, real).regressed).toBe(false);
    expect(compareResults(broken, structuredClone(broken)).regressed).toBe(false);
    const failedToAborted = variant(broken, 'room', (s) => { s.status = 'aborted'; s.reasons = [{ kind: 'abort', cause: 'stall', message: 'the server stopped responding' }]; });
    expect(inScenario(compareResults(broken, failedToAborted), 'room').regressions).toEqual(['status failed → aborted']);
    expect(inScenario(c, 'direct').current.status).toBe('aborted');
    // The reason is given once, under the scenario; the caveat itself keeps it (--strict names it).
    expect(c.warnings).toEqual(['the current run was aborted in direct (the reason is under direct)']);
    expect(c.caveats).toEqual([{ kind: 'aborted', side: 'current', scenario: 'direct', message: 'the current run was aborted: interrupted by SIGINT' }]);
    expect(renderComparison(c)).toContain('current was aborted: interrupted by SIGINT');
  });

  it('calls a scenario the user interrupted a caveat, not a regression; a stall, unreachable target, lost connections or timeout regress', () => {
    const stopped = (cause: AbortCause, message: string) => variant(real, 'room', (s, r) => {
      s.status = 'aborted';
      s.reasons = [{ kind: 'abort', cause, message }];
      r.aborted = { scenario: 'room', cause, message };
    });
    const interrupted = compareResults(real, stopped('signal', 'interrupted by SIGINT'));
    expect(inScenario(interrupted, 'room')).toMatchObject({ regressed: false, regressions: [] });
    expect(interrupted.regressed).toBe(false);
    expect(interrupted.caveats).toEqual([{ kind: 'aborted', side: 'current', scenario: 'room', message: 'the current run was aborted: interrupted by SIGINT' }]);
    expect(hasCaveats(interrupted)).toBe(true);
    const text = renderComparison(interrupted);
    expect(text).not.toMatch(/REGRESSED/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('no regression in 2 compared scenarios');
    for (const cause of ['stall', 'unreachable', 'connections-lost', 'timeout'] as const) {
      const c = compareResults(real, stopped(cause, `stopped: ${cause}`));
      expect(inScenario(c, 'room').regressions).toEqual(['status passed → aborted']);
      expect(c.regressed).toBe(true);
    }
  });

  it('never marks an abort "found while the generator lagged", only regressed figures', () => {
    const lagged = (s: ScenarioResult) => { s.scheduleLag = latencyOf([[5000, 100]]); };
    const stalled = variant(real, 'room', (s) => {
      lagged(s);
      s.status = 'aborted';
      s.reasons = [{ kind: 'abort', cause: 'stall', message: 'the server stopped responding' }];
    });
    const c = compareResults(real, stalled);
    expect(inScenario(c, 'room')).toMatchObject({ regressed: true, generatorLagged: true, regressions: ['status passed → aborted'] });
    expect(inScenario(c, 'room').warnings.filter((w) => w.includes('generator lagged'))).toEqual([]);
    for (const text of [renderComparison(c), renderComparisonMarkdown(c)]) expect(text).not.toContain('found while the generator lagged');
    // A regressed figure on the same lagging side is still marked.
    const slower = variant(stalled, 'room', (s) => { s.latency = scaleLatency(s.latency, 3); });
    expect(renderComparison(compareResults(real, slower))).toMatch(/^REGRESSED room \(found while the generator lagged\)$/m);
  });

  it('marks metrics one side did not measure, instead of judging them', () => {
    const empty = variant(real, 'room', (s) => { s.latency = latencyOf([]); });
    const c = compareResults(real, empty);
    expect(metric(c, 'room', 'p99')).toMatchObject({ current: null, change: null, verdict: 'not-measured' });
    expect(inScenario(c, 'room').distribution).toBeNull();
    expect(inScenario(c, 'room').warnings).toEqual(['not measured in the current, not compared: latency p50, latency p90, latency p99, latency p99.9, latency max']);
    const none = variant(real, 'room', (s) => { s.throughput.sent = 0; s.delivery.expected = 0; s.delivery.delivered = 0; });
    const nothing = compareResults(real, none);
    for (const id of ['deliveredPerSecond', 'lossRatio', 'bytesPerDelivered'] as const) expect(metric(nothing, 'room', id)).toMatchObject({ current: null, verdict: 'not-measured' });
  });
});

describe('whole latency distributions (HDR)', () => {
  // p50 is the 500th value and p90 the 900th in both: only the middle of the distribution moves.
  const before = withRoomLatencyLazy([[1000, 500], [1500, 390], [5000, 110]]);
  const after = withRoomLatencyLazy([[1000, 500], [3000, 390], [5000, 110]]);

  it('finds a shift between the named percentiles that p50, p90, p99 and p99.9 miss', () => {
    const c = compareResults(before(), after());
    expect(LATENCY_IDS.map((id) => verdict(c, 'room', id))).toEqual(LATENCY_IDS.map(() => 'unchanged'));
    // HDR reports the highest value of a bucket: 3000 sits in [3000, 3001] at 3 significant digits.
    expect(inScenario(c, 'room').distribution).toMatchObject({ percentile: 60, baseline: 1500, current: 3001, change: 1501, verdict: 'regressed' });
    expect(inScenario(c, 'room').regressions).toEqual(['latency distribution of what arrived']);
    expect(c.regressed).toBe(true);
    expect(inScenario(compareResults(after(), before()), 'room').distribution?.verdict).toBe('improved');
    const text = renderComparison(c);
    expect(text).toMatch(/^ {2}latency distribution of what arrived \(p60\)\s+1\.50 ms\s+3\.00 ms\s+\+100% \(\+1\.50 ms\)\s+✗ regressed$/m);
    expect(renderComparisonMarkdown(c)).toMatch(/^\| \*\*latency distribution of what arrived \(p60\)\*\* \| 1\.50 ms \| 3\.00 ms \| .* \| ❌ regressed \|$/m);
    // 1,000 arrivals on each side: every percentile up to p99.9 is compared.
    expect(inScenario(c, 'room').distribution?.percentiles).toEqual([50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9]);
    const note = "latency distribution of what arrived: the largest shift across p50…p99.9 of the delivered messages' HDR histograms, found at p60; the latency rows above also count deliveries that never arrived";
    expect(text).toContain(`  ${note}\n`);
    expect(renderComparisonMarkdown(c)).toContain(`<sub>${note}</sub>`);
  });

  it('reports a regression above the median even when the median improved by more', () => {
    const mixed = withRoomLatency([[200, 500], [1800, 390], [5000, 110]]); // p50 -80%, p60..p85 +20%
    const floor = { minLatencyChangeMicros: 100 };
    const c = compareResults(before(), mixed, floor);
    expect(verdict(c, 'room', 'p50')).toBe('improved');
    expect(inScenario(c, 'room').distribution).toMatchObject({ percentile: 60, baseline: 1500, current: 1800, verdict: 'regressed' });
    expect(inScenario(c, 'room').distribution?.relative).toBeCloseTo(0.2, 9);
    expect(inScenario(compareResults(mixed, before(), floor), 'room').distribution).toMatchObject({ percentile: 50, baseline: 200, current: 1000, verdict: 'regressed' });
  });

  it('reads the encoded histogram, not the summary, and names a histogram it cannot decode', () => {
    const forged = variant(after(), 'room', (s) => { s.latency.hdr = scenarioOf(before(), 'room').latency.hdr; });
    expect(inScenario(compareResults(before(), forged), 'room').distribution?.verdict).toBe('unchanged');
    const bad = variant(real, 'room', (s) => { s.latency.hdr = 'not a histogram'; });
    expect(() => compareResults(real, bad)).toThrow(InputError);
    expect(() => compareResults(real, bad)).toThrow(/current scenario "room": latency\.hdr: not an encoded HDR histogram/);
  });

  it('rejects a negative tolerance', () => {
    expect(() => compareResults(real, real, { tolerance: -0.1 })).toThrow(/tolerance must be a finite number ≥ 0, got -0.1/);
  });
});

describe('rendering a comparison', () => {
  const slowed = () => variant(real, 'room', (s) => { s.latency = scaleLatency(s.latency, 2); });

  it('prints a side-by-side table per scenario with regressions marked', () => {
    const c = compareResults(real, slowed(), { minLatencyChangeMicros: 1 });
    const text = renderComparison(c);
    expect(text.split('\n')[0]).toBe('chatbench compare: regressed');
    expect(text).toMatch(/^REGRESSED room$/m);
    expect(text).toMatch(/^UNCHANGED direct$/m);
    expect(text).toMatch(/^ {2}metric\s+baseline\s+current\s+change {2}verdict$/m);
    expect(text).toMatch(/^ {2}latency p99\s+[\d.]+ (µs|ms)\s+[\d.]+ (µs|ms)\s+\+\d+% \(\+[\d.]+ (µs|ms)\) {2}✗ regressed$/m);
    expect(text).toMatch(/^ {2}violations\s+0\s+0\s+no change {2}unchanged$/m);
    expect(text).toContain('latency: ±10% and ≥ 1us; throughput: ±5% and ≥ 1 msg/s; loss ratio: ±10% and ≥ 0.1 points; counts: any increase from 0, else ±10%; bytes/message: ±10% and ≥ 1 B');
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 of 2 compared scenarios regressed: room (latency p50, latency p90, latency p99, latency distribution of what arrived)');
    expect(text).toMatch(/^ {2}latency p99\.9\s+[\d.]+ (µs|ms)\s+[\d.]+ (µs|ms)\s+\+\d+% \(\+[\d.]+ (µs|ms)\) {2}not judged\s*$/m);
    const coloured = renderComparison(c, { color: true });
    expect(coloured).toMatch(/\u001b\[31m {2}latency p99 .*✗ regressed\u001b\[0m/);
    expect(renderComparison(compareResults(real, real)).trimEnd().split('\n').at(-1)).toBe('no regression in 2 compared scenarios');
  });

  it('renders Markdown for a pull-request comment', () => {
    const text = renderComparisonMarkdown(compareResults(real, slowed(), { minLatencyChangeMicros: 1 }));
    expect(text.split('\n')[0]).toBe('## chatbench compare: ❌ regressed');
    expect(text).toContain('### ❌ room: regressed');
    expect(text).toContain('### ➖ direct: unchanged');
    expect(text).toContain('| metric | baseline | current | change | verdict |');
    expect(text).toMatch(/^\| \*\*latency p99\*\* \| [\d.]+ (µs|ms) \| [\d.]+ (µs|ms) \| \+\d+% \(\+[\d.]+ (µs|ms)\) \| ❌ regressed \|$/m);
    expect(text).toMatch(/^\| violations \| 0 \| 0 \| no change \| unchanged \|$/m);
    expect(text).toMatch(/^\| target \| MQTT 3\.1\.1 embedded broker \(mqtt:\/\/127\.0\.0\.1:\d+\) \| MQTT 3\.1\.1 embedded broker/m);
    expect(renderComparisonMarkdown(compareResults(real, real)).split('\n')[0]).toBe('## chatbench compare: ✅ no regression');
  });
});

/** withRoomLatency, made once on first use. */
function withRoomLatencyLazy(values: ReadonlyArray<readonly [number, number]>): () => RunResult {
  let made: RunResult | undefined;
  return () => (made ??= withRoomLatency(values));
}

describe('latencies among deliveries that never arrived (censored)', () => {
  const row = (c: Comparison, id: MetricId): MetricComparison => metric(c, 'room', id);
  const censored = variant(real, 'room', (s) => { s.latency = censoredLatency(); });

  it('regresses when the lower bound alone is already worse, and shows the bound', () => {
    const c = compareResults(real, censored);
    expect(row(c, 'p99')).toMatchObject({ current: 5_000_000, censored: { baseline: false, current: true }, verdict: 'regressed' });
    expect(inScenario(c, 'room').regressions).toContain('latency p99');
  });

  it('improves when the current beats even the bound of a censored baseline, and knows nothing otherwise', () => {
    expect(row(compareResults(censored, real), 'p99')).toMatchObject({ baseline: 5_000_000, censored: { baseline: true, current: false }, verdict: 'improved' });
    const slower = variant(real, 'room', (s) => { s.latency = latencyOf([[6_000_000, 100]]); });
    expect(row(compareResults(censored, slower), 'p99').verdict).toBe('not-measured');
    expect(row(compareResults(censored, censored), 'p99')).toMatchObject({ censored: { baseline: true, current: true }, verdict: 'not-measured' });
  });
});

describe('caveats: when a comparison means little (--strict fails on them)', () => {
  const lagging = (p99Micros: number) => variant(real, 'room', (s) => { s.scheduleLag = latencyOf([[p99Micros, 100]]); });

  it('flags a generator whose schedule-lag p99 exceeds 2 ms, at the boundary, and marks a regression found then', () => {
    expect(compareResults(real, lagging(2000)).caveats).toEqual([]);
    const lagged = lagging(2200);
    const c = compareResults(real, lagged);
    expect(hasCaveats(c)).toBe(true);
    expect(c.caveats).toEqual([{
      kind: 'generator-lag', side: 'current', scenario: 'room',
      message: 'the generator fell behind in the current scenario room: schedule lag p99 2.2 ms > 2 ms (its figures partly measure chatbench)',
    }]);
    expect(c.warnings[0]).toBe(c.caveats[0]?.message);
    expect(inScenario(c, 'room')).toMatchObject({ generatorLagged: true, regressed: false });
    // HDR keeps 3 significant digits: 2,200 µs reads back within one bucket (2 µs wide here).
    expect(inScenario(c, 'room').current.scheduleLagP99).toBeCloseTo(2200, -1);
    expect(inScenario(c, 'direct').generatorLagged).toBe(false);

    const slowAndLagged = variant(lagged, 'room', (s) => { s.latency = scaleLatency(s.latency, 3); });
    const regressed = inScenario(compareResults(real, slowAndLagged), 'room');
    expect(regressed).toMatchObject({ regressed: true, generatorLagged: true });
    expect(regressed.warnings).toContain("regression found while the generator lagged (current): it may be chatbench's own delay, re-run with a lower rate or more CPU");
    expect(compareResults(lagged, real).caveats.map((x) => x.side)).toEqual(['baseline']);
  });

  it('flags other protocols and other protocol versions', () => {
    const v5 = structuredClone(real);
    v5.target.protocolVersion = '5.0';
    expect(compareResults(real, v5).caveats).toEqual([{
      kind: 'protocol', side: 'both', scenario: null,
      message: 'the protocol versions differ: MQTT 3.1.1 in the baseline, MQTT 5.0 in the current run (the figures measure different things)',
    }]);
    const xmpp = structuredClone(real);
    xmpp.target = { ...xmpp.target, protocol: 'xmpp', protocolVersion: '1.0' };
    expect(compareResults(xmpp, real).caveats[0]?.message).toBe('the protocols differ: XMPP 1.0 in the baseline, MQTT 3.1.1 in the current run (the figures measure different things)');
  });

  it('flags an aborted scenario once, and a run aborted between scenarios', () => {
    const aborted = variant(real, 'direct', (s) => { s.status = 'aborted'; s.reasons = [{ kind: 'abort', cause: 'stall', message: 'the server stopped responding for 5 s at t = 3.2 s' }]; });
    expect(compareResults(aborted, real).caveats).toEqual([{
      kind: 'aborted', side: 'baseline', scenario: 'direct', message: 'the baseline scenario direct was aborted: the server stopped responding for 5 s at t = 3.2 s',
    }]);
    const between = structuredClone(real);
    between.aborted = { scenario: null, cause: 'signal', message: 'interrupted by SIGTERM' };
    expect(compareResults(real, between).caveats.map((x) => [x.kind, x.side, x.scenario])).toEqual([['aborted', 'current', null]]);
  });
});

describe('a current run whose server crashed mid-run (never an improvement)', () => {
  const markdown = renderComparisonMarkdown;
  const LOST = 'every connection was lost (4 of 4), the server closed them';
  /** room aborted with its latency halved (it looks faster), direct never ran, the run aborted in room. */
  const crashed = (): RunResult => {
    const r = variant(real, 'room', (s) => {
      s.latency = scaleLatency(s.latency, 0.5);
      s.status = 'aborted';
      s.reasons = [{ kind: 'abort', cause: 'connections-lost', message: LOST }];
    });
    r.scenarios = r.scenarios.filter((s) => s.name !== 'direct');
    r.aborted = { scenario: 'room', cause: 'connections-lost', message: LOST };
    return r;
  };

  it('regresses on the worse status, with its reasons, though every figure improved', () => {
    const c = compareResults(real, crashed(), { minLatencyChangeMicros: 1 });
    expect(verdict(c, 'room', 'p50')).toBe('improved');
    expect(inScenario(c, 'room')).toMatchObject({ regressed: true, regressions: ['status passed → aborted'] });
    expect(c).toMatchObject({ regressed: true, onlyInBaseline: ['direct'] });
    const text = renderComparison(c);
    expect(text.split('\n')[0]).toBe('chatbench compare: regressed');
    expect(text).toMatch(/^REGRESSED room$/m);
    expect(text).not.toMatch(/IMPROVED/);
    expect(text).toContain('REGRESSED missing from the current run: direct (the current run stopped early, in room)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 of 1 compared scenario regressed: room (status passed → aborted). 1 baseline scenario missing from the current run: direct');
    // The reason once, in room's block; not at the top, in the missing line or in the summary.
    expect(text.split(LOST).length - 1).toBe(1);
    expect(markdown(c).split(LOST).length - 1).toBe(1);
    expect(markdown(c).split('\n')[0]).toBe('## chatbench compare: ❌ regressed');
    expect(markdown(c)).toContain('### ❌ room: regressed');
  });

  it('regresses when the run stopped before any scenario the baseline has', () => {
    const nothing = { ...crashed(), scenarios: [] };
    const c = compareResults(real, nothing);
    expect(c).toMatchObject({ regressed: true, scenarios: [], onlyInBaseline: ['room', 'direct'] });
    const text = renderComparison(c);
    // No scenario compared: the reason is given once, where the missing scenarios are listed.
    expect(text).toContain(`REGRESSED missing from the current run: room, direct (the current run stopped early: room: ${LOST})`);
    expect(text.trimEnd().split('\n').at(-1)).toBe('2 baseline scenarios missing from the current run: room, direct');
  });
});

describe('percentiles from too few samples (they would be the max)', () => {
  it('needs count × (1 − p) ≥ 1 samples: p50 2, p90 10, p97.5 40, p99 100, p99.9 1,000', () => {
    expect([50, 60, 90, 97.5, 99, 99.5, 99.9].map(minSamplesFor)).toEqual([2, 3, 10, 40, 100, 200, 1000]);
  });

  it('leaves p99, p99.9 and the max of 30 messages unjudged, naming the sample count, and judges what it can', () => {
    // 30 messages whose slowest doubled: p99 and p99.9 are that one message, as is the max.
    const base = withRoomLatency([[1000, 29], [5000, 1]]);
    const c = compareResults(base, withRoomLatency([[1000, 29], [10_000, 1]]));
    expect(metric(c, 'room', 'p999')).toMatchObject({ baseline: 5003, current: 10_007, verdict: 'not-measured' });
    expect(metric(c, 'room', 'max')).toMatchObject({ baseline: 5003, current: 10_007, verdict: 'not-measured' });
    expect(verdict(c, 'room', 'p99')).toBe('not-measured');
    expect(verdict(c, 'room', 'p90')).toBe('unchanged');
    expect(inScenario(c, 'room')).toMatchObject({ regressions: [], regressed: false });
    expect(inScenario(c, 'room').warnings).toEqual([
      'latency p99 not judged: it needs 100 samples on each side to differ from the max; the baseline has 30, the current run 30',
      'latency p99.9 not judged: it needs 1,000 samples on each side to differ from the max; the baseline has 30, the current run 30',
      'latency max not judged: it needs 1,000 samples on each side, as p99.9 does, so that one slow message does not decide it; the baseline has 30, the current run 30',
    ]);
    // The distribution is read only where both sides can tell a percentile from the max (p97.5 needs 40).
    expect(inScenario(c, 'room').distribution?.percentiles).toEqual([50, 60, 70, 75, 80, 85, 90, 95]);
    const text = renderComparison(c);
    expect(text).toContain("  latency distribution of what arrived: the largest shift across p50…p95 of the delivered messages' HDR histograms, found at p");
    expect(text).toContain('(p97.5, p99, p99.5, p99.9 left out: too few arrivals to differ from the max)');
    expect(text).toMatch(/^ {2}latency p99\.9\s+5\.00 ms\s+10\.0 ms\s+\S+ \(\S+ ms\) {2}not judged\s*$/m);
    expect(renderComparisonMarkdown(c)).toMatch(/^\| latency p99\.9 \| .* \| ⚠️ not judged \|$/m);
  });

  it('judges p99 from 100 samples on each side, not from 99', () => {
    const judge = (n: number) => verdict(compareResults(withRoomLatency([[1000, n]]), withRoomLatency([[5000, n]])), 'room', 'p99');
    expect(judge(100)).toBe('regressed');
    expect(judge(99)).toBe('not-measured');
    // One side short is enough to leave it unjudged.
    expect(verdict(compareResults(withRoomLatency([[1000, 100]]), withRoomLatency([[5000, 99]])), 'room', 'p99')).toBe('not-measured');
  });

  it('judges the max from 1,000 samples on each side, as p99.9, and counts censored ones among them', () => {
    const judge = (nb: number, nc: number) => verdict(compareResults(withRoomLatency([[1000, nb]]), withRoomLatency([[1000, nc - 1], [5000, 1]])), 'room', 'max');
    expect(judge(1000, 1000)).toBe('regressed');
    expect(judge(1000, 999)).toBe('not-measured');
    expect(judge(999, 1000)).toBe('not-measured');
    const owed = (arrived: number, censored: number) => variant(real, 'room', (s) => {
      const h = createLatencyHistogram();
      for (let i = 0; i < arrived; i++) recordMicros(h, 1000);
      s.latency = summarise(h, { censored, waited: 5_000_000 });
    });
    // 998 arrived + 2 never arrived = 1,000 samples: a max known only as "> 5 s" regresses.
    expect(metric(compareResults(withRoomLatency([[1000, 1000]]), owed(998, 2)), 'room', 'max')).toMatchObject({ censored: { baseline: false, current: true }, verdict: 'regressed' });
    expect(verdict(compareResults(withRoomLatency([[1000, 1000]]), owed(997, 2)), 'room', 'max')).toBe('not-measured');
  });

  it('counts censored deliveries among the samples (98 arrived + 2 owed = 100)', () => {
    const censored = variant(real, 'room', (s) => { s.latency = censoredLatency(); });
    expect(scenarioOf(censored, 'room').latency).toMatchObject({ count: 98, censored: 2 });
    expect(verdict(compareResults(real, censored), 'room', 'p99')).toBe('regressed');
  });

  it('leaves the distribution out when a side has fewer than 2 arrivals', () => {
    const c = compareResults(withRoomLatency([[1000, 1]]), withRoomLatency([[5000, 1]]));
    expect(inScenario(c, 'room').distribution).toBeNull();
    const room = renderComparison(c).split('UNCHANGED direct')[0] ?? '';
    expect(room).toMatch(/^UNCHANGED room$/m); // not even on its max: one sample decides nothing
    expect(room).not.toContain('latency distribution');
  });
});
