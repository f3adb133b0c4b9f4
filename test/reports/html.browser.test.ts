/**
 * The HTML report in a real browser (Debian's chromium through playwright-core), opened from
 * a file:// URL as a user opens it: no console errors, not one request beyond the file itself,
 * the title and verdict visible, every chart laid out with a size, and a screenshot that is a
 * real PNG of the page at 1280 px.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResult } from '../../core/result/index.js';
import { renderHtml } from '../../reports/html/page.js';
import { describeWithChromium, launchChromium, openFile, type Chromium } from '../helpers/chromium.js';
import { abortedVariant, measureRunResult, overloadVariant } from '../helpers/results.js';

describeWithChromium('the HTML report in chromium', () => {
  let dir: string;
  let browser: Chromium;
  let real: RunResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatbench-html-'));
    [real, browser] = await Promise.all([measureRunResult(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes the report, opens it, and records console errors, page errors and every request. */
  async function open(result: RunResult, name: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const file = join(dir, `${name}.html`);
    await writeFile(file, renderHtml(result));
    const { page, ok, problems, requests } = await openFile(browser, file);
    expect(ok).toBe(true);
    return { page, problems, requests };
  }

  it('opens offline with no errors and no requests, shows the title, the verdict and sized charts, and screenshots', async () => {
    const { page, problems, requests } = await open(real, 'real');
    expect(await page.title()).toBe(`chatbench FAIL: embedded broker (${real.target.url})`);
    const verdict = page.locator('#verdict');
    await expect.poll(() => verdict.isVisible()).toBe(true);
    expect(await verdict.textContent()).toBe('FAIL');
    expect(await page.locator('h1').isVisible()).toBe(true);
    expect(await page.locator('table.overview tbody tr').count()).toBe(3);

    for (const cls of ['latency-chart', 'throughput-chart']) {
      const charts = page.locator(`svg.${cls}`);
      expect(await charts.count()).toBe(3);
      for (const chart of await charts.all()) {
        const box = await chart.boundingBox();
        expect(box?.width).toBeGreaterThan(300);
        expect(box?.height).toBeGreaterThan(150);
        // Fits the 1280 px page without a horizontal scroll bar.
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
      }
    }
    // A chart whose deliveries all arrived draws its lines across the plot; one with deliveries that
    // never arrived stops its lines where arrivals end and shades the rest (checked below).
    for (const chart of await page.locator('svg.latency-chart').all()) {
      const censored = (await chart.locator('g.censored').count()) > 0;
      for (const line of await chart.locator('polyline').all()) {
        const box = await line.boundingBox();
        expect(box?.width).toBeGreaterThan(censored ? 10 : 100);
      }
    }
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    expect(await sideways(page)).toEqual([]);
    // The chart's accessible name is its <title>.
    expect(await page.locator('svg.latency-chart').first().getAttribute('aria-labelledby')).toBe('scenario-0-latency-title');
    expect(await page.locator('#scenario-0-latency-title').textContent()).toBe('Latency percentile distribution: steady');

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // a full page, not just the viewport
    expect(png.length).toBeGreaterThan(50_000);
    if (process.env.CHATBENCH_REPORT_SCREENSHOT) await writeFile(process.env.CHATBENCH_REPORT_SCREENSHOT, png);

    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  /**
   * Everything that would scroll sideways at 1280 px: the page, or a box (the Scenarios table's
   * scroller, any table) wider than its room or reaching past the viewport.
   */
  async function sideways(page: Page): Promise<string[]> {
    return page.evaluate(`[...document.querySelectorAll('.scroll, table, section, figure')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      .map((e) => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)`);
  }

  it('fits the Scenarios table in 1280 px without a sideways scroll, with long names and wide figures', async () => {
    const wide = overloadVariant(real);
    for (const s of wide.scenarios) {
      s.name = `${s.name}-with-a-long-descriptive-scenario-name`;
      Object.assign(s, { users: 12_000, rooms: 1_500, targetRate: 150_000 });
      s.spec.directPairs = 1_000;
      Object.assign(s.delivery, { lost: 1_234_567, undelivered: 123_456, duplicated: 22_222, reordered: 123_456, violations: 1_234_567 });
      Object.assign(s.throughput, { sent: 22_500_000, deliveredPerSecond: 4_498_051 });
    }
    wide.selected = wide.scenarios.map((s) => s.name);
    const { page, problems } = await open(wide, 'wide');
    const table = page.locator('table.overview');
    expect(await table.locator('tbody tr').count()).toBe(3);
    // Every column is on screen, the last ones too.
    for (const head of ['reordered', 'violations']) {
      const box = await table.locator('thead th', { hasText: head }).boundingBox();
      expect((box?.x ?? Infinity) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
    }
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    expect(await sideways(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an aborted run and hostile text as text, without running anything', async () => {
    const copy = abortedVariant(real);
    const slow = copy.scenarios[1] as RunResult['scenarios'][number];
    slow.reasons.push({ kind: 'protocol', anomaly: 'x', message: '<script>window.hacked = 1; console.error("ran")</script><img src="http://127.0.0.1:9/x.png">' });
    const { page, problems, requests } = await open(copy, 'aborted');
    expect(await page.locator('#verdict').textContent()).toBe('ABORTED');
    expect(await page.locator('p.aborted').isVisible()).toBe(true);
    expect(await page.locator('section.not-run h2').textContent()).toContain('lossy');
    expect(await page.locator('section.aborted .reasons li').last().textContent()).toBe(slow.reasons.at(-1)?.message);
    expect(await page.evaluate('typeof window.hacked')).toBe('undefined');
    expect(await page.locator('script, img').count()).toBe(0);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows the censored band of an overloaded run above the line, laid out inside the chart', async () => {
    const { page, problems, requests } = await open(overloadVariant(real), 'overload');
    const chart = page.locator('#scenario-0-latency');
    const band = chart.locator('rect.censored-band').first();
    const [chartBox, bandBox, lineBox] = await Promise.all([chart.boundingBox(), band.boundingBox(), chart.locator('polyline.series-latency').boundingBox()]);
    expect(chartBox).not.toBeNull();
    expect(bandBox).not.toBeNull();
    expect(lineBox).not.toBeNull();
    expect(bandBox?.width).toBeGreaterThan(5);
    expect(bandBox?.height).toBeGreaterThan(5);
    // Inside the chart, to the right of where the line stops, and above all of it.
    expect((bandBox?.x ?? 0) + (bandBox?.width ?? 0)).toBeLessThanOrEqual((chartBox?.x ?? 0) + (chartBox?.width ?? 0) + 0.5);
    expect(bandBox?.x).toBeGreaterThanOrEqual((lineBox?.x ?? 0) + (lineBox?.width ?? 0) - 1);
    expect((bandBox?.y ?? 0) + (bandBox?.height ?? 0)).toBeLessThanOrEqual((lineBox?.y ?? 0) + 1);
    expect(await chart.locator('g.censored text').first().textContent()).toBe('> 12.0 s: never arrived');
    // The row's cells after its header cell: status, workload, sent, delivered/s, p50, p99.
    expect(await page.locator('table.overview tbody tr').first().locator('td').nth(5).textContent()).toBe('> 12.0 s');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('prints: the charts keep their size on paper', async () => {
    const { page } = await open(real, 'print');
    await page.emulateMedia({ media: 'print' });
    const box = await page.locator('svg.latency-chart').first().boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });
});
