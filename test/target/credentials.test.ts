/**
 * Credentials in a target URL (`mqtt://user:pass@host`) are used for the login and masked
 * (`user:***@`) wherever the URL is printed or stored; credentials from the URL and from
 * usernameEnv/passwordEnv at once are refused (exit 2). Unit cases on the embedded broker
 * (Aedes records what CONNECT carried), then chatbench as a process against a mosquitto that
 * only lets one user in.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError, TargetUnreachableError } from '../../core/errors.js';
import { parseScenarioText } from '../../core/scenario/index.js';
import { openTarget, targetFromUrl } from '../../runners/index.js';
import { urlCredentials } from '../../runners/common/credentials.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { SMALL, runCli, scenarioFile, tempDir } from '../helpers/cli.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const BOTH = /the URL carries credentials and usernameEnv\/passwordEnv name others: give them in one place/;

function problems(text: string, opts: Parameters<typeof parseScenarioText>[2] = {}): string[] {
  try {
    parseScenarioText(`${text}\nscenarios: [{ name: a }]\n`, 'c.yaml', opts);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.issues.map((i) => `${i.path} | ${i.message}`);
  }
  return [];
}

describe('credentials in the URL, checked at load', () => {
  test('URL and usernameEnv/passwordEnv together are refused, naming neither value', () => {
    const found = problems('target: { url: "mqtt://bob:hunter2@h", usernameEnv: CHAT_USER }');
    expect(found).toEqual([expect.stringMatching(/^target\.usernameEnv \| /)]);
    expect(found[0]).toMatch(BOTH);
    expect(found.join()).not.toContain('hunter2');
    // --target brings the credentials, the file names variables: the same conflict.
    expect(problems('target: { url: "mqtt://h", passwordEnv: CHAT_PASS }', { target: 'mqtt://bob:hunter2@h' })).toEqual([expect.stringMatching(/^target\.passwordEnv \| .*one place/)]);
  });

  test('a password needs a user name [MQTT-3.1.2-22] in 3.1.1 and in 5.0 (MQTT.js cannot send one alone), from the URL, the variables and --target', () => {
    const why = "a password needs a user name: chatbench's MQTT client (MQTT.js) cannot send a password without one, and MQTT 3.1.1 forbids it [MQTT-3.1.2-22]";
    expect(problems('target: { url: "mqtt://:pw@h", mqttVersion: 3.1.1 }')).toEqual([`target.url | ${why}: write user:password@ in the URL`]);
    // 5.0 (the default) allows a password alone on the wire, but MQTT.js refuses to write it.
    expect(problems('target: { url: "mqtt://:pw@h" }')).toEqual([`target.url | ${why}: write user:password@ in the URL`]);
    expect(problems('target: { url: "mqtt://h", passwordEnv: P }')).toEqual([`target.passwordEnv | ${why}: set usernameEnv too`]);
    // --target is checked the same way, with no target: in the file, and named as the flag's problem.
    expect(() => parseScenarioText('scenarios: [{ name: a }]\n', 'c.yaml', { target: 'mqtt://:pw@h' }))
      .toThrow(`invalid --target: ${why}: write user:password@ in the URL`);
    // The file says 5.0; --mqtt-version 3.1.1 is laid over it before the rule runs.
    expect(problems('target: { url: "mqtt://h", passwordEnv: P }', { targetFields: { mqttVersion: '3.1.1' } })).toEqual([`target.passwordEnv | ${why}: set usernameEnv too`]);
    // A user name alone, or both, is fine.
    expect(problems('target: { url: "mqtt://bob@h" }')).toEqual([]);
    expect(problems('target: { url: "mqtt://h", usernameEnv: U, passwordEnv: P }')).toEqual([]);
  });

  test('percent-encoded userinfo is decoded for the login', () => {
    expect(urlCredentials('mqtt://us%40er:p%3Ass%2Fw@h')).toEqual({ username: 'us@er', password: 'p:ss/w' });
    expect(urlCredentials('mqtt://h')).toEqual({});
  });
});

describe('credentials in the URL, on the wire (embedded broker)', () => {
  let broker: EmbeddedBroker;
  const seen: { user: string | undefined; pass: string | undefined }[] = [];
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    broker.broker.authenticate = (_client, username, password, done) => {
      seen.push({ user: username, pass: password?.toString() });
      done(null, true);
    };
  });
  afterAll(async () => {
    await broker.close();
  });

  test('the URL\'s user and password go into CONNECT; the driver and the target info mask the password', async () => {
    const url = broker.url.replace('mqtt://', 'mqtt://al%20ice:pa%24%24word@');
    const handle = await openTarget(targetFromUrl(url, { mqttVersion: '3.1.1' }));
    const driver = handle.createDriver('creds1');
    try {
      expect(handle.info.url).toBe(broker.url.replace('mqtt://', 'mqtt://al%20ice:***@'));
      expect(driver.displayTarget).toBe(handle.info.url);
      const session = await driver.connect({ user: 'u0', directLevel: 0, onMessage: () => undefined, timeoutMs: 5_000 });
      await session.disconnect('graceful');
      expect(seen.at(-1)).toEqual({ user: 'al ice', pass: 'pa$$word' });
    } finally {
      await driver.close();
      await handle.close();
    }
  });

  test('a driver built without the loader refuses both sources too', () => {
    const make = () =>
      createMqttDriver({ url: `${broker.url.replace('mqtt://', 'mqtt://bob:hunter2@')}`, mqttVersion: '3.1.1', usernameEnv: 'U' }, { runId: 'x', env: { U: 'eve' } });
    expect(make).toThrow(BOTH);
    expect(make).toThrow(InputError);
  });
});

describeWithMosquitto('credentials in the URL against mosquitto with a password file (CLI)', () => {
  const login = { username: 'chat', password: 'Pw-9f3Kq7' };
  let m: Mosquitto;
  beforeAll(async () => {
    m = await startMosquitto({ login });
  });
  afterAll(async () => {
    await m?.stop();
  });
  const withLogin = (password: string) => m.url.replace('mqtt://', `mqtt://${login.username}:${password}@`);

  test('through the library: the right password logs in, a wrong one is "not authorized" (exit 3), neither printed', async () => {
    for (const version of ['3.1.1', '5.0']) {
      const good = await openTarget(targetFromUrl(withLogin(login.password), { mqttVersion: version }));
      const driver = good.createDriver(`cred${version === '5.0' ? 5 : 4}`);
      const session = await driver.connect({ user: 'u0', directLevel: 1, onMessage: () => undefined, timeoutMs: 5_000 });
      await session.disconnect('graceful');
      await driver.close();

      const bad = await openTarget(targetFromUrl(withLogin('wrong-Zx81'), { mqttVersion: version }));
      const refused = bad.createDriver('credbad');
      const error = await refused.connect({ user: 'u0', directLevel: 1, onMessage: () => undefined, timeoutMs: 5_000 }).catch((e: unknown) => e);
      await refused.close();
      expect(error).toBeInstanceOf(TargetUnreachableError);
      expect((error as TargetUnreachableError).exitCode).toBe(3);
      expect((error as Error).message).toMatch(/not authorized/i);
      expect((error as Error).message).toContain(withLogin('***'));
      expect((error as Error).message).not.toContain('wrong-Zx81');
    }
  });

  test('the right password in --target is used: the run passes, and the password is in no output', async () => {
    const json = join(tempDir(), 'result.json');
    const run = await runCli(['run', scenarioFile(SMALL), '--target', withLogin(login.password), '--json', json], { timeoutMs: 60_000 });
    const result = await readFile(json, 'utf8');
    expect(run.stderr + run.stdout + result).not.toContain(login.password);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(result).target.url).toBe(withLogin('***'));
    expect(run.stderr).toContain(withLogin('***'));
  });

  test('a wrong password is refused by the server: exit 3 "not authorized", the password never printed', async () => {
    const run = await runCli(['run', scenarioFile(SMALL), '--target', withLogin('wrong-Zx81'), '--mqtt-version', '3.1.1'], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/not authorized/i);
    expect(run.stderr).toContain(withLogin('***'));
    expect(run.stderr + run.stdout).not.toContain('wrong-Zx81');
  });

  test('no credentials: refused the same way (anonymous is off), proving the URL\'s were what let the first run in', async () => {
    const run = await runCli(['run', scenarioFile(SMALL), '--target', m.url], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/not authorized/i);
  });

  test('URL credentials and usernameEnv in the file: exit 2 before any connection', async () => {
    const file = scenarioFile(`target:\n  url: ${withLogin(login.password)}\n  usernameEnv: CHAT_USER\n${SMALL}`);
    const run = await runCli(['run', file], { env: { CHAT_USER: 'chat' } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(BOTH);
    expect(run.stderr).not.toContain(login.password);
  });

  test('a password without a user name in --target: exit 2 with the reason, before any connection [MQTT-3.1.2-22]', async () => {
    const target = m.url.replace('mqtt://', `mqtt://:${login.password}@`);
    for (const version of [[], ['--mqtt-version', '3.1.1']]) {
      const run = await runCli(['run', scenarioFile(SMALL), '--target', target, ...version], { timeoutMs: 60_000 });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain("a password needs a user name: chatbench's MQTT client (MQTT.js) cannot send a password without one");
      expect(run.stderr).not.toMatch(/cannot reach|Run aborted/);
      expect(run.stderr + run.stdout).not.toContain(login.password);
    }
  });
});
