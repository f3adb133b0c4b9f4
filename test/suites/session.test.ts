/**
 * The session, redelivery and will cases (presence, takeover, offline queue, DUP redelivery,
 * expiry, will delay) against the embedded Aedes (3.1.1) and a real mosquitto 2.0.11 (3.1.1 and
 * 5.0), with the verdict expected of each, every failure checked against the spec text; then a
 * mosquitto made to break one rule at a time behind the tamper proxy.
 */
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseVerdict } from '../../core/result/conform.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { conformCases, describeVerdicts } from '../helpers/conform.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startTamperProxy, type TamperConnection, type TamperHooks } from '../helpers/tamper-proxy.js';

const mine = (c: { id: string }): boolean => /^(session|will)\./.test(c.id);

function verdictsOf(verdicts: readonly CaseVerdict[]): Record<string, string> {
  return Object.fromEntries(verdicts.map((v) => [v.id, v.verdict]));
}

const BOTH = [
  'session.resume', 'session.clean-start-discards', 'session.offline-queue', 'session.takeover', 'session.takeover-resumes',
  'session.kept-while-connected', 'session.redelivery-qos1', 'session.redelivery-qos2',
  'will.published-on-drop', 'will.none-after-disconnect', 'will.retain-0', 'will.retain-1',
];
const ONLY_311 = ['session.retained-survives', 'will.none-without-flag'];
const ONLY_5 = [
  'session.expiry-elapsed', 'session.disconnect-expiry-zero', 'session.refused-not-resent', 'will.disconnect-with-will', 'will.delay',
  'will.delay-cancelled', 'will.session-end', 'will.user-properties',
];

const passing = (ids: string[]): Record<string, string> => Object.fromEntries(ids.map((id) => [id, 'pass']));

const EXPECTED_AEDES: Record<string, string> = {
  ...passing([...BOTH, ...ONLY_311]),
  // Aedes re-sends the unacknowledged QoS 1 and QoS 2 PUBLISH with DUP 0; [MQTT-3.3.1-1] requires DUP 1 on a re-delivery.
  'session.redelivery-qos1': 'fail',
  'session.redelivery-qos2': 'fail',
};

describe('session and will cases on the embedded Aedes (3.1.1)', () => {
  let aedes: EmbeddedBroker;
  beforeAll(async () => {
    aedes = await startEmbeddedBroker();
  });
  afterAll(() => aedes.close());

  it('gives the verdicts checked against the spec', async () => {
    const { verdicts } = await conformCases(aedes.url, '3.1.1', mine);
    expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual(EXPECTED_AEDES);
    for (const id of ['session.redelivery-qos1', 'session.redelivery-qos2']) {
      const v = verdicts.find((x) => x.id === id);
      expect(v?.failures.map((f) => f.statement), id).toEqual(['MQTT-3.3.1-1']);
      expect(v?.failures[0]?.observed).toMatch(/after the reconnect PUBLISH .* DUP 0/);
    }
  }, 40_000);
});

describeWithMosquitto('session and will cases on mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(() => mosquitto?.stop());

  it.each([
    ['3.1.1', passing([...BOTH, ...ONLY_311])],
    ['5', passing([...BOTH, ...ONLY_5])],
  ] as const)('gives the verdicts checked against the spec (%s)', async (version, expected) => {
    const { verdicts } = await conformCases(mosquitto.url, version, mine);
    expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual(expected);
  }, 40_000);

  describe('fails when mosquitto is made to break the rule', () => {
    const payloadIs = (p: Packet, text: string): boolean => p.cmd === 'publish' && String(p.payload) === text;
    const rules: [string, '3.1.1' | '5', string, string, () => TamperHooks][] = [
      ['Session Present 0 on resume', '3.1.1', 'session.resume', 'MQTT-3.2.2-2', () => ({
        toClient: (p) => (p.cmd === 'connack' ? [{ ...p, sessionPresent: false }] : undefined),
      })],
      ['a queued message lost', '3.1.1', 'session.offline-queue', 'MQTT-3.1.2-5', () => ({
        toClient: (p) => (payloadIs(p, 'q1-1') ? [] : undefined),
      })],
      ['the old connection told 0x8B (server shutting down), not 0x8E', '5', 'session.takeover', 'MQTT-3.1.4-3', () => {
        /** The connection each client id last connected on, so the hook can speak to the one being taken over. */
        const byClientId = new Map<string, TamperConnection>();
        return {
        toServer: (p, conn) => {
          if (p.cmd !== 'connect') return undefined;
          byClientId.get(p.clientId)?.sendToClient({ cmd: 'disconnect', reasonCode: 0x8b });
          byClientId.set(p.clientId, conn);
          return undefined;
        },
        };
      }],
      ['DUP 0 on a re-delivery', '5', 'session.redelivery-qos1', 'MQTT-3.3.1-1', () => ({
        toClient: (p) => (p.cmd === 'publish' && p.dup ? [{ ...p, dup: false }] : undefined),
      })],
      ['the Will swallowed', '3.1.1', 'will.published-on-drop', 'MQTT-3.1.2-8', () => ({
        toClient: (p) => (payloadIs(p, 'offline') ? [] : undefined),
      })],
      ['the Will sent after a clean DISCONNECT', '3.1.1', 'will.none-after-disconnect', 'MQTT-3.14.4-3', () => ({
        toServer: (p) => (p.cmd === 'disconnect' ? [] : undefined),
      })],
      ['Will Retain dropped', '3.1.1', 'will.retain-1', 'MQTT-3.1.2-17', () => ({
        toServer: (p) => (p.cmd === 'connect' && p.will ? [{ ...p, will: { ...p.will, retain: false } }] : undefined),
      })],
      ['the Will Delay Interval ignored', '5', 'will.delay', 'MQTT-3.1.2-8', () => ({
        toServer: (p) => (p.cmd === 'connect' && p.will?.properties?.willDelayInterval ? [{ ...p, will: { ...p.will, properties: {} } }] : undefined),
      })],
      ['an expired session still present', '5', 'session.expiry-elapsed', 'MQTT-4.1.0-2', () => ({
        toClient: (p) => (p.cmd === 'connack' ? [{ ...p, sessionPresent: true }] : undefined),
      })],
    ];

    it.concurrent.each(rules)('%s → %s %s fails %s', async (_what, version, caseId, statement, hooks) => {
      const proxy = await startTamperProxy(mosquitto.url, hooks());
      try {
        const { verdicts } = await conformCases(proxy.url, version, (c) => c.id === caseId);
        expect(verdicts.map((v) => v.verdict), describeVerdicts(verdicts)).toEqual(['fail']);
        expect(verdicts[0]?.failures.map((f) => f.statement)).toContain(statement);
      } finally {
        await proxy.close();
      }
    }, 30_000);
  });
});
