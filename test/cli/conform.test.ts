/**
 * `chatbench conform` as a process: exit codes 0/1/2/3, the result it writes, --expect and
 * --write-expect, a real broker made to break [MQTT-3.1.0-2] by a tampering proxy, and the
 * Markdown summary appended to $GITHUB_STEP_SUMMARY (by `run` too).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformResult } from '../../core/result/index.js';
import { runCli, scenarioFile, SMALL, tempDir } from '../helpers/cli.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { closedPort } from '../helpers/ports.js';
import { startTamperProxy, type TamperProxy } from '../helpers/tamper-proxy.js';

const CASE = 'connect.second-connect';

function readJson(path: string): ConformResult {
  return JSON.parse(readFileSync(path, 'utf8')) as ConformResult;
}

describe('chatbench conform on the embedded broker', () => {
  it('exits 0 and writes a conform result: envelope, versions, coverage, one verdict per case, totals', async () => {
    const dir = tempDir();
    const json = join(dir, 'r.json');
    const r = await runCli(['conform', '--case', CASE, '--json', json], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const result = readJson(json);
    expect(result).toMatchObject({ kind: 'conform', schemaVersion: 2, versions: ['3.1.1'], casePattern: CASE, profileFile: null, expectation: null, aborted: null });
    expect(result.target).toMatchObject({ protocol: 'mqtt', protocolVersion: '3.1.1', embedded: true, url: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/) as unknown });
    expect(result.cases.map((c) => [c.id, c.version, c.verdict])).toEqual([[CASE, '3.1.1', 'pass']]);
    expect(result.cases[0]?.statements).toContain('MQTT-3.1.0-2');
    expect(result.totals).toEqual({ pass: 1, fail: 0, skip: 0, timeout: 0, error: 0 });
    // Coverage is of the suite, not of the cases --case selected.
    expect(Object.keys(result.coverage)).toEqual(['3.1.1']);
    expect(result.coverage['3.1.1']?.testable).toBeGreaterThan(50);
    expect(result.coverage['3.1.1']?.tested).toBeGreaterThanOrEqual(1);
    expect(Object.keys(result.capabilities)).toEqual(['3.1.1']);
    expect(r.stderr).toContain('embedded broker at mqtt://127.0.0.1:');
    expect(r.stderr).toContain(`result written to ${json}`);
  });

  it('compares with --expect: exit 1 on a difference, 0 without; --write-expect keeps the notes', async () => {
    const dir = tempDir();
    const expectFile = join(dir, 'aedes.json');
    writeFileSync(expectFile, JSON.stringify({ broker: 'aedes', notes: { [CASE]: 'a note kept across rewrites' }, verdicts: { '3.1.1': { [CASE]: 'fail' } } }));
    const json = join(dir, 'r.json');
    const differs = await runCli(['conform', '--case', CASE, '--expect', expectFile, '--json', json], { cwd: dir });
    expect(differs.code, differs.stderr).toBe(1);
    expect(readJson(json).expectation).toEqual({ file: expectFile, differences: [{ id: CASE, version: '3.1.1', expected: 'fail', actual: 'pass' }] });

    const rewritten = await runCli(['conform', '--case', CASE, '--expect', expectFile, '--write-expect', expectFile], { cwd: dir });
    expect(rewritten.code, rewritten.stderr).toBe(1);
    expect(rewritten.stderr).toContain(`expectations written to ${expectFile}`);
    expect(JSON.parse(readFileSync(expectFile, 'utf8'))).toEqual({ broker: 'aedes', notes: { [CASE]: 'a note kept across rewrites' }, verdicts: { '3.1.1': { [CASE]: 'pass' } } });

    const same = await runCli(['conform', '--case', CASE, '--expect', expectFile, '--json', json], { cwd: dir });
    expect(same.code, same.stderr).toBe(0);
    expect(readJson(json).expectation?.differences).toEqual([]);
  });

  it('exits 2 for --version 5 without a target, saying the embedded broker speaks 3.1.1 only', async () => {
    const r = await runCli(['conform', '--version', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--version 5 needs a target (--target URL): the embedded broker speaks MQTT 3.1.1 only');
    const bad = await runCli(['conform', '--version', '4.2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--version 4.2: expected 3.1.1, 5, all');
  });

  it('exits 2 for a protocol chatbench has no suite for, naming the suites it has, before connecting', async () => {
    // Port 1 on loopback: nothing listens, so a connection attempt would be exit 3, not 2.
    const r = await runCli(['conform', '--target', 'xmpp://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no conformance suite for XMPP targets yet (chatbench has suites for MQTT)');
  });

  it('exits 2 for a wrong flag (with a guess), a --case matching nothing (with ids) and a bad --concurrency', async () => {
    const flag = await runCli(['conform', '--cases', CASE]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--cases' (did you mean --case?)");
    const pattern = await runCli(['conform', '--case', 'conect.*,nothing-here']);
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toContain('--case conect.*: matches no case');
    expect(pattern.stderr).toContain('--case nothing-here: matches no case');
    expect(pattern.stderr).toContain(`case ids look like: `);
    expect(pattern.stderr).toContain(CASE);
    const conc = await runCli(['conform', '--concurrency', '0']);
    expect(conc.code).toBe(2);
    expect(conc.stderr).toContain('--concurrency 0: expected a whole number from 1 to 64');
  });

  it('exits 2 for a bad profile with file:line:column, before connecting', async () => {
    const profile = scenarioFile('username: alice\nkeepAliveSecond: 3\nmaximumQoS: 7\n', 'profile.yaml');
    const r = await runCli(['conform', '--profile', profile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid profile file ${profile}`);
    expect(r.stderr).toContain(`${profile}:2:1: keepAliveSecond: unknown key "keepAliveSecond"; did you mean "keepAliveSeconds"?`);
    expect(r.stderr).toContain(`${profile}:3:13: maximumQoS: expected one of 0, 1, 2, got 7`);
    expect(r.stderr).not.toContain('chatbench conform: embedded broker');
    const syntax = scenarioFile('username: [alice\n', 'broken.yaml');
    const s = await runCli(['conform', '--profile', syntax]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(new RegExp(`${syntax.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
  });

  it('exits 2 for a bad expectations file and for a bad target URL', async () => {
    const file = scenarioFile('{"broker": "x", "verdicts": {"5": {"a": "maybe"}}}', 'e.json');
    const r = await runCli(['conform', '--expect', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid expectations file ${file}`);
    const url = await runCli(['conform', '--target', 'http://user:hunter2@127.0.0.1:1']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('unsupported URL scheme');
    expect(url.stderr).not.toContain('hunter2');
  });

  it('exits 3 naming an unreachable target, its password masked', async () => {
    const port = await closedPort();
    const r = await runCli(['conform', '--target', `mqtt://bob:hunter2@127.0.0.1:${port}`, '--case', CASE]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`cannot reach target mqtt://bob:***@127.0.0.1:${port}`);
    expect(r.stderr).not.toContain('hunter2');
  });
});

describe('$GITHUB_STEP_SUMMARY', () => {
  it('gets the Markdown summary appended by conform and by run, after what was there', async () => {
    const dir = tempDir();
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step output\n');
    const env = { GITHUB_STEP_SUMMARY: summary };
    const c = await runCli(['conform', '--case', CASE], { cwd: dir, env });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain(`Markdown summary appended to ${summary}`);
    const afterConform = readFileSync(summary, 'utf8');
    expect(afterConform.startsWith('# earlier step output\n')).toBe(true);
    expect(afterConform).toMatch(/\n## chatbench conform PASS/);
    const r = await runCli(['run', scenarioFile(SMALL)], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const afterRun = readFileSync(summary, 'utf8');
    expect(afterRun.startsWith(afterConform)).toBe(true);
    expect(afterRun.slice(afterConform.length)).toContain('small-room');
  });

  it('is left alone when the variable is not set', async () => {
    const dir = tempDir();
    const r = await runCli(['conform', '--case', CASE], { cwd: dir, env: { GITHUB_STEP_SUMMARY: '' } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('appended');
  });
});

describeWithMosquitto('chatbench conform against a tampered mosquitto', () => {
  let mosquitto: Mosquitto;
  let proxy: TamperProxy;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
    // The broker is made to miss a second CONNECT: the proxy swallows it, so the connection stays open.
    const connects = new Map<number, number>();
    proxy = await startTamperProxy(mosquitto.url, {
      toServer(packet, conn) {
        if (packet.cmd !== 'connect') return undefined;
        const seen = (connects.get(conn.index) ?? 0) + 1;
        connects.set(conn.index, seen);
        return seen > 1 ? [] : undefined;
      },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await mosquitto?.stop();
  });

  it('exits 0 against mosquitto itself, for both versions', async () => {
    const dir = tempDir();
    const json = join(dir, 'r.json');
    const r = await runCli(['conform', '--target', mosquitto.url, '--case', CASE, '--json', json], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(json).cases.map((c) => [c.version, c.verdict])).toEqual([['3.1.1', 'pass'], ['5', 'pass']]);
    expect(readJson(json).target.protocolVersion).toBe('3.1.1, 5');
  });

  it('exits 1 with the failure, its statement and the bytes, in the JSON and the JUnit report', async () => {
    const dir = tempDir();
    const json = join(dir, 'r.json');
    const junit = join(dir, 'j.xml');
    const r = await runCli(['conform', '--target', proxy.url, '--version', '3.1.1', '--case', CASE, '--json', json, '--junit', junit], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const [verdict] = readJson(json).cases;
    expect(verdict?.verdict).toBe('fail');
    expect(verdict?.failures[0]?.statement).toBe('MQTT-3.1.0-2');
    // The evidence holds the two CONNECT packets sent (type 1: first byte 0x10).
    const sent = verdict?.evidence.flatMap((e) => e.exchanges.filter((x) => x.dir === 'sent').map((x) => x.hex)) ?? [];
    expect(sent.filter((hex) => hex.startsWith('10')).length).toBeGreaterThanOrEqual(2);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain(CASE);
    expect(xml).toContain('<failure');
    expect(xml).toContain('MQTT-3.1.0-2');
  });
});
