/**
 * The idle phase (scenario option `idle`) and the wire split: users connected after the
 * readiness barrier with nothing sent, so the keep-alive alone crosses the wire, measured per
 * connection per minute with the keep-alive interval recorded; the phases add up to the totals.
 * Run on the embedded broker with MQTT.js at a 1 s keep-alive (PINGREQ and PINGRESP are 2 bytes
 * each, MQTT 3.1.1 §3.12, §3.13), so a short idle phase sees several pings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenario, type EngineEvent } from '../../core/engine/index.js';
import { idleCost, wireRecord } from '../../core/engine/idle.js';
import type { ScenarioResult } from '../../core/result/index.js';
import { parseScenarioText } from '../../core/scenario/index.js';
import { openTarget } from '../../runners/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { spec } from '../helpers/scenario.js';

let target: TargetHandle;
beforeAll(async () => {
  target = await openTarget(null);
});
afterAll(async () => {
  await target.close();
});

const USERS = 4;
/** PINGREQ and PINGRESP: a fixed header of 2 bytes, nothing else. */
const PING_BYTES = 2;

async function run(idleMs: number | undefined, runId: string, onEvent?: (e: EngineEvent) => void): Promise<ScenarioResult> {
  const driver = createMqttDriver({ url: target.info.url, mqttVersion: '3.1.1' }, { runId, keepaliveSeconds: 1, embedded: true });
  try {
    const s = spec({ name: 'idle', users: USERS, rooms: { count: 1, members: USERS }, rate: 100, messages: 20, warmupMs: 50, drainMs: 300, ...(idleMs === undefined ? {} : { idleMs }) });
    return await runScenario(s, { runId, driver, ...(onEvent ? { onEvent } : {}) });
  } finally {
    await driver.close();
  }
}

describe('the idle phase', () => {
  it('measures the keep-alive bytes per connection per minute, with the interval, between the barrier and the first send', async () => {
    const phases: string[] = [];
    const r = await run(2_600, 'idle1', (e) => { if (e.type === 'phase') phases.push(e.phase); });
    expect(phases).toEqual(['connect', 'join', 'idle', 'send', 'drain', 'disconnect']);
    expect(r.status).toBe('passed');
    expect(r.spec.idleMs).toBe(2_600);

    const idle = r.wire.idle;
    const bytes = r.wire.phases.idle;
    if (idle === undefined || bytes === undefined) throw new Error('no idle figures');
    expect(idle.keepAliveSeconds).toBe(1);
    expect(idle.connections).toBe(USERS);
    expect(idle.seconds).toBeGreaterThanOrEqual(2.6);
    // Nothing but pings: whole pings each way, at least one per connection per keep-alive
    // second gone by (MQTT.js pings a keep-alive after the last packet it sent).
    expect(bytes.bytesOut % PING_BYTES).toBe(0);
    expect(bytes.bytesIn % PING_BYTES).toBe(0);
    expect(bytes.bytesOut).toBeGreaterThanOrEqual(USERS * PING_BYTES * 2);
    expect(bytes.bytesIn).toBe(bytes.bytesOut); // every PINGREQ answered by one PINGRESP
    expect(idle.perConnectionPerMinute.bytesOut).toBeCloseTo((bytes.bytesOut * 60) / (USERS * idle.seconds), 6);
    expect(idle.perConnectionPerMinute.bytesIn).toBeCloseTo((bytes.bytesIn * 60) / (USERS * idle.seconds), 6);

    // Handshake, idle, steady and close add up to the totals.
    const { handshake, steady, close } = r.wire.phases;
    if (close === undefined) throw new Error('no close phase');
    expect(handshake.bytesOut + bytes.bytesOut + steady.bytesOut + close.bytesOut).toBe(r.wire.bytesOut);
    expect(handshake.bytesIn + bytes.bytesIn + steady.bytesIn + close.bytesIn).toBe(r.wire.bytesIn);
    // The goodbyes are not steady traffic: one DISCONNECT (2 bytes) per user at least.
    expect(close.bytesOut).toBeGreaterThanOrEqual(USERS * 2);
    // Steady traffic carries the 20 messages: each PUBLISH holds its 128-byte payload.
    expect(steady.bytesOut).toBeGreaterThan(20 * 128);
  }, 20_000);

  it('has no idle figures, and no idle phase, when the scenario asks for none', async () => {
    const phases: string[] = [];
    const r = await run(undefined, 'idle2', (e) => { if (e.type === 'phase') phases.push(e.phase); });
    expect(phases).not.toContain('idle');
    expect(r.wire.idle).toBeUndefined();
    expect(r.wire.phases.idle).toBeUndefined();
    expect(r.spec.idleMs).toBeUndefined();
    const { handshake, steady, close } = r.wire.phases;
    expect(handshake.bytesOut + steady.bytesOut + (close?.bytesOut ?? 0)).toBe(r.wire.bytesOut);
  }, 20_000);
});

describe('the wire split', () => {
  const w = (bytesOut: number, bytesIn: number) => ({ bytesOut, bytesIn });

  it('takes idle out of steady and the goodbyes after the drain into close', () => {
    const idle = { bytes: w(40, 40), seconds: 30, connections: 10, keepAliveSeconds: 15 };
    const record = wireRecord({ handshake: w(1_000, 500), idle, steadyEnd: w(10_000, 20_000), total: w(10_020, 20_000) });
    expect(record.phases).toEqual({ handshake: w(1_000, 500), idle: w(40, 40), steady: w(8_960, 19_460), close: w(20, 0) });
    expect(record.bytesOut).toBe(10_020);
    // 40 bytes over 10 connections in half a minute: 8 bytes per connection per minute.
    expect(record.idle).toEqual({ seconds: 30, connections: 10, keepAliveSeconds: 15, perConnectionPerMinute: w(8, 8) });
  });

  it('reads steady up to now while still sending (a checkpoint), with no close phase yet', () => {
    const record = wireRecord({ handshake: w(100, 50), idle: null, steadyEnd: null, total: w(600, 250) });
    expect(record.phases).toEqual({ handshake: w(100, 50), steady: w(500, 200) });
    expect(record.idle).toBeUndefined();
  });

  it('divides by nothing as zero: no connection, or no time', () => {
    expect(idleCost({ bytes: w(10, 10), seconds: 0, connections: 3, keepAliveSeconds: null }).perConnectionPerMinute).toEqual(w(0, 0));
    expect(idleCost({ bytes: w(10, 10), seconds: 5, connections: 0, keepAliveSeconds: null }).perConnectionPerMinute).toEqual(w(0, 0));
  });
});

describe('the idle option in a scenario file', () => {
  it('reads "idle: 60s" as 60,000 ms, and leaves it out when absent or 0', () => {
    const file = parseScenarioText('scenarios:\n  - { name: a, idle: 60s }\n  - { name: b }\n  - { name: c, idle: 0s }\n', 'idle.yaml');
    expect(file.scenarios.map((s) => s.idleMs)).toEqual([60_000, undefined, undefined]);
    expect('idleMs' in (file.scenarios[1] ?? {})).toBe(false);
  });

  it('refuses a negative or malformed idle with the line and column', () => {
    expect(() => parseScenarioText('scenarios:\n  - { name: a, idle: -5s }\n', 'idle.yaml')).toThrow(/idle\.yaml:2:\d+: scenarios\[0\]\.idle: duration must not be negative/);
    expect(() => parseScenarioText('scenarios:\n  - { name: a, idle: forever }\n', 'idle.yaml')).toThrow(/scenarios\[0\]\.idle: invalid duration "forever"/);
  });
});
