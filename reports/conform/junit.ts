/**
 * JUnit XML of a conformance run: one <testsuite> per spec version, one <testcase> per case
 * (classname: its spec section; name: `id [statement IDs]`). A failure carries each statement
 * with expected and observed, and the hex of the bytes both ways; a skip its reason; a timeout
 * or an error is an <error> that says it is chatbench's. With --expect, one more suite holds the
 * differences from the expectations, the cases a CI job gates on. Returns a string.
 */
import type { CaseVerdict, ConformResult } from '../../core/result/index.js';
import { describeAbort, describeProtocol } from '../describe.js';
import { HEX_LIMITS, hexText } from '../hex.js';
import { PASSED, junitDocument, runProperties, type Case, type Outcome, type Suite } from '../junit.js';
import { renderConformConsole } from './console.js';
import { NOT_THE_SERVERS, caseName, evidenceBlocks, coveragePercent, differenceChange, differenceKind } from './shared.js';

export function renderConformJunit(result: ConformResult): string {
  const suites: Suite[] = result.versions.map((version) => versionSuite(result, version));
  const extra: Case[] = [];
  if (result.aborted !== null) {
    extra.push({ name: 'ran to the end', outcome: { kind: 'error', type: 'aborted', message: `aborted: ${describeAbort(result.aborted)}` } });
  }
  const e = result.expectation;
  if (e !== null) {
    extra.push(...(e.differences.length === 0
      ? [{ name: `as expected by ${e.file}`, outcome: PASSED }]
      : e.differences.map((d): Case => ({
        name: `${caseName(d)} as expected by ${e.file}`,
        outcome: { kind: 'failure', type: differenceKind(d), message: `${differenceKind(d)}: ${differenceChange(d)}` },
      }))));
  }
  if (extra.length > 0) {
    suites.push({ name: 'conformance run', seconds: 0, properties: runProperties(result), cases: extra, systemOut: renderConformConsole(result) });
  }
  return junitDocument(suites, result.startedAt, result.finishedAt);
}

function versionSuite(result: ConformResult, version: string): Suite {
  const cases = result.cases.filter((c) => c.version === version);
  const c = result.coverage[version];
  const coverage: Array<readonly [string, string]> = c === undefined ? [] : [
    ['coverage.statements', String(c.statements)], ['coverage.testable', String(c.testable)], ['coverage.tested', String(c.tested)], ['coverage.percent', coveragePercent(c)],
  ];
  return {
    name: describeProtocol({ protocol: result.target.protocol, protocolVersion: version }),
    seconds: cases.reduce((sum, x) => sum + x.durationMs / 1000, 0),
    timestamp: result.startedAt,
    properties: [...runProperties(result), ['spec.version', version], ...coverage],
    cases: cases.map(testCase),
  };
}

function testCase(c: CaseVerdict): Case {
  const choices = c.choices.map((ch) => `the server's choice (SHOULD / MAY) for ${ch.statement}: ${ch.behaviour}`);
  return {
    name: `${c.id} [${c.statements.join(', ')}]`,
    classname: c.section,
    seconds: c.durationMs / 1000,
    outcome: outcome(c),
    ...(choices.length > 0 ? { systemOut: choices.join('\n') } : {}),
  };
}

function outcome(c: CaseVerdict): Outcome {
  switch (c.verdict) {
    case 'pass': return PASSED;
    case 'skip': return { kind: 'skipped', type: 'skip', message: c.reason ?? 'skipped' };
    case 'timeout':
    case 'error':
      return { kind: 'error', type: c.verdict, message: `${c.reason ?? c.verdict} (${NOT_THE_SERVERS[c.verdict]})` };
    case 'fail': {
      const first = c.failures[0];
      const detail = [
        c.title,
        ...c.failures.flatMap((f) => [f.statement, `  expected: ${f.expected}`, `  observed: ${f.observed}`]),
        ...evidenceBlocks(c).flatMap((block) => hexText(block, HEX_LIMITS.junit)),
      ];
      return {
        kind: 'failure',
        type: 'fail',
        message: first === undefined ? c.reason ?? 'failed' : `${first.statement}: expected ${first.expected}; observed ${first.observed}`,
        detail: detail.join('\n'),
      };
    }
  }
}
