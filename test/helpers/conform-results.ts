/**
 * Conform and fuzz results built by hand for the report tests, each validated by the result
 * schema (ConformResult.parse / FuzzResult.parse) so a report is only ever tested on what
 * chatbench could write. The bytes are real MQTT: a 3.1.1 CONNECT with the reserved flag set
 * answered by a CONNACK, and a PUBLISH with QoS 3.
 */
import { fingerprintOf } from '../../core/fuzz/replay.js';
import { ConformResult, FuzzResult, type CaseVerdict, type Finding } from '../../core/result/index.js';

/** CONNECT, 3.1.1, flags 0x03 (reserved bit set [MQTT-3.1.2-3]), keep-alive 60, client id "a". */
export const BAD_CONNECT = '100d00044d5154540403003c000161';
/** CONNACK, session present 0, return code 0: accepted as if valid. */
export const CONNACK_OK = '20020000';
/** CONNECT, 3.1.1, clean session, client id "a". */
export const CONNECT = '100d00044d5154540402003c000161';
/** PUBLISH with QoS 3 [MQTT-3.3.1-4]: topic "t", packet id 1, payload "hi". */
export const PUBLISH_QOS3 = '360700017400016869';

const envelope = {
  schemaVersion: 2,
  tool: { name: 'chatbench', version: '9.9.9-test' },
  runId: 'r1',
  startedAt: '2024-05-01T10:00:00.000Z',
  finishedAt: '2024-05-01T10:00:03.200Z',
  aborted: null,
  target: { url: 'mqtt://127.0.0.1:1883', protocol: 'mqtt', protocolVersion: '3.1.1', embedded: false, tcpNoDelay: true },
  environment: { node: '20.0.0', platform: 'linux', arch: 'x64', cpus: 2 },
} as const;

export function verdict(v: Partial<CaseVerdict> & Pick<CaseVerdict, 'id' | 'verdict'>): CaseVerdict {
  return {
    title: `checks ${v.id}`, version: '3.1.1', layer: 'client', section: '3.1', statements: ['MQTT-3.1.0-1'],
    reason: null, failures: [], choices: [], evidence: [], durationMs: 12, ...v,
  };
}

/** A failing raw case with its bytes both ways. */
export const RAW_FAIL = verdict({
  id: 'connect.reserved-flag', verdict: 'fail', layer: 'raw', section: '3.1', statements: ['MQTT-3.1.2-3'],
  title: 'a CONNECT with the reserved flag set closes the connection',
  failures: [{ statement: 'MQTT-3.1.2-3', expected: 'the connection closed', observed: 'CONNACK 0x00, connection kept open for 2000 ms' }],
  evidence: [{ connection: 'c1', exchanges: [{ dir: 'sent', atMs: 0.4, hex: BAD_CONNECT }, { dir: 'received', atMs: 3.2, hex: CONNACK_OK }] }],
});

export function conformResult(cases: CaseVerdict[], more: Partial<ConformResult> = {}): ConformResult {
  const totals = { pass: 0, fail: 0, skip: 0, timeout: 0, error: 0 };
  for (const c of cases) totals[c.verdict]++;
  return ConformResult.parse({
    ...envelope,
    kind: 'conform',
    versions: [...new Set(cases.map((c) => c.version))],
    casePattern: null,
    profileFile: null,
    capabilities: { '3.1.1': { maximumQoS: 2, retainAvailable: true } },
    coverage: {
      '3.1.1': { statements: 139, testable: 131, tested: 128, untested: ['MQTT-3.1.2-22', 'MQTT-4.7.3-4', 'MQTT-3.3.2-3'] },
      '5': { statements: 251, testable: 200, tested: 190, untested: [] },
    },
    cases,
    totals,
    expectation: null,
    ...more,
  });
}

export function finding(f: Partial<Finding> & Pick<Finding, 'steps'>): Finding {
  return {
    fingerprint: fingerprintOf('not-closed', f.steps),
    verdict: { kind: 'not-closed', message: 'PUBLISH with QoS 3 kept the connection open for 2000 ms', statements: ['MQTT-3.3.1-4'] },
    replayPath: 'replays/qos3.json',
    received: [{ connection: 0, hex: CONNACK_OK }],
    failingCasesBeforeShrink: 37,
    shrinkMs: 1234,
    known: null,
    ...f,
  };
}

export const QOS3_STEPS = [{ connection: 0, hex: CONNECT, note: 'CONNECT' }, { connection: 0, hex: PUBLISH_QOS3, note: 'PUBLISH with QoS 3' }];

export function fuzzResult(findings: Finding[], more: Partial<FuzzResult> = {}): FuzzResult {
  return FuzzResult.parse({
    ...envelope,
    target: { ...envelope.target, protocolVersion: '5.0' },
    kind: 'fuzz',
    seed: 42,
    runs: 1000,
    timeLimitMs: null,
    casesRun: 1000,
    casesPerSecond: 312.5,
    durationMs: 3200,
    findings,
    expectation: null,
    ...more,
  });
}
