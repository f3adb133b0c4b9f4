/**
 * The console summary of a fuzz run: the seed and the command that reproduces it, cases run and
 * their pace; then each finding (new or known, with --expect), its statement IDs, replay file and
 * command, the shrunk steps as hex with their notes, and what the server sent back; then the
 * known findings this run did not see. Returns a string; writes nothing.
 */
import type { Finding, FuzzResult } from '../../core/result/index.js';
import { isNewFinding } from '../../core/result/index.js';
import { paintStatus, palette, type Palette } from '../color.js';
import { describeAbort } from '../describe.js';
import { termText } from '../escape-terminal.js';
import { HEX_LIMITS, hexText } from '../hex.js';
import {
  MISSING_NOTE, describeFuzzTarget, findingTitle, findingsLine, fuzzLabel, knownTag, paceLine, receivedBlocks, replayCommand, reproduceCommand, shrinkLine, stepBlocks,
} from './shared.js';

export function renderFuzzConsole(result: FuzzResult, options: { color: boolean } = { color: false }): string {
  const p = palette(options.color);
  const out: string[] = [
    `${p.bold(`chatbench ${result.tool.version}`)} — fuzzing ${termText(describeFuzzTarget(result))}, run ${termText(result.runId)}`,
    `${paintStatus(p, fuzzLabel(result))} seed ${result.seed}: ${paceLine(result)}, ${findingsLine(result)}`,
    `  reproduce: ${termText(reproduceCommand(result))}`,
  ];
  if (result.aborted !== null) out.push(p.yellow(`Stopped early: ${termText(describeAbort(result.aborted))}`));
  result.findings.forEach((f, i) => out.push('', ...findingLines(result, f, i, p)));
  const missing = result.expectation?.missing ?? [];
  if (missing.length > 0) out.push('', MISSING_NOTE, ...missing.map((m) => `  ${termText(m)}`));
  return `${out.join('\n')}\n`;
}

function findingLines(result: FuzzResult, f: Finding, index: number, p: Palette): string[] {
  const tag = knownTag(f);
  const mark = isNewFinding(f) ? p.red('✗') : p.yellow('•');
  const replay = replayCommand(result, f);
  return [
    `${mark} finding ${index + 1}${tag === null ? '' : ` ${tag}`} ${termText(findingTitle(f))}`,
    `    fingerprint ${termText(f.fingerprint)}, ${shrinkLine(f)}`,
    replay === null ? '    no replay file written (no --replay-dir)' : `    replay: ${termText(replay)}`,
    ...[...stepBlocks(f), ...receivedBlocks(f)].flatMap((block) => hexText(block, HEX_LIMITS.console, '    ').map(termText)),
  ];
}
