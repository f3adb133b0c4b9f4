/**
 * The conformance and fuzz HTML reports in a real browser (Debian's chromium through
 * playwright-core, like the run report's test): opened from a file:// URL with no console
 * errors and no request beyond the file, the verdict, the spec-section headings and the hex
 * dumps visible and laid out within 1280 px, and hostile text inert.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderConformHtml } from '../../reports/conform/html.js';
import { renderFuzzHtml } from '../../reports/fuzz/html.js';
import { describeWithChromium, launchChromium, openFile, type Chromium, type OpenedFile } from '../helpers/chromium.js';
import { QOS3_STEPS, RAW_FAIL, conformResult, finding, fuzzResult, verdict } from '../helpers/conform-results.js';

describeWithChromium('the conform and fuzz HTML reports in chromium', () => {
  let dir: string;
  let browser: Chromium;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatbench-conform-html-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string): Promise<OpenedFile> {
    const file = join(dir, `${name}.html`);
    await writeFile(file, html);
    const opened = await openFile(browser, file);
    expect(opened.ok).toBe(true);
    return opened;
  }

  /** Visible, with a size, and inside the 1280 px page. */
  async function laidOut(page: Page, selector: string): Promise<void> {
    const box = await page.locator(selector).first().boundingBox();
    expect(box?.width).toBeGreaterThan(50);
    expect(box?.height).toBeGreaterThan(10);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
  }

  it('shows a conformance report: verdict, coverage, section headings, badges and the hex of a failing raw case', async () => {
    const hostile = '<img src="http://127.0.0.1:9/x.png"><script>window.hacked = 1</script>';
    const result = conformResult([
      RAW_FAIL,
      verdict({ id: 'connect.first', verdict: 'pass' }),
      verdict({ id: 'sub.shared', version: '5', section: '4.8', verdict: 'skip', reason: hostile }),
    ]);
    const { page, problems, requests } = await open(renderConformHtml(result), 'conform');
    expect(await page.title()).toBe('chatbench conform FAIL: MQTT mqtt://127.0.0.1:1883');
    expect(await page.locator('#verdict').textContent()).toBe('FAIL');
    expect(await page.locator('h3').allTextContents()).toEqual(['Section 3.1', 'Section 4.8']);
    for (const h of await page.locator('h3').all()) expect(await h.isVisible()).toBe(true);
    await laidOut(page, '#coverage table');
    await laidOut(page, 'table.hexdump');
    expect(await page.locator('table.hexdump').count()).toBe(2);
    expect(await page.locator('table.hexdump td.ascii').first().textContent()).toBe('....MQTT...<..a');
    expect(await page.locator('table.hexdump td.ascii').first().isVisible()).toBe(true);
    expect(await page.locator('#skipped tbody th').first().textContent()).toBe(hostile);
    expect(await page.evaluate('typeof window.hacked')).toBe('undefined');
    expect(await page.locator('script, img').count()).toBe(0);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows a fuzz report: verdict, reproduce command and each finding\'s bytes as a hex dump', async () => {
    const long = [{ connection: 0, hex: 'ab'.repeat(300), note: 'oversized PUBLISH' }, ...QOS3_STEPS];
    const { page, problems, requests } = await open(renderFuzzHtml(fuzzResult([finding({ steps: long, known: false })], { expectation: { file: 'e.json', missing: [] } })), 'fuzz');
    expect(await page.locator('#verdict').textContent()).toBe('FAIL');
    expect(await page.locator('#reproduce pre').textContent()).toBe('chatbench fuzz --seed 42 --runs 1000 --version 5.0 --target mqtt://127.0.0.1:1883');
    expect(await page.locator('#finding-0 .badge.new').isVisible()).toBe(true);
    const dumps = page.locator('#finding-0 table.hexdump');
    expect(await dumps.count()).toBe(4);
    await laidOut(page, '#finding-0 table.hexdump');
    // 300 bytes: 19 rows of 16, the last one short.
    expect(await dumps.first().locator('tbody tr').count()).toBe(19);
    expect(await dumps.nth(2).locator('td').first().textContent()).toBe('36 07 00 01 74 00 01 68  69');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
