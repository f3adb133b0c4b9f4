/** A comparison as a side-by-side table per scenario for the console. Returns a string. */
import type { CompareResult, Verdict } from '../../core/result/index.js';
import { palette } from '../color.js';
import { describeResultTarget } from '../describe.js';
import { table } from '../format.js';
import { CLAIM_COLUMNS, CLAIM_VERDICT_TEXT, CLAIMS_HEADING, claimCells, claimNote, claimsTally } from './claims.js';
import {
  describeRun, describeSide, distributionNote, laggedNote, missingScenarios, rowCells, rowsOf, rowVerdict, rulesLine, scenarioVerdict, summaryLine, VERDICT_TEXT,
} from './shared.js';

export interface CompareRenderOptions {
  color: boolean;
}

export function renderComparison(c: CompareResult, options: CompareRenderOptions = { color: false }): string {
  const p = palette(options.color);
  const byVerdict: Record<Verdict, (s: string) => string> = { regressed: p.red, improved: p.green, unchanged: (s) => s, 'not-measured': p.yellow };
  const headline = { REGRESSED: p.red('REGRESSED'), IMPROVED: p.green('IMPROVED'), UNCHANGED: 'UNCHANGED' };

  const out = [
    p.bold(`chatbench compare: ${c.regressed ? 'regressed' : 'no regression'}`),
    `  baseline  ${describeResultTarget(c.baseline.target)}, ${describeRun(c.baseline)}`,
    `  current   ${describeResultTarget(c.current.target)}, ${describeRun(c.current)}`,
    `  rules     ${rulesLine(c) || '-'}`,
    ...c.warnings.map((w) => p.yellow(`  ! ${w}`)),
  ];
  for (const s of c.scenarios) {
    out.push('', `${headline[scenarioVerdict(s)]} ${p.bold(s.name)}${laggedNote(s)}`);
    out.push(`  baseline: ${describeSide(s.baseline)}`, `  current:  ${describeSide(s.current)}`);
    for (const w of s.warnings) out.push(p.yellow(`  ! ${w}`));
    const rows = rowsOf(s);
    // table() right-aligns every column but the first: pad the verdicts to read left-aligned.
    const width = Math.max(...rows.map((r) => VERDICT_TEXT[rowVerdict(r)].length));
    const lines = table([
      ['metric', 'baseline', 'current', 'change', 'verdict'.padEnd(width)],
      ...rows.map((r) => [...rowCells(r), VERDICT_TEXT[rowVerdict(r)].padEnd(width)]),
    ]).split('\n');
    out.push(lines[0] ?? '', ...lines.slice(1).map((line, i) => byVerdict[rows[i]?.verdict ?? 'unchanged'](line)));
    const note = distributionNote(s);
    if (note !== null) out.push(`  ${note}`);
  }
  if (c.claims !== undefined) {
    const byClaim = { supported: p.green, 'not-supported': p.red, 'not-measured': p.yellow } as const;
    const lines = table([[...CLAIM_COLUMNS], ...c.claims.map((claim) => [...claimCells(claim), CLAIM_VERDICT_TEXT[claim.verdict]])]).split('\n');
    out.push('', p.bold(`${CLAIMS_HEADING}: ${claimsTally(c.claims)}`), lines[0] ?? '');
    c.claims.forEach((claim, i) => out.push(byClaim[claim.verdict](lines[i + 1] ?? ''), `      ${claimNote(claim)}`));
  }
  const missing = missingScenarios(c);
  if (missing !== null) out.push('', p.red(`REGRESSED missing from the current run: ${missing}`));
  if (c.onlyInCurrent.length > 0) out.push(`${c.onlyInBaseline.length > 0 ? '' : '\n'}only in current: ${c.onlyInCurrent.join(', ')}`);
  out.push('', (c.regressed ? p.red : p.green)(summaryLine(c)));
  return `${out.join('\n')}\n`;
}
