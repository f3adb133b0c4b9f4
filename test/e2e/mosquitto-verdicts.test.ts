/**
 * Verdicts under overload against a real mosquitto on loopback (issue 5): a server that is slow
 * is late, not lossy — a short drain that progress keeps resetting ends with everything
 * delivered; a frozen server (SIGSTOP by its PID) is a stall: the scenario is aborted with
 * cause "stall" (exit 3), and the result keeps what was measured before.
 */
import { afterEach, expect, it } from 'vitest';
import { resultExitCode } from '../../cli/exit-code.js';
import { runScenarios, type EngineEvent } from '../../core/engine/index.js';
import { RunResult } from '../../core/result/index.js';
import { openTarget, targetFromUrl } from '../../runners/index.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { spec } from '../helpers/scenario.js';
import { startThrottleProxy } from '../helpers/throttle-proxy.js';

describeWithMosquitto('verdicts against mosquitto under overload', () => {
  let server: Mosquitto | undefined;
  afterEach(async () => {
    if (server !== undefined) {
      process.kill(server.pid, 'SIGCONT'); // a stopped mosquitto cannot act on SIGTERM
      await server.stop();
      server = undefined;
    }
  });

  it('overload: deliveries that come late are waited for (short drain, reset by progress): all delivered, lost 0', async () => {
    server = await startMosquitto();
    // Every connection's deliveries pass a proxy at 16 KB/s: half of what 200 sends/s into a room
    // of 20 owe each receiver (~33 KB/s), so a backlog builds on any machine and drains slowly.
    const proxy = await startThrottleProxy(Number(new URL(server.url).port), 16_000);
    const handle = await openTarget(targetFromUrl(proxy.url, { mqttVersion: '5.0' }));
    const s = spec({ name: 'overload', users: 20, rooms: { count: 1, members: 20 }, rate: 200, durationMs: 2_500, warmupMs: 500, qos: 1, drainMs: 300 });
    try {
      const result = await runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios: [s] }, target: handle, toolVersion: '0' });
      expect(RunResult.parse(result)).toEqual(result);
      const r = result.scenarios[0]!;
      // The drain began with a backlog a fixed 300 ms drain would have called lost...
      expect(r.drain.owedAtStart).toBeGreaterThan(1_000);
      // ...lasted many quiet periods because deliveries kept coming, and ended because everything arrived.
      expect(r.drain.seconds).toBeGreaterThan(0.9);
      expect(r.drain).toMatchObject({ endedBy: 'all-delivered', owedAtEnd: 0 });
      expect(r.delivery).toMatchObject({ expected: 500 * 19, delivered: 500 * 19, lost: 0, undelivered: 0, violations: 0 });
      expect(r.latency.censored).toBe(0);
      expect(result.aborted).toBeNull();
      expect(r.reasons.filter((x) => x.kind === 'delivery' || x.kind === 'undelivered')).toEqual([]);
    } finally {
      await handle.close();
      await proxy.close();
    }
  }, 60_000);

  it('stall: mosquitto stopped with SIGSTOP mid-run aborts the scenario with cause stall (exit 3), keeping the measurements', async () => {
    const m = await startMosquitto();
    server = m;
    const handle = await openTarget(targetFromUrl(m.url, { mqttVersion: '5.0' }));
    const s = spec({
      name: 'frozen', users: 10, rooms: { count: 2, members: 5 }, rate: 200, durationMs: 10_000, warmupMs: 500, qos: 1,
      drainMs: 1_000, stallTimeoutMs: 1_500, connect: { concurrency: 10, timeoutMs: 3_000 },
    });
    let stoppedAt = 0;
    const onEvent = (e: EngineEvent): void => {
      if (e.type === 'phase' && e.phase === 'send') {
        setTimeout(() => {
          stoppedAt = Date.now();
          process.kill(m.pid, 'SIGSTOP');
        }, 2_000);
      }
    };
    const result = await runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios: [s] }, target: handle, toolVersion: '0', onEvent });
    process.kill(m.pid, 'SIGCONT');
    await handle.close();
    expect(stoppedAt).toBeGreaterThan(0);
    expect(RunResult.parse(result)).toEqual(result);
    expect(result.aborted).toMatchObject({ scenario: 'frozen', cause: 'stall' });
    expect(result.aborted?.message).toMatch(/^the server stopped responding for at least 1\.5 s at t = \d+(\.\d)? s/);
    expect(resultExitCode(result)).toBe(3);
    const r = result.scenarios[0]!;
    // Aborted before the 10 s schedule ended: fewer sends were made than it plans.
    expect(r.throughput.sent).toBeLessThan(s.rate * (s.durationMs / 1000));
    expect(r.status).toBe('aborted');
    expect(r.drain.endedBy).toBe('stall');
    // What was measured in the 2 s before the freeze is kept, and nothing is called lost:
    // a frozen server broke no delivery guarantee that chatbench can prove.
    expect(r.throughput.sent).toBeGreaterThan(200);
    expect(r.delivery.delivered).toBeGreaterThan(1_000);
    expect(r.latency.count).toBeGreaterThan(0);
    expect(r.delivery.lost).toBe(0);
    expect(r.delivery.violations).toBe(0);
  }, 60_000);
});
