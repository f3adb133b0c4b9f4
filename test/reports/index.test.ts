/**
 * The one render dispatch: any kind of result, any format its kind has; a format a kind has
 * not is bad input that names the formats it does have.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../core/errors.js';
import type { CompareResult, RunResult } from '../../core/result/index.js';
import { compareResults } from '../../core/verdict/compare.js';
import { renderComparison } from '../../reports/compare/console.js';
import { renderComparisonHtml } from '../../reports/compare/html.js';
import { renderComparisonMarkdown } from '../../reports/compare/markdown.js';
import { renderConsole as runConsole } from '../../reports/console.js';
import { renderHtml as runHtml } from '../../reports/html/page.js';
import { renderResult, reportFormats } from '../../reports/index.js';
import { renderJunit as runJunit } from '../../reports/junit.js';
import { renderMarkdown as runMarkdown } from '../../reports/markdown.js';
import { ENVELOPE } from '../helpers/compare-fixtures.js';
import { measureRunResult } from '../helpers/results.js';

let run: RunResult;
let comparison: CompareResult;
beforeAll(async () => {
  run = await measureRunResult();
  comparison = compareResults(run, run, ENVELOPE);
});

describe('renderResult', () => {
  it('renders a run result in every format through the renderers of its kind', () => {
    expect(reportFormats('run')).toEqual(['console', 'json', 'junit', 'markdown', 'html']);
    expect(renderResult(run, 'console', { color: true })).toBe(runConsole(run, { color: true }));
    expect(renderResult(run, 'junit')).toBe(runJunit(run));
    expect(renderResult(run, 'markdown')).toBe(runMarkdown(run));
    expect(renderResult(run, 'html')).toBe(runHtml(run));
    expect(JSON.parse(renderResult(run, 'json'))).toEqual(run);
  });

  it('renders a compare result as a console table, Markdown, HTML or JSON, and refuses JUnit', () => {
    expect(reportFormats('compare')).toEqual(['console', 'json', 'markdown', 'html']);
    expect(renderResult(comparison, 'console')).toBe(renderComparison(comparison));
    expect(renderResult(comparison, 'markdown')).toBe(renderComparisonMarkdown(comparison));
    expect(renderResult(comparison, 'html')).toBe(renderComparisonHtml(comparison));
    expect(JSON.parse(renderResult(comparison, 'json'))).toEqual(comparison);
    const error = (() => { try { renderResult(comparison, 'junit'); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    expect((error as Error).message).toBe('a "compare" result has no JUnit report; it renders as console summary, JSON, Markdown summary, HTML report');
  });
});
