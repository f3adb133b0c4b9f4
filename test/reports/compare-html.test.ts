/**
 * The compare HTML page (`chatbench compare --html`) and the claims table in the console and
 * Markdown comparisons: strict XML, no scripts, both runs side by side, the ratio current over
 * baseline, regressed rows marked, the claims with both numbers and their verdicts; hostile
 * text stays text. And the CLI writing it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Claim } from '../../core/result/index.js';
import { renderComparison, renderComparisonHtml, renderComparisonMarkdown } from '../../reports/index.js';
import { runCli } from '../helpers/cli.js';
import { kids, parseXml, type XmlElement } from '../helpers/xml.js';
import { claimsPair } from './compare-html-pair.js';

/** Every element under `root` (itself included) for which `match` holds, in document order. */
function all(root: XmlElement, match: (e: XmlElement) => boolean): XmlElement[] {
  const found = match(root) ? [root] : [];
  for (const child of root.children) found.push(...all(child, match));
  return found;
}
const text = (e: XmlElement): string => e.text + e.children.map(text).join('');
const byClass = (root: XmlElement, cls: string) => all(root, (e) => (e.attrs['class'] ?? '').split(' ').includes(cls));
const claimOf = (claims: readonly Claim[] | undefined, id: string): Claim => {
  const c = claims?.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no claim ${id}`);
  return c;
};

describe('the compare HTML page', () => {
  const { comparison } = claimsPair();
  const html = renderComparisonHtml(comparison);
  const doc = parseXml(html.replace(/^<!DOCTYPE html>\n/, ''));

  it('is strict XML with no script, titled with the verdict and both targets', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(all(doc, (e) => e.name === 'script' || e.name === 'img' || e.name === 'link')).toEqual([]);
    expect(text(all(doc, (e) => e.name === 'title')[0] as XmlElement)).toBe(
      `chatbench compare REGRESSED: MQTT 3.1.1 embedded broker (${comparison.baseline.target.url}) vs XMPP 1.0 xmpp://127.0.0.1:5222`,
    );
    expect(text(all(doc, (e) => e.attrs['id'] === 'verdict')[0] as XmlElement)).toBe('REGRESSED');
  });

  it('shows each scenario side by side with the ratio, the regressed rows marked', () => {
    const room = all(doc, (e) => e.attrs['id'] === 'scenario-0')[0] as XmlElement;
    expect(room.attrs['class']).toBe('scenario regressed');
    const table = byClass(room, 'metrics')[0] as XmlElement;
    const head = all(table, (e) => e.name === 'th' && e.attrs['scope'] === 'col').map(text);
    expect(head).toEqual(['metric', 'baseline', 'current', 'current/baseline', 'change', 'verdict']);
    const p50 = all(table, (e) => e.name === 'tr').find((tr) => text(kids(tr, 'th')[0] ?? tr) === 'latency p50') as XmlElement;
    expect(p50.attrs['class']).toBe('regressed');
    const cells = kids(p50, 'td').map(text);
    const metric = comparison.scenarios[0]?.metrics.find((m) => m.id === 'p50');
    // The latency doubled: the ratio reads 2× (within the histogram's precision).
    expect(Number(cells[2]?.replace('×', ''))).toBeCloseTo((metric?.current ?? 0) / (metric?.baseline ?? 1), 2);
    expect(cells[4]).toBe('✗ regressed');
    // The direct scenario did not regress: no row of it is marked.
    const direct = all(doc, (e) => e.attrs['id'] === 'scenario-1')[0] as XmlElement;
    expect(byClass(direct, 'regressed')).toEqual([]);
  });

  it('has the claims table: both numbers, the ratio, the verdict and how each was measured', () => {
    const section = all(doc, (e) => e.attrs['id'] === 'claims')[0] as XmlElement;
    expect(text(kids(section, 'h2')[0] as XmlElement)).toBe('MQTT vs XMPP: the claims, measured');
    const rows = all(section, (e) => e.name === 'tr' && (e.attrs['class'] ?? '').includes('claim-'));
    expect(rows).toHaveLength(comparison.claims?.length ?? -1);
    const direct = rows.find((r) => r.attrs['class'] === 'supported claim-wire-bytes-direct') as XmlElement;
    const c = claimOf(comparison.claims, 'wire-bytes-direct');
    expect(kids(direct, 'td').map(text).slice(0, 4)).toEqual([
      `${(c.mqtt ?? 0).toFixed(1)} B`, `${(c.xmpp ?? 0).toFixed(1)} B`, `${Number((c.ratio ?? 0).toPrecision(3))}×`, '✓ supported',
    ]);
    expect(rows.find((r) => r.attrs['class'] === 'not-supported claim-wire-bytes-room')).toBeDefined();
    const keepAlive = rows.find((r) => (r.attrs['class'] ?? '').endsWith('claim-keep-alive')) as XmlElement;
    expect(kids(keepAlive, 'td').map(text).slice(0, 4)).toEqual(['8 B/min', '48 B/min', '0.167×', '✓ supported']);
    const rate = rows.find((r) => (r.attrs['class'] ?? '').endsWith('claim-sustained-rate')) as XmlElement;
    expect(rate.attrs['class']).toBe('not-measured claim-sustained-rate');
    expect(text(byClass(rate, 'note')[0] as XmlElement)).toMatch(/no rate sweep/);
  });

  it('has no claims section for two results of one protocol', () => {
    const { mqtt } = claimsPair();
    const same = renderComparisonHtml({ ...comparison, claims: undefined });
    expect(same).not.toContain('id="claims"');
    expect(mqtt.target.protocol).toBe('mqtt');
  });

  it('keeps hostile scenario names and reasons as text', () => {
    const hostile = structuredClone(comparison);
    const s = hostile.scenarios[0];
    if (s === undefined) throw new Error('no scenario');
    s.name = '<script>alert(1)</script>';
    s.warnings.push('<img src="http://127.0.0.1:9/x.png">');
    const page = parseXml(renderComparisonHtml(hostile).replace(/^<!DOCTYPE html>\n/, ''));
    expect(all(page, (e) => e.name === 'script' || e.name === 'img')).toEqual([]);
    expect(text(all(page, (e) => e.attrs['id'] === 'scenario-0-h')[0] as XmlElement)).toContain('<script>alert(1)</script>');
  });
});

describe('the claims in the console and Markdown comparisons', () => {
  const { comparison } = claimsPair();

  it('console: a table with both numbers and the verdict, and how each was measured', () => {
    const out = renderComparison(comparison);
    expect(out).toMatch(/MQTT vs XMPP: the claims, measured: 4 supported, 3 not supported, 7 not measured/);
    const row = out.split('\n').find((l) => l.includes('an idle MQTT connection costs fewer keep-alive bytes per minute'));
    expect(row).toMatch(/8 B\/min\s+48 B\/min\s+0\.167×\s+✓ supported/);
    expect(out).toContain('idle-phase bytes (in + out) per connection per minute, keep-alive MQTT 30 s, XMPP 60 s');
  });

  it('Markdown: the same table, verdicts marked', () => {
    const md = renderComparisonMarkdown(comparison);
    expect(md).toContain('### MQTT vs XMPP: the claims, measured');
    expect(md).toContain('| claim | MQTT | XMPP | MQTT/XMPP | verdict |');
    expect(md).toMatch(/\| an idle MQTT connection costs fewer keep-alive bytes per minute \| 8 B\/min \| 48 B\/min \| 0\.167× \| ✅ supported \|/);
    expect(md).toMatch(/\| an MQTT room message takes fewer wire bytes per delivery than an XMPP one \| .* \| ❌ not supported \|/);
    expect(md).toContain('- **sustained-rate**: the MQTT result has no rate sweep');
  });
});

describe('chatbench compare --html', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatbench-compare-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the page beside the JSON, with the claims in both, and exits 1 on the regression', async () => {
    const { mqtt, xmpp } = claimsPair();
    const [a, b, html, json] = ['mqtt.json', 'xmpp.json', 'cmp.html', 'cmp.json'].map((f) => join(dir, f)) as [string, string, string, string];
    writeFileSync(a, JSON.stringify(mqtt));
    writeFileSync(b, JSON.stringify(xmpp));
    const r = await runCli(['compare', a, b, '--html', html, '--json', json]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`HTML report written to ${html}`);
    expect(r.stderr).toContain('MQTT vs XMPP: the claims, measured');
    const written = JSON.parse(readFileSync(json, 'utf8')) as { claims?: Claim[] };
    expect(claimOf(written.claims, 'keep-alive').verdict).toBe('supported');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('class="supported claim-keep-alive"');
    expect(page).toContain('<span id="verdict" class="badge failed">REGRESSED</span>');
  }, 60_000);
});
