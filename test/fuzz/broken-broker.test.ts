/**
 * Proof that the fuzzer finds bugs: a deliberately broken server (test/helpers/broken-broker.ts)
 * with defects reachable only through malformed packets. With a fixed seed and a bounded number
 * of cases the fuzzer finds both, each shrunk to the same minimal bytes every time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fuzzLoop } from '../../core/fuzz/loop.js';
import { mqttFuzzTarget, replayMqttCase } from '../../runners/mqtt/fuzz/index.js';
import { startBrokenBroker, type BrokenBroker } from '../helpers/broken-broker.js';

/** A valid CONNECT, 3.1.1: client identifier "0c0", clean session 0, keep-alive 0. */
const CONNECT = '10' + '0f' + '0004' + '4d515454' + '04' + '00' + '0000' + '0003' + '306330';

let broker: BrokenBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

const target = (url: string) => mqttFuzzTarget({ url, version: 4, answerTimeoutMs: 200, canaryTimeoutMs: 600 });

describe('the fuzzer against a deliberately broken MQTT server', () => {
  it('finds the SUBSCRIBE answered despite its reserved flags and the wildcard PUBLISH that wedges the server, each shrunk to its minimal replay', async () => {
    broker = await startBrokenBroker();
    const result = await fuzzLoop(target(broker.url), { seed: 42, runs: 150, timeLimitMs: null });
    const byKind = new Map(result.findings.map((f) => [f.verdict.kind, f]));
    expect([...byKind.keys()].sort()).toEqual(['accepted-malformed', 'hang']);

    const flags = byKind.get('accepted-malformed');
    // SUBSCRIBE with flags 0x0 instead of 0x2 [MQTT-2.2.2-2]: 80 | remaining length 6 | id 1 | "#" | QoS 0.
    expect(flags?.steps.map((s) => s.hex)).toEqual([CONNECT, '80' + '06' + '0001' + '0001' + '23' + '00']);
    expect(flags?.verdict.statements).toContain('MQTT-2.2.2-2');
    expect(flags?.verdict.message).toMatch(/answered with SUBACK instead of closing/);
    // CONNACK 0 then the SUBACK: id 1, granted QoS 0.
    expect(flags?.received).toEqual([{ connection: 0, hex: '20020000' + '9003000100' }]);

    const hang = byKind.get('hang');
    // PUBLISH QoS 0, topic "+ " (2 bytes), empty payload: the wildcard [MQTT-3.3.2-2] stalls every connection.
    expect(hang?.steps.map((s) => s.hex)).toEqual([CONNECT, '30' + '04' + '0002' + '2b20']);
    expect(hang?.verdict.statements).toContain('MQTT-3.3.2-2');
    expect(hang?.verdict.message).toMatch(/accepts connections but a canary client got no CONNACK/);
    for (const f of result.findings) {
      expect(f.shrinkMs).toBeGreaterThan(0);
      expect(f.path).toMatch(/^\d+(:\d+)*$/);
    }
    expect(result.stopped).toBeNull();
    expect(result.casesRun).toBe(150);
  }, 300_000);

  it('re-running the shrunk bytes gives the same verdicts: a replay reproduces, and passes on a server without the defect', async () => {
    broker = await startBrokenBroker();
    const options = { url: broker.url, version: 4 as const, answerTimeoutMs: 200, canaryTimeoutMs: 600 };
    const flags = await replayMqttCase([{ connection: 0, hex: CONNECT }, { connection: 0, hex: '8006000100012300', malformed: true, statements: ['MQTT-2.2.2-2'] }], options);
    expect(flags.verdict?.kind).toBe('accepted-malformed');
    const hang = await replayMqttCase([{ connection: 0, hex: CONNECT }, { connection: 0, hex: '300400022b20', malformed: true, statements: ['MQTT-3.3.2-2'] }], options);
    expect(hang.verdict?.kind).toBe('hang');
    // The stall ends with the connection that caused it: the server serves again.
    const after = await replayMqttCase([{ connection: 0, hex: CONNECT }, { connection: 0, hex: 'c000' }], options);
    expect(after.verdict).toBeNull();
    // Correct flags: a valid SUBSCRIBE, answered as it must be.
    const valid = await replayMqttCase([{ connection: 0, hex: CONNECT }, { connection: 0, hex: '8206000100012300' }], options);
    expect(valid.verdict).toBeNull();
  });

  it('tells a crash from a hang: a server that closes its listener is a crash, and the fuzz stops there', async () => {
    broker = await startBrokenBroker({ wildcard: 'crash' });
    const result = await fuzzLoop(target(broker.url), { seed: 42, runs: 150, timeLimitMs: null });
    const crash = result.findings.find((f) => f.verdict.kind === 'crash');
    expect(crash?.verdict.message).toMatch(/does not accept connections|stopped accepting connections/);
    expect(crash?.steps.some((s) => /^3[0-9a-f]/.test(s.hex) && s.malformed === true && s.statements?.includes('MQTT-3.3.2-2'))).toBe(true);
    expect(result.stopped).toBe('target-down');
    expect(broker.listening()).toBe(false);
    expect(result.casesRun).toBeLessThan(150);
  }, 300_000);
});
