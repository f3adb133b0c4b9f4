/**
 * A bounded fuzz (cases, not time) of real XMPP servers through the CLI — prosody and
 * ejabberd's c2s — each compared with its committed expectations (fixtures/fuzz/prosody.json,
 * fixtures/fuzz/ejabberd-xmpp.json): CI fails on a new finding, not on a known one. Each
 * committed replay is re-run with `chatbench replay` and must reproduce; no replay holds the
 * account's password. Cases per second and shrink times are printed, never asserted.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FuzzResult } from '../../core/result/fuzz.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../helpers/ejabberd.js';
import { describeWithProsody, startProsody, type Prosody } from '../helpers/prosody.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/fuzz/', import.meta.url));
const BOUND = ['--runs', '100', '--seed', '42'];

async function fuzz(name: string, target: string, accountsFile: string, password: string): Promise<FuzzResult> {
  const cwd = tempDir();
  const args = ['fuzz', '--target', target, '--accounts', accountsFile, ...BOUND, '--json', 'result.json', '--replay-dir', 'replays'];
  const expectFile = join(FIXTURES, `${name}.json`);
  const run = await runCli(process.env.CHATBENCH_FUZZ_RECORD ? args : [...args, '--expect', expectFile], { cwd, timeoutMs: 600_000 });
  const result = FuzzResult.parse(JSON.parse(readFileSync(join(cwd, 'result.json'), 'utf8')));
  const shrink = result.findings.map((f) => `${Math.round(f.shrinkMs)} ms`).join(', ');
  console.log(`${name}: ${result.casesRun} cases, ${result.casesPerSecond.toFixed(1)} cases/s, ${(result.durationMs / 1000).toFixed(1)} s; ${result.findings.length} findings; shrink ${shrink || '-'}`);
  if (process.env.CHATBENCH_FUZZ_RECORD) {
    // Recording new expectations: the replays and a skeleton whose notes a person writes after checking each against the RFC.
    mkdirSync(join(FIXTURES, name), { recursive: true });
    for (const f of readdirSync(join(cwd, 'replays'))) copyFileSync(join(cwd, 'replays', f), join(FIXTURES, name, f));
    const findings = result.findings.map((f) => ({ fingerprint: f.fingerprint, kind: f.verdict.kind, note: f.verdict.message }));
    writeFileSync(expectFile, `${JSON.stringify({ broker: name, findings }, null, 2)}\n`);
    return result;
  }
  expect(run.code, run.stderr).toBe(0);
  expect(result.target.protocol).toBe('xmpp');
  expect(result.casesRun).toBe(100);
  expect(result.findings.every((f) => f.known === true)).toBe(true);
  // The login is built from the account when sent: no replay carries the password.
  for (const f of result.findings) for (const s of f.steps) expect(Buffer.from(s.hex, 'hex').includes(Buffer.from(password))).toBe(false);
  return result;
}

/** Every committed replay of `name` still reproduces (exit 1) against the server. */
async function replaysReproduce(name: string, target: string, accountsFile: string): Promise<void> {
  const dir = join(FIXTURES, name);
  const expected = (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as { findings: { fingerprint: string }[] }).findings;
  // One committed replay per expected finding, named by its fingerprint (a server with no finding has none).
  const files = expected.length === 0 ? [] : readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files.sort()).toEqual(expected.map((f) => `${f.fingerprint}.json`).sort());
  for (const file of files) {
    const run = await runCli(['replay', join(dir, file), '--target', target, '--accounts', accountsFile], { timeoutMs: 60_000 });
    expect(run.code, `${file}: ${run.stderr}`).toBe(1);
    expect(run.stderr).toMatch(/REPRODUCED/);
  }
}

describeWithProsody('fuzzing prosody (XMPP)', () => {
  let prosody: Prosody;
  beforeAll(async () => {
    prosody = await startProsody({ users: 1, tls: false });
  });
  afterAll(async () => {
    await prosody.stop();
  });

  it('finds only what fixtures/fuzz/prosody.json lists, and its replays reproduce', async () => {
    const target = `xmpp://127.0.0.1:${prosody.port}`;
    await fuzz('prosody', target, prosody.usersFile, prosody.users[0]?.password ?? '');
    await replaysReproduce('prosody', target, prosody.usersFile);
  }, 900_000);
});

describeWithEjabberd("fuzzing ejabberd's XMPP", () => {
  let server: Ejabberd;
  let accountsFile: string;
  beforeAll(async () => {
    server = await startEjabberd({ users: 1 });
    accountsFile = join(tempDir(), 'accounts');
    writeFileSync(accountsFile, server.users.map((u) => `${u.username}:${u.password}\n`).join(''));
  }, 60_000);
  afterAll(async () => {
    await server.stop();
  });

  it('finds only what fixtures/fuzz/ejabberd-xmpp.json lists, and its replays reproduce', async () => {
    const target = `xmpp://127.0.0.1:${server.xmppPort}`;
    await fuzz('ejabberd-xmpp', target, accountsFile, server.users[0]?.password ?? '');
    await replaysReproduce('ejabberd-xmpp', target, accountsFile);
  }, 900_000);
});
