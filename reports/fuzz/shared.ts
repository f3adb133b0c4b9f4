/**
 * What every fuzz report says the same way: the command that reproduces the run, the pace, each
 * finding's headline, its replay command, and its bytes (shrunk steps with their notes, what the
 * server sent back) as hex blocks. Words only; the status is judged in core/result/fuzz.ts.
 */
import type { Finding, FuzzResult } from '../../core/result/index.js';
import { fuzzStatus, isNewFinding } from '../../core/result/index.js';
import { describeResultTarget, statusLabel, type StatusLabel } from '../describe.js';
import { formatCount, formatSeconds, plural } from '../format.js';
import type { HexBlock } from '../hex.js';
import { duration } from '../../core/words.js';

export function fuzzLabel(result: FuzzResult): StatusLabel {
  return statusLabel(fuzzStatus(result));
}

/** "MQTT 5.0 embedded broker (mqtt://…)". */
export function describeFuzzTarget(result: FuzzResult): string {
  return describeResultTarget(result.target);
}

/** A word for a shell: kept as it is when plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `--target URL` when the run was not on the embedded broker (the URL is redacted already). */
function targetFlag(result: FuzzResult): string {
  return result.target.embedded ? '' : ` --target ${shellWord(result.target.url)}`;
}

/**
 * `chatbench fuzz --seed 42 --runs 1000 --version 5`: the same seed and count give the same
 * sequence. A run bounded by time is reproduced by the count of cases it ran.
 */
export function reproduceCommand(result: FuzzResult): string {
  const runs = result.runs ?? result.casesRun;
  return `chatbench fuzz --seed ${result.seed} --runs ${runs} --version ${shellWord(result.target.protocolVersion)}${targetFlag(result)}`;
}

/** `chatbench replay PATH`, or null when no replay file was written (no --replay-dir). */
export function replayCommand(result: FuzzResult, f: Finding): string | null {
  return f.replayPath === null ? null : `chatbench replay ${shellWord(f.replayPath)}${targetFlag(result)}`;
}

/** "1,000 cases in 12.3 s (81 cases/s)". */
export function paceLine(result: FuzzResult): string {
  const limit = result.runs !== null ? ` of ${formatCount(result.runs)}` : result.timeLimitMs !== null ? ` (time limit ${formatSeconds(result.timeLimitMs / 1000)})` : '';
  return `${plural(result.casesRun, 'case')}${limit} in ${formatSeconds(result.durationMs / 1000)} (${formatCount(result.casesPerSecond)} cases/s)`;
}

/** "2 findings (1 new, 1 known)", "no findings". */
export function findingsLine(result: FuzzResult): string {
  const n = result.findings.length;
  if (n === 0) return 'no findings';
  if (result.expectation === null) return plural(n, 'finding');
  const fresh = result.findings.filter(isNewFinding).length;
  return `${plural(n, 'finding')} (${fresh} new, ${n - fresh} known)`;
}

/** "NEW", "KNOWN", or nothing when the run had no expectations to compare with. */
export function knownTag(f: Finding): string | null {
  return f.known === null ? null : f.known ? 'KNOWN' : 'NEW';
}

/** "not-closed: PUBLISH with QoS 3 kept the connection open [MQTT-3.3.1-4]". */
export function findingTitle(f: Finding): string {
  const ids = f.verdict.statements.length > 0 ? ` [${f.verdict.statements.join(', ')}]` : '';
  return `${f.verdict.kind}: ${f.verdict.message}${ids}`;
}

/** "shrunk to 2 steps from 37 failing cases in 1.2 s". */
export function shrinkLine(f: Finding): string {
  return `shrunk to ${plural(f.steps.length, 'step')} from ${plural(f.failingCasesBeforeShrink, 'failing case')} in ${duration(Math.round(f.shrinkMs))}`;
}

/** The shrunk steps in order: "step 1 · connection 0 · CONNECT". */
export function stepBlocks(f: Finding): HexBlock[] {
  return f.steps.map((s, i) => ({ label: `step ${i + 1} · connection ${s.connection}${s.note === undefined ? '' : ` · ${s.note}`}`, hex: s.hex }));
}

/** What the server sent back: "received on connection 0". */
export function receivedBlocks(f: Finding): HexBlock[] {
  return f.received.map((r) => ({ label: `received on connection ${r.connection}`, hex: r.hex }));
}

export const MISSING_NOTE = 'Known findings not seen this time (fixed, or not reached by this run):';
