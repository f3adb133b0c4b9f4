/**
 * The `network` fault end to end: chatbench's own proxy between its clients and the target, on
 * the embedded broker (Aedes, 3.1.1) and on mosquitto (3.1.1 and 5.0). What the proxy dropped
 * is excused (never lost, never waited for), what it doubled is counted as duplicated and as
 * injected (never a violation), exactly as many as the proxy reports; at 0 loss and 0 duplicate
 * the numbers are those of a direct run; a known delay moves the latency p50 by that delay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios } from '../../core/engine/index.js';
import { InputError } from '../../core/errors.js';
import { RunResult, type ScenarioResult } from '../../core/result/index.js';
import type { FaultSpec, ScenarioSpec } from '../../core/scenario/types.js';
import { openTarget, targetFromUrl } from '../../runners/index.js';
import { mqttRunner } from '../../runners/mqtt/target.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';

type Network = Extract<FaultSpec, { kind: 'network' }>;
const network = (f: Partial<Network>): Network => ({ kind: 'network', delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, ...f });

let runs = 0;
async function runOne(target: TargetHandle, s: ScenarioSpec): Promise<ScenarioResult> {
  const r = await runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios: [s] }, target, toolVersion: '0', runId: `nf${Date.now() % 1e6}${runs++}` });
  expect(RunResult.parse(r)).toEqual(r);
  const scenario = r.scenarios[0];
  if (scenario === undefined) throw new Error(`no scenario result (aborted: ${r.aborted?.message})`);
  return scenario;
}

// Rooms of 4 at QoS 0: each message goes to 3 receivers (and, in 3.1.1, back to its sender,
// which the proxy leaves alone). Seed fixed; ~2,400 deliveries, so 5% gives ~120 of each.
const chat = (qos: 0 | 1, fault: Network): ScenarioSpec =>
  spec({ users: 8, rooms: { count: 2, members: 4 }, rate: 400, qos, durationMs: 2_000, warmupMs: 200, drainMs: 1_000, seed: 42, faults: [fault] });

/** The checks every target must pass: the proxy's counts and chatbench's agree exactly, and nothing is held against the server. */
function injectionsExcused(r: ScenarioResult, qos: 0 | 1): void {
  const net = r.faults?.network;
  if (net === undefined || net === null) throw new Error('no network figures');
  expect(net.connections).toBeGreaterThanOrEqual(8);
  expect(net.duplicated).toBeGreaterThan(20);
  expect(r.delivery.lost).toBe(0);
  expect(r.delivery.undelivered).toBe(0);
  expect(r.delivery.violations).toBe(0);
  expect(r.delivery.duplicated).toBe(net.duplicated);
  expect(r.delivery.injectedDuplicates).toBe(net.duplicated);
  if (qos === 0) {
    expect(net.dropped).toBeGreaterThan(20);
    expect(r.delivery.excused).toBe(net.dropped);
  } else {
    expect(net.dropped).toBe(0); // QoS 1 deliveries are never dropped: the fault drops QoS 0 only
    expect(r.delivery.excused ?? 0).toBe(0);
  }
  expect(r.delivery.delivered).toBe(r.delivery.expected);
  // The drain did not wait for what the proxy dropped.
  expect(r.drain.endedBy).toBe('all-delivered');
  expect(r.status).toBe('passed');
  expect(r.faults?.timeline[0]).toMatchObject({ kind: 'network', atMs: 0 });
}

function suite(name: string, open: () => Promise<TargetHandle>): void {
  describe(name, () => {
    let target: TargetHandle;
    beforeAll(async () => {
      target = await open();
    }, 20_000);
    afterAll(() => target?.close());

    it('QoS 0 with 5% loss and 5% duplicates: every drop excused, every copy injected, exactly as the proxy counted', async () => {
      injectionsExcused(await runOne(target, chat(0, network({ loss: 0.05, duplicate: 0.05 }))), 0);
    }, 60_000);

    it('QoS 1 with 5% duplicates (and loss asked for): nothing dropped, the copies all injected', async () => {
      injectionsExcused(await runOne(target, chat(1, network({ loss: 0.05, duplicate: 0.05 }))), 1);
    }, 60_000);

    it('at 0 loss and 0 duplicate the delivery counts are those of a direct run', async () => {
      const s = chat(0, network({}));
      const direct = await runOne(target, { ...s, faults: [] });
      const proxied = await runOne(target, s);
      expect(proxied.faults?.network).toMatchObject({ dropped: 0, duplicated: 0, framesDelayed: 0 });
      expect(proxied.faults?.network?.connections).toBeGreaterThanOrEqual(8); // through the proxy all the same
      expect(proxied.delivery).toEqual(direct.delivery);
      expect(proxied.delivery.excused).toBeUndefined();
      expect(proxied.delivery.injectedDuplicates).toBeUndefined();
    }, 60_000);
  });
}

suite('network fault on the embedded broker (3.1.1)', () => openTarget(null));

describeWithMosquitto('network fault on mosquitto', () => {
  let m: Mosquitto;
  beforeAll(async () => {
    m = await startMosquitto({ tls: true });
  }, 20_000);
  afterAll(() => m?.stop());

  for (const mqttVersion of ['3.1.1', '5.0'] as const) {
    suite(`mosquitto ${mqttVersion}`, () => openTarget(targetFromUrl(m.url, { mqttVersion })));
  }

  it('a 30 ms delay moves the latency p50 by 30 ms (within 10 %)', async () => {
    const target = await openTarget(targetFromUrl(m.url, { mqttVersion: '5.0' }));
    try {
      // QoS 0 at a low rate, like the delay truth test: neither the proxy nor the broker is the bottleneck.
      const s = spec({ users: 3, rooms: { count: 1, members: 3 }, rate: 100, qos: 0, durationMs: 2_000, warmupMs: 200, faults: [] });
      const direct = await runOne(target, s);
      const delayed = await runOne(target, { ...s, faults: [network({ delayMs: 30 })] });
      for (const r of [direct, delayed]) {
        expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, duplicated: 0 });
        expect(r.latency.count).toBeGreaterThan(200);
      }
      const shift = (delayed.latency.p50 ?? NaN) - (direct.latency.p50 ?? NaN);
      expect(Math.abs(shift - 30_000)).toBeLessThanOrEqual(3_000);
      expect(delayed.latency.min).toBeGreaterThanOrEqual(30_000);
      expect(delayed.faults?.network).toMatchObject({ delayMs: 30, dropped: 0, duplicated: 0 });
      expect(delayed.faults?.network?.framesDelayed).toBeGreaterThan(200);
    } finally {
      await target.close();
    }
  }, 60_000);

  it('delay works through TLS; loss over TLS is refused with the reason (bad input)', async () => {
    const tlsTarget = () => mqttRunner.open(
      { url: m.tlsUrl ?? '', protocol: 'mqtt', protocolVersion: '5.0', fields: { mqttVersion: '5.0', tls: { ca: m.caFile ?? '', rejectUnauthorized: true } } },
      {},
    );
    const target = await tlsTarget();
    try {
      const s = spec({ users: 2, rooms: { count: 1, members: 2 }, rate: 50, qos: 1, durationMs: 500, warmupMs: 0 });
      const delayed = await runOne(target, { ...s, faults: [network({ delayMs: 20 })] });
      expect(delayed.status).toBe('passed');
      expect(delayed.latency.min).toBeGreaterThanOrEqual(20_000);
      expect(delayed.faults?.network?.connections).toBeGreaterThanOrEqual(2);
      const refused = runOne(target, { ...s, faults: [network({ loss: 0.01 })] });
      await expect(refused).rejects.toBeInstanceOf(InputError);
      await expect(refused).rejects.toThrow(/cannot see MQTT packets inside TLS/);
    } finally {
      await target.close();
    }
  }, 60_000);
});

describe('network fault refused before anything runs', () => {
  it('is bad input (exit 2) when the target cannot run the proxy', async () => {
    let drivers = 0;
    const target: TargetHandle = {
      info: { url: 'fake://x', protocol: 'fake', protocolVersion: '1', embedded: false, tcpNoDelay: true },
      createDriver: () => {
        drivers++;
        throw new Error('must not be asked for a driver');
      },
      close: async () => undefined,
    };
    const s = spec({ name: 'lossy', faults: [network({ loss: 0.1 })] });
    const run = runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios: [spec({ name: 'plain' }), s] }, target, toolVersion: '0' });
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toMatchObject({ exitCode: 2 });
    await expect(run).rejects.toThrow(/scenario "lossy" asks for a network fault.*fake target/);
    expect(drivers).toBe(0);
  });
});
