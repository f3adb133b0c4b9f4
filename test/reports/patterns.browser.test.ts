/**
 * The chat patterns' sections of the HTML report in a real browser (Debian's chromium through
 * playwright-core), opened from a file: each pattern's section is visible with its numbers, the
 * fault timeline lists 50 events then how many more, failed checks are marked, nothing loads
 * from outside and nothing runs; the comparison page shows the pattern rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareResults } from '../../core/verdict/compare.js';
import { renderComparisonHtml } from '../../reports/compare/html.js';
import { renderHtml } from '../../reports/html/page.js';
import { ENVELOPE } from '../helpers/compare-fixtures.js';
import { describeWithChromium, launchChromium, openFile, type Chromium } from '../helpers/chromium.js';
import { FIG, withPatterns } from './pattern-fixtures.js';

describeWithChromium('the pattern sections in chromium', () => {
  let dir: string;
  let browser: Chromium;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatbench-patterns-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string) {
    const file = join(dir, `${name}.html`);
    await writeFile(file, html);
    const opened = await openFile(browser, file);
    expect(opened.ok).toBe(true);
    return opened;
  }

  it('shows a visible section per pattern with its figures, latency and the fault timeline', async () => {
    const { page, problems, requests } = await open(renderHtml(withPatterns(true)), 'patterns');
    const sections = page.locator('section.pattern');
    expect(await sections.count()).toBe(5);
    for (const section of await sections.all()) expect(await section.isVisible()).toBe(true);
    expect(await page.locator('section.pattern h3').allTextContents()).toEqual([
      'Presence ✗', 'Retained room messages ✗', 'Absences and catch-up ✗', 'Session takeover ✗', 'Injected faults',
    ]);
    const presence = page.locator('section.pattern.presence');
    expect(await presence.locator('table.pattern-latency tbody tr th').textContent()).toBe('presence propagation');
    expect(await presence.locator('table.pattern-latency tbody tr td').nth(2).textContent()).toBe('4.10 ms');
    // A failed check's count is marked in the fail colour, a passing figure is not.
    const missing = presence.locator('tr', { hasText: 'status updates missing' }).locator('span.bad');
    expect(await missing.textContent()).toBe('3');
    const colourOf = (selector: string): Promise<unknown> => page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).color`);
    const [bad, plain] = [await colourOf('section.pattern.presence span.bad'), await colourOf('section.pattern.presence table.pattern-figures td')];
    expect(bad).not.toBe(plain);

    const timeline = page.locator('section.pattern.faults table.fault-timeline tbody tr');
    expect(await timeline.count()).toBe(50);
    expect(await timeline.nth(49).locator('th').textContent()).toBe('4.9 s');
    expect(await timeline.nth(49).locator('td').allTextContents()).toEqual(['disconnect', 'u48', 'event-49']);
    expect(await page.locator('section.pattern.faults .more-events').textContent()).toBe(`… ${FIG.faults.events - 50 + FIG.faults.timelineDropped} more events`);
    expect(await page.locator('#scenario-0 table.delivery thead th').last().textContent()).toBe('duplicated by chatbench');
    // Nothing wider than the page.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows the pattern rows of a comparison, the regressed one highlighted', async () => {
    const base = withPatterns();
    const worse = structuredClone(base);
    worse.runId = `${base.runId}-v`;
    const s = worse.scenarios.find((x) => x.presence !== undefined);
    if (s?.presence === undefined) throw new Error('no presence');
    s.presence.wills.afterCleanDisconnect = 12;
    const { page, problems } = await open(renderComparisonHtml(compareResults(base, worse, ENVELOPE)), 'compare');
    const regressed = page.locator('tr.regressed', { hasText: 'wills after a clean disconnect' });
    expect(await regressed.isVisible()).toBe(true);
    expect(await regressed.locator('td').allTextContents()).toEqual(['4', '12', '3×', '+200% (+8)', '✗ regressed']);
    expect(await page.locator('tr', { hasText: 'catch-up p50' }).locator('td').last().textContent()).toBe('unchanged');
    expect(problems).toEqual([]);
    await page.close();
  });
});
