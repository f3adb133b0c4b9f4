/**
 * The chat patterns that need more than plain chat — presence (wills and watches), the retained
 * room, the offline inbox — run through the real CLI on prosody and on ejabberd, as
 * test/e2e/patterns.test.ts runs them on MQTT: each must pass with every owed update and message
 * delivered, and each result must show how the pattern was served on XMPP (target.mapping).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CompareResult, RunResult, type Claim } from '../../core/result/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../helpers/ejabberd.js';
import { describeWithProsody, startProsody, type Prosody } from '../helpers/prosody.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));
/** Enough accounts for the largest pattern: retained-room's 16 users and 12 late joiners. */
const ACCOUNTS = 32;

type Scenario = RunResult['scenarios'][number];

/** Users of rooms away with their session kept: on XMPP a XEP-0198 hibernation, resumed on return. */
const OFFLINE_ROOMS = `
scenarios:
  - name: offline-rooms
    users: 8
    rooms: { count: 2, members: 4 }
    rate: 100/s
    payload: 256
    qos: 1
    duration: 3s
    warmup: 0ms
    drain: 3s
    session: persistent
    offline: { share: 50%, at: 500ms, for: 1s }
    thresholds: ["lost == 0", "undelivered == 0", "reordered == 0", "duplicated == 0"]
`;

/** The result files of the last run of each pattern, per server: the claims compare them with MQTT's. */
const saved = new Map<string, string>();

/**
 * What a server is known to do that fails a fixture's threshold without breaking the pattern:
 * ejabberd 23.01 hands a returning user messages that arrive right after its initial presence
 * ahead of its offline flush (seen: live 32–35 before stored 6–31), a race its flush loses now
 * and then — the run then exits 1 on `reordered == 0`, and that is the finding, not a broken run.
 */
interface Quirks {
  offlineFlushRaces: boolean;
}

async function runPattern(pattern: string, target: string, accountsFile: string, text?: string, exitOneOk = false): Promise<RunResult> {
  const dir = tempDir();
  const json = join(dir, `${pattern}.json`);
  // The fixture as written, with an XMPP target whose accounts come from the server's list.
  const yaml = text ?? readFileSync(join(FIXTURES, `${pattern}.yaml`), 'utf8');
  const file = join(dir, `${pattern}.yaml`);
  writeFileSync(file, `target:\n  url: ${target}\n  accounts: { file: ${accountsFile} }\n${yaml}`);
  const r = await runCli(['run', file, '--json', json, '--quiet'], { timeoutMs: 90_000 });
  if (r.code !== 0 && !(exitOneOk && r.code === 1)) throw new Error(`${pattern}: exit ${r.code}\n${r.stderr}`);
  const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
  expect(result.target.protocol).toBe('xmpp');
  saved.set(`${target} ${pattern}`, json);
  return result;
}

/** The same pattern on MQTT (the embedded broker), run once per test file. */
const mqttRuns = new Map<string, Promise<string>>();
function mqttPattern(pattern: string): Promise<string> {
  let run = mqttRuns.get(pattern);
  if (run === undefined) {
    run = (async () => {
      const json = join(tempDir(), `${pattern}-mqtt.json`);
      const r = await runCli(['run', join(FIXTURES, `${pattern}.yaml`), '--json', json, '--quiet'], { timeoutMs: 90_000 });
      // 1 is still a measurement (a QoS 1 duplicate fails the fixture's threshold, not the claim).
      if (r.code !== 0 && r.code !== 1) throw new Error(`${pattern} on MQTT: exit ${r.code}\n${r.stderr}`);
      return json;
    })();
    mqttRuns.set(pattern, run);
  }
  return run;
}

/** `chatbench compare` of the MQTT and XMPP results of `pattern`: the claim `id`. */
async function claimFor(pattern: string, xmppJson: string, id: string): Promise<Claim> {
  const out = join(tempDir(), `compare-${pattern}.json`);
  const r = await runCli(['compare', await mqttPattern(pattern), xmppJson, '--json', out, '--quiet'], { timeoutMs: 60_000 });
  expect([0, 1], r.stderr).toContain(r.code);
  const claim = CompareResult.parse(JSON.parse(readFileSync(out, 'utf8'))).claims?.find((c) => c.id === id);
  if (claim === undefined) throw new Error(`no claim ${id} in the compare of ${pattern}`);
  return claim;
}

/** The result's one scenario, passed with everything delivered once (`reorderOk`: but for reorders, then its only failure). */
function only(result: RunResult, reorderOk = false): Scenario {
  expect(result.scenarios).toHaveLength(1);
  const s = result.scenarios[0]!;
  const failed = s.thresholds.filter((t) => !t.passed).map((t) => t.expression);
  if (reorderOk && s.delivery.reordered > 0) expect(failed).toEqual(['reordered == 0']);
  else expect(s.status, s.reasons.map((r) => r.message).join('; ')).toBe('passed');
  expect(s.delivery).toMatchObject({ delivered: s.delivery.expected, lost: 0, undelivered: 0, duplicated: 0 });
  return s;
}

function ms(us: number | null | undefined): string {
  return us === null || us === undefined ? 'censored' : `${(us / 1000).toFixed(2)} ms`;
}

/** The three patterns on one server; `server` names it in the log. */
function patternSuite(server: string, target: () => string, accountsFile: () => string, quirks: Quirks): void {
  it('presence: watches are subscriptions; statuses reach every watcher; an abrupt drop is a will, a clean goodbye never one', async () => {
    const result = await runPattern('presence', target(), accountsFile());
    const s = only(result);
    const p = s.presence!;
    // 20 users, 3 watchers each: "online" x 60, then 10 leave (5 abruptly), then 10 back online.
    expect(p.watches).toBe(60);
    expect(p.missing).toBe(0);
    expect(p.delivered).toBe(p.expected);
    expect(p.expected).toBeGreaterThan(60);
    expect(p.wills).toMatchObject({ abruptDrops: 5, cleanDisconnects: 5, missing: 0, afterCleanDisconnect: 0 });
    expect(p.wills.expected).toBeGreaterThan(0);
    expect(p.wills.delivered).toBe(p.wills.expected);
    expect(result.target.mapping?.['will']).toMatch(/unavailable presence/);
    expect(result.target.mapping?.['watchPresence']).toMatch(/subscribe/);
    console.log(`[xmpp pattern ${server}] presence: ${p.delivered}/${p.expected} updates, wills ${p.wills.delivered}/${p.wills.expected}, p50 ${ms(p.latency.p50)}`);
  }, 120_000);

  it("retained-room: each late joiner gets the room's last message from the MUC history, never an older one", async () => {
    const result = await runPattern('retained-room', target(), accountsFile());
    const s = only(result);
    const r = s.retained!;
    expect(r).toMatchObject({ rooms: 4, joins: 12, current: 12, stale: 0, missing: 0 });
    expect(r.latency.count).toBe(12);
    // The history message is the retained one, not a second live delivery.
    expect(s.delivery.duplicated).toBe(0);
    expect(result.target.mapping?.['retained']).toMatch(/maxstanzas="1"/);
    expect(result.target.mapping?.['clearRetained']).toMatch(/^none/);
    console.log(`[xmpp pattern ${server}] retained-room: ${r.current}/${r.joins} current, p50 ${ms(r.latency.p50)}`);
  }, 120_000);

  it('offline-inbox: users away with their session kept get every direct message from offline storage, in order', async () => {
    const result = await runPattern('offline-inbox', target(), accountsFile(), undefined, quirks.offlineFlushRaces);
    const s = only(result, quirks.offlineFlushRaces);
    const a = s.absences!;
    expect(a).toMatchObject({ absences: 8, graceful: 8, resumed: 8, notResumed: 0, stayedAway: 0, caughtUp: 8, notCaughtUp: 0 });
    if (!quirks.offlineFlushRaces) expect(s.delivery.reordered).toBe(0);
    expect(a.catchUp.count).toBeGreaterThan(0);
    expect(result.target.mapping?.['persistentSession']).toMatch(/offline storage/);
    console.log(`[xmpp pattern ${server}] offline-inbox: ${s.delivery.delivered}/${s.delivery.expected}, catch-up p50 ${ms(a.catchUp.p50)}`);
  }, 120_000);

  it('offline in rooms: the session hibernates (XEP-0198) and is resumed on return, its room seats and queue kept', async () => {
    const result = await runPattern('offline-rooms', target(), accountsFile(), OFFLINE_ROOMS);
    const s = only(result);
    const a = s.absences!;
    // Resumed, so the engine joined no room again: what the rooms sent meanwhile came from the queue.
    expect(a).toMatchObject({ absences: 4, graceful: 4, resumed: 4, notResumed: 0, caughtUp: 4, notCaughtUp: 0 });
    expect(a.excused).toBe(0);
    expect(s.delivery.reordered).toBe(0);
    expect(result.target.mapping?.['persistentSession']).toMatch(/XEP-0198 hibernation/);
    console.log(`[xmpp pattern ${server}] offline-rooms: ${s.delivery.delivered}/${s.delivery.expected}, catch-up p50 ${ms(a.catchUp.p50)}`);
  }, 120_000);

  it('reconnect-storm: abruptly dropped persistent sessions are resumed (XEP-0198) and lose nothing, at QoS 1 and "2" (served at 1)', async () => {
    const result = await runPattern('reconnect-storm', target(), accountsFile());
    expect(result.scenarios.map((x) => x.name)).toEqual(['reconnect-storm-qos1', 'reconnect-storm-qos2']);
    for (const s of result.scenarios) {
      expect(s.status, s.reasons.map((r) => r.message).join('; ')).toBe('passed');
      expect(s.delivery).toMatchObject({ delivered: s.delivery.expected, lost: 0, undelivered: 0 });
      expect(s.absences).toMatchObject({ absences: 6, abrupt: 6, resumed: 6, notResumed: 0, stayedAway: 0, caughtUp: 6 });
    }
    console.log(`[xmpp pattern ${server}] reconnect-storm: ${result.scenarios.map((x) => `${x.name} ${x.delivery.delivered}/${x.delivery.expected}`).join(', ')}`);
  }, 120_000);

  it('claims: the retained and offline rows compare what each protocol delivered, with numbers on both sides', async () => {
    const retained = await claimFor('retained-room', saved.get(`${target()} retained-room`)!, 'retained-last-message');
    const offline = await claimFor('offline-inbox', saved.get(`${target()} offline-inbox`)!, 'offline-delivery');
    for (const c of [retained, offline]) {
      expect(c.verdict, c.reason).not.toBe('not-measured');
      expect(c.unit).toBe('us');
      expect(c.mqtt).toBeGreaterThan(0);
      expect(c.xmpp).toBeGreaterThan(0);
      expect(c.ratio).toBeCloseTo(c.mqtt! / c.xmpp!, 6);
      expect(c.verdict).toBe(c.mqtt! < c.xmpp! ? 'supported' : 'not-supported');
    }
    // Every late joiner got the room's last message on both sides; every returning user caught up.
    expect(retained.notes).toContain("MQTT: 12 of 12 late joiners got the room's last message (0 an older one, 0 none)");
    expect(retained.notes).toContain("XMPP: 12 of 12 late joiners got the room's last message (0 an older one, 0 none)");
    expect(retained.notes.join('\n')).toMatch(/XMPP mapping: XEP-0045 discussion history/);
    expect(offline.notes.find((n) => n.startsWith('XMPP:'))).toMatch(/^XMPP: 8 of 8 returning users caught up \(8 resumed their session, 0 started afresh; 0 deliveries not kept\)/);
    expect(offline.notes.find((n) => n.startsWith('MQTT:'))).toMatch(/^MQTT: 8 of 8 returning users caught up/);
    console.log(`[xmpp claims ${server}] retained p50 MQTT ${ms(retained.mqtt)} XMPP ${ms(retained.xmpp)} (${retained.verdict}); catch-up p50 MQTT ${ms(offline.mqtt)} XMPP ${ms(offline.xmpp)} (${offline.verdict})`);
  }, 180_000);
}

describeWithProsody('chat patterns on prosody (XMPP)', () => {
  let prosody: Prosody;
  beforeAll(async () => {
    prosody = await startProsody({ users: ACCOUNTS, tls: false });
  }, 30_000);
  afterAll(async () => {
    await prosody?.stop();
  });
  patternSuite('prosody', () => `xmpp://127.0.0.1:${prosody.port}`, () => prosody.usersFile, { offlineFlushRaces: false });
});

describeWithEjabberd('chat patterns on ejabberd (XMPP)', () => {
  let ejabberd: Ejabberd;
  let users = '';
  beforeAll(async () => {
    ejabberd = await startEjabberd({ users: ACCOUNTS });
    users = join(tempDir(), 'users');
    writeFileSync(users, ejabberd.users.map((u) => `${u.username}:${u.password}\n`).join(''));
  }, 60_000);
  afterAll(async () => {
    await ejabberd?.stop();
  });
  patternSuite('ejabberd', () => `xmpp://127.0.0.1:${ejabberd.xmppPort}`, () => users, { offlineFlushRaces: true });
});
