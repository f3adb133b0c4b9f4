/**
 * The compare HTML page in a real browser (Debian's chromium through playwright-core, like the
 * run report's test): opened from a file:// URL with no console errors and no request beyond the
 * file, the verdict and the claims table visible and laid out within 1280 px, a regressed row
 * painted in the failure colour, and a page that prints.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderComparisonHtml } from '../../reports/compare/html.js';
import { describeWithChromium, launchChromium, openFile, type Chromium } from '../helpers/chromium.js';
import { claimsPair } from './compare-html-pair.js';

describeWithChromium('the compare HTML page in chromium', () => {
  let dir: string;
  let browser: Chromium;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatbench-compare-html-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens offline with no errors, shows the verdict, the claims and the regressions, within 1280 px, and prints', async () => {
    const { comparison } = claimsPair();
    const file = join(dir, 'compare.html');
    await writeFile(file, renderComparisonHtml(comparison));
    const { page, ok, problems, requests } = await openFile(browser, file);
    expect(ok).toBe(true);

    expect(await page.locator('#verdict').textContent()).toBe('REGRESSED');
    const claims = page.locator('#claims table.claims');
    expect(await claims.isVisible()).toBe(true);
    expect(await claims.locator('tbody tr').count()).toBe(comparison.claims?.length);
    const box = await claims.boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
    expect(await claims.locator('tr.claim-keep-alive td.verdict').textContent()).toBe('✓ supported');

    // A regressed row and a not-supported claim are painted in the failure colours, a supported one not.
    // Evaluated in the page (as text: the tests compile without the DOM's types).
    const background = (selector: string): Promise<string> =>
      page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).backgroundColor`) as Promise<string>;
    const failure = await page.evaluate('getComputedStyle(document.documentElement).getPropertyValue("--fail-bg").trim()');
    expect(failure).not.toBe('');
    const red = await background('#scenario-0 table.metrics tr.regressed td');
    expect(red).not.toBe('rgba(0, 0, 0, 0)');
    expect(await background('#claims tr.not-supported td')).toBe(red);
    expect(await background('#claims tr.supported td')).not.toBe(red);
    expect(await background('#scenario-1 table.metrics tr td')).not.toBe(red);

    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
