/**
 * The console summary rendered from a real result (embedded broker) and variants of it: the
 * latency table, censored percentiles as "> waited", lost beside undelivered with what each
 * means, the drain, downgrades with the granted level, who closed lost connections, what
 * unfinished sends were missing, anomalies, and threshold actuals in the tables' units.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/result/index.js';
import { renderConsole } from '../../reports/console.js';
import { formatMicros, formatMicrosExact, formatPercentile, plural } from '../../reports/format.js';
import { abortedVariant, measureRunResult, misbehavingVariant, overloadVariant, scenario } from '../helpers/results.js';

let real: RunResult;
beforeAll(async () => {
  real = await measureRunResult();
});

/** The lines of one scenario's block: from its status line to the next blank line. */
function block(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => / /.test(l) && l.split(' ')[1] === name);
  if (start < 0) throw new Error(`no block for ${name} in\n${text}`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('renderConsole', () => {
  it('names a server chatbench started, with its CPU time and peak memory, under the heading (and nothing when it started none)', () => {
    const started: RunResult = { ...real, target: { ...real.target, started: true }, server: { name: 'prosody', version: '0.12.3', cpuSeconds: 0.24, peakRssBytes: 27_099_136 } };
    expect(renderConsole(started).split('\n')[1]).toBe('server: prosody 0.12.3, started by chatbench for this run (CPU 0.24 s, peak memory 25.8 MiB)');
    expect(renderConsole(real)).not.toContain('started by chatbench');
  });

  it('heads with the target and shows each scenario\'s latency table, delivery, drain and thresholds', () => {
    const text = renderConsole(real);
    expect(text.split('\n')[0]).toBe(`chatbench 1.2.3-test — MQTT 3.1.1 embedded broker (${real.target.url}), run rpt, TCP_NODELAY on`);
    const steady = block(text, 'steady');
    const s = scenario(real, 'steady');
    expect(steady[0]).toBe('PASS steady  4 users, 1 room, QoS 1, 128 B at 400 msg/s');
    const latency = steady.find((l) => l.startsWith('  latency '))?.trim().split(/\s{2,}/);
    expect(latency).toEqual(['latency', ...(['p50', 'p90', 'p99', 'p999', 'max'] as const).map((k) => formatPercentile(s.latency, k)), s.latency.count.toLocaleString('en-US')]);
    // Three totals, each named by what it covers: the window, the latency samples, the whole scenario.
    expect(steady[1]).toMatch(new RegExp(`^ {2}measurement window \\(\\d+\\.\\d s after the warm-up\\): sent ${s.throughput.sent.toLocaleString('en-US')} \\([\\d,]+ msg/s\\), ` +
      `delivered ${s.throughput.delivered.toLocaleString('en-US')} within it \\([\\d,]+ msg/s\\); latency counts every delivery owed for those sends, drain included$`));
    expect(steady[2]?.trim().split(/\s+/).at(-1)).toBe('samples');
    expect(steady).toContain(`  delivery (whole scenario, warm-up and drain included): expected ${s.delivery.expected.toLocaleString('en-US')}, delivered ${s.delivery.delivered.toLocaleString('en-US')}, lost 0, undelivered 0, duplicated 0, reordered 0`);
    expect(steady.some((l) => /^ {2}drain: \d+\.\d s, ended because every owed delivery arrived \([\d,]+ owed when it began\)$/.test(l))).toBe(true);
    expect(steady).toContain(`  ✓ p99 < 10s  (actual ${formatMicrosExact(s.latency.p99 ?? NaN)})`);
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 of 3 scenarios passed');
  });

  it('prints a threshold written in us in the unit the table uses for that value', () => {
    const slow = block(renderConsole(real), 'slow');
    const p99 = scenario(real, 'slow').latency.p99 ?? NaN;
    expect(slow).toContain(`  ✗ p99 < 1us  (actual ${formatMicrosExact(p99)})`);
    // The table's p99 cell, rounded, in the same unit.
    expect(formatMicros(p99).split(' ')[1]).toBe(formatMicrosExact(p99).split(' ')[1]);
    expect(slow.some((l) => l.includes('! threshold'))).toBe(false);
    // A rate with nothing sent is not 0 msg/s: the metric table reads it as nothing measured.
    const copy = structuredClone(real);
    scenario(copy, 'slow').throughput.sent = 0;
    expect(block(renderConsole(copy), 'slow').find((l) => l.includes('deliveredPerSecond >= 1'))).toMatch(/ deliveredPerSecond >= 1 {2}\(nothing measured\)$/);
  });

  it('reads censored percentiles as "> waited" and tells undelivered (late) from lost (with evidence)', () => {
    const steady = block(renderConsole(overloadVariant(real)), 'steady');
    const latency = steady.find((l) => l.startsWith('  latency '))?.trim().split(/\s{2,}/);
    expect(latency?.slice(3, 6)).toEqual(['> 12.0 s', '> 12.0 s', '> 12.0 s']);
    expect(steady).toContain('  500 owed deliveries never arrived: each counts as slower than 12.0 s (how long chatbench waited), so a percentile among them reads "> 12.0 s"');
    expect(steady.find((l) => l.startsWith('  delivery ('))).toMatch(/, lost 0, undelivered 500, duplicated 0, reordered 0$/);
    expect(steady).toContain('    500 undelivered: still outstanding when chatbench stopped waiting (nothing arrived for 2 s); a server too slow for this load (or a session chatbench ended), not a protocol violation');
    expect(steady).toContain('  drain: 12.0 s, ended because nothing arrived for 2 s (40,000 owed when it began, 500 still owed at its end)');
    expect(steady).toContain('  ✗ p99 < 10s  (actual > 12 s)');
    expect(steady.some((l) => l.includes('delivery guarantee violated'))).toBe(false);
    expect(steady.some((l) => /^ {2}! 500 owed deliveries were still outstanding/.test(l))).toBe(true);

    const lossy = block(renderConsole(real), 'lossy');
    const lost = scenario(real, 'lossy').delivery.lost;
    expect(lossy).toContain(`    ${lost.toLocaleString('en-US')} lost: the server acknowledged the send and the receiver, whose connection stayed up, got later messages of the same stream but never this one`);
  });

  it('after a stall: says the server stopped responding, and how many owed at the drain\'s end arrived while chatbench disconnected', () => {
    const copy = overloadVariant(real);
    const s = scenario(copy, 'steady');
    s.status = 'aborted';
    s.reasons = [...s.reasons, { kind: 'abort', cause: 'stall', message: 'the server stopped responding for at least 5 s at t = 3.2 s' }];
    s.drain = { endedBy: 'stall', seconds: 0, owedAtStart: 17_586, owedAtEnd: 17_586 };
    const steady = block(renderConsole(copy), 'steady');
    // 17,586 owed when the drain ended, 500 still missing at the end: 17,086 came in while chatbench disconnected.
    expect(steady).toContain('  drain: 0.0 s, ended because the server stopped responding (17,586 owed when it began, 17,586 still owed at its end; 17,086 of them arrived while chatbench was disconnecting)');
    expect(steady).toContain('    500 undelivered: still outstanding when chatbench stopped waiting (the server stopped responding); the server stopped responding — not a protocol violation');
    // Nothing arrived late when the counts still miss everything owed at the drain's end (lost counts as missing too).
    s.delivery.undelivered = 17_000;
    s.delivery.lost = 586;
    expect(block(renderConsole(copy), 'steady')).toContain('  drain: 0.0 s, ended because the server stopped responding (17,586 owed when it began, 17,586 still owed at its end)');
  });

  it('says which way a cut-short drain ended: the scenario\'s abort cause, not a list of maybes', () => {
    const copy = abortedVariant(real);
    const slow = scenario(copy, 'slow');
    slow.drain = { ...slow.drain, endedBy: 'interrupted' };
    expect(block(renderConsole(copy), 'slow').find((l) => l.startsWith('  drain: '))).toMatch(/, ended because a signal interrupted the run \(/);
    slow.reasons = slow.reasons.map((r) => (r.kind === 'abort' ? { ...r, cause: 'connections-lost' as const, message: 'every connection was lost' } : r));
    const line = block(renderConsole(copy), 'slow').find((l) => l.startsWith('  drain: '));
    expect(line).toMatch(/, ended because every connection was lost \(/);
    expect(line).not.toContain('a signal, or');
  });

  it('names the granted level of each downgrade, who closed lost connections, missing acknowledgements and anomalies', () => {
    const steady = block(renderConsole(misbehavingVariant(real)), 'steady');
    expect(steady).toContain('  the server granted QoS 0 instead of 2 on 20 subscriptions: their deliveries are judged at QoS 0; exactly-once was not exercised on them');
    expect(steady).toContain('  the server granted QoS 1 instead of 2 on 1 subscription: their deliveries are judged at QoS 1; exactly-once was not exercised on them');
    const at = steady.indexOf('  connections: 3 of 4 connections lost: 1 closed by the server, 2 closed by chatbench');
    expect(at).toBeGreaterThan(0);
    expect(steady.slice(at + 1, at + 4)).toEqual([
      "    u1: closed by chatbench: chatbench's keep-alive timeout: no PINGRESP within 1 s",
      "    u2: closed by chatbench: chatbench's keep-alive timeout: no PINGRESP within 1 s",
      '    u3: closed by the server: DISCONNECT: server busy (code 0x89)',
    ]);
    const sends = steady.indexOf('  sends not completed:');
    expect(steady.slice(sends + 1, sends + 3)).toEqual(['    12 sends got no PUBACK before the connection closed', '    1 send got no PUBCOMP before chatbench stopped waiting']);
    expect(steady).toContain('  protocol anomaly: ack-flow (20 times): a QoS 2 PUBLISH was answered with PUBACK (no PUBREC); packets seen: PUBLISH qos2 → PUBACK');
  });

  it('says why the run was aborted, from its fields', () => {
    const text = renderConsole(abortedVariant(real));
    expect(text).toContain('\nRun aborted: slow: interrupted by SIGINT\n');
    expect(block(text, 'slow')[0]).toMatch(/^ABORTED slow /);
    expect(block(text, 'slow')).toContain('  ! interrupted by SIGINT');
  });

  it('colours only when asked', () => {
    expect(renderConsole(real)).not.toContain('\u001b[');
    const coloured = renderConsole(real, { color: true });
    expect(coloured).toContain('\u001b[32mPASS\u001b[0m');
    expect(coloured).toContain('\u001b[31mFAIL\u001b[0m');
  });
});

describe('plural', () => {
  it('reads singulars right', () => {
    expect([plural(1, 'room'), plural(2, 'room'), plural(1, 'owed delivery'), plural(3, 'owed delivery'), plural(1500, 'user'), plural(2, 'day')])
      .toEqual(['1 room', '2 rooms', '1 owed delivery', '3 owed deliveries', '1,500 users', '2 days']);
  });
  it('says when chatbench itself fell behind its schedule (schedule lag p99 over 2 ms), and only then', () => {
    const lagged = structuredClone(real);
    const steady = scenario(lagged, 'steady');
    steady.scheduleLag = { ...steady.scheduleLag, p99: 8_520_000 };
    const note = block(renderConsole(lagged), 'steady').find((l) => l.includes('chatbench itself fell behind'));
    expect(note).toBe('  chatbench itself fell behind: schedule lag p99 8.52 s (bound 2.00 ms), so latency and rates here partly measure the tool, not the server; lower the rate or give chatbench more CPU');
    steady.scheduleLag = { ...steady.scheduleLag, p99: 1_900 };
    expect(block(renderConsole(lagged), 'steady').join('\n')).not.toContain('fell behind');
  });
});
