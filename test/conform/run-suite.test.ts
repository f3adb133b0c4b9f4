/**
 * runConformance with a fake suite (no server): the result it assembles, version by version;
 * an interrupt keeps what was checked and leaves out the versions not begun; an unreachable
 * target after a version ran is kept as an abort, before any is thrown (exit 3).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StatementManifest } from '../../core/conform/statements.js';
import type { RunnableSuite } from '../../core/conform/suite.js';
import { runConformance, type ConformRunOptions } from '../../core/conform/run-suite.js';
import { TargetUnreachableError } from '../../core/errors.js';
import { ConformResult, conformStatus, type CaseVerdict } from '../../core/result/index.js';

const manifest = (version: string): StatementManifest => ({
  protocol: 'fake',
  version,
  spec: 'fake spec',
  statements: [
    { id: 'F-1.0.0-1', level: 'MUST', binds: 'server', summary: 'one', status: { kind: 'server' } },
    { id: 'F-1.0.0-2', level: 'MUST', binds: 'server', summary: 'two', status: { kind: 'server' } },
  ],
});

function fakeSuite(run: RunnableSuite['run']): RunnableSuite {
  return {
    protocol: 'fake',
    versions: ['1', '2'],
    manifests: { '1': manifest('1'), '2': manifest('2') },
    cases: [
      { id: 'a.one', title: 'one', layer: 'raw', statements: { '1': ['F-1.0.0-1'], '2': ['F-1.0.0-1'] }, needs: [] },
      { id: 'b.two', title: 'two', layer: 'client', statements: { '2': ['F-1.0.0-2'] }, needs: [] },
    ],
    profile: z.object({}),
    embeddedVersions: ['1'],
    parseVersion: (t) => t,
    run,
  };
}

function verdict(id: string, version: string, v: CaseVerdict['verdict']): CaseVerdict {
  return { id, title: id, version, layer: 'raw', section: '1.0.0', statements: ['F-1.0.0-1'], verdict: v, reason: null, failures: [], choices: [], evidence: [], durationMs: 2 };
}

function options(suite: RunnableSuite, extra: Partial<ConformRunOptions> = {}): ConformRunOptions {
  return {
    suite,
    target: { url: 'fake://u:secret@h:1', protocol: 'fake', protocolVersion: '2', fields: {} },
    targetInfo: { url: 'fake://u:***@h:1', embedded: false, tcpNoDelay: true },
    versions: ['1', '2'],
    select: () => true,
    casePattern: null,
    profile: {},
    profileFile: null,
    toolVersion: '9.9.9',
    runId: 'run123',
    ...extra,
  };
}

describe('runConformance', () => {
  it('assembles a valid conform result: capabilities, coverage, verdicts, totals and expectation per version', async () => {
    const seen: string[] = [];
    const suite = fakeSuite(async (_t, version, _p, select, o) => {
      seen.push(`${version}:${o.runId}:${o.concurrency}`);
      const picked = suite.cases.filter((c) => c.statements[version] !== undefined && select(c));
      return { capabilities: { level: Number(version) }, verdicts: picked.map((c) => verdict(c.id, version, c.id === 'b.two' ? 'fail' : 'pass')) };
    });
    const planned: string[] = [];
    const result = await runConformance(options(suite, {
      concurrency: 3,
      onVersion: (v, n) => planned.push(`${v}:${n}`),
      expect: { file: 'e.json', expectations: { broker: 'b', notes: {}, verdicts: { '1': { 'a.one': 'pass' }, '2': { 'a.one': 'pass', 'b.two': 'fail' } } } },
    }));
    expect(ConformResult.parse(result)).toEqual(result);
    expect(seen).toEqual(['1:run123:3', '2:run123:3']);
    expect(planned).toEqual(['1:1', '2:2']);
    expect(result.target).toEqual({ url: 'fake://u:***@h:1', protocol: 'fake', protocolVersion: '1, 2', embedded: false, tcpNoDelay: true });
    expect(result.capabilities).toEqual({ '1': { level: 1 }, '2': { level: 2 } });
    expect(result.coverage).toEqual({
      '1': { statements: 2, testable: 2, tested: 1, untested: ['F-1.0.0-2'] },
      '2': { statements: 2, testable: 2, tested: 2, untested: [] },
    });
    expect(result.totals).toEqual({ pass: 2, fail: 1, skip: 0, timeout: 0, error: 0 });
    expect(result.expectation).toEqual({ file: 'e.json', differences: [] });
    expect(conformStatus(result)).toBe('passed');
    expect(conformStatus({ ...result, expectation: null })).toBe('failed');
  });

  it('on an interrupt keeps what was checked, runs no further version and marks the result aborted', async () => {
    const stop = new AbortController();
    const versions: string[] = [];
    const suite = fakeSuite(async (_t, version) => {
      versions.push(version);
      stop.abort('SIGINT');
      return { capabilities: {}, verdicts: [verdict('a.one', version, 'pass')] };
    });
    const result = await runConformance(options(suite, { signal: stop.signal }));
    expect(versions).toEqual(['1']);
    expect(result.cases.map((c) => c.version)).toEqual(['1']);
    expect(result.aborted).toMatchObject({ cause: 'signal', message: expect.stringContaining('SIGINT') as unknown });
    expect(conformStatus(result)).toBe('aborted');
  });

  it('throws an unreachable target when nothing was checked, and keeps the first version when the second is unreachable', async () => {
    const unreachable = new TargetUnreachableError('fake://h:1', 'refused');
    await expect(runConformance(options(fakeSuite(async () => { throw unreachable; })))).rejects.toBe(unreachable);
    const result = await runConformance(options(fakeSuite(async (_t, version) => {
      if (version === '2') throw unreachable;
      return { capabilities: {}, verdicts: [verdict('a.one', version, 'pass')] };
    })));
    expect(result.cases).toHaveLength(1);
    expect(result.aborted).toMatchObject({ cause: 'unreachable', message: expect.stringContaining('cannot reach target fake://h:1') as unknown });
    expect(conformStatus(result)).toBe('aborted');
  });

  it('lets any other error through (chatbench failed, not the server)', async () => {
    await expect(runConformance(options(fakeSuite(async () => { throw new Error('bug'); })))).rejects.toThrow('bug');
  });
});
