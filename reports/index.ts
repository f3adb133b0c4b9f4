/**
 * Reports: functions from a result to text, picked by the result's kind and the format asked
 * for. `renderResult` is the one dispatch `chatbench report` (and every command writing report
 * files) goes through; the format-named functions below take any kind too. A new result kind
 * adds one entry to RENDERERS (the compiler insists), with the formats it has.
 */
import { InputError } from '../core/errors.js';
import type { ChatbenchResult, ResultKind } from '../core/result/index.js';
import { renderComparison } from './compare/console.js';
import { renderComparisonHtml } from './compare/html.js';
import { renderComparisonMarkdown } from './compare/markdown.js';
import { renderConformConsole } from './conform/console.js';
import { renderConformHtml } from './conform/html.js';
import { renderConformJunit } from './conform/junit.js';
import { renderConformMarkdown } from './conform/markdown.js';
import { renderConsole as runConsole } from './console.js';
import { renderFuzzConsole } from './fuzz/console.js';
import { renderFuzzHtml } from './fuzz/html.js';
import { renderFuzzJunit } from './fuzz/junit.js';
import { renderFuzzMarkdown } from './fuzz/markdown.js';
import { renderHtml as runHtml } from './html/page.js';
import { renderJson as anyJson } from './json.js';
import { renderJunit as runJunit } from './junit.js';
import { renderMarkdown as runMarkdown } from './markdown.js';

export type ReportFormat = 'console' | 'json' | 'junit' | 'markdown' | 'html';

export interface RenderOptions {
  /** ANSI colour in console output (the CLI decides: TTY, NO_COLOR, FORCE_COLOR). */
  color: boolean;
}

type Renderer<R> = (result: R, options: RenderOptions) => string;
type ResultOf<K extends ResultKind> = Extract<ChatbenchResult, { kind: K }>;

/** Per kind, the formats it renders to; a missing format is one the kind has no report in. */
const RENDERERS: { [K in ResultKind]: Partial<Record<ReportFormat, Renderer<ResultOf<K>>>> } = {
  run: { console: runConsole, json: anyJson, junit: runJunit, markdown: runMarkdown, html: runHtml },
  compare: { console: renderComparison, json: anyJson, markdown: renderComparisonMarkdown, html: renderComparisonHtml },
  conform: { console: renderConformConsole, json: anyJson, junit: renderConformJunit, markdown: renderConformMarkdown, html: renderConformHtml },
  fuzz: { console: renderFuzzConsole, json: anyJson, junit: renderFuzzJunit, markdown: renderFuzzMarkdown, html: renderFuzzHtml },
};

const FORMAT_WORDS: Readonly<Record<ReportFormat, string>> = {
  console: 'console summary', json: 'JSON', junit: 'JUnit report', markdown: 'Markdown summary', html: 'HTML report',
};

/** The formats a kind of result renders to, in the order above. */
export function reportFormats(kind: ResultKind): ReportFormat[] {
  return (Object.keys(FORMAT_WORDS) as ReportFormat[]).filter((f) => RENDERERS[kind][f] !== undefined);
}

function rendererOf<K extends ResultKind>(kind: K, format: ReportFormat): Renderer<ResultOf<K>> {
  const renderer = (RENDERERS[kind] as Partial<Record<ReportFormat, Renderer<ResultOf<K>>>>)[format];
  if (renderer === undefined) {
    throw new InputError(`a "${kind}" result has no ${FORMAT_WORDS[format]}; it renders as ${reportFormats(kind).map((f) => FORMAT_WORDS[f]).join(', ')}`);
  }
  return renderer;
}

/** Renders any result in `format`; bad input (InputError) when its kind has no such report. */
export function renderResult(result: ChatbenchResult, format: ReportFormat, options: RenderOptions = { color: false }): string {
  switch (result.kind) {
    case 'run': return rendererOf('run', format)(result, options);
    case 'compare': return rendererOf('compare', format)(result, options);
    case 'conform': return rendererOf('conform', format)(result, options);
    case 'fuzz': return rendererOf('fuzz', format)(result, options);
  }
}

export const renderConsole = (result: ChatbenchResult, options: RenderOptions = { color: false }): string => renderResult(result, 'console', options);
export const renderJson = (result: ChatbenchResult): string => renderResult(result, 'json');
export const renderJunit = (result: ChatbenchResult): string => renderResult(result, 'junit');
export const renderMarkdown = (result: ChatbenchResult): string => renderResult(result, 'markdown');
export const renderHtml = (result: ChatbenchResult): string => renderResult(result, 'html');

export { renderComparison, type CompareRenderOptions } from './compare/console.js';
export { renderComparisonMarkdown } from './compare/markdown.js';
export { renderComparisonHtml } from './compare/html.js';
export { formatBytes, formatCount, formatMicros, formatRate } from './format.js';
