/**
 * The CONNECT / CONNACK, keep-alive, PINGREQ, DISCONNECT and AUTH cases against the embedded
 * Aedes (3.1.1) and a real mosquitto 2.0.11 (3.1.1 and 5.0), with the verdict expected of each,
 * every failure checked against the spec text; then a mosquitto made to break one rule at a time
 * behind the tamper proxy, to show each family of case fails when its rule is broken.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseVerdict } from '../../core/result/conform.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { conformCases, describeVerdicts } from '../helpers/conform.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startTamperProxy, type TamperHooks } from '../helpers/tamper-proxy.js';
import { FLAG, connectPasswordOnly, connectWithFlags, connectWithLevel, connectWithName } from '../../suites/mqtt/cases/connect-bytes.js';

describe('hand-built CONNECT bytes', () => {
  const parse = (bytes: Buffer, version: 4 | 5): Packet | Error => {
    let out: Packet | Error = new Error('nothing parsed');
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (p: Packet) => (out = p));
    parser.on('error', (e: Error) => (out = e));
    parser.parse(bytes);
    return out;
  };
  const base = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'abc', clean: true, keepalive: 60 } as const;

  it('changes exactly the flag bits asked for', () => {
    expect(parse(connectWithFlags({ ...base }, 0, FLAG.clean), 4)).toMatchObject({ cmd: 'connect', clean: false, clientId: 'abc' });
    expect(String(parse(connectWithFlags({ ...base }, FLAG.reserved), 4))).toMatch(/bit 0 must be 0/);
  });

  it('changes the protocol level and name, nothing else', () => {
    const level = connectWithLevel({ ...base }, 6);
    const plain = Buffer.from(mqttPacket.generate({ ...base }));
    expect(level.length).toBe(plain.length);
    expect([...level].filter((b, i) => b !== plain[i])).toEqual([6]);
    expect(connectWithName({ ...base }, 'MQTX').toString('latin1')).toContain('MQTX');
  });

  it('builds a password without a user name (a valid 5.0 CONNECT)', () => {
    const p = parse(connectPasswordOnly(5, 'abc', 'secret'), 5);
    expect(p).toMatchObject({ cmd: 'connect', clientId: 'abc', clean: true });
    expect(p).not.toHaveProperty('username');
    expect(String((p as { password?: Buffer }).password)).toBe('secret');
  });
});

const AREA = /^(connect|ping|keepalive|disconnect|auth)\./;
const mine = (c: { id: string }): boolean => AREA.test(c.id);

/** Every case of the area and its verdict, for one comparison with a readable diff. */
function verdictsOf(verdicts: readonly CaseVerdict[]): Record<string, string> {
  return Object.fromEntries(verdicts.map((v) => [v.id, v.verdict]));
}

const PASS_311 = [
  'connect.second-connect', 'connect.accepted', 'connect.connack-first', 'connect.client-id-23', 'connect.empty-client-id',
  'connect.empty-client-id-persistent', 'connect.long-client-id', 'connect.protocol-name', 'connect.protocol-level',
  'connect.refused-then-ignored', 'connect.reserved-flag', 'connect.will-qos-3', 'connect.will-qos-without-will',
  'connect.will-retain-without-will', 'connect.password-without-username', 'ping.pingresp', 'keepalive.enforced', 'disconnect.reserved-flags',
];

const EXPECTED_AEDES: Record<string, string> = {
  ...Object.fromEntries(PASS_311.map((id) => [id, 'pass'])),
  // Aedes accepts an empty client id with CleanSession 0 (CONNACK 0x00) where [MQTT-3.1.3-8] requires 0x02 and the close.
  'connect.empty-client-id-persistent': 'fail',
  // Aedes closes on protocol level 6 without the CONNACK 0x01 that [MQTT-3.1.2-2] requires.
  'connect.protocol-level': 'fail',
  // Aedes accepts Will QoS 3 and a password without a user name (CONNACK 0x00): [MQTT-3.1.4-1] requires the close, no CONNACK.
  'connect.will-qos-3': 'fail',
  'connect.password-without-username': 'fail',
  'connect.bad-credentials': 'skip',
};

const EXPECTED_MOSQUITTO_311: Record<string, string> = { ...Object.fromEntries(PASS_311.map((id) => [id, 'pass'])), 'connect.bad-credentials': 'skip' };

const EXPECTED_MOSQUITTO_5: Record<string, string> = {
  ...Object.fromEntries(PASS_311.filter((id) => id !== 'connect.empty-client-id-persistent' && id !== 'connect.password-without-username').map((id) => [id, 'pass'])),
  'connect.bad-credentials': 'skip',
  'connect.no-unrequested-information': 'pass',
  'connect.request-problem-information-0': 'pass',
  'connect.server-topic-alias-none': 'pass',
  'connect.server-topic-alias-maximum': 'pass',
  'connect.maximum-qos-honoured': 'pass',
  'connect.subscribe-any-qos': 'pass',
  'connect.will-qos-unsupported': 'skip',
  'connect.will-retain-unsupported': 'skip',
  'connect.connack-within-client-maximum': 'pass',
  'auth.unknown-method': 'pass',
  'auth.reauthenticate-without-method': 'pass',
  'auth.reserved-flags': 'pass',
  'disconnect.within-client-maximum': 'pass',
};

/**
 * mosquitto 2.0.11 checks keep alive only every 6 s (keepalive__check: `last_keepalive_check + 5
 * < now`), so a silent client is closed between 1.5 × keep alive and about 7 s later: inside the
 * allowed time on some runs, late on others. Either way it must have closed, and a late close
 * must say when.
 */
function expectKeepAliveEnforced(verdicts: CaseVerdict[], version: '3.1.1' | '5'): void {
  const v = verdicts.find((x) => x.id === 'keepalive.enforced');
  expect(v?.verdict === 'pass' || v?.verdict === 'fail', describeVerdicts(verdicts)).toBe(true);
  for (const f of v?.failures ?? []) {
    expect(f.statement).toMatch(version === '5' ? /^MQTT-3\.(1\.2-22|2\.2-22)$/ : /^MQTT-3\.1\.2-24$/);
    expect(f.observed).toMatch(/^closed \d+ ms after CONNACK/);
  }
}

function withoutKeepAlive(r: Record<string, string>): Record<string, string> {
  const { 'keepalive.enforced': _, ...rest } = r;
  return rest;
}

describe('connection cases on the embedded Aedes (3.1.1)', () => {
  let aedes: EmbeddedBroker;
  beforeAll(async () => {
    aedes = await startEmbeddedBroker();
  });
  afterAll(() => aedes.close());

  it('gives the verdicts checked against the spec', async () => {
    const { verdicts } = await conformCases(aedes.url, '3.1.1', mine, { keepAliveSeconds: 1 });
    expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual(EXPECTED_AEDES);
    const rejected = verdicts.find((v) => v.id === 'connect.empty-client-id-persistent');
    expect(rejected?.failures.map((f) => f.statement)).toContain('MQTT-3.1.3-8');
    expect(rejected?.failures.find((f) => f.statement === 'MQTT-3.1.3-8')?.observed).toMatch(/CONNACK 0x00/);
    // A failing raw case carries the bytes both ways.
    expect(rejected?.evidence[0]?.exchanges.some((e) => e.dir === 'received' && e.hex.startsWith('2002'))).toBe(true);
  }, 40_000);
});

describeWithMosquitto('connection cases on mosquitto', () => {
  let mosquitto: Mosquitto;
  let limited: Mosquitto;
  let guarded: Mosquitto;
  beforeAll(async () => {
    [mosquitto, limited, guarded] = await Promise.all([
      startMosquitto(),
      startMosquitto({ maxQos: 1, extraConfig: ['retain_available false'] }),
      startMosquitto({ login: { username: 'alice', password: 'right' } }),
    ]);
  });
  afterAll(() => Promise.all([mosquitto?.stop(), limited?.stop(), guarded?.stop()]));

  it.each([
    ['3.1.1', EXPECTED_MOSQUITTO_311],
    ['5', EXPECTED_MOSQUITTO_5],
  ] as const)('gives the verdicts checked against the spec (%s)', async (version, expected) => {
    const { verdicts } = await conformCases(mosquitto.url, version, mine);
    expect(withoutKeepAlive(verdictsOf(verdicts)), describeVerdicts(verdicts)).toEqual(withoutKeepAlive(expected));
    expectKeepAliveEnforced(verdicts, version);
  }, 40_000);

  it('refuses a wrong password with a non-zero code, Session Present 0 and the close (3.1.1 and 5)', async () => {
    for (const version of ['3.1.1', '5'] as const) {
      const { verdicts } = await conformCases(guarded.url, version, (c) => c.id === 'connect.bad-credentials', { username: 'alice', password: 'right' });
      expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual({ 'connect.bad-credentials': 'pass' });
    }
  }, 20_000);

  it('refuses a Will above Maximum QoS 1 and a retained Will without retain support (5)', async () => {
    const { verdicts, capabilities } = await conformCases(limited.url, '5', (c) => /^connect\.(will-(qos|retain)-unsupported|maximum-qos-honoured|subscribe-any-qos)$/.test(c.id));
    expect(capabilities).toMatchObject({ maximumQoS: 1, retainAvailable: false });
    expect(verdictsOf(verdicts), describeVerdicts(verdicts)).toEqual({
      'connect.maximum-qos-honoured': 'pass',
      'connect.subscribe-any-qos': 'pass',
      'connect.will-qos-unsupported': 'pass',
      'connect.will-retain-unsupported': 'pass',
    });
  }, 20_000);

  describe('fails when mosquitto is made to break the rule', () => {
    const connackFor = (p: Packet, code: number, sessionPresent = false): Packet => (p.cmd === 'connack' && p.reasonCode !== undefined ? { ...p, reasonCode: code, sessionPresent } : { cmd: 'connack', returnCode: code, sessionPresent });
    /** Hooks that remember each connection's client id, so they can leave chatbench's capability probe alone. */
    const withIds = (make: (ids: Map<number, string>, remember: NonNullable<TamperHooks['toServer']>) => TamperHooks) => (): TamperHooks => {
      const ids = new Map<number, string>();
      return make(ids, (p, conn) => {
        if (p.cmd === 'connect') ids.set(conn.index, p.clientId);
        return undefined;
      });
    };
    const rules: [string, '3.1.1' | '5', string, string, () => TamperHooks, Record<string, unknown>?][] = [
      ['a second CONNECT is swallowed', '3.1.1', 'connect.second-connect', 'MQTT-3.1.0-2', withIds((ids, remember) => ({
        toServer: (p, conn) => (p.cmd === 'connect' && ids.has(conn.index) ? [] : remember(p, conn)),
      }))],
      ['Session Present 1 after a clean start', '3.1.1', 'connect.accepted', 'MQTT-3.2.2-1', () => ({
        toClient: (p) => (p.cmd === 'connack' ? [{ ...p, sessionPresent: true }] : undefined),
      })],
      ['a 23-byte client id rejected', '3.1.1', 'connect.client-id-23', 'MQTT-3.1.3-5', withIds((ids, remember) => ({
        toServer: remember,
        toClient: (p, conn) => (p.cmd === 'connack' && ids.get(conn.index)?.length === 23 ? [connackFor(p, 2)] : undefined),
      }))],
      ['CONNACK 0x01 withheld', '3.1.1', 'connect.protocol-level', 'MQTT-3.1.2-2', () => ({
        toClient: (p) => (p.cmd === 'connack' && p.returnCode === 1 ? [] : undefined),
      })],
      ['a CONNECT with the reserved flag accepted', '3.1.1', 'connect.reserved-flag', 'MQTT-3.1.2-3', () => ({
        onUnparsable: (_bytes, conn) => {
          conn.sendToClient({ cmd: 'connack', returnCode: 0, sessionPresent: false });
          return false;
        },
      })],
      ['PINGRESP withheld', '3.1.1', 'ping.pingresp', 'MQTT-3.12.4-1', () => ({ toClient: (p) => (p.cmd === 'pingresp' ? [] : undefined) })],
      ['a DISCONNECT with flags taken as a normal one', '3.1.1', 'disconnect.reserved-flags', 'MQTT-3.14.1-1', () => ({
        onUnparsable: (_bytes, conn) => {
          conn.sendToServer(Buffer.from([0xe0, 0x00]));
          return false;
        },
      })],
      ['Response Information sent unasked', '5', 'connect.no-unrequested-information', 'MQTT-3.1.2-28', () => ({
        toClient: (p) => (p.cmd === 'connack' ? [{ ...p, properties: { ...p.properties, responseInformation: 'chat/responses' } }] : undefined),
      })],
      ['an unknown authentication method accepted', '5', 'auth.unknown-method', 'MQTT-4.12.0-1', () => ({
        toClient: (p) => (p.cmd === 'connack' && (p.reasonCode ?? 0) >= 0x80 ? [{ ...p, reasonCode: 0 }] : undefined),
      })],
      ['a silent client kept alive by the server side', '3.1.1', 'keepalive.enforced', 'MQTT-3.1.2-24', () => ({
        toServer: (p, conn) => {
          // Ping the broker on the client's behalf: mosquitto never sees silence.
          if (p.cmd === 'connect' && p.keepalive === 1) {
            const timer = setInterval(() => conn.sendToServer({ cmd: 'pingreq' }), 400);
            setTimeout(() => clearInterval(timer), 12_000).unref();
          }
          return undefined;
        },
        toClient: (p) => (p.cmd === 'pingresp' ? [] : undefined),
      }), { keepAliveSeconds: 1 }],
    ];

    it.concurrent.each(rules)('%s → %s %s fails %s', async (_what, version, caseId, statement, hooks, profile) => {
      const proxy = await startTamperProxy(mosquitto.url, hooks());
      try {
        const { verdicts } = await conformCases(proxy.url, version, (c) => c.id === caseId, profile ?? {});
        expect(verdicts.map((v) => v.verdict), describeVerdicts(verdicts)).toEqual(['fail']);
        expect(verdicts[0]?.failures.map((f) => f.statement)).toContain(statement);
      } finally {
        await proxy.close();
      }
    }, 30_000);
  });
});
