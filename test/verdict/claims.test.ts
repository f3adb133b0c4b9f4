/**
 * The MQTT-vs-XMPP claims of `chatbench compare`: every claim's figures taken from both results
 * and its verdict decided from them, on hand-made results (the committed MQTT run, with an
 * "XMPP" copy whose figures are set by hand) and on two real MQTT runs on the embedded broker,
 * one relabelled as XMPP (the real XMPP pair is the lead's to run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios } from '../../core/engine/index.js';
import { Claim, CompareResult, type RunResult, type ScenarioResult } from '../../core/result/index.js';
import { judge, testClaims } from '../../core/verdict/claims.js';
import { compareResults } from '../../core/verdict/compare.js';
import { openTarget } from '../../runners/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { ENVELOPE, fixtureRun, latencyOf, onSchedule, scenarioOf } from '../helpers/compare-fixtures.js';
import { spec } from '../helpers/scenario.js';

/** The committed MQTT run, its generator on schedule. */
const mqttRun = (): RunResult => onSchedule(fixtureRun());

/** A copy labelled as an XMPP run (another run id), `change` applied. */
function xmppOf(r: RunResult, change: (x: RunResult) => void = () => undefined): RunResult {
  const x = structuredClone(r);
  x.runId = `${r.runId}-x`;
  x.target = { ...x.target, protocol: 'xmpp', protocolVersion: '1.0', url: 'xmpp://127.0.0.1:5222' };
  change(x);
  return x;
}

function claimsOf(a: RunResult, b: RunResult): Map<string, Claim> {
  const claims = testClaims(a, b);
  if (claims === null) throw new Error('no claims');
  return new Map(claims.map((c) => [c.id, c]));
}

function claim(claims: Map<string, Claim>, id: string): Claim {
  const c = claims.get(id);
  if (c === undefined) throw new Error(`no claim ${id}`);
  return c;
}

const steady = (s: ScenarioResult, bytesOut: number, bytesIn: number): void => {
  s.wire.phases.steady = { bytesOut, bytesIn };
};

/** An idle phase of `seconds` over `connections`, `bytes` each way, at a keep-alive of `keepAlive` s. */
function idle(s: ScenarioResult, seconds: number, connections: number, bytes: number, keepAlive: number | null): void {
  s.wire.phases.idle = { bytesOut: bytes, bytesIn: bytes };
  const per = (bytes * 60) / (connections * seconds);
  s.wire.idle = { seconds, connections, keepAliveSeconds: keepAlive, perConnectionPerMinute: { bytesOut: per, bytesIn: per } };
}

/** A copy of scenario `name` under another name with the changes applied (a sweep step, another size). */
function addCopy(r: RunResult, name: string, as: string, change: (s: ScenarioResult) => void): void {
  const copy = structuredClone(scenarioOf(r, name));
  copy.name = as;
  copy.spec.name = as;
  change(copy);
  r.scenarios.push(copy);
}

describe('which results get claims', () => {
  it('only an MQTT result beside an XMPP one, in either order; the compare result carries them and reads back', () => {
    const m = mqttRun();
    expect(testClaims(m, structuredClone(m))).toBeNull();
    expect(compareResults(m, { ...structuredClone(m), runId: 'other' }, ENVELOPE).claims).toBeUndefined();
    const x = xmppOf(m);
    const forward = compareResults(m, x, ENVELOPE).claims;
    const backward = compareResults(x, m, ENVELOPE).claims;
    expect(forward?.length).toBe(14);
    expect(backward).toEqual(forward);
    const cmp = compareResults(x, m, ENVELOPE);
    expect(CompareResult.parse(JSON.parse(JSON.stringify(cmp)))).toEqual(cmp);
  });
});

describe('the claims on hand-made results', () => {
  it('wire bytes per 1:1 and room message: steady bytes per delivered message, verdicts from both sides', () => {
    const m = mqttRun();
    const x = xmppOf(m, (r) => {
      steady(scenarioOf(r, 'direct'), 40_000, 40_000); // 666.7 bytes per message against MQTT's 344.1
      steady(scenarioOf(r, 'room'), 20_000, 70_000); // 125 bytes per delivery against MQTT's 273.3
    });
    const claims = claimsOf(m, x);
    const direct = claim(claims, 'wire-bytes-direct');
    expect(direct.mqtt).toBeCloseTo((20_648 + 20_640) / 120, 6);
    expect(direct.xmpp).toBeCloseTo(80_000 / 120, 6);
    expect(direct.ratio).toBeCloseTo((20_648 + 20_640) / 80_000, 6);
    expect(direct.verdict).toBe('supported');
    expect(direct.reason).toContain('direct');
    const room = claim(claims, 'wire-bytes-room');
    // "room" and "strict" are both room-only scenarios.
    const mqttRoom = (42_248 + 154_560 + 4_656 + 13_950) / (720 + scenarioOf(m, 'strict').delivery.delivered);
    expect(room.mqtt).toBeCloseTo(mqttRoom, 6);
    expect(room.verdict).toBe('not-supported');
    expect(room.reason).toContain('room, strict');
  });

  it('leaves out scenarios whose workloads differ, and says so', () => {
    const m = mqttRun();
    const x = xmppOf(m, (r) => {
      scenarioOf(r, 'direct').spec.payloadBytes = 512;
    });
    const claims = claimsOf(m, x);
    expect(claim(claims, 'wire-bytes-direct').verdict).toBe('not-measured');
    expect(claim(claims, 'wire-bytes-direct').reason).toMatch(/no scenario of direct messages only in both results/);
    expect(claim(claims, 'handshake-bytes').notes).toContain('left out: direct (the workloads differ)');
  });

  it('the spread of the per-message overhead across sizes needs one workload at two sizes', () => {
    const m = mqttRun();
    expect(claim(claimsOf(m, xmppOf(m)), 'wire-bytes-spread').reason).toMatch(/no two shared scenarios differ only in payload size/);
    const big = (s: ScenarioResult, bytesOut: number, bytesIn: number) => {
      s.payloadBytes = 1024;
      s.spec.payloadBytes = 1024;
      steady(s, bytesOut, bytesIn);
    };
    // 120 direct messages, each payload up once and down once: 240 crossings.
    expect(scenarioOf(m, 'direct').delivery).toMatchObject({ expected: 120, delivered: 120 });
    // MQTT at 128 B: (41,288 − 240 × 128) / 120 = 88.07 bytes of overhead per message; at 1 KiB 88: spread 0.07.
    addCopy(m, 'direct', 'direct-1k', (s) => big(s, 128_160, 128_160));
    // XMPP: overhead 100 at 128 B, 500 at 1 KiB (base64 grows with the body): spread 400.
    const x = xmppOf(m, (r) => {
      steady(scenarioOf(r, 'direct'), 21_360, 21_360);
      big(scenarioOf(r, 'direct-1k'), 152_880, 152_880);
    });
    const c = claim(claimsOf(m, x), 'wire-bytes-spread');
    expect(c.mqtt).toBeCloseTo((20_648 + 20_640 - 240 * 128) / 120 - 88, 6);
    expect(c.xmpp).toBeCloseTo(400, 6);
    expect(c.verdict).toBe('supported');
    expect(c.reason).toContain('128 B, 1024 B');
  });

  it('keep-alive bytes per idle connection per minute, with the intervals; not measured when the phase is shorter than one', () => {
    const m = mqttRun();
    const x = xmppOf(m);
    expect(claim(claimsOf(m, x), 'keep-alive').reason).toMatch(/the MQTT result has no idle phase/);
    // MQTT: 4 connections, 60 s, 16 bytes each way at keep-alive 30 s: 8 bytes per connection per minute.
    idle(scenarioOf(m, 'room'), 60, 4, 16, 30);
    idle(scenarioOf(x, 'room'), 60, 4, 96, 60);
    const c = claim(claimsOf(m, x), 'keep-alive');
    expect(c.mqtt).toBeCloseTo(8, 9);
    expect(c.xmpp).toBeCloseTo(48, 9);
    expect(c.verdict).toBe('supported');
    expect(c.reason).toContain('keep-alive MQTT 30 s, XMPP 60 s');
    expect(c.notes.join(' ')).toMatch(/keep-alive intervals differ \(MQTT 30 s, XMPP 60 s\)/);

    idle(scenarioOf(x, 'room'), 20, 4, 0, 60);
    const short = claim(claimsOf(m, x), 'keep-alive');
    expect(short.verdict).toBe('not-measured');
    expect(short.xmpp).toBe(0); // the figure is shown, but it decides nothing
    expect(short.reason).toMatch(/idle phase \(20\.0 s\) is shorter than the XMPP keep-alive interval \(60 s\)/);
  });

  it('handshake bytes per connection and connect time p50', () => {
    const m = mqttRun();
    const x = xmppOf(m, (r) => {
      for (const s of r.scenarios) {
        s.wire.phases.handshake = { bytesOut: 3_000, bytesIn: 5_000 };
        s.connections.connectTime = latencyOf([[40_000, s.connections.opened]]);
      }
    });
    for (const s of m.scenarios) s.connections.connectTime = latencyOf([[2_000, s.connections.opened]]);
    const claims = claimsOf(m, x);
    const bytes = claim(claims, 'handshake-bytes');
    const opened = m.scenarios.reduce((n, s) => n + s.connections.opened, 0);
    expect(bytes.mqtt).toBeCloseTo((520 + 56 + 392 + 36 + 390 + 42) / opened, 6);
    expect(bytes.xmpp).toBeCloseTo((3 * 8_000) / opened, 6);
    expect(bytes.verdict).toBe('supported');
    const time = claim(claims, 'handshake-time');
    expect(time.mqtt).toBeGreaterThanOrEqual(1_990);
    expect(time.mqtt).toBeLessThanOrEqual(2_010);
    expect(time.xmpp).toBeGreaterThanOrEqual(39_900);
    expect(time.verdict).toBe('supported');
  });

  it('latency p50 and p99 at the same offered load; a side among never-arrived deliveries is a lower bound', () => {
    const m = mqttRun();
    for (const s of m.scenarios) s.latency = latencyOf([[1_000, 99], [9_000, 1]]);
    const x = xmppOf(m, (r) => {
      for (const s of r.scenarios) s.latency = latencyOf([[500, 99], [20_000, 1]]);
    });
    const claims = claimsOf(m, x);
    expect(claim(claims, 'latency-p50').verdict).toBe('not-supported'); // 1 ms against 0.5 ms
    expect(claim(claims, 'latency-p99').mqtt).toBeCloseTo(1_000, -1);

    // XMPP: half of what was owed never arrived within 5 s: p99 is "more than 5 s".
    const lost = xmppOf(m, (r) => {
      for (const s of r.scenarios) s.latency = { ...latencyOf([[500, 50]]), censored: 50, waited: 5_000_000, p99: null, p999: null, max: null, p90: null };
    });
    const p99 = claim(claimsOf(m, lost), 'latency-p99');
    expect(p99.atLeast).toEqual({ mqtt: false, xmpp: true });
    expect(p99.xmpp).toBe(5_000_000);
    expect(p99.verdict).toBe('supported');
  });

  it('the highest sustained rate only from a rate sweep on both sides', () => {
    const m = mqttRun();
    const c0 = claim(claimsOf(m, xmppOf(m)), 'sustained-rate');
    expect(c0.verdict).toBe('not-measured');
    expect(c0.reason).toMatch(/the MQTT result has no rate sweep/);

    const step = (s: ScenarioResult, rate: number, delivered: number, kept: boolean): void => {
      s.targetRate = rate;
      s.spec.rate = rate;
      s.throughput.sentPerSecond = kept ? rate : rate * 0.6;
      s.throughput.deliveredPerSecond = delivered;
      s.delivery.undelivered = kept ? 0 : 100;
    };
    const sweep = (r: RunResult, points: ReadonlyArray<readonly [number, number, boolean]>): void => {
      points.forEach(([rate, delivered, kept], i) => addCopy(r, 'direct', `direct-${i}`, (s) => step(s, rate, delivered, kept)));
    };
    sweep(m, [[1_000, 1_000, true], [2_000, 2_000, true], [4_000, 3_950, true]]);
    const x = xmppOf(m, (r) => {
      r.scenarios = r.scenarios.filter((s) => !s.name.startsWith('direct-'));
      sweep(r, [[1_000, 1_000, true], [2_000, 1_990, true], [4_000, 2_400, false]]);
    });
    const c = claim(claimsOf(m, x), 'sustained-rate');
    expect(c.mqtt).toBe(3_950);
    expect(c.xmpp).toBe(1_990);
    // MQTT kept up even at the sweep's top: its ceiling is a lower bound, and still decides the claim.
    expect(c.atLeast).toEqual({ mqtt: true, xmpp: false });
    expect(c.verdict).toBe('supported');
    expect(c.notes.join(' ')).toMatch(/the MQTT server kept up with the sweep's highest rate/);

    // Both top out at the same offered step: 4 msg/s apart is noise, not a higher rate.
    const m2 = mqttRun();
    sweep(m2, [[1_000, 8_996, true], [2_000, 12_000, false]]);
    const x2 = xmppOf(m2, (r) => {
      r.scenarios = r.scenarios.filter((s) => !s.name.startsWith('direct-'));
      sweep(r, [[1_000, 8_992, true], [2_000, 11_000, false]]);
    });
    const tie = claim(claimsOf(m2, x2), 'sustained-rate');
    expect([tie.mqtt, tie.xmpp]).toEqual([8_996, 8_992]);
    expect(tie.verdict).toBe('not-supported');
    expect(tie.reason).toMatch(/both sustained 1,000\/s offered and neither 2,000\/s: at the sweep's steps, neither sustains a higher rate/);
  });

  it('delivery levels granted as asked, from the subscriptions and downgrades', () => {
    const m = mqttRun();
    const x = xmppOf(m, (r) => {
      const direct = scenarioOf(r, 'direct');
      direct.connections.downgraded = 4;
      direct.connections.downgrades = [{ asked: 2, granted: 1, count: 4 }];
    });
    const c = claim(claimsOf(m, x), 'delivery-levels');
    expect([c.mqtt, c.xmpp]).toEqual([3, 2]);
    expect(c.verdict).toBe('supported');
    expect(c.notes).toEqual(['XMPP: QoS 2 granted as 1']);

    const onlyOne = xmppOf(m, (r) => { r.scenarios = [scenarioOf(r, 'room')]; });
    const short = claim(claimsOf(m, onlyOne), 'delivery-levels');
    expect(short.verdict).toBe('not-measured');
    expect(short.reason).toMatch(/the XMPP result asked only for QoS 1/);
  });

  it('retained last message and offline delivery: not measured without the patterns on both sides, saying what would measure them', () => {
    const claims = claimsOf(mqttRun(), xmppOf(mqttRun()));
    expect(claim(claims, 'retained-last-message').reason).toMatch(/no shared scenario has late joiners on both sides/);
    expect(claim(claims, 'offline-delivery').reason).toMatch(/no shared scenario takes users away with their session kept on both sides/);
    for (const id of ['retained-last-message', 'offline-delivery']) {
      expect(claim(claims, id).verdict).toBe('not-measured');
      expect([claim(claims, id).mqtt, claim(claims, id).xmpp]).toEqual([null, null]);
    }
  });

  it('retained last message: the late joiners\' wait p50 on both sides, with what each delivered', () => {
    const retained = (current: number, missing: number, ms: number): NonNullable<ScenarioResult['retained']> => ({
      rooms: 1, joins: current + missing, current, stale: 0, missing,
      latency: missing === 0 ? latencyOf([[ms * 1000, current]]) : { ...latencyOf([[ms * 1000, current]]), censored: missing, waited: 5_000_000 },
    });
    const m = mqttRun();
    scenarioOf(m, 'room').retained = retained(3, 0, 2);
    const x = xmppOf(m, (r) => { scenarioOf(r, 'room').retained = retained(3, 0, 5); });
    const c = claim(claimsOf(m, x), 'retained-last-message');
    expect([c.mqtt, c.xmpp, c.verdict]).toEqual([expect.closeTo(2000, -1), expect.closeTo(5000, -1), 'supported']);
    expect(c.notes).toContain("XMPP: 3 of 3 late joiners got the room's last message (0 an older one, 0 none)");
  });

  it('offline delivery: catch-up p50 on both sides; a side with users that never caught up is a lower bound', () => {
    const absences = (caughtUp: number, notCaughtUp: number, ms: number): NonNullable<ScenarioResult['absences']> => ({
      absences: caughtUp + notCaughtUp, graceful: caughtUp + notCaughtUp, abrupt: 0, resumed: caughtUp + notCaughtUp, notResumed: 0, stayedAway: 0,
      reconnectTime: latencyOf([[1000, caughtUp]]), caughtUp, notCaughtUp, catchUp: latencyOf([[ms * 1000, caughtUp]]), excused: 0, sendsSkipped: 0,
    });
    const persistent = (s: ScenarioResult, a: NonNullable<ScenarioResult['absences']>): void => {
      s.spec.session = { persistent: true, expiryMs: 60_000 };
      s.absences = a;
    };
    const m = mqttRun();
    persistent(scenarioOf(m, 'direct'), absences(4, 0, 30));
    const x = xmppOf(m, (r) => persistent(scenarioOf(r, 'direct'), absences(4, 0, 10)));
    const c = claim(claimsOf(m, x), 'offline-delivery');
    expect([c.verdict, c.atLeast]).toEqual(['not-supported', { mqtt: false, xmpp: false }]);
    expect(c.mqtt! / c.xmpp!).toBeCloseTo(3, 1);
    // One XMPP user never caught up: its p50 is only a lower bound, which cannot beat MQTT's 30 ms.
    const behind = xmppOf(m, (r) => persistent(scenarioOf(r, 'direct'), absences(3, 1, 10)));
    const b = claim(claimsOf(m, behind), 'offline-delivery');
    expect([b.verdict, b.atLeast.xmpp]).toEqual(['not-measured', true]);
    expect(b.notes).toContain('XMPP: 3 of 4 returning users caught up (4 resumed their session, 0 started afresh; 0 deliveries not kept)');
    expect(c.notes.some((n) => n.includes('delivery in these scenarios'))).toBe(false);
    // A side that caught up out of order says so beside its time.
    const reordered = xmppOf(m, (r) => {
      persistent(scenarioOf(r, 'direct'), absences(4, 0, 10));
      scenarioOf(r, 'direct').delivery.reordered = 7;
    });
    expect(claim(claimsOf(m, reordered), 'offline-delivery').notes).toContain('XMPP delivery in these scenarios: 7 reordered');
  });

  it('server CPU and memory per connected user only when chatbench started both servers', () => {
    const m = mqttRun();
    const x = xmppOf(m);
    expect(claim(claimsOf(m, x), 'server-cpu-per-user').reason).toMatch(/the MQTT result has no server figures: chatbench did not start that server/);
    Object.assign(m, { server: { name: 'mosquitto', version: '2.0.11', cpuSeconds: 0.11, peakRssBytes: 8_000_000 } });
    expect(claim(claimsOf(m, x), 'server-memory-per-user').reason).toMatch(/the XMPP result has no server figures/);
    Object.assign(x, { server: { name: 'prosody', version: '0.12.3', cpuSeconds: 0.55, peakRssBytes: 40_000_000 } });
    const claims = claimsOf(m, x);
    const users = m.scenarios.reduce((n, s) => n + s.connections.opened, 0);
    const peak = Math.max(...m.scenarios.map((s) => s.connections.opened));
    const cpu = claim(claims, 'server-cpu-per-user');
    expect(cpu.mqtt).toBeCloseTo(110 / users, 9);
    expect(cpu.xmpp).toBeCloseTo(550 / users, 9);
    expect(cpu.verdict).toBe('supported');
    expect(cpu.notes.join(' ')).toMatch(/different servers \(mosquitto 2\.0\.11, prosody 0\.12\.3\)/);
    const memory = claim(claims, 'server-memory-per-user');
    expect(memory.mqtt).toBeCloseTo(8_000_000 / peak, 6);
    expect(memory.verdict).toBe('supported');
  });
});

describe('judge', () => {
  const at = (value: number, atLeast = false) => ({ value, atLeast });
  it('decides from exact figures, and from bounds only where they decide', () => {
    expect(judge(at(1), at(2), 'lower').verdict).toBe('supported');
    expect(judge(at(2), at(2), 'lower').verdict).toBe('not-supported');
    expect(judge(at(1), at(2, true), 'lower').verdict).toBe('supported'); // XMPP is at least 2
    expect(judge(at(3, true), at(2), 'lower').verdict).toBe('not-supported'); // MQTT is at least 3
    expect(judge(at(1, true), at(2), 'lower').verdict).toBe('not-measured'); // MQTT is at least 1: maybe above 2
    expect(judge(at(5, true), at(2), 'higher').verdict).toBe('supported');
    expect(judge(at(2), at(2), 'higher').verdict).toBe('not-supported');
    const undecided = judge(at(5, true), at(6, true), 'higher');
    expect(undecided.verdict).toBe('not-measured');
    expect(undecided.undecided).toBe('MQTT ≥ 5, XMPP ≥ 6: lower bounds that cannot decide it');
  });
});

describe('the claims on two real runs (one relabelled as XMPP)', () => {
  let target: TargetHandle;
  let runs: [RunResult, RunResult];

  beforeAll(async () => {
    const embedded = await openTarget(null);
    // MQTT.js at a 1 s keep-alive, so the short idle phase sees pings.
    target = {
      info: embedded.info,
      createDriver: (runId) => createMqttDriver({ url: embedded.info.url, mqttVersion: '3.1.1' }, { runId, keepaliveSeconds: 1, embedded: true }),
      close: () => embedded.close(),
    };
    const scenarios = [
      spec({ name: 'room', users: 4, rooms: { count: 1, members: 4 }, rate: 200, durationMs: 500, warmupMs: 100, drainMs: 400, idleMs: 2_200 }),
      spec({ name: 'direct', users: 4, rooms: { count: 0, members: 0 }, directPairs: 2, rate: 100, durationMs: 500, warmupMs: 100, drainMs: 400 }),
      spec({ name: 'direct-1k', users: 4, rooms: { count: 0, members: 0 }, directPairs: 2, rate: 100, payloadBytes: 1024, durationMs: 500, warmupMs: 100, drainMs: 400 }),
    ];
    const once = (runId: string) => runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios }, target, toolVersion: '1.0.0-test', runId });
    runs = [await once('clm1'), await once('clm2')];
  }, 60_000);
  afterAll(async () => {
    await target?.close();
  });

  it('measures wire bytes, spread, keep-alive, handshake and latency from both, and says why the rest is not measured', () => {
    const [a, b] = runs;
    const x = xmppOf(b);
    const claims = claimsOf(a, x);
    const steadyPer = (r: RunResult, names: string[]): number => {
      const s = r.scenarios.filter((sc) => names.includes(sc.name));
      return s.reduce((n, sc) => n + sc.wire.phases.steady.bytesOut + sc.wire.phases.steady.bytesIn, 0) / s.reduce((n, sc) => n + sc.delivery.delivered, 0);
    };
    for (const [id, names] of [['wire-bytes-direct', ['direct', 'direct-1k']], ['wire-bytes-room', ['room']]] as const) {
      const c = claim(claims, id);
      expect(c.mqtt).toBeCloseTo(steadyPer(a, [...names]), 9);
      expect(c.xmpp).toBeCloseTo(steadyPer(x, [...names]), 9);
      expect(c.verdict).toBe((c.mqtt ?? 0) < (c.xmpp ?? 0) ? 'supported' : 'not-supported');
    }
    // MQTT's overhead hardly depends on the payload (a PUBLISH header grows by a length byte or
    // two): the spread across 128 B and 1 KiB is a few bytes per message, against 896 more payload.
    const spread = claim(claims, 'wire-bytes-spread');
    expect(spread.mqtt).not.toBeNull();
    expect(spread.mqtt).toBeLessThan(16);

    const keepAlive = claim(claims, 'keep-alive');
    expect(keepAlive.verdict).not.toBe('not-measured');
    expect(keepAlive.reason).toContain('keep-alive MQTT 1 s, XMPP 1 s');
    // At a 1 s keep-alive each connection exchanges a 2-byte PINGREQ and PINGRESP about every second.
    expect(keepAlive.mqtt).toBeGreaterThan(60);
    expect(keepAlive.mqtt).toBeLessThan(60 * 4 * 2);

    for (const id of ['handshake-bytes', 'handshake-time', 'latency-p50', 'latency-p99']) {
      const c = claim(claims, id);
      expect(c.mqtt).not.toBeNull();
      expect(c.xmpp).not.toBeNull();
      expect(['supported', 'not-supported']).toContain(c.verdict);
    }
    // MQTT 3.1.1 CONNECT + CONNACK + SUBSCRIBE + SUBACK for the inbox at least, per connection.
    expect(claim(claims, 'handshake-bytes').mqtt).toBeGreaterThan(40);
    expect(claim(claims, 'sustained-rate').verdict).toBe('not-measured');
    expect(claim(claims, 'delivery-levels').reason).toMatch(/asked only for QoS 1/);
    expect(claim(claims, 'server-cpu-per-user').verdict).toBe('not-measured');
  });
});
