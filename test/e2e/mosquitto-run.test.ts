/**
 * `chatbench run` end to end against a real mosquitto that the test starts on a free
 * loopback port: MQTT 3.1.1 and 5.0 over TCP, over TLS with a CA the test makes
 * (verification on), and over WebSocket. The real binary, the real broker, the result file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { runCli, scenarioFile, tempDir } from '../helpers/cli.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const WORKLOAD = `
scenarios:
  - name: rooms
    users: 12
    rooms: { count: 3, members: 4 }
    rate: 300/s
    qos: 1
    duration: 1500ms
    warmup: 300ms
    thresholds: ["lost == 0", "p99 < 5s"]
  - name: direct
    users: 6
    rooms: { count: 0 }
    directPairs: 3
    rate: 150/s
    qos: 2
    duration: 1s
    warmup: 200ms
    thresholds: ["duplicated == 0", "lost == 0"]
`;

async function runAgainst(args: string[], yaml = WORKLOAD): Promise<RunResult> {
  const json = join(tempDir(), 'result.json');
  const r = await runCli(['run', scenarioFile(yaml), '--json', json, '--quiet', ...args]);
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
  return RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
}

function expectCleanDelivery(result: RunResult): void {
  expect(result.aborted).toBeNull();
  expect(result.scenarios.map((s) => s.status)).toEqual(['passed', 'passed']);
  const [rooms, direct] = result.scenarios;
  // rooms: 1.5 s at 300/s = 450 sends, each owed to the 3 other members of its room.
  expect(rooms?.delivery).toMatchObject({ expected: 1350, delivered: 1350, lost: 0, duplicated: 0, reordered: 0 });
  // direct: 1 s at 150/s = 150 sends, one receiver each, exactly once.
  expect(direct?.delivery.byQos['2']).toMatchObject({ expected: 150, delivered: 150, duplicated: 0, violations: 0 });
  for (const s of result.scenarios) {
    expect(s.latency.count).toBeGreaterThan(0);
    expect(s.wire.bytesIn).toBeGreaterThan(0);
  }
}

describeWithMosquitto('chatbench run against mosquitto', () => {
  let server: Mosquitto;
  beforeAll(async () => {
    server = await startMosquitto({ tls: true, websocket: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs over TCP with MQTT 5.0', async () => {
    const result = await runAgainst(['--target', server.url]);
    expect(result.target).toMatchObject({ url: server.url, protocolVersion: '5.0', embedded: false, tcpNoDelay: true });
    expectCleanDelivery(result);
  });

  it('runs over TCP with MQTT 3.1.1', async () => {
    const result = await runAgainst(['--target', server.url, '--mqtt-version', '3.1.1']);
    expect(result.target.protocolVersion).toBe('3.1.1');
    expectCleanDelivery(result);
  });

  it('runs over TLS, verifying the server against the test CA named in the scenario file', async () => {
    const yaml = `target:\n  url: ${server.tlsUrl}\n  mqttVersion: 5\n  tls: { ca: ${server.caFile}, rejectUnauthorized: true }\n${WORKLOAD}`;
    const result = await runAgainst([], yaml);
    expect(result.target.url).toBe(server.tlsUrl);
    expectCleanDelivery(result);
    // TLS records cost more bytes on the wire than the plain run's MQTT packets.
    const plain = await runAgainst(['--target', server.url]);
    expect(result.scenarios[0]!.wire.phases.handshake.bytesIn).toBeGreaterThan(plain.scenarios[0]!.wire.phases.handshake.bytesIn + 1000);
  });

  it('refuses TLS without the CA: exit 3 naming the target and the certificate problem', async () => {
    const r = await runCli(['run', scenarioFile(WORKLOAD), '--target', server.tlsUrl!]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach target ${server.tlsUrl}`);
    expect(r.stderr).toMatch(/TLS: .*certificate/);
  });

  it('runs over WebSocket', async () => {
    const result = await runAgainst(['--target', server.wsUrl!]);
    expectCleanDelivery(result);
  });
});
