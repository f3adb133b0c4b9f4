/**
 * The Markdown summary rendered from real results (embedded broker) and hand-made variants:
 * verdict heading, one table row per scenario with the measured figures, threshold
 * verdicts and reasons per scenario, and cells that stay cells whatever text they hold.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/result.js';
import { formatCount, formatExact, formatMicros } from '../../reports/format.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { abortedVariant, measureRunResult, passingVariant, scenario, TOOL_VERSION } from '../helpers/results.js';

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
    expect(rowOf(md, 'scenario')).toEqual(['scenario', 'status', 'sent', 'delivered/s', 'p50', 'p99', 'p99.9', 'max', 'lost', 'dup', 'reordered']);
    expect(rowOf(md, ':---')).toHaveLength(11);
    for (const s of real.scenarios) {
      expect(rowOf(md, s.name)).toEqual([
        s.name, s.status === 'passed' ? 'PASS' : 'FAIL',
        formatCount(s.throughput.sent), formatCount(s.throughput.deliveredPerSecond),
        formatMicros(s.latency.p50), formatMicros(s.latency.p99), formatMicros(s.latency.p999), formatMicros(s.latency.max),
        formatCount(s.delivery.lost), formatCount(s.delivery.duplicated), formatCount(s.delivery.reordered),
      ]);
    }
    expect(rowOf(md, 'lossy')[8]).not.toBe('0');
  });

  it('lists each scenario\'s threshold verdicts with the measured value, and the other reasons', () => {
    const md = renderMarkdown(real);
    const slow = section(md, 'FAIL slow');
    const p99 = scenario(real, 'slow').thresholds[0]?.actual ?? NaN;
    expect(slow).toContain('4 users, 1 room, QoS 1, 128 B at 400 msg/s');
    expect(slow).toContain(`| \`p99 < 1us\` | FAIL | actual ${formatExact(p99)} µs |`);
    const rate = scenario(real, 'slow').thresholds[1]?.actual ?? NaN;
    expect(slow).toContain(`| \`deliveredPerSecond >= 1\` | PASS | actual ${formatExact(rate)} |`);
    // The failed threshold is in the table; it is not repeated as a reason.
    expect(slow).not.toMatch(/^- /m);
    const lossy = section(md, 'FAIL lossy');
    const lost = scenario(real, 'lossy').delivery.lost;
    expect(lossy).toContain(`| \`lost == 0\` | FAIL | actual ${formatCount(lost)} |`);
    expect(lossy).toContain(`- QoS 1 delivery guarantee violated: ${formatCount(lost)} lost`);
    expect(section(md, 'PASS steady')).not.toMatch(/^- |FAIL/m);
  });

  it('shows an aborted run, the aborted scenario and the ones never run', () => {
    const md = renderMarkdown(abortedVariant(real));
    expect(md.split('\n')[0]).toMatch(/^## chatbench ABORTED: /);
    expect(md).toContain('**Run aborted:** slow: interrupted by SIGINT');
    expect(md).toContain('1 of 3 scenarios passed (1 not run)');
    expect(rowOf(md, 'slow')[1]).toBe('ABORTED');
    expect(rowOf(md, 'lossy')).toEqual(['lossy', 'NOT RUN', ...Array<string>(9).fill('-')]);
    expect(section(md, 'ABORTED slow')).toContain('- interrupted by SIGINT');
    expect(md).toContain('Not run (the run stopped first): `lossy`');
  });

  it('keeps pipes, markup and line breaks in names and reasons inside their cell', () => {
    const copy = structuredClone(real);
    const s = scenario(copy, 'lossy');
    s.name = 'a|b_*c*';
    s.thresholds[0] = { expression: 'lost | dup', actual: 3, unit: '', passed: false };
    s.reasons.push('server said <b>no</b>\nand left | gone');
    const md = renderMarkdown(copy);
    const row = rowOf(md, 'a\\|b\\_\\*c\\*');
    expect(row).toHaveLength(11);
    expect(row[1]).toBe('FAIL');
    expect(md).toContain('| `lost \\| dup` | FAIL | actual 3 |');
    expect(md).toContain('- server said \\<b\\>no\\</b\\> and left | gone');
    expect(md).toContain('### FAIL a|b\\_\\*c\\*');
  });
});
