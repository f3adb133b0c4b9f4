/**
 * The statement tally: how much of each spec version the cases cover, read from the manifests
 * and the cases' own tags (a case says which statements it checks; the manifest never says
 * which cases test it, so the two cannot drift apart), and the consistency check that keeps
 * the tags honest: every ID a case cites is in its version's manifest, and binds the server.
 */
import type { Coverage } from '../result/conform.js';
import type { SpecVersion } from './case.js';
import type { CaseInfo } from './suite.js';
import type { StatementManifest } from './statements.js';

/** What the tally reads of a suite: its manifests and its cases (RunnableSuite has both). */
export interface TallySource {
  versions: readonly SpecVersion[];
  manifests: Readonly<Record<SpecVersion, StatementManifest>>;
  cases: readonly CaseInfo[];
}

/**
 * Coverage of one version: statements in the manifest, those a server can be checked for from
 * outside (status "server"), those at least one case of that version cites, and the rest by ID
 * in manifest order.
 */
export function coverageOf(manifest: StatementManifest, cases: readonly CaseInfo[], version: SpecVersion): Coverage {
  const cited = new Set(cases.flatMap((c) => c.statements[version] ?? []));
  const testable = manifest.statements.filter((s) => s.status.kind === 'server');
  const untested = testable.filter((s) => !cited.has(s.id)).map((s) => s.id);
  return { statements: manifest.statements.length, testable: testable.length, tested: testable.length - untested.length, untested };
}

/** Coverage of each of `versions` (default: every version the suite has). */
export function coverageByVersion(suite: TallySource, versions: readonly SpecVersion[] = suite.versions): Record<SpecVersion, Coverage> {
  const out: Record<SpecVersion, Coverage> = {};
  for (const version of versions) {
    const manifest = suite.manifests[version];
    if (manifest !== undefined) out[version] = coverageOf(manifest, suite.cases, version);
  }
  return out;
}

/** tested / testable as a fraction (1 when nothing is testable). */
export function coverageRatio(c: Coverage): number {
  return c.testable === 0 ? 1 : c.tested / c.testable;
}

export type ConsistencyProblem =
  | { kind: 'unknown-statement'; caseId: string; version: SpecVersion; statement: string }
  | { kind: 'client-only-statement'; caseId: string; version: SpecVersion; statement: string }
  | { kind: 'unknown-version'; caseId: string; version: SpecVersion }
  | { kind: 'duplicate-case'; caseId: string }
  | { kind: 'no-statements'; caseId: string }
  | { kind: 'unknown-capability'; caseId: string; capability: string };

/**
 * Every way the cases' tags disagree with the manifests: an ID its version's manifest does not
 * have, a client-only statement (a server cannot be failed for it: suspicious), a version the
 * suite does not have, the same case id twice, a case citing nothing, a capability name the
 * suite does not know (`capabilities`: the suite's vocabulary; omitted, needs are not checked).
 */
export function checkConsistency(suite: TallySource, capabilities?: readonly string[]): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = [];
  const seen = new Set<string>();
  const known = capabilities === undefined ? undefined : new Set(capabilities);
  const byId = new Map(Object.entries(suite.manifests).map(([v, m]) => [v, new Map(m.statements.map((s) => [s.id, s]))]));
  for (const c of suite.cases) {
    if (seen.has(c.id)) problems.push({ kind: 'duplicate-case', caseId: c.id });
    seen.add(c.id);
    const cited = Object.entries(c.statements);
    if (cited.length === 0 || cited.every(([, ids]) => ids.length === 0)) problems.push({ kind: 'no-statements', caseId: c.id });
    for (const [version, ids] of cited) {
      const statements = byId.get(version);
      if (statements === undefined) {
        problems.push({ kind: 'unknown-version', caseId: c.id, version });
        continue;
      }
      for (const id of ids) {
        const statement = statements.get(id);
        if (statement === undefined) problems.push({ kind: 'unknown-statement', caseId: c.id, version, statement: id });
        else if (statement.status.kind === 'client-only') problems.push({ kind: 'client-only-statement', caseId: c.id, version, statement: id });
      }
    }
    for (const need of c.needs) {
      if (known !== undefined && !known.has(need)) problems.push({ kind: 'unknown-capability', caseId: c.id, capability: need });
    }
  }
  return problems;
}

/** One line per problem, for test messages and a maintainer's eyes. */
export function describeProblem(p: ConsistencyProblem): string {
  switch (p.kind) {
    case 'unknown-statement': return `${p.caseId}: cites ${p.statement}, which the ${p.version} manifest does not have`;
    case 'client-only-statement': return `${p.caseId}: cites ${p.statement} (${p.version}), a client-only statement a server cannot fail`;
    case 'unknown-version': return `${p.caseId}: runs on version ${p.version}, which the suite does not have`;
    case 'duplicate-case': return `${p.caseId}: the case id is used twice`;
    case 'no-statements': return `${p.caseId}: cites no statement`;
    case 'unknown-capability': return `${p.caseId}: needs "${p.capability}", a capability the suite does not know`;
  }
}
