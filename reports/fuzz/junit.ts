/**
 * JUnit XML of a fuzz run: one suite with a passing "fuzz run" case holding the counts and the
 * command that reproduces the run, and one failing case per finding (saying so when the committed
 * expectations list it) whose body has the replay command and the shrunk bytes as hex. Known findings not seen this time are skipped cases.
 * Returns a string.
 */
import type { Finding, FuzzResult } from '../../core/result/index.js';
import { isNewFinding } from '../../core/result/index.js';
import { describeAbort } from '../describe.js';
import { HEX_LIMITS, hexText } from '../hex.js';
import { PASSED, junitDocument, runProperties, type Case } from '../junit.js';
import { renderFuzzConsole } from './console.js';
import { findingTitle, paceLine, receivedBlocks, replayCommand, reproduceCommand, shrinkLine, stepBlocks } from './shared.js';

export function renderFuzzJunit(result: FuzzResult): string {
  const run: Case = {
    name: 'fuzz run',
    seconds: result.durationMs / 1000,
    outcome: result.aborted === null ? PASSED : { kind: 'error', type: 'aborted', message: `aborted: ${describeAbort(result.aborted)}` },
    systemOut: `seed ${result.seed}: ${paceLine(result)}\nreproduce: ${reproduceCommand(result)}`,
  };
  const missing = (result.expectation?.missing ?? []).map((fingerprint): Case => ({
    name: `known finding ${fingerprint}`,
    outcome: { kind: 'skipped', type: 'not-seen', message: 'listed in the expectations, not seen this time (fixed, or not reached)' },
  }));
  const suite = {
    name: `fuzz ${result.target.protocol} ${result.target.protocolVersion}`,
    seconds: result.durationMs / 1000,
    timestamp: result.startedAt,
    properties: [...runProperties(result), ['fuzz.seed', String(result.seed)], ['fuzz.casesRun', String(result.casesRun)], ['fuzz.casesPerSecond', String(result.casesPerSecond)]] as const,
    cases: [run, ...result.findings.map((f) => findingCase(result, f)), ...missing],
    systemOut: renderFuzzConsole(result),
  };
  return junitDocument([suite], result.startedAt, result.finishedAt);
}

function findingCase(result: FuzzResult, f: Finding): Case {
  const replay = replayCommand(result, f);
  const detail = [
    replay ?? 'no replay file written (no --replay-dir)',
    `fingerprint ${f.fingerprint}, ${shrinkLine(f)}`,
    ...[...stepBlocks(f), ...receivedBlocks(f)].flatMap((block) => hexText(block, HEX_LIMITS.junit)),
  ].join('\n');
  // A known finding is still a defect of the server: a failure, marked known (the exit code ignores it).
  const known = isNewFinding(f) ? '' : `known (listed in ${result.expectation?.file ?? 'the expectations'}): `;
  return { name: `finding ${f.fingerprint}: ${f.verdict.kind}`, outcome: { kind: 'failure', type: f.verdict.kind, message: `${known}${findingTitle(f)}`, detail } };
}
