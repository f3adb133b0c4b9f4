/**
 * Adding a protocol touches no file in core/: the test folder's "fake://" runner registers
 * with one line, a scenario file names it (with its own `domain` field), and the engine runs
 * the scenario on it through the same calls the CLI makes.
 */
import { describe, expect, test } from 'vitest';
import * as z from 'zod';
import { runScenarios } from '../../core/engine/index.js';
import type { InputError } from '../../core/errors.js';
import { parseScenarioText, scenarioJsonSchema } from '../../core/scenario/index.js';
import { checkTargetUrl, describeTargetSpec, limitsFor, openTarget, registerRunner } from '../../core/target.js';
import '../../runners/index.js';
import { fakeRunner, switchboards } from './fake-runner.js';
import type { FakeFields } from './fake-runner.js';

registerRunner(fakeRunner); // the one line a new protocol needs (runners/index.ts, for a real one)

const WORKLOAD = `
scenarios:
  - name: fake-room
    users: 4
    rooms: { count: 1, members: 4 }
    directPairs: 1
    rate: 200/s
    duration: 500ms
    warmup: 100ms
    qos: 1
`;

describe('a protocol registered from the test folder', () => {
  test('a scenario runs on it through runScenarios, its field reaches its runner, its URL is redacted', async () => {
    const file = parseScenarioText(`target: { url: "fake://alice:pw123@switchboard", domain: chat.test }\n${WORKLOAD}`, 'fake.yaml');
    expect(file.target).toEqual({ url: 'fake://alice:pw123@switchboard', protocol: 'fake', protocolVersion: '1', fields: { domain: 'chat.test' } });
    expect(describeTargetSpec(file.target)).toBe('fake://alice:***@switchboard (fake chat, domain chat.test)');

    const before = switchboards.length;
    const handle = await openTarget(file.target);
    // The runner put the URL with its password into info; core's openTarget masks it.
    expect(handle.info).toEqual({ url: 'fake://alice:***@switchboard', protocol: 'fake', protocolVersion: '1', embedded: false, tcpNoDelay: true });
    try {
      const result = await runScenarios({ scenarioFile: file, target: handle, toolVersion: 'test' });
      expect(switchboards.length).toBe(before + 1);
      const board = switchboards[switchboards.length - 1];
      expect(board?.domain).toBe('chat.test');
      expect(board?.connects).toBe(4);
      expect(result.target).toMatchObject({ url: 'fake://alice:***@switchboard', protocol: 'fake', protocolVersion: '1' });
      expect(JSON.stringify(result)).not.toContain('pw123');
      const [scenario] = result.scenarios;
      // 100 sends at 200/s; 3 of 4 room members and 1 direct peer each receive one.
      expect(board?.sends).toBe(100);
      expect(scenario?.delivery.expected).toBeGreaterThan(0);
      expect(scenario?.delivery.delivered).toBe(scenario?.delivery.expected);
      expect(scenario?.delivery.lost).toBe(0);
      expect(scenario?.status).toBe('passed');
    } finally {
      await handle.close();
    }
  });

  test('its fields are validated by its schema, its rules by its resolve(), and other runners\' fields are refused', () => {
    const problems = (text: string): string[] => {
      try {
        parseScenarioText(text + WORKLOAD, 'fake.yaml');
      } catch (error) {
        return (error as InputError).issues.map((i) => `${i.path} | ${i.message}`);
      }
      return [];
    };
    expect(problems('target: { url: "fake://h", domain: "Not A Domain" }')).toEqual(['target.domain | must be a domain name such as chat.test']);
    expect(problems('target: { url: "fakes://h", domain: insecure.test }')).toEqual(['target.domain | fakes:// needs a secure domain']);
    expect(problems('target: { url: "fake://h", mqttVersion: 5 }')).toEqual([
      'target.mqttVersion | mqttVersion does not apply to fake targets (fake://, fakes://); they take domain',
    ]);
    expect(problems('target: { url: "mqtt://h", domain: chat.test }')).toEqual([
      'target.domain | domain does not apply to mqtt targets (mqtt://, mqtts://, ws://, wss://); they take mqttVersion, usernameEnv, passwordEnv, tls',
    ]);
    // --target switches protocol: the file's MQTT fields no longer apply, and the loader says so.
    expect(() => parseScenarioText(`target: { url: "mqtt://h", mqttVersion: 5 }\n${WORKLOAD}`, 'f.yaml', { target: 'fake://h' })).toThrow(
      /target\.mqttVersion: mqttVersion does not apply to fake targets/,
    );
    // A command-line field the runner does not take (--mqtt-version on a fake:// target).
    expect(() => parseScenarioText(WORKLOAD, 'f.yaml', { target: 'fake://h', targetFields: { mqttVersion: '5.0' } })).toThrow(
      /mqttVersion does not apply to fake targets .*\(given on the command line\)/,
    );
  });

  test('schemes, limits and the JSON Schema follow the registry', () => {
    const refused = checkTargetUrl('http://h');
    expect(refused).toEqual({ ok: false, error: 'unsupported URL scheme "http://" in "http://h"; use mqtt://, mqtts://, ws://, wss://, xmpp://, xmpps://, fake:// or fakes://' });
    expect(checkTargetUrl('fakes://h')).toEqual({ ok: true, value: 'fakes://h' });
    const fake = parseScenarioText(`target: { url: "fake://h" }\n${WORKLOAD}`, 'f.yaml').target;
    expect((fake?.fields as FakeFields).domain).toBe('h');
    expect(limitsFor(fake)).toEqual({ maxPayloadBytes: 4_096 });
    expect(limitsFor(null)).toBe(limitsFor(parseScenarioText(`target: { url: "mqtt://h" }\n${WORKLOAD}`, 'm.yaml').target)); // embedded = MQTT
    const target = (scenarioJsonSchema()['properties'] as Record<string, { properties: Record<string, { description?: string }> }>)['target'];
    expect(Object.keys(target?.properties ?? {})).toEqual(['url', 'start', 'protocol', 'mqttVersion', 'usernameEnv', 'passwordEnv', 'tls', 'domain', 'mucDomain', 'accounts', 'starttls', 'keepAlive']);
    expect(target?.properties['domain']?.description).toBe('chat domain of the accounts (XMPP: user@domain)');
    expect(target?.properties['url']?.description).toBe('mqtt://, mqtts://, ws://, wss://, xmpp://, xmpps://, fake:// or fakes:// URL of the server');
  });

  test('a second registration of a protocol, a scheme or a field name with another meaning is a programming error', async () => {
    expect(() => registerRunner(fakeRunner)).toThrow('protocol "fake" is already registered');
    expect(() => registerRunner({ ...fakeRunner, protocol: 'fake2' })).toThrow('scheme fake:// of fake2 is already registered by fake');
    const otherDomain = z.strictObject({ domain: z.string().optional() });
    expect(() => registerRunner({ ...fakeRunner, protocol: 'fake3', schemes: ['fake3'], fields: otherDomain })).toThrow(
      'target field "domain" of fake3 is declared differently by xmpp: share one schema',
    );
    // A required field would make every other protocol's target invalid: refused (typed as fake's to get past tsc).
    const required = z.strictObject({ room: z.string() }) as unknown as typeof fakeRunner.fields;
    expect(() => registerRunner({ ...fakeRunner, protocol: 'fake4', schemes: ['fake4'], fields: required })).toThrow('fake4: target field "room" must be optional');
    expect(() => registerRunner({ ...fakeRunner, protocol: 'fake5', schemes: ['Fake5://'] })).toThrow('schemes must be lower-case URL schemes');
    // Nothing above was registered: the scheme list is unchanged.
    expect(checkTargetUrl('fake3://h').ok).toBe(false);
    await expect(openTarget({ url: 'x://u:pw@h', protocol: 'nope', protocolVersion: '1', fields: {} })).rejects.toThrow(
      'target x://u:***@h: no runner is registered for protocol "nope"',
    );
  });
});
