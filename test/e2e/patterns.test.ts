/**
 * The chat-pattern fixtures (fixtures/scenarios/<pattern>.yaml) run through the real CLI on
 * the embedded broker and on a real mosquitto: each must exit 0 with nothing lost, and each
 * pattern's key figures (delivered, p50/p99) are printed so a test log shows them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

/** Pattern -> the scenarios its file holds, each with the QoS it runs at. */
const PATTERNS: Readonly<Record<string, Readonly<Record<string, 0 | 1 | 2>>>> = {
  direct: { 'direct-pairs': 1, 'direct-random': 1 },
  rooms: { rooms: 1 },
  'fan-in': { 'fan-in': 1 },
  presence: { presence: 1 },
  typing: { typing: 0 },
  'offline-inbox': { 'offline-inbox': 1 },
  'reconnect-storm': { 'reconnect-storm-qos1': 1, 'reconnect-storm-qos2': 2 },
  'retained-room': { 'retained-room': 1 },
  'large-messages': { 'large-messages': 1 },
};

const FIXTURES = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));

async function runPattern(pattern: string, args: readonly string[]): Promise<RunResult> {
  const json = join(tempDir(), `${pattern}.json`);
  const r = await runCli(['run', join(FIXTURES, `${pattern}.yaml`), '--json', json, '--quiet', ...args], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${pattern}: exit ${r.code}\n${r.stderr}`);
  return RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
}

function ms(us: number | null): string {
  return us === null ? 'censored' : `${(us / 1000).toFixed(2)} ms`;
}

function expectNothingLost(pattern: string, result: RunResult, where: string): void {
  const scenarios = PATTERNS[pattern]!;
  expect(result.aborted).toBeNull();
  expect(result.scenarios.map((s) => s.name)).toEqual(Object.keys(scenarios));
  for (const s of result.scenarios) {
    expect(s.status, `${s.name}: ${s.reasons.map((r) => r.message).join('; ')}`).toBe('passed');
    expect(s.qos).toBe(scenarios[s.name]);
    expect(s.delivery.expected).toBeGreaterThan(0);
    expect(s.delivery).toMatchObject({ delivered: s.delivery.expected, lost: 0, undelivered: 0, duplicated: 0, reordered: 0, violations: 0 });
    expect(s.latency.censored).toBe(0);
    console.log(`[pattern ${where}] ${s.name}: delivered ${s.delivery.delivered}/${s.delivery.expected}, p50 ${ms(s.latency.p50)}, p99 ${ms(s.latency.p99)}`);
  }
}

/** Measured deliveries per measured send (every delivery arrived: expectNothingLost). */
function receiversPerSend(s: RunResult['scenarios'][number]): number {
  return s.latency.count / s.scheduleLag.count;
}

/** Pattern-specific shape checks: what makes the file the pattern it claims to be. */
function expectShape(pattern: string, result: RunResult): void {
  if (pattern === 'rooms') {
    // One scenario, two sizes: 8 rooms of 3 (2 receivers per send) and 2 of 12 (11 per send).
    const s = result.scenarios[0]!;
    expect(s.spec.roomSizes).toEqual([{ count: 8, members: 3 }, { count: 2, members: 12 }]);
    expect(s.spec.rooms).toEqual({ count: 10, members: 12 });
    expect(s.rooms).toBe(10);
    const perSend = receiversPerSend(s);
    expect(perSend).toBeGreaterThan(2);
    expect(perSend).toBeLessThan(11);
  }
  if (pattern === 'direct') {
    // Pairs only, no rooms: every delivery is one side's message to its partner.
    const [pairs, random] = result.scenarios;
    expect(pairs!.spec.directPairs).toBe(8);
    expect(pairs!.spec.rooms.count).toBe(0);
    // Random peers: one receiver per send, over unicode-named inboxes.
    expect(random!.spec).toMatchObject({ randomPeers: 3, seed: 7, topics: { style: 'unicode' } });
    expect(receiversPerSend(random!)).toBe(1);
  }
  if (pattern === 'fan-in') {
    // Thirty senders, one receiver: one delivery per send, each on a topic of about 1000 bytes,
    // so every PUBLISH chatbench wrote carries one (bytes out per send well above payload + 1000).
    const s = result.scenarios[0]!;
    expect(s.spec).toMatchObject({ fanIn: { receivers: 1 }, topics: { style: 'long', bytes: 1000 } });
    expect(receiversPerSend(s)).toBe(1);
    expect(s.wire.bytesOut / s.delivery.expected).toBeGreaterThan(256 + 1000);
  }
  if (pattern === 'presence') {
    // 20 users on a ring, each watched by the next 3: 60 online statuses. 10 leave, spread evenly
    // (5 abruptly: their will, 5 cleanly: their "offline") and come back online; a change is owed
    // only to watchers connected at the time, so the leaving wave owes 20 (10 of them wills) and
    // the return wave 30: 110 updates in all, every one measured.
    const p = result.scenarios[0]!.presence!;
    expect(p).toMatchObject({ users: 20, watches: 60, expected: 110, delivered: 110, missing: 0 });
    expect(p.wills).toMatchObject({ abruptDrops: 5, expected: 10, delivered: 10, missing: 0, cleanDisconnects: 5, afterCleanDisconnect: 0, early: 0 });
    expect(p.latency.count).toBe(110);
  }
  if (pattern === 'offline-inbox') {
    // Half of the 16 users leave cleanly keeping their session at 0.5 s, come back 1 s later and catch up.
    const a = result.scenarios[0]!.absences!;
    expect(a).toMatchObject({ absences: 8, graceful: 8, abrupt: 0, resumed: 8, notResumed: 0, stayedAway: 0, notCaughtUp: 0 });
    expect(a.caughtUp).toBe(8);
    expect(a.catchUp.count).toBeGreaterThan(0);
  }
  if (pattern === 'reconnect-storm') {
    // 30% of 20 users dropped abruptly, all back with their session; nothing lost at QoS 1,
    // nothing lost or doubled at QoS 2 (expectNothingLost), across the reconnects.
    for (const s of result.scenarios) {
      expect(s.absences).toMatchObject({ absences: 6, abrupt: 6, resumed: 6, notResumed: 0, stayedAway: 0, notCaughtUp: 0 });
      expect(s.faults).toMatchObject({ disconnects: 6, reconnects: 6 });
      expect(s.faults!.timeline.some((e) => e.kind === 'disconnect' && e.users.length === 6)).toBe(true);
    }
  }
  if (pattern === 'retained-room') {
    // 4 rooms x 3 late joiners: each got the room's last message, never a superseded one.
    expect(result.scenarios[0]!.retained).toMatchObject({ rooms: 4, joins: 12, current: 12, stale: 0, missing: 0 });
  }
  if (pattern === 'large-messages') {
    // A mix: the mean bytes sent per message sit well above the small sizes (attachments went
    // out) and well below the attachments (most messages were small).
    const s = result.scenarios[0]!;
    const sends = s.delivery.expected / 3; // one room of 4: three receivers per send
    const meanOut = s.wire.bytesOut / sends;
    expect(meanOut).toBeGreaterThan(8 * 1024);
    expect(meanOut).toBeLessThan(150 * 1024);
  }
}

describe('chat patterns on the embedded broker', () => {
  for (const pattern of Object.keys(PATTERNS)) {
    it(`${pattern} passes with nothing lost`, async () => {
      const result = await runPattern(pattern, []);
      expect(result.target.embedded).toBe(true);
      expectNothingLost(pattern, result, 'embedded');
      expectShape(pattern, result);
    }, 90_000);
  }
});

describeWithMosquitto('chat patterns on mosquitto', () => {
  let server: Mosquitto;
  beforeAll(async () => {
    // The typing burst peaks at 4,500 QoS 0 deliveries per second into 9 receivers; mosquitto's
    // per-client queue limit (1,000 by default) is raised as a precaution, so a test machine
    // slowed by other tests cannot make mosquitto drop them and fail "lost == 0".
    server = await startMosquitto({ extraConfig: ['max_queued_messages 100000'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const pattern of Object.keys(PATTERNS)) {
    it(`${pattern} passes with nothing lost`, async () => {
      const result = await runPattern(pattern, ['--target', server.url]);
      expect(result.target.embedded).toBe(false);
      expectNothingLost(pattern, result, 'mosquitto');
      expectShape(pattern, result);
    }, 90_000);
  }
});
