/** A comparison as GitHub-flavoured Markdown for a pull-request comment. Returns a string. */
import type { CompareResult } from '../../core/result/index.js';
import { describeResultTarget } from '../describe.js';
import { mdCode, mdRow, mdText } from '../escape-markdown.js';
import {
  describeRun, describeSide, distributionNote, laggedNote, missingScenarios, rowCells, rowsOf, rowVerdict, rulesLine, scenarioVerdict, summaryLine, VERDICT_MARKDOWN,
} from './shared.js';
import { CLAIM_COLUMNS, CLAIM_VERDICT_MARKDOWN, CLAIMS_HEADING, claimCells, claimNote, claimsTally } from './claims.js';

const MARK = { REGRESSED: '❌', IMPROVED: '✅', UNCHANGED: '➖' } as const;

export function renderComparisonMarkdown(c: CompareResult): string {
  const out = [
    `## chatbench compare: ${c.regressed ? '❌ regressed' : '✅ no regression'}`,
    '',
    mdRow(['', 'baseline', 'current']),
    mdRow(['---', '---', '---']),
    mdRow(['target', mdText(describeResultTarget(c.baseline.target)), mdText(describeResultTarget(c.current.target))]),
    mdRow(['run', mdText(describeRun(c.baseline)), mdText(describeRun(c.current))]),
  ];
  if (c.warnings.length > 0) out.push('', ...c.warnings.map((w) => `> ⚠️ ${mdText(w)}  `));
  for (const s of c.scenarios) {
    const verdict = scenarioVerdict(s);
    out.push('', `### ${MARK[verdict]} ${mdText(s.name)}: ${verdict.toLowerCase()}${mdText(laggedNote(s))}`, '');
    out.push(`Baseline: ${mdText(describeSide(s.baseline))}  `, `Current: ${mdText(describeSide(s.current))}`);
    if (s.warnings.length > 0) out.push('', ...s.warnings.map((w) => `> ⚠️ ${mdText(w)}  `));
    out.push('', mdRow(['metric', 'baseline', 'current', 'change', 'verdict']), mdRow(['---', '--:', '--:', '--:', '---']));
    for (const r of rowsOf(s)) {
      const [label, ...values] = rowCells(r);
      const name = r.verdict === 'regressed' ? `**${mdText(label)}**` : mdText(label);
      out.push(mdRow([name, ...values.map(mdText), VERDICT_MARKDOWN[rowVerdict(r)]]));
    }
    const note = distributionNote(s);
    if (note !== null) out.push('', `<sub>${mdText(note)}</sub>`);
  }
  if (c.claims !== undefined) {
    out.push('', `### ${CLAIMS_HEADING}`, '', `${mdText(claimsTally(c.claims))}. Each verdict comes from both results' numbers; how each was taken is under the table.`, '');
    out.push(mdRow([...CLAIM_COLUMNS]), mdRow(['---', '--:', '--:', '--:', '---']));
    for (const claim of c.claims) {
      const [text, ...values] = claimCells(claim);
      out.push(mdRow([mdText(text), ...values.map(mdText), CLAIM_VERDICT_MARKDOWN[claim.verdict]]));
    }
    out.push('', ...c.claims.map((claim) => `- **${mdText(claim.id)}**: ${mdText(claimNote(claim))}`));
  }
  const missing = missingScenarios(c);
  if (missing !== null || c.onlyInCurrent.length > 0) out.push('');
  if (missing !== null) out.push(`❌ **Missing from the current run:** ${mdText(missing)}  `);
  if (c.onlyInCurrent.length > 0) out.push(`Only in current: ${c.onlyInCurrent.map(mdCode).join(', ')}`);
  out.push('', `**${mdText(summaryLine(c))}**`, '', `<sub>Rules: ${mdText(rulesLine(c) || '-')}. A change counts only when it passes both the relative tolerance and the absolute floor.</sub>`);
  return `${out.join('\n')}\n`;
}
