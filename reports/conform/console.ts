/**
 * The console summary of a conformance run: target, versions, coverage per version, totals;
 * with --expect the differences first; then every failure with its evidence (statement,
 * expected, observed, the bytes both ways of a raw case), timeouts and errors (chatbench's, not
 * the server's) and skips grouped by reason, one line each, and the server's SHOULD / MAY
 * choices. Returns a string; writes nothing.
 */
import type { CaseVerdict, ConformResult } from '../../core/result/index.js';
import { paintStatus, palette, type Palette } from '../color.js';
import { describeAbort } from '../describe.js';
import { termText } from '../escape-terminal.js';
import { HEX_LIMITS, hexText } from '../hex.js';
import {
  CHOICES_NOTE, NOT_THE_SERVERS, byReason, caseName, casesWith, choicesOf, conformLabel, coverageLine, describeConformTarget, differenceChange, differenceKind,
  evidenceBlocks, someCases, totalsLine, coverageEntries,
} from './shared.js';

export function renderConformConsole(result: ConformResult, options: { color: boolean } = { color: false }): string {
  const p = palette(options.color);
  const out: string[] = [
    `${p.bold(`chatbench ${result.tool.version}`)} — conformance of ${termText(describeConformTarget(result))}, run ${termText(result.runId)}`,
    `${paintStatus(p, conformLabel(result))} versions ${result.versions.map(termText).join(', ')}${result.casePattern === null ? '' : `, cases matching ${termText(result.casePattern)}`}${result.profileFile === null ? '' : `, profile ${termText(result.profileFile)}`}`,
    ...coverageEntries(result).map(([v, c]) => `  ${termText(coverageLine(v, c))}`),
    `  ${totalsLine(result)}`,
  ];
  if (result.aborted !== null) out.push(p.yellow(`Stopped early: ${termText(describeAbort(result.aborted))}`));
  out.push(...expectationLines(result, p));

  const failed = casesWith(result, 'fail');
  if (failed.length > 0) out.push('', p.red(`Failures (${failed.length}):`), ...failed.flatMap((c) => failureLines(c, p)));
  for (const kind of ['timeout', 'error'] as const) {
    const cases = casesWith(result, kind);
    if (cases.length === 0) continue;
    out.push('', p.yellow(`${kind === 'timeout' ? 'Timed out' : 'Errors'} (${cases.length}) — ${NOT_THE_SERVERS[kind]}:`));
    out.push(...byReason(cases).map((g) => `  ${g.cases.length} × ${termText(g.reason)} (${termText(someCases(g.cases))})`));
  }
  const skipped = casesWith(result, 'skip');
  if (skipped.length > 0) {
    out.push('', `Skipped (${skipped.length}):`, ...byReason(skipped).map((g) => `  ${g.cases.length} × ${termText(g.reason)}`));
  }
  const choices = choicesOf(result);
  if (choices.length > 0) {
    out.push('', CHOICES_NOTE, ...choices.map((ch) => `  ${termText(ch.version)} ${termText(ch.statement)}: ${termText(ch.behaviour)}`));
  }
  return `${out.join('\n')}\n`;
}

function expectationLines(result: ConformResult, p: Palette): string[] {
  const e = result.expectation;
  if (e === null) return [];
  if (e.differences.length === 0) return [p.green(`As expected: no difference from ${termText(e.file)}`)];
  return [
    '',
    p.red(`Differences from ${termText(e.file)} (${e.differences.length}):`),
    ...e.differences.map((d) => p.red(`  ${differenceKind(d).padEnd(19)} ${termText(caseName(d))}: ${differenceChange(d)}`)),
  ];
}

function failureLines(c: CaseVerdict, p: Palette): string[] {
  const out = [`  ${p.red('✗')} ${termText(caseName(c))} [${c.statements.map(termText).join(', ')}] ${termText(c.title)}`];
  for (const f of c.failures) {
    out.push(`      ${termText(f.statement)}`, `        expected: ${termText(f.expected)}`, `        observed: ${termText(f.observed)}`);
  }
  for (const block of evidenceBlocks(c)) out.push(...hexText(block, HEX_LIMITS.console, '      ').map(termText));
  return out;
}
