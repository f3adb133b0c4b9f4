/**
 * The figures beyond steady fan-out, added over parts: chat-pattern counts sum and their
 * histograms add, capped lists (connection ends, the fault timeline) are joined and capped
 * again with the overflow still counted, anomalies and unfinished sends group as the engine
 * groups them. The parts are a committed real scenario with pattern figures laid on.
 */
import { describe, expect, test } from 'vitest';
import { decodeHistogram } from '../../core/metrics/histogram.js';
import { mergeScenarioFigures } from '../../core/result/merge-figures.js';
import type { FaultFigures, PresenceFigures, ScenarioResult } from '../../core/result/index.js';
import { fixtureRun, latencyOf, scenarioOf } from '../helpers/compare-fixtures.js';

function base(): ScenarioResult {
  return structuredClone(scenarioOf(fixtureRun(), 'room'));
}

function presence(n: number): PresenceFigures {
  return {
    users: 4 * n, watches: 8 * n, expected: 16 * n, delivered: 15 * n, missing: n, waitedMs: 2_000,
    latency: latencyOf([[1_000 * n, 15 * n]]),
    wills: { abruptDrops: n, expected: 2 * n, delivered: 2 * n, missing: 0, cleanDisconnects: 3 * n, afterCleanDisconnect: n, early: 0 },
  };
}

function faults(events: number, network: boolean): FaultFigures {
  return {
    timeline: [
      ...(network ? [{ kind: 'network' as const, atMs: 0, users: [], detail: 'delay 5ms' }] : []),
      ...Array.from({ length: events }, (_, i) => ({ kind: 'disconnect' as const, atMs: i, users: [`u${i}`], detail: 'abrupt' })),
    ],
    timelineDropped: 2,
    disconnects: events + 2,
    reconnects: 1,
    slowConsumers: 0,
    network: network ? { delayMs: 5, jitterMs: 0, loss: 0, duplicate: 0, connections: 4, framesDelayed: 10, dropped: 1, duplicated: 2 } : null,
  };
}

describe('pattern figures', () => {
  test('presence counts sum and its latency histograms add', () => {
    const [p, q] = [base(), base()];
    p.presence = presence(1);
    q.presence = presence(2);
    const m = mergeScenarioFigures([p, q]).presence;
    expect(m).toMatchObject({ users: 12, watches: 24, expected: 48, delivered: 45, missing: 3, waitedMs: 2_000 });
    expect(m?.wills).toEqual({ abruptDrops: 3, expected: 6, delivered: 6, missing: 0, cleanDisconnects: 9, afterCleanDisconnect: 3, early: 0 });
    expect(decodeHistogram(m?.latency.hdr ?? '').count).toBe(45);
    expect(m?.latency.min).toBe(1_000);
    expect(m?.latency.max).toBeGreaterThanOrEqual(2_000);
  });

  test('a pattern only some parts have is summed over those; one no part has stays absent', () => {
    const [p, q] = [base(), base()];
    p.presence = presence(1);
    const m = mergeScenarioFigures([p, q]);
    expect(m.presence?.expected).toBe(16);
    expect(m.retained).toBeUndefined();
    expect('takeover' in m).toBe(false);
  });

  test('takeover reason codes add by code; absences keep sendsSkipped only when a part had it', () => {
    const [p, q] = [base(), base()];
    p.takeover = { attempted: 2, oldClosed: 2, oldNotClosed: 0, newConnected: 2, reasonCodes: [{ code: 0x8e, count: 2 }] };
    q.takeover = { attempted: 3, oldClosed: 2, oldNotClosed: 1, newConnected: 3, reasonCodes: [{ code: 0x8e, count: 1 }, { code: 0x80, count: 1 }] };
    const absence = { absences: 2, graceful: 1, abrupt: 1, resumed: 2, notResumed: 0, stayedAway: 0, reconnectTime: latencyOf([[500, 2]]), caughtUp: 2, notCaughtUp: 0, catchUp: latencyOf([[700, 2]]), excused: 3 };
    p.absences = { ...absence, sendsSkipped: 4 };
    q.absences = absence;
    const m = mergeScenarioFigures([p, q]);
    expect(m.takeover).toEqual({ attempted: 5, oldClosed: 4, oldNotClosed: 1, newConnected: 5, reasonCodes: [{ code: 0x80, count: 1 }, { code: 0x8e, count: 3 }] });
    expect(m.absences).toMatchObject({ absences: 4, resumed: 4, caughtUp: 4, excused: 6, sendsSkipped: 4 });
    expect(m.absences?.catchUp.count).toBe(4);
  });

  test('fault timelines join in time order, the network fault once, and what passes the cap is counted', () => {
    const [p, q] = [base(), base()];
    p.faults = faults(600, true);
    q.faults = faults(600, true);
    const f = mergeScenarioFigures([p, q]).faults;
    expect(f?.timeline).toHaveLength(1_000);
    expect(f?.timeline.filter((e) => e.kind === 'network')).toHaveLength(1);
    expect(f?.timeline.map((e) => e.atMs)).toEqual([...(f?.timeline.map((e) => e.atMs) ?? [])].sort((x, y) => x - y));
    // 1,201 events kept by the parts, 1,000 kept here: 201 more dropped besides the parts' own 4.
    expect(f?.timelineDropped).toBe(4 + 201);
    expect(f?.disconnects).toBe(2 * 602);
    expect(f?.network).toMatchObject({ delayMs: 5, connections: 8, framesDelayed: 20, dropped: 2, duplicated: 4 });
  });
});

describe('steady figures', () => {
  test('connection ends are capped at five, losses and downgrades still summed', () => {
    const [p, q] = [base(), base()];
    for (const s of [p, q]) {
      s.connections.lost = 4;
      s.connections.lostBy = { server: 3, network: 1, chatbench: 0 };
      s.connections.ends = Array.from({ length: 4 }, (_, i) => ({ user: `u${i}`, by: 'server' as const, cause: 'closed' }));
      s.connections.downgraded = 2;
      s.connections.downgrades = [{ asked: 2, granted: 1, count: 2 }];
    }
    const c = mergeScenarioFigures([p, q]).connections;
    expect(c.lost).toBe(8);
    expect(c.lostBy).toEqual({ server: 6, network: 2, chatbench: 0 });
    expect(c.ends).toHaveLength(5);
    expect(c.downgrades).toEqual([{ asked: 2, granted: 1, count: 4 }]);
    expect(c.downgraded).toBe(4);
  });

  test('anomalies group by kind and packets seen; unfinished sends by what was awaited and why', () => {
    const [p, q] = [base(), base()];
    p.anomalies = [{ kind: 'qos2-puback', detail: 'first', seen: ['PUBACK'], count: 2 }];
    q.anomalies = [{ kind: 'qos2-puback', detail: 'second', seen: ['PUBACK'], count: 3 }, { kind: 'qos2-puback', detail: 'x', seen: ['PUBREC', 'PUBACK'], count: 1 }];
    p.sends = { failed: 2, unfinished: [{ awaiting: 'PUBACK', because: 'connection-closed', count: 2 }] };
    q.sends = { failed: 1, unfinished: [{ awaiting: 'PUBACK', because: 'connection-closed', count: 1 }] };
    const m = mergeScenarioFigures([p, q]);
    expect(m.anomalies).toEqual([
      { kind: 'qos2-puback', detail: 'first', seen: ['PUBACK'], count: 5 },
      { kind: 'qos2-puback', detail: 'x', seen: ['PUBREC', 'PUBACK'], count: 1 },
    ]);
    expect(m.sends).toEqual({ failed: 3, unfinished: [{ awaiting: 'PUBACK', because: 'connection-closed', count: 3 }] });
  });

  test('the drain reports the most telling end and the longest time; idle cost weighs by connection-time', () => {
    const [p, q] = [base(), base()];
    p.drain = { endedBy: 'all-delivered', seconds: 1, owedAtStart: 10, owedAtEnd: 0 };
    q.drain = { endedBy: 'stall', seconds: 3, owedAtStart: 5, owedAtEnd: 2 };
    p.wire.idle = { seconds: 10, connections: 10, keepAliveSeconds: 30, perConnectionPerMinute: { bytesOut: 10, bytesIn: 20 } };
    q.wire.idle = { seconds: 10, connections: 30, keepAliveSeconds: 20, perConnectionPerMinute: { bytesOut: 30, bytesIn: 40 } };
    const m = mergeScenarioFigures([p, q]);
    expect(m.drain).toEqual({ endedBy: 'stall', seconds: 3, owedAtStart: 15, owedAtEnd: 2 });
    expect(m.wire.idle).toEqual({ seconds: 10, connections: 40, keepAliveSeconds: 20, perConnectionPerMinute: { bytesOut: 25, bytesIn: 35 } });
  });
});
