/**
 * MQTT's registration (runners/mqtt/target.ts) as core sees it: description, limits, the
 * embedded default, and --mqtt-version reaching the target as the runner's field.
 */
import { expect, test } from 'vitest';
import { parseScenarioText } from '../../core/scenario/index.js';
import { describeTargetSpec, limitsFor, openTarget, protocolOf } from '../../core/target.js';
import '../../runners/index.js';

const WORKLOAD = 'scenarios: [{ name: a }]\n';

test('describe: URL with the password masked, MQTT version and transport', () => {
  const target = (url: string, version = 5) => parseScenarioText(`target: { url: "${url}", mqttVersion: ${version} }\n${WORKLOAD}`, 'd.yaml').target;
  expect(describeTargetSpec(target('mqtts://bob:hunter2@h:8883'))).toBe('mqtts://bob:***@h:8883 (MQTT 5.0 over TLS)');
  expect(describeTargetSpec(target('ws://h:9001/mqtt', 4))).toBe('ws://h:9001/mqtt (MQTT 3.1.1 over WebSocket)');
  expect(describeTargetSpec(null)).toBe('the embedded mqtt server');
});

test('limits: the largest MQTT payload is the largest Remaining Length less the PUBLISH header allowance', () => {
  const target = parseScenarioText(`target: { url: "mqtt://h" }\n${WORKLOAD}`, 'l.yaml').target;
  expect(limitsFor(target)?.maxPayloadBytes).toBe(268_435_455 - (2 + 1_024 + 2 + 4));
  expect(limitsFor(null)?.maxPayloadBytes).toBe(limitsFor(target)?.maxPayloadBytes);
  expect(protocolOf(null)).toBe('mqtt');
  // 256 MiB does not fit (issue 5: it passed validation and died in the codec).
  expect(limitsFor(null)?.maxPayloadBytes).toBeLessThan(256 * 1024 * 1024);
  // What a 3.1.1 target lacks (the embedded broker is one): MQTT 5's properties, refused at load.
  const lacks311 = limitsFor(null)?.lacks?.(null);
  expect(lacks311?.protocolVersion).toBe('3.1.1');
  expect([...(lacks311?.features.keys() ?? [])].sort()).toEqual(['message-expiry', 'receive-maximum', 'will-delay']);
  const v5 = parseScenarioText(`target: { url: "mqtt://h", mqttVersion: 5 }\n${WORKLOAD}`, 'v5.yaml').target;
  expect(limitsFor(v5)?.lacks?.(v5).features.size).toBe(0);
});

test('--mqtt-version is the runner\'s mqttVersion field laid over the file\'s', () => {
  const file = parseScenarioText(`target: { url: "mqtt://h", mqttVersion: 5 }\n${WORKLOAD}`, 'v.yaml', { targetFields: { mqttVersion: '3.1.1' } });
  expect(file.target).toMatchObject({ protocol: 'mqtt', protocolVersion: '3.1.1', fields: { mqttVersion: '3.1.1' } });
});

test('no target: the embedded Aedes broker, MQTT 3.1.1, marked embedded', async () => {
  const handle = await openTarget(null);
  try {
    expect(handle.info).toMatchObject({ protocol: 'mqtt', protocolVersion: '3.1.1', embedded: true, tcpNoDelay: true });
    expect(handle.info.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await handle.close();
  }
});
