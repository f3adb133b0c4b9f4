/**
 * The Markdown summary rendered from real results (embedded broker) and hand-made variants:
 * verdict heading, one table row per scenario with the measured figures, threshold
 * verdicts and reasons per scenario, and cells that stay cells whatever text they hold.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/result/index.js';
import { formatCount, formatExact, formatMicrosExact, formatPercentile } from '../../reports/format.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { abortedVariant, measureRunResult, misbehavingVariant, overloadVariant, passingVariant, scenario, TOOL_VERSION } from '../helpers/results.js';

let real: RunResult;
beforeAll(async () => {
  real = await measureRunResult();
});

/** The cells of a GFM table row: split on pipes not escaped with a backslash. */
function cells(line: string): string[] {
  return line.replace(/^\| | \|$/g, '').split(/ (?<!\\)\| /);
}
/** The table row whose first cell is `first`. */
function rowOf(md: string, first: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${first} |`));
  if (line === undefined) throw new Error(`no row for ${first} in\n${md}`);
  return cells(line);
}
/** The lines of the section under "### <heading>", up to the next heading. */
function section(md: string, heading: string): string {
  const start = md.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = md.indexOf('\n### ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

describe('renderMarkdown', () => {
  it('heads the summary with the verdict and the target', () => {
    const md = renderMarkdown(real);
    expect(md.split('\n')[0]).toBe(`## chatbench FAIL: embedded broker (\`${real.target.url}\`)`);
    expect(md).toContain(`MQTT 3.1.1 · run \`rpt\` · chatbench ${TOOL_VERSION} · 1 of 3 scenarios passed\n`);
    expect(renderMarkdown(passingVariant(real)).split('\n')[0]).toMatch(/^## chatbench PASS: /);
    expect(md).not.toContain('Run aborted');
  });

  it('has one table row per scenario with its status and measured figures', () => {
    const md = renderMarkdown(real);
    // Window figures and whole-scenario counts side by side, each labelled with what it covers.
    expect(rowOf(md, 'scenario')).toEqual(['scenario', 'status', 'sent (window)', 'delivered/s (window)', 'p50', 'p99', 'p99.9', 'max', 'lost', 'undelivered', 'dup', 'reordered']);
    expect(rowOf(md, ':---')).toHaveLength(12);
    expect(md).toContain('\nsent and delivered/s: the measurement window (after the warm-up); lost, undelivered, dup and reordered: the whole scenario, warm-up and drain included\n');
    for (const s of real.scenarios) {
      const l = s.latency;
      expect(rowOf(md, s.name)).toEqual([
        s.name, s.status === 'passed' ? 'PASS' : 'FAIL',
        formatCount(s.throughput.sent), formatCount(s.throughput.deliveredPerSecond),
        // A percentile among deliveries that never arrived reads "> waited" (its ">" escaped).
        ...(['p50', 'p99', 'p999', 'max'] as const).map((k) => formatPercentile(l, k).replace('>', '\\>')),
        formatCount(s.delivery.lost), formatCount(s.delivery.undelivered), formatCount(s.delivery.duplicated), formatCount(s.delivery.reordered),
      ]);
    }
    expect(rowOf(md, 'lossy')[8]).not.toBe('0');
  });

  it('lists each scenario\'s threshold verdicts with the measured value, and the other reasons', () => {
    const md = renderMarkdown(real);
    const slow = section(md, 'FAIL slow');
    const p99 = scenario(real, 'slow').thresholds[0]?.actual ?? NaN;
    expect(slow).toContain('4 users, 1 room, QoS 1, 128 B at 400 msg/s');
    // Actuals in the tables' units: a p99 written in us reads in ms when the table says ms; a rate in msg/s.
    expect(slow).toContain(`| \`p99 < 1us\` | FAIL | actual ${formatMicrosExact(p99)} |`);
    expect(formatMicrosExact(p99)).toMatch(/ (µs|ms|s)$/); // never 1,296,380 µs
    const rate = scenario(real, 'slow').thresholds[1];
    expect(slow).toContain(`| \`deliveredPerSecond >= 1\` | ${rate?.passed ? 'PASS' : 'FAIL'} | actual ${formatExact(rate?.actual ?? NaN)} msg/s |`);
    // The failed threshold is in the table; it is not repeated as a reason.
    expect(slow).not.toMatch(/^- threshold/m);
    const lossy = section(md, 'FAIL lossy');
    const lost = scenario(real, 'lossy').delivery.lost;
    expect(lossy).toContain(`| \`lost == 0\` | FAIL | actual ${formatCount(lost)} |`);
    expect(lossy).toContain(`- QoS 1 delivery guarantee violated: ${formatCount(lost)} lost`);
    expect(lossy).toContain(`> ${formatCount(lost)} lost: the server acknowledged the send and the receiver`);
    expect(section(md, 'PASS steady')).not.toMatch(/^- |FAIL/m);
    // A passing scenario's drain that delivered everything at once is not worth a line; a longer one is.
    const brief = structuredClone(real);
    scenario(brief, 'steady').drain = { endedBy: 'all-delivered', seconds: 0.04, owedAtStart: 120, owedAtEnd: 0 };
    expect(section(renderMarkdown(brief), 'PASS steady')).not.toContain('drain:');
    scenario(brief, 'steady').drain.seconds = 0.1;
    expect(section(renderMarkdown(brief), 'PASS steady')).toMatch(/^> drain: 0\.1 s, ended because every owed delivery arrived \(120 owed when it began\) {2}$/m);
    // Kept for a failing scenario, however short.
    const failing = structuredClone(brief);
    scenario(failing, 'slow').drain = { endedBy: 'all-delivered', seconds: 0.04, owedAtStart: 120, owedAtEnd: 0 };
    expect(section(renderMarkdown(failing), 'FAIL slow')).toContain('> drain: 0.0 s, ended because every owed delivery arrived (120 owed when it began)');
  });

  it('shows an aborted run, the aborted scenario and the ones never run', () => {
    const md = renderMarkdown(abortedVariant(real));
    expect(md.split('\n')[0]).toMatch(/^## chatbench ABORTED: /);
    expect(md).toContain('**Run aborted:** slow: interrupted by SIGINT');
    expect(md).toContain('1 of 3 scenarios passed (1 not run)');
    expect(rowOf(md, 'slow')[1]).toBe('ABORTED');
    expect(rowOf(md, 'lossy')).toEqual(['lossy', 'NOT RUN', ...Array<string>(10).fill('-')]);
    expect(section(md, 'ABORTED slow')).toContain('- interrupted by SIGINT');
    expect(md).toContain('Not run (the run stopped first): `lossy`');
  });

  it('keeps pipes, markup and line breaks in names and reasons inside their cell', () => {
    const copy = structuredClone(real);
    const s = scenario(copy, 'lossy');
    s.name = 'a|b_*c*';
    s.thresholds[0] = { expression: 'lost | dup', actual: 3, unit: '', censored: false, passed: false };
    s.reasons.push({ kind: 'protocol', anomaly: 'x', message: 'server said <b>no</b>\nand left | gone' });
    const md = renderMarkdown(copy);
    const row = rowOf(md, 'a\\|b\\_\\*c\\*');
    expect(row).toHaveLength(12);
    expect(row[1]).toBe('FAIL');
    expect(md).toContain('| `lost \\| dup` | FAIL | actual 3 |');
    expect(md).toContain('- server said \\<b\\>no\\</b\\> and left | gone');
    expect(md).toContain('### FAIL a|b\\_\\*c\\*');
  });

  it('shows undelivered beside lost, the drain, and a censored percentile as "> waited", never a small number', () => {
    const md = renderMarkdown(overloadVariant(real));
    const row = rowOf(md, 'steady');
    expect(row[1]).toBe('FAIL');
    expect(row.slice(8, 10)).toEqual(['0', '500']);
    // 500 of the owed deliveries never arrived: p99 and above lie among them.
    expect(row.slice(5, 8)).toEqual(['\\> 12.0 s', '\\> 12.0 s', '\\> 12.0 s']);
    const steady = section(md, 'FAIL steady');
    expect(steady).toContain('| `p99 < 10s` | FAIL | actual \\> 12 s |');
    expect(steady).toMatch(/^- 500 owed deliveries were still outstanding when chatbench stopped waiting .*not a protocol violation$/m);
    expect(steady).toContain('> 500 owed deliveries never arrived: each counts as slower than 12.0 s');
    expect(steady).toContain('> 500 undelivered: still outstanding when chatbench stopped waiting (nothing arrived for 2 s)');
    expect(steady).toContain('> drain: 12.0 s, ended because nothing arrived for 2 s (40,000 owed when it began, 500 still owed at its end)');
    expect(steady).not.toMatch(/delivery guarantee violated/);
  });

  it('names downgrades with the granted level, who closed lost connections, missing acknowledgements and anomalies', () => {
    const steady = section(renderMarkdown(misbehavingVariant(real)), 'FAIL steady');
    expect(steady).toContain('> the server granted QoS 0 instead of 2 on 20 subscriptions: their deliveries are judged at QoS 0; exactly-once was not exercised on them  ');
    expect(steady).toContain('> the server granted QoS 1 instead of 2 on 1 subscription:');
    expect(steady).toContain('> connections: 3 of 4 connections lost: 1 closed by the server, 2 closed by chatbench (u1: closed by chatbench:');
    expect(steady).toContain('> unfinished sends: 12 sends got no PUBACK before the connection closed  ');
    expect(steady).toContain('> unfinished sends: 1 send got no PUBCOMP before chatbench stopped waiting  ');
    expect(steady).toContain('> protocol anomaly: ack-flow (20 times): a QoS 2 PUBLISH was answered with PUBACK (no PUBREC); packets seen: PUBLISH qos2 → PUBACK  ');
    expect(steady).toMatch(/^- the server broke the acknowledgement flow 20 times/m);
  });
});
