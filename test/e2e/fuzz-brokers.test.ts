/**
 * A bounded fuzz (cases, not time) of real brokers through the CLI, each compared with its
 * committed expectations (fixtures/fuzz/<broker>.json): CI fails on a new finding, not on a known
 * one. The committed replays of each finding are under fixtures/fuzz/<broker>/, each checked
 * against the spec (the note in the expectations says which statement it breaks and why).
 * Cases per second and shrink times are printed for the record, never asserted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FuzzResult } from '../../core/result/fuzz.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../helpers/ejabberd.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { describe } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../../fixtures/fuzz/', import.meta.url));
const BOUND = ['--runs', '150', '--seed', '42'];

async function fuzz(name: string, args: readonly string[]): Promise<FuzzResult> {
  const cwd = tempDir();
  const run = await runCli(['fuzz', ...args, ...BOUND, '--expect', join(FIXTURES, `${name}.json`), '--json', 'result.json'], { cwd, timeoutMs: 600_000 });
  const result = FuzzResult.parse(JSON.parse(readFileSync(join(cwd, 'result.json'), 'utf8')));
  const shrink = result.findings.map((f) => `${Math.round(f.shrinkMs)} ms`).join(', ');
  console.log(`${name}: ${result.casesRun} cases, ${result.casesPerSecond.toFixed(1)} cases/s, ${(result.durationMs / 1000).toFixed(1)} s; ${result.findings.length} findings; shrink ${shrink || '-'}`);
  expect(run.code, run.stderr).toBe(0);
  expect(result.findings.every((f) => f.known === true)).toBe(true);
  return result;
}

describe('fuzzing the embedded Aedes', () => {
  it('finds only what fixtures/fuzz/aedes.json lists', async () => {
    const result = await fuzz('aedes', []);
    expect(result.target.embedded).toBe(true);
  }, 600_000);
});

describeWithMosquitto('fuzzing a local mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => {
    await mosquitto.stop();
  });

  it('MQTT 3.1.1: finds only what fixtures/fuzz/mosquitto-3.1.1.json lists', async () => {
    await fuzz('mosquitto-3.1.1', ['--target', mosquitto.url, '--version', '3.1.1']);
  }, 600_000);

  it('MQTT 5.0: finds only what fixtures/fuzz/mosquitto-5.json lists', async () => {
    await fuzz('mosquitto-5', ['--target', mosquitto.url, '--version', '5']);
  }, 600_000);
});

describeWithEjabberd('fuzzing ejabberd\'s MQTT (a server that needs a login)', () => {
  let server: Ejabberd;
  let url: string;
  beforeAll(async () => {
    server = await startEjabberd({ users: 1 });
    const user = server.users[0];
    if (user === undefined) throw new Error('ejabberd started with no user');
    // The login rides on every well-formed CONNECT the fuzz sends; replay files keep none of it.
    url = server.mqttUrl.replace('mqtt://', `mqtt://${encodeURIComponent(user.username)}:${encodeURIComponent(user.password)}@`);
  }, 60_000);
  afterAll(async () => {
    await server.stop();
  });

  it('MQTT 3.1.1: finds only what fixtures/fuzz/ejabberd-3.1.1.json lists', async () => {
    await fuzz('ejabberd-3.1.1', ['--target', url, '--version', '3.1.1']);
  }, 600_000);

  it('MQTT 5.0: finds only what fixtures/fuzz/ejabberd-5.json lists, and no replay carries the password', async () => {
    const result = await fuzz('ejabberd-5', ['--target', url, '--version', '5']);
    const password = server.users[0]?.password ?? '';
    for (const f of result.findings) {
      for (const s of f.steps) expect(Buffer.from(s.hex, 'hex').includes(Buffer.from(password))).toBe(false);
    }
  }, 600_000);
});
