/**
 * Measurement truth, a known delay: a loopback proxy that holds every server -> client byte
 * for 20 ms (the receiving side of every delivery; client -> server bytes pass at once) must
 * move the reported intended-time latency p50 by 20 ms, within 10 %, compared with the same
 * scenario run straight against the same mosquitto in the same test.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../../core/engine/index.js';
import type { ScenarioResult } from '../../core/result/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { startDelayProxy } from '../helpers/delay-proxy.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';
import { useMosquitto } from './broker.js';

const DELAY_MS = 20;

describeWithMosquitto('truth: a known network delay', () => {
  const broker = useMosquitto();

  const run = async (url: string, runId: string): Promise<ScenarioResult> => {
    const driver = createMqttDriver({ url, mqttVersion: '5.0' }, { runId });
    try {
      // QoS 0 so that the delayed acknowledgements play no part; a low rate so the proxy's
      // timers and the broker are never the bottleneck on a busy 2-core machine.
      const s = spec({ users: 3, rooms: { count: 1, members: 3 }, rate: 100, qos: 0, durationMs: 2_000, warmupMs: 200 });
      return await runScenario(s, { runId, driver });
    } finally {
      await driver.close();
    }
  };

  it(`moves the latency p50 by the ${DELAY_MS} ms the proxy adds (within 10 %)`, async () => {
    const m = broker();
    const direct = await run(m.url, `truthd${Date.now() % 1e8}`);
    const proxy = await startDelayProxy(m.url, DELAY_MS);
    let delayed: ScenarioResult;
    try {
      delayed = await run(proxy.url, `truthp${Date.now() % 1e8}`);
    } finally {
      await proxy.close();
    }
    for (const r of [direct, delayed]) {
      expect(r.delivery).toMatchObject({ lost: 0, undelivered: 0, duplicated: 0 });
      expect(r.latency.count).toBeGreaterThan(200);
    }
    const shiftMicros = (delayed.latency.p50 ?? NaN) - (direct.latency.p50 ?? NaN);
    // 10 % of 20 ms: the proxy's extra hop on loopback and a timer's lateness (setTimeout fires
    // at 20 ms or a little after) are both well under 2 ms when the machine is not starved.
    expect(Math.abs(shiftMicros - DELAY_MS * 1000)).toBeLessThanOrEqual(DELAY_MS * 100);
    // Nothing arrives earlier than the delay: the minimum moved by at least the delay too.
    expect(delayed.latency.min).toBeGreaterThanOrEqual(DELAY_MS * 1000);
  }, 30_000);
});
