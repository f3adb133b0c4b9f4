/**
 * The statement tally: coverage counted from the manifests and the cases' tags, and the check
 * that keeps the two consistent (issue 7 item 2) — run on the real MQTT suite, whose cases must
 * cite only statements of their version's manifest that bind the server, and whose cases must
 * together cover at least 90 % of the server-testable statements of each version (item 3).
 */
import { describe, expect, it } from 'vitest';
import type { StatementManifest } from '../../core/conform/statements.js';
import type { CaseInfo } from '../../core/conform/suite.js';
import { checkConsistency, coverageByVersion, coverageOf, coverageRatio, describeProblem, type TallySource } from '../../core/conform/tally.js';
import '../../runners/index.js';
import { NEEDS } from '../../suites/mqtt/capabilities.js';
import { suiteFor } from '../../suites/index.js';

const manifest = (version: string): StatementManifest => ({
  protocol: 'test',
  version,
  spec: 'a test spec',
  statements: [
    { id: 'T-1.0.0-1', level: 'MUST', binds: 'server', summary: 'server rule one', status: { kind: 'server' } },
    { id: 'T-1.0.0-2', level: 'MUST', binds: 'server', summary: 'server rule two', status: { kind: 'server' } },
    { id: 'T-1.0.0-3', level: 'SHOULD', binds: 'server', summary: 'server rule three', status: { kind: 'server' } },
    { id: 'T-2.0.0-1', level: 'MUST', binds: 'client', summary: 'client rule', status: { kind: 'client-only' } },
    { id: 'T-2.0.0-2', level: 'MUST', binds: 'server', summary: 'hidden rule', status: { kind: 'untestable', reason: 'inside the server' } },
  ],
});

const info = (id: string, statements: Record<string, string[]>, needs: string[] = []): CaseInfo => ({ id, title: id, layer: 'raw', statements, needs });

function source(cases: CaseInfo[]): TallySource {
  return { versions: ['1', '2'], manifests: { '1': manifest('1'), '2': manifest('2') }, cases };
}

describe('coverage', () => {
  it('counts statements, the server-testable ones and those a case of that version cites', () => {
    const cases = [info('a.one', { '1': ['T-1.0.0-1'], '2': ['T-1.0.0-2'] }), info('a.two', { '1': ['T-1.0.0-1', 'T-1.0.0-3'] })];
    expect(coverageOf(manifest('1'), cases, '1')).toEqual({ statements: 5, testable: 3, tested: 2, untested: ['T-1.0.0-2'] });
    // A statement cited for another version does not count for this one.
    expect(coverageOf(manifest('2'), cases, '2')).toEqual({ statements: 5, testable: 3, tested: 1, untested: ['T-1.0.0-1', 'T-1.0.0-3'] });
  });

  it('does not count client-only or untestable statements as tested, even when cited', () => {
    const c = coverageOf(manifest('1'), [info('x', { '1': ['T-2.0.0-1', 'T-2.0.0-2'] })], '1');
    expect(c.tested).toBe(0);
    expect(c.testable).toBe(3);
  });

  it('gives coverage for the versions asked for, and a ratio of tested to testable', () => {
    const byVersion = coverageByVersion(source([info('a', { '1': ['T-1.0.0-1'] })]), ['1']);
    expect(Object.keys(byVersion)).toEqual(['1']);
    expect(coverageRatio(byVersion['1']!)).toBeCloseTo(1 / 3);
    expect(coverageRatio({ statements: 2, testable: 0, tested: 0, untested: [] })).toBe(1);
  });
});

describe('checkConsistency', () => {
  it('finds nothing wrong in consistent tags', () => {
    expect(checkConsistency(source([info('a', { '1': ['T-1.0.0-1'] }, ['qos1'])]), ['qos1'])).toEqual([]);
  });

  it('reports every kind of inconsistency', () => {
    const problems = checkConsistency(
      source([
        info('a', { '1': ['T-9.9.9-9'] }),
        info('b', { '2': ['T-2.0.0-1'] }),
        info('c', { '3': ['T-1.0.0-1'] }),
        info('d', { '1': ['T-1.0.0-1'] }),
        info('d', { '1': ['T-1.0.0-2'] }),
        info('e', {}),
        info('f', { '1': [] }),
        info('g', { '1': ['T-1.0.0-1'] }, ['teleport']),
      ]),
      ['qos1'],
    );
    expect(problems).toEqual([
      { kind: 'unknown-statement', caseId: 'a', version: '1', statement: 'T-9.9.9-9' },
      { kind: 'client-only-statement', caseId: 'b', version: '2', statement: 'T-2.0.0-1' },
      { kind: 'unknown-version', caseId: 'c', version: '3' },
      { kind: 'duplicate-case', caseId: 'd' },
      { kind: 'no-statements', caseId: 'e' },
      { kind: 'no-statements', caseId: 'f' },
      { kind: 'unknown-capability', caseId: 'g', capability: 'teleport' },
    ]);
    expect(problems.map(describeProblem)).toContain('a: cites T-9.9.9-9, which the 1 manifest does not have');
  });

  it('leaves needs unchecked when no capability vocabulary is given', () => {
    expect(checkConsistency(source([info('g', { '1': ['T-1.0.0-1'] }, ['teleport'])]))).toEqual([]);
  });
});

describe('the MQTT suite', () => {
  const suite = suiteFor('mqtt');
  if (suite === undefined) throw new Error('no MQTT suite registered');

  it('keeps its manifests and its cases\' tags consistent (issue 7 item 2)', () => {
    expect(suite.cases.length).toBeGreaterThan(0);
    const problems = checkConsistency(suite, Object.keys(NEEDS)).map(describeProblem);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it.each(['3.1.1', '5'])('covers at least 90 %% of the server-testable statements of %s (issue 7 item 3)', (version) => {
    const coverage = coverageByVersion(suite, [version])[version];
    if (coverage === undefined) throw new Error(`no manifest for ${version}`);
    const untested = `untested (${coverage.untested.length}): ${coverage.untested.join(', ')}`;
    expect(coverageRatio(coverage), `${coverage.tested} of ${coverage.testable} tested; ${untested}`).toBeGreaterThanOrEqual(0.9);
  });
});
