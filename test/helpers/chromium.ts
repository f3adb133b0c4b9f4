/**
 * Debian's chromium for browser tests, driven by playwright-core (which never downloads a
 * browser): launched headless with a fresh temp profile, no network services of its own,
 * and closed (profile removed) by the returned close().
 *
 *   const browser = await launchChromium();
 *   const page = await browser.context.newPage();
 *   ...
 *   await browser.close();
 */
import { describeRequiring } from './requires.js';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** $CHATBENCH_CHROMIUM when set (only that one), else Debian's /usr/bin/chromium. */
export function chromiumBinary(): string | undefined {
  const path = process.env.CHATBENCH_CHROMIUM || '/usr/bin/chromium';
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** describe() when chromium is installed; skipped with the reason elsewhere, failing under CI=true. */
export function describeWithChromium(name: string, body: () => void): void {
  describeRequiring({ program: 'chromium', available: chromiumBinary() !== undefined, install: 'apt-get install -y chromium, or set CHATBENCH_CHROMIUM' }, name, body);
}

/** Flags that keep chromium offline and quiet: no background fetches, updates, sync or QUIC. */
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless chromium with a fresh profile in a temp folder, 1280 × 900. */
export async function launchChromium(): Promise<Chromium> {
  const executablePath = chromiumBinary();
  if (executablePath === undefined) throw new Error('chromium not found (apt-get install -y chromium)');
  const profile = await mkdtemp(join(tmpdir(), 'chatbench-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: 30_000,
    });
    return {
      context,
      close: async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}

/** A page opened from a file, with its console errors and warnings, page errors and every request beyond file: and data: (all refused). */
export interface OpenedFile {
  page: Page;
  ok: boolean;
  problems: string[];
  requests: string[];
}

/** Opens `file` as a user opens a saved report: from a file:// URL, nothing else may load. */
export async function openFile(browser: Chromium, file: string): Promise<OpenedFile> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) requests.push(r.url()); });
  // Anything not the file itself never leaves the browser.
  await page.route(/^(?!file:|data:)/, (route) => route.abort());
  const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, ok: response === null || response.ok(), problems, requests };
}
