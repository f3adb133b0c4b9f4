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
