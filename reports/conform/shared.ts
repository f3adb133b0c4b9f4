/**
 * What every conform report says the same way: the verdict words, coverage per version, the
 * totals, differences from the committed expectations, cases grouped by reason, the server's
 * choices, and the evidence of a failing case as hex blocks. Words only; the status itself is
 * judged in core/result/conform.ts.
 */
import type { CaseVerdict, CaseVerdictKind, ConformResult, Coverage } from '../../core/result/index.js';
import { conformStatus, protocolName } from '../../core/result/index.js';
import { describeWhere, statusLabel, type StatusLabel } from '../describe.js';
import { exchangeLabel, type HexBlock } from '../hex.js';
import { plural } from '../format.js';

export const VERDICT_LABELS: Readonly<Record<CaseVerdictKind, string>> = {
  pass: 'PASS', fail: 'FAIL', skip: 'SKIP', timeout: 'TIMEOUT', error: 'ERROR',
};

/** Timeouts and errors are chatbench's: it stopped waiting, or could not run the case. */
export const NOT_THE_SERVERS: Readonly<Record<'timeout' | 'error', string>> = {
  timeout: 'chatbench stopped waiting before the case finished: not a verdict on the server',
  error: 'chatbench itself could not run the case (a bug or a local limit): not a verdict on the server',
};

export const CHOICES_NOTE = 'What the server chose where the spec lets it (SHOULD / MAY): reported, never failed.';

export function conformLabel(result: ConformResult): StatusLabel {
  return statusLabel(conformStatus(result));
}

/** "MQTT embedded broker (mqtt://127.0.0.1:4242)": the versions are said beside it. */
export function describeConformTarget(result: ConformResult): string {
  return `${protocolName(result.target.protocol)} ${describeWhere(result.target)}`;
}

/** "97.7 %", or "-" when the version has no testable statement. */
export function coveragePercent(c: Coverage): string {
  return c.testable === 0 ? '-' : `${((100 * c.tested) / c.testable).toFixed(1)} %`;
}

/** Coverage per version, in version order ("3.1.1" before "5", whatever order the keys came in). */
export function coverageEntries(result: ConformResult): Array<[string, Coverage]> {
  return Object.entries(result.coverage).sort(([a], [b]) => sectionOrder(a, b));
}

/** "3.1.1: 128 of 131 testable statements tested (97.7 %)". */
export function coverageLine(version: string, c: Coverage): string {
  return `${version}: ${c.tested} of ${plural(c.testable, 'testable statement')} tested (${coveragePercent(c)})`;
}

const KINDS: readonly CaseVerdictKind[] = ['pass', 'fail', 'skip', 'timeout', 'error'];

/** "200 pass, 3 fail, 20 skip, 1 timeout, 0 error (224 cases)". */
export function totalsLine(result: ConformResult): string {
  const t = result.totals;
  const all = KINDS.reduce((sum, k) => sum + t[k], 0);
  return `${KINDS.map((k) => `${t[k]} ${k}`).join(', ')} (${plural(all, 'case')})`;
}

type Difference = NonNullable<ConformResult['expectation']>['differences'][number];

/** How a difference from the expectations reads: the kind first, then what changed. */
export function differenceKind(d: Difference): 'new failure' | 'unexpected pass' | 'not in expectations' | 'changed' {
  if (d.expected === null) return 'not in expectations';
  if (d.actual === 'pass') return 'unexpected pass';
  return d.actual === 'fail' || d.actual === 'timeout' || d.actual === 'error' ? 'new failure' : 'changed';
}

/** "expected pass, now fail"; "now fail" for a case the expectations do not list. */
export function differenceChange(d: Difference): string {
  if (d.expected === null) return `now ${d.actual}`;
  return `expected ${Array.isArray(d.expected) ? d.expected.join(' or ') : d.expected}, now ${d.actual}`;
}

/** Cases with the same reason together, the largest group first: one line per reason, not one per case. */
export function byReason(cases: readonly CaseVerdict[]): Array<{ reason: string; cases: CaseVerdict[] }> {
  const groups = new Map<string, CaseVerdict[]>();
  for (const c of cases) {
    const reason = c.reason ?? 'no reason recorded';
    groups.set(reason, [...(groups.get(reason) ?? []), c]);
  }
  return [...groups].map(([reason, list]) => ({ reason, cases: list })).sort((a, b) => b.cases.length - a.cases.length);
}

/** "3.1.1 connect.flags": a case as the lists name it (one id can run on several versions). */
export function caseName(c: Pick<CaseVerdict, 'id' | 'version'>): string {
  return `${c.version} ${c.id}`;
}

/** A few case names, then how many more: "3.1.1 a, 5 b, 5 c and 4 more". */
export function someCases(cases: readonly CaseVerdict[], shown = 3): string {
  const names = cases.slice(0, shown).map(caseName).join(', ');
  return cases.length > shown ? `${names} and ${cases.length - shown} more` : names;
}

/** Every choice the server made, once per version, statement and behaviour. */
export function choicesOf(result: ConformResult): Array<{ version: string; statement: string; behaviour: string; caseId: string }> {
  const seen = new Map<string, { version: string; statement: string; behaviour: string; caseId: string }>();
  for (const c of result.cases) {
    for (const ch of c.choices) {
      const key = JSON.stringify([c.version, ch.statement, ch.behaviour]);
      if (!seen.has(key)) seen.set(key, { version: c.version, statement: ch.statement, behaviour: ch.behaviour, caseId: c.id });
    }
  }
  return [...seen.values()];
}

/** Cases whose verdict is one of `kinds`, in the result's order. */
export function casesWith(result: ConformResult, ...kinds: CaseVerdictKind[]): CaseVerdict[] {
  return result.cases.filter((c) => kinds.includes(c.verdict));
}

/** The bytes of a failing raw case, one block per exchange: "connection c1 · sent +3 ms". */
export function evidenceBlocks(c: CaseVerdict): HexBlock[] {
  return c.evidence.flatMap((e) => e.exchanges.map((x) => ({ label: `connection ${e.connection} · ${exchangeLabel(x.dir, x.atMs)}`, hex: x.hex })));
}

/** "3.1", "3.10", "4.7": spec sections in reading order. */
export function sectionOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
