/**
 * `chatbench run` against real XMPP servers, as a process: a small room scenario on prosody
 * and on ejabberd exits 0 with nothing lost and records protocol "xmpp"; the default
 * scenarios.yaml runs unchanged on prosody with only --target changed (item 3 of issue 9),
 * the QoS 2 scenario reported as served at level 1, every delivery made.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../core/result/index.js';
import { expectKind, parseResult } from '../../../core/result/read.js';
import { runCli, scenarioFile, SMALL, tempDir } from '../../helpers/cli.js';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../../helpers/ejabberd.js';
import { describeWithProsody, startProsody, type Prosody } from '../../helpers/prosody.js';

const DEFAULT_SCENARIOS = fileURLToPath(new URL('../../../scenarios.yaml', import.meta.url));

/** The saved result, read the way chatbench reads one (validated against the result schema). */
function readResult(path: string): RunResult {
  return expectKind(parseResult(JSON.parse(readFileSync(path, 'utf8')), path), 'run', path);
}

function withTarget(url: string, fields: string): string {
  return `target:\n  url: ${url}\n${fields}${SMALL}`;
}

describeWithProsody('chatbench run on prosody (XMPP)', () => {
  let prosody: Prosody;
  beforeAll(async () => {
    prosody = await startProsody({ users: 4, tls: false });
  }, 30_000);
  afterAll(async () => {
    await prosody?.stop();
  });

  it('runs the small room scenario with accounts from a file: exit 0, nothing lost', async () => {
    const file = scenarioFile(withTarget(`xmpp://127.0.0.1:${prosody.port}`, `  accounts: { file: ${prosody.usersFile} }\n`));
    const json = join(tempDir(), 'result.json');
    const run = await runCli(['run', file, '--json', json], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(json);
    expect(result.target.protocol).toBe('xmpp');
    const [s] = result.scenarios;
    expect(s?.delivery.lost).toBe(0);
    expect(s?.delivery.delivered).toBe(s?.delivery.expected);
    expect(s?.delivery.expected).toBeGreaterThan(100);
    expect(run.stderr).toMatch(/XMPP/);
  }, 90_000);

  it('runs the default scenarios.yaml unchanged with --target xmpp:// (in-band registered accounts)', async () => {
    const json = join(tempDir(), 'default.json');
    const run = await runCli(['run', DEFAULT_SCENARIOS, '--target', `xmpp://127.0.0.1:${prosody.port}`, '--json', json], { timeoutMs: 120_000 });
    const result = readResult(json);
    expect(result.target.protocol).toBe('xmpp');
    expect(result.scenarios.map((s) => s.name)).toEqual(['room-fanout', 'direct-messages', 'typing-burst']);
    for (const s of result.scenarios) expect(s.delivery.lost, `${s.name}\n${run.stderr}`).toBe(0);
    // direct-messages asks QoS 2: every inbox is granted 1, and the result says so.
    expect(result.target.mapping?.['level 2']).toMatch(/no XMPP counterpart: served at level 1/);
    expect(result.target.mapping?.['level 1']).toMatch(/XEP-0198/);
    const dm = result.scenarios.find((s) => s.name === 'direct-messages');
    expect(dm?.connections.downgrades).toEqual([{ asked: 2, granted: 1, count: 20 }]);
    // Speed is the server's and the machine's: prosody is single-threaded Lua, and typing-burst
    // alone (11,000 stanzas/s out) kept it at ~90 % of a core here while chatbench used ~10 %.
    // On 2 shared cores (other test files running beside this one) only latency/rate thresholds
    // may fail, and a server that falls behind may leave deliveries outstanding when the drain
    // ends: those are "undelivered" (the server was too slow), never "lost", and fail the
    // scenario with that reason. Everything owed is accounted for either way.
    for (const s of result.scenarios) {
      expect(s.delivery.delivered + s.delivery.undelivered, s.name).toBe(s.delivery.expected);
      const failed = s.thresholds.filter((t) => !t.passed).map((t) => t.expression);
      expect(failed.filter((e) => !/^(p99|deliveredPerSecond)\b/.test(e)), `${s.name}\n${run.stderr}`).toEqual([]);
      const undelivered = s.reasons.filter((r) => r.kind === 'undelivered');
      expect(undelivered.length, s.name).toBe(s.delivery.undelivered > 0 ? 1 : 0);
      expect(s.reasons.filter((r) => r.kind === 'delivery'), s.name).toEqual([]);
      expect(s.status === 'passed', s.name).toBe(failed.length === 0 && s.delivery.undelivered === 0);
    }
    expect(run.code, run.stderr).toBe(result.scenarios.every((s) => s.status === 'passed') ? 0 : 1);
  }, 150_000);
});

describeWithEjabberd('chatbench run on ejabberd (XMPP)', () => {
  let ejabberd: Ejabberd;
  beforeAll(async () => {
    ejabberd = await startEjabberd({ users: 4 });
  }, 60_000);
  afterAll(async () => {
    await ejabberd?.stop();
  });

  it('runs the small room scenario: exit 0, nothing lost', async () => {
    const dir = tempDir();
    const users = join(dir, 'users');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(users, ejabberd.users.map((u) => `${u.username}:${u.password}\n`).join(''));
    const file = scenarioFile(withTarget(`xmpp://127.0.0.1:${ejabberd.xmppPort}`, `  accounts: { file: ${users} }\n`));
    const json = join(tempDir(), 'result.json');
    const run = await runCli(['run', file, '--json', json], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const [s] = readResult(json).scenarios;
    expect(s?.delivery.lost).toBe(0);
    expect(s?.delivery.delivered).toBe(s?.delivery.expected);
    expect(s?.wire.bytesOut).toBeGreaterThan(0);
  }, 90_000);
});

describe('scenario file', () => {
  it('is the one the CLI runs by default', () => {
    expect(readFileSync(DEFAULT_SCENARIOS, 'utf8')).toMatch(/name: room-fanout/);
  });
});
