/**
 * Which MQTT client runs a scenario: the lean client when it serves every feature the scenario
 * needs (it now serves all of them: persistent sessions, takeovers, the 5.0 properties), MQTT.js
 * otherwise, or the one --mqtt-client forces; each scenario's result records its client,
 * target.mapping.client lists the run's, and the console says it once. CLI runs on the
 * embedded broker.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { clientFor, parseMqttClient } from '../../runners/mqtt/lean/choice.js';
import { runCli, scenarioFile, tempDir } from '../helpers/cli.js';

const PLAIN = `
scenarios:
  - name: plain
    users: 4
    rooms: { count: 1, members: 4 }
    rate: 100/s
    qos: 2
    duration: 500ms
    warmup: 100ms
    thresholds: ["lost == 0", "duplicated == 0"]
`;
const PERSISTENT = `
scenarios:
  - name: persistent
    users: 2
    rooms: { count: 0 }
    directPairs: 1
    rate: 20/s
    qos: 1
    duration: 500ms
    warmup: 100ms
    session: persistent
`;

async function run(yaml: string, args: string[]): Promise<{ client: string | undefined; stderr: string; code: number | null }> {
  const json = join(tempDir(), 'result.json');
  const r = await runCli(['run', scenarioFile(yaml), '--json', json, ...args], { timeoutMs: 90_000 });
  const client = r.code === 0 ? (JSON.parse(readFileSync(json, 'utf8')) as { target: { mapping?: { client?: string } } }).target.mapping?.client : undefined;
  return { client, stderr: r.stderr, code: r.code };
}

describe('choosing the MQTT client', () => {
  it('auto: lean when it serves every need, MQTT.js when a need is beyond it; a forced choice is kept', () => {
    expect(clientFor('auto', [])).toBe('lean');
    expect(clientFor('auto', ['will', 'presence-watch', 'retained', 'slow-consumer'])).toBe('lean');
    expect(clientFor('auto', ['will', 'persistent-session'])).toBe('lean');
    expect(clientFor('auto', ['takeover', 'receive-maximum', 'message-expiry', 'will-delay'])).toBe('lean');
    expect(clientFor('mqttjs', [])).toBe('mqttjs');
    expect(clientFor('mqttjs', ['persistent-session'])).toBe('mqttjs');
    expect(clientFor('lean', ['persistent-session'])).toBe('lean');
  });

  it('--mqtt-client takes auto, lean or mqttjs (default auto); anything else is bad input', () => {
    expect(parseMqttClient(undefined)).toBe('auto');
    expect(parseMqttClient('lean')).toBe('lean');
    expect(() => parseMqttClient('paho')).toThrow(InputError);
    expect(() => parseMqttClient('paho')).toThrow('--mqtt-client paho: expected auto, lean, mqttjs');
  });

  it('a run records and says which client ran: lean for plain chat and for persistent sessions, the forced one with the flag', async () => {
    const plain = await run(PLAIN, []);
    expect(plain).toMatchObject({ code: 0, client: 'lean' });
    expect(plain.stderr.match(/chatbench: MQTT client: /g)).toHaveLength(1);
    expect(plain.stderr).toContain('chatbench: MQTT client: lean (--mqtt-client auto)');
    expect(await run(PERSISTENT, [])).toMatchObject({ code: 0, client: 'lean' });
    const forced = await run(PLAIN, ['--mqtt-client', 'mqttjs']);
    expect(forced).toMatchObject({ code: 0, client: 'mqttjs' });
    expect(forced.stderr).toContain('chatbench: MQTT client: mqttjs\n');
  }, 120_000);

  // No scenario needs MQTT.js any more: auto runs both kinds on lean; --mqtt-client mqttjs runs both on MQTT.js.
  it('records the client per scenario: a file of both kinds runs on lean with auto, on MQTT.js when forced', async () => {
    const both = `${PLAIN}${PERSISTENT.replace(/^\nscenarios:\n/, '')}`;
    for (const [args, client, said] of [[[], 'lean', 'lean (--mqtt-client auto)'], [['--mqtt-client', 'mqttjs'], 'mqttjs', 'mqttjs\n']] as const) {
      const json = join(tempDir(), 'result.json');
      const r = await runCli(['run', scenarioFile(both), '--json', json, ...args], { timeoutMs: 90_000 });
      expect(r.code).toBe(0);
      const result = JSON.parse(readFileSync(json, 'utf8')) as { target: { mapping?: { client?: string } }; scenarios: Array<{ name: string; client?: string }> };
      expect(result.scenarios.map((s) => [s.name, s.client])).toEqual([['plain', client], ['persistent', client]]);
      expect(result.target.mapping?.client).toBe(client);
      expect(r.stderr).toContain(`chatbench: MQTT client: ${said}`);
    }
  }, 180_000);

  it('forcing lean on a persistent-session scenario runs it on lean', async () => {
    expect(await run(PERSISTENT, ['--mqtt-client', 'lean'])).toMatchObject({ code: 0, client: 'lean' });
  }, 60_000);

  it('a bad --mqtt-client exits 2 before anything runs', async () => {
    const r = await run(PLAIN, ['--mqtt-client', 'paho']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--mqtt-client paho: expected auto, lean, mqttjs');
  });
});
