/**
 * The enhanced-authentication and DISCONNECT-reason cases (suites/mqtt/cases/connack.ts, MQTT
 * 5.0 only) against a real mosquitto 2.0.11, with the verdict expected of each, every failure
 * checked against the spec text. mosquitto has no enhanced authentication without a plugin, so
 * a tamper proxy in front of it plays a server that does: a toy challenge-response method it
 * answers itself before passing the CONNECT on. Then one rule at a time broken on purpose, to
 * show each case fails with the right statement (and the one mosquitto fails can pass).
 */
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseVerdict } from '../../core/result/conform.js';
import { startEmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { conformCases, describeVerdicts } from '../helpers/conform.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startTamperProxy, type TamperConnection, type TamperHooks } from '../helpers/tamper-proxy.js';

const mine = (c: { id: string }): boolean => /^(enhanced-auth|disconnect-reason)\./.test(c.id);
const AUTH_CASES = ['enhanced-auth.exchange', 'enhanced-auth.reauthenticate', 'enhanced-auth.within-client-maximum'];

function verdictsOf(verdicts: readonly CaseVerdict[]): Record<string, string> {
  return Object.fromEntries(verdicts.map((v) => [v.id, v.verdict]));
}

const EXPECTED_MOSQUITTO_5: Record<string, string> = {
  // No authentication method in the profile: nothing to authenticate with.
  'enhanced-auth.exchange': 'skip',
  'enhanced-auth.reauthenticate': 'skip',
  'enhanced-auth.within-client-maximum': 'skip',
  'disconnect-reason.expiry-after-zero': 'pass',
  // mosquitto 2.0.11 (handle__disconnect) clears the Will on every DISCONNECT reason but 0x04;
  // [MQTT-3.1.2-8] lets only reason 0x00 delete it, so after DISCONNECT 0x80 it must be published.
  'disconnect-reason.error-keeps-will': 'fail',
};

/** The toy method the proxy speaks: the CONNECT says "hello", the server asks "nonce?", the client answers "answer". */
const TOY = 'chatbench-toy';
const TOY_PROFILE = { authenticationMethod: TOY, authenticationData: 'hello', authenticationResponses: ['answer'] };

/** Ways the toy server can break the rules. */
interface ToyFaults {
  /** Reason code of the challenge AUTH (0x18 is right). */
  challengeCode?: number;
  /** Method the CONNACK and AUTH packets carry (the CONNECT's is right); null leaves it out of the CONNACK. */
  method?: string | null;
  /** Method of the AUTH ending a re-authentication. */
  reauthMethod?: string;
  /** A Reason String on the challenge, whatever the client's Maximum Packet Size. */
  reasonString?: string;
}

/**
 * Hooks that make mosquitto look like a server with enhanced authentication: a CONNECT with the
 * toy method is held, answered with a challenge, and passed on (without the method) once the
 * client answers right; the CONNACK then gets the method added. AUTH 0x19 starts the same
 * challenge and ends with AUTH 0x00.
 */
function toyAuthServer(faults: ToyFaults = {}): TamperHooks {
  const held = new Map<number, Packet>();
  const authenticated = new Set<number>();
  const reauthenticating = new Set<number>();
  const method = faults.method === undefined ? TOY : faults.method;
  const challenge = (conn: TamperConnection): void =>
    conn.sendToClient({
      cmd: 'auth',
      reasonCode: faults.challengeCode ?? 0x18,
      properties: { authenticationMethod: method ?? TOY, authenticationData: Buffer.from('nonce?'), ...(faults.reasonString ? { reasonString: faults.reasonString } : {}) },
    });
  return {
    toServer(p, conn) {
      if (p.cmd === 'connect' && p.properties?.authenticationMethod === TOY) {
        const { authenticationMethod: _m, authenticationData: _d, ...rest } = p.properties;
        held.set(conn.index, { ...p, properties: rest });
        challenge(conn);
        return [];
      }
      if (p.cmd !== 'auth') return undefined;
      const answered = p.reasonCode === 0x18 && p.properties?.authenticationData?.toString() === 'answer';
      const connect = held.get(conn.index);
      if (connect !== undefined) {
        // A wrong answer gets nothing back: the toy server just waits.
        if (!answered) return [];
        held.delete(conn.index);
        authenticated.add(conn.index);
        return [connect];
      }
      if (authenticated.has(conn.index) && p.reasonCode === 0x19) {
        reauthenticating.add(conn.index);
        challenge(conn);
        return [];
      }
      if (reauthenticating.has(conn.index) && answered) {
        reauthenticating.delete(conn.index);
        conn.sendToClient({ cmd: 'auth', reasonCode: 0x00, properties: { authenticationMethod: faults.reauthMethod ?? TOY } });
        return [];
      }
      return undefined;
    },
    toClient(p, conn) {
      if (p.cmd !== 'connack' || !authenticated.has(conn.index) || method === null) return undefined;
      return [{ ...p, properties: { ...p.properties, authenticationMethod: method } }];
    },
  };
}

describe('the cases are MQTT 5.0 only', () => {
  it('runs none of them on the embedded Aedes (3.1.1)', async () => {
    const aedes = await startEmbeddedBroker();
    try {
      const { verdicts } = await conformCases(aedes.url, '3.1.1', mine);
      expect(verdicts).toEqual([]);
    } finally {
      await aedes.close();
    }
  }, 20_000);
});

describeWithMosquitto('enhanced-auth and disconnect-reason cases on mosquitto (5)', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(() => mosquitto?.stop());

  it('gives the verdicts checked against the spec', async () => {
    const { verdicts } = await conformCases(mosquitto.url, '5', mine);
    expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual(EXPECTED_MOSQUITTO_5);
    for (const id of AUTH_CASES) expect(verdicts.find((v) => v.id === id)?.reason).toMatch(/authenticationMethod/);
    const will = verdicts.find((v) => v.id === 'disconnect-reason.error-keeps-will');
    expect(will?.failures.map((f) => f.statement)).toEqual(['MQTT-3.1.2-8']);
    expect(will?.failures[0]?.observed).toBe('no Will within 2000 ms');
    // The DISCONNECT 0x80 chatbench sent is in the evidence, as bytes: E0 02 80 00 (reason code, no properties).
    expect(will?.evidence.find((e) => e.connection === 'client')?.exchanges.some((x) => x.dir === 'sent' && x.hex === 'e0028000')).toBe(true);
  }, 40_000);

  it('follows an enhanced-authentication exchange with a server that has one', async () => {
    const proxy = await startTamperProxy(mosquitto.url, toyAuthServer());
    try {
      const { verdicts, capabilities } = await conformCases(proxy.url, '5', (c) => AUTH_CASES.includes(c.id), TOY_PROFILE);
      expect(capabilities['authenticationMethod']).toBe(TOY);
      expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual(Object.fromEntries(AUTH_CASES.map((id) => [id, 'pass'])));
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('reports a refused authentication as an error, not a failure of the server', async () => {
    const proxy = await startTamperProxy(mosquitto.url, toyAuthServer());
    try {
      const { verdicts } = await conformCases(proxy.url, '5', (c) => c.id === 'enhanced-auth.exchange', { ...TOY_PROFILE, authenticationResponses: ['wrong'] });
      // The toy server never answers a wrong response: chatbench stops waiting and says so.
      expect(verdicts.map((v) => v.verdict), describeVerdicts(verdicts)).toEqual(['error']);
      expect(verdicts[0]?.reason).toMatch(/no CONNACK after the profile's authentication: AUTH 0x18 .*no answer within 2000 ms/);
    } finally {
      await proxy.close();
    }
  }, 20_000);

  describe('fails when the rule is broken', () => {
    const rules: [string, string, string, TamperHooks, Record<string, unknown>?][] = [
      ['the challenge AUTH sent with 0x00', 'enhanced-auth.exchange', 'MQTT-4.12.0-2', toyAuthServer({ challengeCode: 0x00 }), TOY_PROFILE],
      ['the successful CONNACK without the method', 'enhanced-auth.exchange', 'MQTT-4.12.0-5', toyAuthServer({ method: null }), TOY_PROFILE],
      ['the challenge AUTH with reason code 0x87, not an AUTH code', 'enhanced-auth.exchange', 'MQTT-3.15.2-1', toyAuthServer({ challengeCode: 0x87 }), TOY_PROFILE],
      ['re-authentication ended with another method', 'enhanced-auth.reauthenticate', 'MQTT-4.12.0-5', toyAuthServer({ reauthMethod: 'other-method' }), TOY_PROFILE],
      ['a Reason String past the client’s Maximum Packet Size', 'enhanced-auth.within-client-maximum', 'MQTT-3.15.2-2', toyAuthServer({ reasonString: 'x'.repeat(200) }), TOY_PROFILE],
      ['the Session Expiry Interval removed from the DISCONNECT', 'disconnect-reason.expiry-after-zero', 'MQTT-3.1.2-8', {
        toServer: (p) => (p.cmd === 'disconnect' && p.properties?.sessionExpiryInterval !== undefined ? [{ cmd: 'disconnect', reasonCode: 0 }] : undefined),
      }],
    ];

    it.each(rules)('%s → %s fails %s', async (_what, caseId, statement, hooks, profile) => {
      const proxy = await startTamperProxy(mosquitto.url, hooks);
      try {
        const { verdicts } = await conformCases(proxy.url, '5', (c) => c.id === caseId, profile ?? {});
        expect(verdicts.map((v) => v.verdict), describeVerdicts(verdicts)).toEqual(['fail']);
        expect(verdicts[0]?.failures.map((f) => f.statement)).toContain(statement);
      } finally {
        await proxy.close();
      }
    }, 20_000);

    it('passes disconnect-reason.error-keeps-will when the server keeps the Will (0x80 passed on as 0x04)', async () => {
      const proxy = await startTamperProxy(mosquitto.url, { toServer: (p) => (p.cmd === 'disconnect' && p.reasonCode === 0x80 ? [{ cmd: 'disconnect', reasonCode: 0x04 }] : undefined) });
      try {
        const { verdicts } = await conformCases(proxy.url, '5', (c) => c.id === 'disconnect-reason.error-keeps-will');
        expect(verdicts.map((v) => v.verdict), describeVerdicts(verdicts)).toEqual(['pass']);
      } finally {
        await proxy.close();
      }
    }, 20_000);
  });
});
