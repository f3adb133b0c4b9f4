/**
 * Committed expectations: the file format (clear bad-input errors), the comparison that gates a
 * broker's CI (a new failure, an unexpected pass, a case the file lacks, any timeout or error),
 * and the file --write-expect writes (notes kept, stable order, unrunnable verdicts left out).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { differencesFrom, expectationsFrom, parseExpectations, readExpectations, renderExpectations, type Expectations } from '../../core/conform/expect.js';
import { ExitCode, InputError } from '../../core/errors.js';
import type { CaseVerdict } from '../../core/result/index.js';

function verdict(id: string, version: string, v: CaseVerdict['verdict']): CaseVerdict {
  return { id, title: id, version, layer: 'raw', section: '3.1', statements: ['MQTT-3.1.0-2'], verdict: v, reason: null, failures: [], choices: [], evidence: [], durationMs: 1 };
}

const FILE: Expectations = {
  broker: 'mosquitto 2.0.11',
  notes: { 'b.fails': 'MQTT-3.1.2-3: the server accepts a reserved flag of 1' },
  verdicts: { '3.1.1': { 'a.passes': 'pass', 'b.fails': 'fail', 'c.skips': 'skip' }, '5': { 'a.passes': 'pass' } },
};

describe('parseExpectations', () => {
  it('reads a valid file; notes are optional', () => {
    const text = JSON.stringify({ broker: 'x', verdicts: { '5': { 'a.b': 'pass' } } });
    expect(parseExpectations(text, 'e.json')).toEqual({ broker: 'x', notes: {}, verdicts: { '5': { 'a.b': 'pass' } } });
  });

  it('refuses bad JSON and bad shapes as bad input naming the file and the path', () => {
    expect(() => parseExpectations('{', 'e.json')).toThrow(/expectations file e.json is not valid JSON/);
    let caught: unknown;
    try {
      parseExpectations(JSON.stringify({ broker: 'x', verdicts: { '5': { 'a.b': 'timeout' } }, extra: 1 }), 'e.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const error = caught as InputError;
    expect(error.exitCode).toBe(ExitCode.badInput);
    expect(error.issues.map((i) => i.path).sort()).toEqual(['', 'verdicts.5.a.b']);
    expect(error.message).toContain('invalid expectations file e.json');
  });

  it('says which file cannot be read', async () => {
    await expect(readExpectations('/nonexistent/e.json')).rejects.toThrow('cannot read expectations file /nonexistent/e.json: ENOENT');
  });
});

describe('differencesFrom', () => {
  it('finds nothing when every verdict is as committed, failures included', () => {
    expect(differencesFrom(FILE, [verdict('a.passes', '3.1.1', 'pass'), verdict('b.fails', '3.1.1', 'fail'), verdict('c.skips', '3.1.1', 'skip')])).toEqual([]);
  });

  it('reports a new failure, an unexpected pass and a case the file does not have', () => {
    const diffs = differencesFrom(FILE, [verdict('a.passes', '3.1.1', 'fail'), verdict('b.fails', '3.1.1', 'pass'), verdict('d.new', '3.1.1', 'pass'), verdict('c.skips', '5', 'skip')]);
    expect(diffs).toEqual([
      { id: 'a.passes', version: '3.1.1', expected: 'pass', actual: 'fail' },
      { id: 'b.fails', version: '3.1.1', expected: 'fail', actual: 'pass' },
      { id: 'd.new', version: '3.1.1', expected: null, actual: 'pass' },
      { id: 'c.skips', version: '5', expected: null, actual: 'skip' },
    ]);
  });

  it('always counts a timeout or an error as a difference', () => {
    expect(differencesFrom(FILE, [verdict('a.passes', '3.1.1', 'timeout'), verdict('b.fails', '3.1.1', 'error')]).map((d) => d.actual)).toEqual(['timeout', 'error']);
  });

  it('does not count cases the run did not select', () => {
    expect(differencesFrom(FILE, [verdict('a.passes', '5', 'pass')])).toEqual([]);
  });
});

describe('expectationsFrom', () => {
  it('writes the verdicts sorted, keeps notes, broker and the verdicts of cases not run, drops removed cases', () => {
    const { expectations, left } = expectationsFrom([verdict('z.last', '5', 'fail'), verdict('a.passes', '3.1.1', 'fail'), verdict('e.slow', '5', 'timeout')], {
      broker: 'ignored, the previous file names one',
      previous: { ...FILE, verdicts: { ...FILE.verdicts, '3.1.1': { ...FILE.verdicts['3.1.1'], 'gone.case': 'pass' } } },
      exists: (id) => id !== 'gone.case',
    });
    expect(expectations).toEqual({
      broker: 'mosquitto 2.0.11',
      notes: FILE.notes,
      verdicts: { '3.1.1': { 'a.passes': 'fail', 'b.fails': 'fail', 'c.skips': 'skip' }, '5': { 'a.passes': 'pass', 'z.last': 'fail' } },
    });
    expect(left.map((v) => v.id)).toEqual(['e.slow']);
    const text = renderExpectations(expectations);
    expect(text).toMatch(/"5": \{\n\s+"a.passes": "pass",\n\s+"z.last": "fail"\n/);
    expect(parseExpectations(text, 'round-trip')).toEqual(expectations);
  });

  it('names the broker given when there is no previous file, and removes a verdict that became a timeout', () => {
    const { expectations } = expectationsFrom([verdict('a.passes', '5', 'error')], { broker: 'aedes', previous: FILE, exists: () => true });
    expect(expectations.verdicts['5']).toEqual({});
    expect(expectationsFrom([verdict('a', '5', 'pass')], { broker: 'aedes', exists: () => true }).expectations).toEqual({ broker: 'aedes', notes: {}, verdicts: { '5': { a: 'pass' } } });
  });

  it('reads back a written file from disk', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'chatbench-expect-')), 'e.json');
    writeFileSync(path, renderExpectations(FILE));
    expect(await readExpectations(path)).toEqual(FILE);
  });
});

describe('a verdict that depends on the server\'s timing', () => {
  const verdict = (v: 'pass' | 'fail'): CaseVerdict => ({
    id: 'keepalive.enforced', title: 't', version: '3.1.1', layer: 'raw', section: '3.1', statements: ['MQTT-3.1.2-24'],
    verdict: v, reason: null, failures: [], choices: [], evidence: [], durationMs: 1,
  });
  const file = parseExpectations(JSON.stringify({ broker: 'b', verdicts: { '3.1.1': { 'keepalive.enforced': ['pass', 'fail'] } } }), 'e.json');

  it('accepts any verdict of the list, and nothing else', () => {
    expect(differencesFrom(file, [verdict('pass')])).toEqual([]);
    expect(differencesFrom(file, [verdict('fail')])).toEqual([]);
    const skipped = { ...verdict('pass'), verdict: 'skip' as const };
    expect(differencesFrom(file, [skipped])).toEqual([{ id: 'keepalive.enforced', version: '3.1.1', expected: ['pass', 'fail'], actual: 'skip' }]);
  });

  it('keeps the list when the file is rewritten with a verdict it accepts', () => {
    const { expectations } = expectationsFrom([verdict('fail')], { broker: 'b', previous: file, exists: () => true });
    expect(expectations.verdicts['3.1.1']?.['keepalive.enforced']).toEqual(['pass', 'fail']);
  });

  it('a list of one verdict is refused: write the verdict itself', () => {
    expect(() => parseExpectations(JSON.stringify({ broker: 'b', verdicts: { '3.1.1': { x: ['pass'] } } }), 'e.json')).toThrow(/invalid expectations file e\.json/);
  });
});
