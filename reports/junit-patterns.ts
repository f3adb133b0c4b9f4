/**
 * The JUnit cases of the chat patterns: one per pattern check the scenario's figures allow —
 * presence updates, wills, retained, catch-up, takeover — each failing on the verdict's typed
 * `pattern` reasons (never on a figure judged here) with what was expected and the counts seen.
 */
import type { ScenarioResult } from '../core/result/index.js';
import { duration } from '../core/words.js';
import type { Case } from './junit.js';
import { formatCount } from './format.js';
import { CHECK_PATTERN, patternReasons, patternAccounts } from './patterns.js';

interface CheckCase {
  name: string;
  /** The `check` names of the reasons this case reports. */
  checks: readonly string[];
  expected: string;
  /** The counts seen, as the failure message ends: "3 of 90 not seen within 5 s". */
  actual: string;
}

function checkCases(s: ScenarioResult): CheckCase[] {
  const out: CheckCase[] = [];
  const p = s.presence;
  if (p !== undefined) {
    out.push({
      name: 'presence updates', checks: ['presence-missing'],
      expected: 'every status update to reach every watcher',
      actual: `${formatCount(p.missing)} of ${formatCount(p.expected)} not seen within ${duration(p.waitedMs)}`,
    });
    const w = p.wills;
    out.push({
      name: 'wills', checks: ['will-missing', 'will-after-clean-disconnect', 'will-early'],
      expected: 'a will after every abrupt drop, none after a clean disconnect, none before its delay',
      actual: `${formatCount(w.missing)} of ${formatCount(w.expected)} missing, ${formatCount(w.afterCleanDisconnect)} after ${formatCount(w.cleanDisconnects)} clean disconnects, ${formatCount(w.early)} early`,
    });
  }
  const r = s.retained;
  if (r !== undefined) {
    out.push({
      name: 'retained', checks: ['retained-stale', 'retained-missing'],
      expected: "every late joiner to get the room's last message",
      actual: `${formatCount(r.stale)} of ${formatCount(r.joins)} got a superseded message, ${formatCount(r.missing)} got none`,
    });
  }
  const a = s.absences;
  if (a !== undefined) {
    out.push({
      name: 'catch-up', checks: ['not-caught-up'],
      expected: 'every returning user to get what was queued for it',
      actual: `${formatCount(a.notCaughtUp)} of ${formatCount(a.caughtUp + a.notCaughtUp)} returns still missing messages when the drain ended`,
    });
  }
  const t = s.takeover;
  if (t !== undefined) {
    out.push({
      name: 'takeover', checks: ['takeover-not-closed'],
      expected: 'the server to close the first connection when a second device takes the session over',
      actual: `${formatCount(t.oldNotClosed)} of ${formatCount(t.attempted)} first connections still open after the wait`,
    });
  }
  return out;
}

/** The pattern cases of a scenario (none when it has no pattern figures). */
export function patternCases(s: ScenarioResult): Case[] {
  return checkCases(s).map((c): Case => {
    const reasons = patternReasons(s, c.checks);
    if (reasons.length === 0) return { name: c.name, outcome: { kind: 'passed' } };
    // The reasons in words, then the whole pattern's summary line for context.
    const pattern = patternAccounts(s).find((a) => c.checks.some((check) => CHECK_PATTERN[check] === a.key));
    const detail = [...reasons.map((r) => r.message), ...(pattern === undefined ? [] : [pattern.summary])].join('\n');
    return { name: c.name, outcome: { kind: 'failure', type: 'pattern', message: `expected ${c.expected}: actual ${c.actual}`, detail } };
  });
}

/** A pattern reason a case above reports: one whose check belongs to a pattern the scenario has figures for. */
export function patternCaseCovers(s: ScenarioResult, check: string): boolean {
  return checkCases(s).some((c) => c.checks.includes(check));
}
