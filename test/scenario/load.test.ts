import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../core/errors.js';
import { loadScenarioFile, parseScenarioText } from '../../core/scenario/index.js';
import type { ScenarioSpec, TargetSpec } from '../../core/scenario/index.js';
import { checkTargetUrl, redactTargetUrl } from '../../core/target.js';
import '../../runners/index.js'; // registers MQTT: the target fields below are its
import { parseMqttVersion } from '../../runners/mqtt/target.js';
import type { MqttTargetFields } from '../../runners/mqtt/target.js';

/** The MQTT runner's fields of a loaded target. */
const mqtt = (target: TargetSpec | null): MqttTargetFields | undefined => target?.fields as MqttTargetFields | undefined;

const GOOD = `
target:
  url: mqtts://broker.example:8883
  mqttVersion: 3.1.1
  usernameEnv: CHAT_USER
  passwordEnv: CHAT_PASS
  tls: { ca: certs/ca.pem, cert: ../client.pem, key: /abs/client.key, servername: chat.example }
defaults:
  drain: 3s
  rate: 30/min
  connect: { timeout: 5s }
scenarios:
  - name: plain
  - name: room-fanout
    description: five rooms of ten
    users: 50
    rooms: { count: 5, members: 10 }
    rate: 500/s
    payload: 1KiB
    qos: 2
    duration: 2m
    messages: 5000
    warmup: 1500ms
    drain: 500ms
    connect: { concurrency: 20 }
    thresholds: ["p99 < 50ms", "lost == 0"]
  - name: dm.only
    users: 4
    rooms: { count: 0 }
    directPairs: 2
    payload: "2KB"
    duration: 90
`;

describe('a good file', () => {
  const file = parseScenarioText(GOOD, '/work/scenarios/chat.yaml');
  const [plain, fanout, dm] = file.scenarios as [ScenarioSpec, ScenarioSpec, ScenarioSpec];

  test('built-in defaults fill what neither the scenario nor defaults: sets', () => {
    expect(plain).toEqual({
      name: 'plain',
      description: '',
      users: 10,
      rooms: { count: 1, members: 10 },
      directPairs: 0,
      rate: 0.5, // from defaults: 30/min
      payloadBytes: 128,
      qos: 1,
      durationMs: 10_000,
      messages: null,
      warmupMs: 1_000,
      drainMs: 3_000, // from defaults:
      drainMaxMs: 60_000,
      stallTimeoutMs: 5_000,
      connect: { concurrency: 50, timeoutMs: 5_000 }, // timeout from defaults:, concurrency built in
      thresholds: [],
    });
  });

  test('scenario keys win over defaults:, units are normalised', () => {
    expect(fanout).toEqual({
      name: 'room-fanout',
      description: 'five rooms of ten',
      users: 50,
      rooms: { count: 5, members: 10 },
      directPairs: 0,
      rate: 500,
      payloadBytes: 1_024,
      qos: 2,
      durationMs: 120_000,
      messages: 5_000,
      warmupMs: 1_500,
      drainMs: 500,
      drainMaxMs: 60_000,
      stallTimeoutMs: 5_000,
      connect: { concurrency: 20, timeoutMs: 5_000 }, // nested maps merge key by key
      thresholds: [
        { expression: 'p99 < 50ms', metric: 'p99', comparator: '<', value: 50_000, unit: 'ms' },
        { expression: 'lost == 0', metric: 'lost', comparator: '==', value: 0, unit: '' },
      ],
    });
  });

  test('direct-message-only scenario: rooms count 0 is allowed with pairs', () => {
    expect(dm.rooms).toEqual({ count: 0, members: 4 });
    expect(dm.directPairs).toBe(2);
    expect(dm.payloadBytes).toBe(2_000);
    expect(dm.durationMs).toBe(90_000);
  });

  test('target: version normalised, credentials stay names, TLS paths resolved against the file folder', () => {
    expect(file.file).toBe('/work/scenarios/chat.yaml');
    expect(file.target).toEqual({
      url: 'mqtts://broker.example:8883',
      protocol: 'mqtt',
      protocolVersion: '3.1.1',
      fields: {
        mqttVersion: '3.1.1',
        usernameEnv: 'CHAT_USER',
        passwordEnv: 'CHAT_PASS',
        tls: {
          ca: '/work/scenarios/certs/ca.pem',
          cert: '/work/client.pem',
          key: '/abs/client.key',
          servername: 'chat.example',
          rejectUnauthorized: true,
        },
      },
    });
  });

  test('--target replaces the url and keeps the other target fields', () => {
    const overridden = parseScenarioText(GOOD, '/work/scenarios/chat.yaml', { target: 'wss://other:443/mqtt' });
    expect(overridden.target?.url).toBe('wss://other:443/mqtt');
    expect(overridden.target?.protocolVersion).toBe('3.1.1');
    expect(mqtt(overridden.target)?.tls?.ca).toBe('/work/scenarios/certs/ca.pem');
  });
});

test.each<[string, string]>([
  ['3.1.1', '3.1.1'],
  ['"3.1.1"', '3.1.1'],
  ['4', '3.1.1'], // protocol level 4 is 3.1.1
  ['"4"', '3.1.1'],
  ['5', '5.0'],
  ['5.0', '5.0'],
  ['"5.0"', '5.0'],
  ['"5"', '5.0'],
])('mqttVersion: %s -> %s', (written, version) => {
  const file = parseScenarioText(`target: { url: mqtt://h, mqttVersion: ${written} }\nscenarios: [{ name: a }]\n`, 'v.yaml');
  expect(file.target?.protocolVersion).toBe(version);
  expect(mqtt(file.target)?.mqttVersion).toBe(version);
});

describe('parseMqttVersion (mqttVersion: and --mqtt-version)', () => {
  test.each<[string | number, string]>([
    ['3.1.1', '3.1.1'],
    [4, '3.1.1'],
    ['4', '3.1.1'],
    [5, '5.0'],
    ['5', '5.0'],
    ['5.0', '5.0'],
  ])('%j -> %s', (written, version) => {
    expect(parseMqttVersion(written)).toEqual({ ok: true, value: version });
  });

  test.each<string | number>([3, '3', 3.1, '3.1'])('%j is MQTT 3.1: refused, pointing to 3.1.1', (written) => {
    expect(parseMqttVersion(written)).toEqual({
      ok: false,
      error: 'MQTT 3.1 (protocol level 3) is not supported: use 3.1.1 (protocol level 4) or 5.0',
    });
  });

  test.each<string | number>([6, '6', '', '3.1.1.1', 'v5', 5.5])('%j is not a version', (written) => {
    expect(parseMqttVersion(written)).toEqual({ ok: false, error: 'expected 3.1.1 or 5.0' });
  });

  test('the file refuses mqttVersion: 3 rather than taking it as 3.1.1', () => {
    for (const written of ['3', '"3"']) {
      expect(() => parseScenarioText(`target: { url: mqtt://h, mqttVersion: ${written} }\nscenarios: [{ name: a }]\n`, 'v.yaml')).toThrow(
        /target\.mqttVersion: MQTT 3\.1 \(protocol level 3\) is not supported/,
      );
    }
  });
});

describe('credentials in a target URL never appear in a message', () => {
  test.each<[string, string]>([
    ['http://user:secret@x', 'http://user:***@x'],
    ['mqtt://user:secret@h:1883/path', 'mqtt://user:***@h:1883/path'],
    ['mqtt://secret@h', 'mqtt://***@h'],
    ['mqtt://user:p@ss:secret@h', 'mqtt://user:***@h'], // an unencoded "@" in the password
    ['user:secret@h:1883', 'user:***@h:1883'], // no scheme
    ['mqtt://h:1883', 'mqtt://h:1883'],
  ])('redactTargetUrl(%s) -> %s', (url, shown) => {
    expect(redactTargetUrl(url)).toBe(shown);
  });

  test.each([
    'http://user:secret@x', // bad scheme
    'mqtt://user:secret@[::1', // not a URL
    'mqtt://user:secret/x@h', // "/" in the password: not a URL
    'user:secret@h:1883', // no scheme: "user:" reads as one
    'mqtt://user:p@ss:secret@', // no host
  ])('%s', (url) => {
    const checked = checkTargetUrl(url);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.error).not.toContain('secret');
    const flag = (() => {
      try {
        parseScenarioText('scenarios: [{ name: a }]', 'a.yaml', { target: url });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(flag).toBeInstanceOf(InputError);
    expect((flag as InputError).message).toMatch(/^invalid --target: /);
    expect((flag as InputError).message).not.toContain('secret');
    const inFile = (() => {
      try {
        parseScenarioText(`target: { url: ${JSON.stringify(url)} }\nscenarios: [{ name: a }]\n`, 'a.yaml');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(inFile).toBeInstanceOf(InputError);
    expect((inFile as InputError).issues.map((i) => i.path)).toEqual(['target.url']);
    expect((inFile as InputError).message).not.toContain('secret');
  });

  test('a valid URL with credentials is kept as written for the driver', () => {
    expect(checkTargetUrl('mqtt://user:secret@h')).toEqual({ ok: true, value: 'mqtt://user:secret@h' });
  });
});

test('no target anywhere: null (embedded broker); default version 5.0 and TLS verification on', () => {
  expect(parseScenarioText('scenarios: [{ name: a }]', 'a.yaml').target).toBeNull();
  const withTls = parseScenarioText('target: { url: "mqtts://h", tls: {} }\nscenarios: [{ name: a }]', 'a.yaml');
  expect(withTls.target).toEqual({ url: 'mqtts://h', protocol: 'mqtt', protocolVersion: '5.0', fields: { mqttVersion: '5.0', tls: { rejectUnauthorized: true } } });
  const explicit = parseScenarioText('target: { url: "mqtts://h", tls: { rejectUnauthorized: false } }\nscenarios: [{ name: a }]', 'a.yaml');
  expect(mqtt(explicit.target)?.tls?.rejectUnauthorized).toBe(false);
});

test('--target alone creates a target with MQTT 5.0', () => {
  const file = parseScenarioText('scenarios: [{ name: a }]', 'a.yaml', { target: 'mqtt://10.0.0.1:1884' });
  expect(file.target).toEqual({ url: 'mqtt://10.0.0.1:1884', protocol: 'mqtt', protocolVersion: '5.0', fields: { mqttVersion: '5.0' } });
});

test('a bad --target is an InputError naming the flag', () => {
  expect(() => parseScenarioText('scenarios: [{ name: a }]', 'a.yaml', { target: 'http://h' })).toThrow(
    /invalid --target: unsupported URL scheme "http:\/\/"/,
  );
});

describe('loadScenarioFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatbench-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads the file and resolves TLS paths against its folder', async () => {
    const path = join(dir, 'chat.yaml');
    await writeFile(path, 'target: { url: "mqtts://h", tls: { ca: ca.pem } }\nscenarios: [{ name: a, rate: 10/s }]\n');
    const file = await loadScenarioFile(path);
    expect(file.file).toBe(path);
    expect(mqtt(file.target)?.tls?.ca).toBe(join(dir, 'ca.pem'));
    expect(file.scenarios.map((s) => [s.name, s.rate])).toEqual([['a', 10]]);
  });

  test('a missing file is an InputError naming the path and the reason', async () => {
    const path = join(dir, 'missing.yaml');
    const error = await loadScenarioFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`cannot read scenario file ${path}: ENOENT: no such file or directory, open '${path}'`);
    expect((error as InputError).exitCode).toBe(2);
  });

  test('a file with problems reports them against its path', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'scenarios:\n  - name: a\n    rate: fast\n');
    const error = await loadScenarioFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues).toEqual([
      { file: path, line: 3, column: 11, path: 'scenarios[0].rate', message: expect.stringContaining('invalid rate "fast"') },
    ]);
  });
});
