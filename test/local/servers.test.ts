/**
 * `chatbench run --start` with each real server: ejabberd over MQTT and over XMPP (one server,
 * both protocols), and prosody (XMPP). Each run passes with nothing lost, the result says
 * chatbench started the server and what it cost, and the server's PID is gone afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { processAlive } from '../../runners/local/process.js';
import { prosodyBinary } from '../../runners/local/prosody.js';
import { runCli, scenarioFile, SMALL, tempDir } from '../helpers/cli.js';
import { describeWithEjabberd } from '../helpers/ejabberd.js';
import { describeRequiring } from '../helpers/requires.js';

async function runStarted(args: readonly string[]): Promise<{ result: RunResult; pid: number }> {
  const json = join(tempDir(), 'r.json');
  const r = await runCli(['run', scenarioFile(SMALL), ...args, '--json', json], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  const pid = Number(/\(pid (\d+)\)/.exec(r.stderr)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(processAlive(pid)).toBe(false);
  const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
  expect(result.target.started).toBe(true);
  expect(result.scenarios[0]?.delivery).toMatchObject({ expected: 600, delivered: 600, lost: 0, duplicated: 0 });
  return { result, pid };
}

describeWithEjabberd('chatbench run --start ejabberd', () => {
  it('--protocol mqtt (the default): MQTT 5.0 through mod_mqtt, logged in with a generated account', async () => {
    const { result } = await runStarted(['--start', 'ejabberd']);
    expect(result.target).toMatchObject({ protocol: 'mqtt', protocolVersion: '5.0' });
    // The account is in the URL chatbench ran against; the stored URL keeps the name, never the password.
    expect(result.target.url).toMatch(/^mqtt:\/\/user1%40localhost:\*\*\*@127\.0\.0\.1:\d+$/);
    expect(result.server).toMatchObject({ name: 'ejabberd', version: expect.stringMatching(/^\d+\.\d+/) });
    // The Erlang VM's resident set: tens of megabytes.
    expect(result.server?.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
  }, 90_000);

  it('--protocol xmpp: the same server over XMPP, one account per user', async () => {
    const { result } = await runStarted(['--start', 'ejabberd', '--protocol', 'xmpp']);
    expect(result.target).toMatchObject({ protocol: 'xmpp', url: expect.stringMatching(/^xmpp:\/\/127\.0\.0\.1:\d+$/) });
    expect(result.server?.name).toBe('ejabberd');
  }, 90_000);
});

describeRequiring({ program: 'prosody', available: prosodyBinary() !== undefined, install: 'apt-get install -y prosody' }, 'chatbench run --start prosody', () => {
  it('runs over XMPP against a prosody it started, with generated accounts', async () => {
    const { result } = await runStarted(['--start', 'prosody']);
    expect(result.target).toMatchObject({ protocol: 'xmpp', url: expect.stringMatching(/^xmpp:\/\/127\.0\.0\.1:\d+$/) });
    expect(result.server).toMatchObject({ name: 'prosody', version: expect.stringMatching(/^0\.\d+/) });
  }, 90_000);
});
