/**
 * The Markdown summary of a fuzz run for $GITHUB_STEP_SUMMARY: the verdict, seed and the command
 * that reproduces it, the pace, one table row per finding (new or known, statement IDs, replay
 * command), and the known findings not seen. Bytes stay in the HTML report and the replay files.
 * Returns a string.
 */
import type { FuzzResult } from '../../core/result/index.js';
import { describeAbort, describeProtocol, describeWhere } from '../describe.js';
import { mdCode, mdRow, mdText } from '../escape-markdown.js';
import { MISSING_NOTE, findingsLine, fuzzLabel, knownTag, paceLine, replayCommand, reproduceCommand, shrinkLine } from './shared.js';

export function renderFuzzMarkdown(result: FuzzResult): string {
  const out: string[] = [
    `## chatbench fuzz ${fuzzLabel(result)}: ${mdText(describeProtocol(result.target))} ${describeWhere(result.target, mdCode)}`,
    '',
    [`seed ${result.seed}`, mdText(paceLine(result)), mdText(findingsLine(result)), `run ${mdCode(result.runId)}`, `chatbench ${mdText(result.tool.version)}`].join(' · '),
    '',
    `Reproduce: ${mdCode(reproduceCommand(result))}`,
  ];
  if (result.aborted !== null) out.push('', `**Stopped early:** ${mdText(describeAbort(result.aborted))}`);
  if (result.findings.length > 0) {
    out.push(
      '', mdRow(['finding', 'kind', 'message', 'statements', 'replay', 'shrinking']), mdRow([':---', ':---', ':---', ':---', ':---', ':---']),
      ...result.findings.map((f) => {
        const replay = replayCommand(result, f);
        return mdRow([
          `${mdCode(f.fingerprint)}${knownTag(f) === null ? '' : ` ${knownTag(f)}`}`, mdText(f.verdict.kind), mdText(f.verdict.message),
          f.verdict.statements.map(mdCode).join(', ') || '-', replay === null ? '-' : mdCode(replay), mdText(shrinkLine(f)),
        ]);
      }),
    );
  }
  const missing = result.expectation?.missing ?? [];
  if (missing.length > 0) out.push('', `${mdText(MISSING_NOTE)} ${missing.map(mdCode).join(', ')}`);
  return `${out.join('\n')}\n`;
}
