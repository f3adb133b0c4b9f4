/**
 * The frame every HTML report shares (run, conformance, fuzz): the document with its inline
 * stylesheet and no scripts, and the page header (title with the verdict badge, a summary line,
 * an abort notice and the facts of the run). Pure functions returning markup.
 */
import { xmlText } from '../escape-xml.js';
import { el } from './markup.js';
import { HTML_STYLE } from './style.js';

export interface HtmlDocument {
  title: string;
  toolVersion: string;
  /** CSS added after the shared stylesheet (free of "<" and "&"). */
  style?: string;
  header: string;
  main: readonly string[];
  footer: string;
}

export function htmlDocument(d: HtmlDocument): string {
  const head = el('head', {}, [
    el('meta', { charset: 'utf-8' }, null),
    el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }, null),
    el('meta', { name: 'color-scheme', content: 'light dark' }, null),
    el('meta', { name: 'generator', content: `chatbench ${d.toolVersion}` }, null),
    el('title', {}, xmlText(d.title)),
    el('style', {}, HTML_STYLE + (d.style ?? '')),
  ]);
  const body = el('body', {}, [d.header, el('main', {}, d.main), el('footer', { class: 'muted' }, xmlText(d.footer))]);
  return `<!DOCTYPE html>\n${el('html', { lang: 'en' }, [head, body])}\n`;
}

export interface PageHeader {
  /** The heading's text before the badge: "chatbench report". */
  heading: string;
  /** The badge's class (passed, failed, aborted) and text (PASS, FAIL, ABORTED). */
  status: string;
  label: string;
  summary: string;
  /** "Run aborted: …" in words, or null. */
  aborted: string | null;
  abortedTitle?: string;
  meta: ReadonlyArray<readonly [string, string]>;
}

export function pageHeader(h: PageHeader): string {
  const aborted = h.aborted === null ? '' : el('p', { class: 'aborted', role: 'alert' }, `${el('strong', {}, xmlText(h.abortedTitle ?? 'Run aborted:'))} ${xmlText(h.aborted)}`);
  return el('header', {}, [
    el('h1', {}, `${xmlText(h.heading)} ${el('span', { id: 'verdict', class: `badge ${h.status}` }, xmlText(h.label))}`),
    el('p', { class: 'summary' }, xmlText(h.summary)),
    aborted,
    el('dl', { class: 'meta' }, h.meta.map(([k, v]) => el('div', {}, [el('dt', {}, xmlText(k)), el('dd', {}, xmlText(v))]))),
  ]);
}

/** "2024-05-01T10:00:03Z (3.2 s)": when a result finished, and how long it took. */
export function finishedText(startedAt: string, finishedAt: string): string {
  const seconds = (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000;
  return `${finishedAt}${Number.isFinite(seconds) && seconds >= 0 ? ` (${seconds.toFixed(1)} s)` : ''}`;
}

/** "Node 20.11.0, linux/x64, 2 CPUs". */
export function machineText(env: { node: string; platform: string; arch: string; cpus: number }): string {
  return `Node ${env.node}, ${env.platform}/${env.arch}, ${env.cpus} CPUs`;
}
