/**
 * Reading results of any kind and version (core/result/read.ts): the committed version 1
 * files (fixtures/results/, written by chatbench 0.1.0 before the v2 schema) upgrade to valid
 * version 2 results with typed reasons and a structured abort; unknown kinds and versions are
 * bad input that says what this chatbench reads.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../core/errors.js';
import { RunResult, type ChatbenchResult } from '../../core/result/index.js';
import { RESULT_KINDS, expectKind, parseResult } from '../../core/result/read.js';
import { abortCauseOf } from '../../core/result/upgrade-v1.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../../fixtures/results/${name}`, import.meta.url)), 'utf8'));
const run = (data: unknown): RunResult => expectKind(parseResult(data, 'test.json'), 'run', 'test.json');

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('a version 1 run result', () => {
  const v1 = fixture('v1-run.json') as { schemaVersion: number; scenarios: Array<{ reasons: string[] }> };
  const upgraded = run(v1);

  it('is the committed v1 file, and upgrades to a valid version 2 result', () => {
    expect(v1.schemaVersion).toBe(1);
    expect(v1.scenarios[2]?.reasons).toEqual(['threshold p99 < 1μs: actual 0.011s']);
    expect(upgraded.schemaVersion).toBe(2);
    expect(RunResult.parse(JSON.parse(JSON.stringify(upgraded)))).toEqual(upgraded);
    expect(upgraded.scenarios.map((s) => [s.name, s.status])).toEqual([['room', 'passed'], ['direct', 'passed'], ['strict', 'failed']]);
  });

  it('turns reason sentences into typed reasons, and shows a μs threshold in us (v1 showed seconds)', () => {
    const strict = upgraded.scenarios[2]!;
    expect(strict.reasons).toEqual([{ kind: 'threshold', expression: 'p99 < 1μs', message: 'threshold p99 < 1μs: actual 0.011s' }]);
    expect(strict.spec.thresholds.map((t) => [t.expression, t.unit])).toEqual([['p99 < 1μs', 'us'], ['lossRatio < 1%', '%']]);
    const verdict = strict.thresholds[0]!;
    expect(verdict).toMatchObject({ unit: 'us', passed: false, censored: false });
    expect(verdict.actual).toBeCloseTo(11_191, 6);
  });

  it('fills what version 1 did not record as documented', () => {
    const room = upgraded.scenarios[0]!;
    expect(room.latency).toMatchObject({ censored: 0, waited: 0 });
    expect(room.latency.p99).toBeGreaterThan(0);
    expect(room.delivery).toMatchObject({ undelivered: 0, lost: 0 });
    expect(room.delivery.byQos['1']).toMatchObject({ undelivered: 0 });
    expect(Object.keys(room.delivery.byQos)).toEqual(['1']);
    expect(room.drain).toEqual({ endedBy: 'all-delivered', seconds: 0, owedAtStart: 0, owedAtEnd: 0 });
    expect(room.spec).toMatchObject({ drainMs: 500, drainMaxMs: 500, stallTimeoutMs: 0 });
    expect(room.connections).toMatchObject({ downgrades: [], lostBy: { server: 0, network: 0, chatbench: 0 }, ends: [] });
    expect(room.sends).toEqual({ failed: 0, unfinished: [] });
  });

  it('reads the v1 `aborted` string as {scenario, cause, message}', () => {
    const aborted = run(fixture('v1-aborted.json'));
    expect(aborted.aborted).toEqual({
      scenario: 'room-fanout',
      cause: 'unreachable',
      message: 'cannot reach target mqtt://127.0.0.1:1: connection refused (ECONNREFUSED 127.0.0.1:1)',
    });
  });

  it('reads each kind of v1 reason sentence into its typed reason, and who closed lost connections', () => {
    const data = structuredClone(v1) as unknown as { scenarios: Array<Record<string, unknown> & { reasons: string[]; status: string; connections: Record<string, unknown>; delivery: Record<string, unknown> & { byQos: Record<string, Record<string, unknown>> } }> };
    const s = data.scenarios[0]!;
    s.status = 'failed';
    s.connections.lost = 3;
    s.connections.lostReasons = ['u1: connection closed by the server', 'u2: Keepalive timeout'];
    Object.assign(s.delivery.byQos['1']!, { lost: 5, violations: 5 });
    s.reasons = [
      '3 of 4 connections were lost mid-run (u1: connection closed by the server; u2: Keepalive timeout)',
      '1,200 sends failed (the client could not complete them)',
      'QoS 1 delivery guarantee violated: 5 lost',
      'nothing was measured: no message was sent after the warm-up',
    ];
    const read = run(data).scenarios[0]!;
    expect(read.reasons.map((r) => r.kind)).toEqual(['connection', 'send', 'delivery', 'nothing-measured']);
    expect(read.reasons[0]).toMatchObject({ lost: 3, opened: 4 });
    expect(read.reasons[1]).toMatchObject({ failed: 1200 });
    expect(read.reasons[2]).toMatchObject({ level: 1, lost: 5, duplicated: 0, reordered: 0 });
    // The keep-alive timeout was MQTT.js closing the connection itself; the unlisted third stays the server's, as v1 said.
    expect(read.connections.lostBy).toEqual({ server: 2, network: 0, chatbench: 1 });
    expect(read.connections.ends).toEqual([
      { user: 'u1', by: 'server', cause: 'connection closed by the server' },
      { user: 'u2', by: 'chatbench', cause: 'Keepalive timeout' },
    ]);

    s.reasons = ['the moon was in the wrong phase'];
    expect(inputError(() => run(data)).message).toBe('scenario "room": version 1 reason not understood: "the moon was in the wrong phase"');
    s.status = 'aborted';
    expect(run(data).scenarios[0]!.reasons).toEqual([{ kind: 'abort', cause: 'timeout', message: 'the moon was in the wrong phase' }]);
  });

  it('infers abort causes from version 1 words', () => {
    expect(abortCauseOf('interrupted by SIGINT')).toBe('signal');
    expect(abortCauseOf('incomplete: 1 of 3 scenarios had finished when this checkpoint was written')).toBe('incomplete');
    expect(abortCauseOf('every connection was lost (closed by the server)')).toBe('connections-lost');
    expect(abortCauseOf('cannot reach target mqtt://h:1: connection refused')).toBe('unreachable');
    expect(abortCauseOf('send phase overran by 10000 ms: 5 of 9 messages sent')).toBe('timeout');
    expect(abortCauseOf('connect did not finish within 10000 ms')).toBe('timeout');
  });
});

describe('parseResult', () => {
  const v2 = run(fixture('v1-run.json'));

  it('reads a version 2 result back unchanged, and dispatches by kind', () => {
    const read: ChatbenchResult = parseResult(JSON.parse(JSON.stringify(v2)), 'v2.json');
    expect(read).toEqual(v2);
    expect(RESULT_KINDS).toEqual(['run', 'compare', 'conform', 'fuzz']);
    expect(inputError(() => expectKind(read, 'compare', 'v2.json')).message).toBe('result file v2.json is a "run" result; a "compare" result is needed here');
  });

  it('names an unknown kind, an unknown version and a version 1 file of another kind', () => {
    expect(inputError(() => parseResult({ ...v2, kind: 'merge' }, 'f.json')).message).toBe('result file f.json is a "merge" result; this chatbench reads "run", "compare", "conform", "fuzz" results');
    expect(inputError(() => parseResult({ ...v2, schemaVersion: 3 }, 'f.json')).message).toBe('result file f.json: result schemaVersion 3 is newer than this chatbench reads (1 to 2); upgrade chatbench to read it');
    expect(inputError(() => parseResult({ ...v2, schemaVersion: 1, kind: 'compare' }, 'f.json')).message).toBe('result file f.json: schemaVersion 1 holds only run results, not "compare"');
    expect(inputError(() => parseResult([1], 'f.json')).message).toBe('result file f.json is not a chatbench result: expected a JSON object, got an array');
  });

  it('lists schema problems with JSON paths at the version it read', () => {
    const broken = structuredClone(v2) as unknown as { runId?: string; scenarios: Array<{ latency: Record<string, unknown> }> };
    delete broken.runId;
    broken.scenarios[0]!.latency.p99 = 'fast';
    expect(inputError(() => parseResult(broken, 'b.json')).message.split('\n')).toEqual([
      'result file b.json does not match the result format (schemaVersion 2, docs/result-format.md):',
      '  runId: Invalid input: expected string, received undefined',
      '  scenarios[0].latency.p99: Invalid input: expected number, received string',
    ]);
    const oldBroken = fixture('v1-run.json') as { scenarios: Array<{ latency: Record<string, unknown> }> };
    oldBroken.scenarios[0]!.latency.p99 = null;
    expect(inputError(() => parseResult(oldBroken, 'o.json')).message).toMatch(/^result file o.json does not match the result format \(schemaVersion 1, docs\/result-format.md\):\n {2}scenarios\[0\].latency.p99: /);
  });
});
