/**
 * The Markdown summary of a conformance run, short enough for $GITHUB_STEP_SUMMARY and a
 * pull-request comment: the verdict, differences from the expectations (what a CI job gates
 * on), coverage per version, the failures, then one line each for timeouts, errors and skips.
 * Returns a string.
 */
import type { ConformResult } from '../../core/result/index.js';
import { protocolName } from '../../core/result/index.js';
import { describeAbort, describeWhere } from '../describe.js';
import { mdCode, mdRow, mdText } from '../escape-markdown.js';
import {
  NOT_THE_SERVERS, caseName, casesWith, choicesOf, conformLabel, coveragePercent, differenceChange, differenceKind, totalsLine, coverageEntries,
} from './shared.js';

export function renderConformMarkdown(result: ConformResult): string {
  const out: string[] = [
    `## chatbench conform ${conformLabel(result)}: ${mdText(protocolName(result.target.protocol))} ${describeWhere(result.target, mdCode)}`,
    '',
    [`versions ${result.versions.map(mdText).join(', ')}`, `run ${mdCode(result.runId)}`, `chatbench ${mdText(result.tool.version)}`, mdText(totalsLine(result))].join(' · '),
  ];
  if (result.aborted !== null) out.push('', `**Stopped early:** ${mdText(describeAbort(result.aborted))}`);

  const e = result.expectation;
  if (e !== null && e.differences.length === 0) out.push('', `**As expected:** no difference from ${mdCode(e.file)}`);
  if (e !== null && e.differences.length > 0) {
    out.push(
      '', `**${e.differences.length} ${e.differences.length === 1 ? 'difference' : 'differences'} from ${mdCode(e.file)}**`, '',
      mdRow(['difference', 'case', 'change']), mdRow([':---', ':---', ':---']),
      ...e.differences.map((d) => mdRow([differenceKind(d), mdCode(caseName(d)), mdText(differenceChange(d))])),
    );
  }

  out.push(
    '', mdRow(['version', 'statements', 'testable', 'tested', 'coverage']), mdRow([':---', '---:', '---:', '---:', '---:']),
    ...coverageEntries(result).map(([v, c]) => mdRow([mdText(v), String(c.statements), String(c.testable), String(c.tested), coveragePercent(c)])),
  );

  const failed = casesWith(result, 'fail');
  if (failed.length > 0) {
    out.push(
      '', mdRow(['case', 'statement', 'expected', 'observed']), mdRow([':---', ':---', ':---', ':---']),
      ...failed.flatMap((c) => c.failures.map((f) => mdRow([mdCode(caseName(c)), mdCode(f.statement), mdText(f.expected), mdText(f.observed)]))),
    );
  }
  const t = result.totals;
  const choices = choicesOf(result).length;
  const lines = [
    t.timeout > 0 ? `${t.timeout} timed out: ${NOT_THE_SERVERS.timeout}.` : null,
    t.error > 0 ? `${t.error} errors: ${NOT_THE_SERVERS.error}.` : null,
    t.skip > 0 ? `${t.skip} skipped (reasons in the HTML report and the console summary).` : null,
    choices > 0 ? `${choices} SHOULD / MAY choices reported, never failed.` : null,
  ].filter((line): line is string => line !== null);
  if (lines.length > 0) out.push('', ...lines.map((line) => `> ${mdText(line)}  `));
  return `${out.join('\n')}\n`;
}
