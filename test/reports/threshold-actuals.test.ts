/**
 * A threshold's actual reads the same everywhere: in the judge's reason and in the console,
 * Markdown, HTML and JUnit reports, in the unit the threshold was written in (a ratio as a
 * ratio, "%" as a percentage) and with thousands separators.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, ScenarioResult } from '../../core/result/index.js';
import { judge } from '../../core/verdict/judge.js';
import { renderConsole } from '../../reports/console.js';
import { xmlAttr, xmlText } from '../../reports/escape-xml.js';
import { renderHtml } from '../../reports/html/page.js';
import { renderJunit } from '../../reports/junit.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { measureRunResult, scenario } from '../helpers/results.js';
import { thresholds } from '../helpers/scenario.js';

let real: RunResult;
beforeAll(async () => {
  real = await measureRunResult();
});

const EXPRESSIONS = ['lossRatio < 0.01', 'lossRatio < 1%', 'deliveredPerSecond >= 5000', 'delivered > 100000', 'p50 < 1us'];

/** "lossy" with 2,274 of 18,000 owed deliveries lost and 4,498.0512 deliveries a second, judged by the real judge. */
function lossy(): RunResult {
  const copy = structuredClone(real);
  const s = scenario(copy, 'lossy');
  const { status: _s, reasons: _r, thresholds: _t, ...measured } = s;
  measured.delivery = { ...measured.delivery, expected: 18_000, lost: 2_274 };
  measured.throughput = { ...measured.throughput, deliveredPerSecond: 4498.0512 };
  const spec = { ...s.spec, thresholds: thresholds(...EXPRESSIONS) };
  const judged: ScenarioResult = judge(spec, { ...measured, spec }, null);
  copy.scenarios = copy.scenarios.map((x) => (x.name === 'lossy' ? judged : x));
  return copy;
}

describe('threshold actuals', () => {
  it('are in the written unit, with separators, the same in the reason and every report', () => {
    const result = lossy();
    const s = scenario(result, 'lossy');
    const p50 = s.latency.p50 ?? NaN;
    // The latency reads in the unit the latency table picks for it, exact.
    const latency = p50 < 1000 ? `${p50} µs` : p50 < 1_000_000 ? `${Number((p50 / 1000).toPrecision(6)).toLocaleString('en-US')} ms` : `${Number((p50 / 1e6).toPrecision(6))} s`;
    const actuals: Record<string, string> = {
      'lossRatio < 0.01': '0.126333',
      'lossRatio < 1%': '12.6333%',
      'deliveredPerSecond >= 5000': '4,498.05 msg/s',
      'delivered > 100000': s.delivery.delivered.toLocaleString('en-US'),
      'p50 < 1us': latency,
    };
    const messages = s.reasons.filter((r) => r.kind === 'threshold').map((r) => r.message);
    expect(messages).toHaveLength(EXPRESSIONS.length);
    const consoleText = renderConsole(result);
    const markdown = renderMarkdown(result);
    const html = renderHtml(result);
    const junit = renderJunit(result);
    for (const e of EXPRESSIONS) {
      const actual = actuals[e] as string;
      expect(messages.find((m) => m.startsWith(`threshold ${e}: `))).toMatch(new RegExp(`^threshold ${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: actual ${actual.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(;|$)`));
      expect(consoleText).toContain(`✗ ${e}  (actual ${actual})`);
      expect(markdown).toContain(`| FAIL | actual ${actual.replace('>', '\\>')} |`);
      expect(html).toContain(`<td>${xmlText(actual)}</td>`);
      expect(junit).toContain(xmlAttr(`${e}: actual ${actual}`));
    }
    // Never the other unit: a ratio threshold is not shown as a percentage, nor the reverse.
    expect(consoleText).not.toContain('lossRatio < 0.01  (actual 12.6333%)');
    expect(consoleText).not.toContain('lossRatio < 1%  (actual 0.126333)');
  });
});
