/**
 * The MQTT conformance suite: MQTT 3.1.1 and 5.0, their statement manifests, every case (each
 * file in cases/ is one area of the spec), and how a version is prepared against a target —
 * one plain CONNECT to learn what the server announces, laid over the profile file.
 */
import type { ConformCase } from '../../core/conform/case.js';
import type { ConformSuite, PreparedVersion } from '../../core/conform/suite.js';
import { TargetUnreachableError } from '../../core/errors.js';
import type { TargetSpec } from '../../core/scenario/types.js';
import { redactTargetUrl } from '../../core/target.js';
import { credentialsFor } from '../../runners/common/credentials.js';
import { tlsOptionsFor, type TlsSpec } from '../../runners/common/tls.js';
import { parseEndpoint } from '../../runners/mqtt/endpoint.js';
import { RawClient, RawConnectError, type ProtocolLevel } from '../../runners/mqtt/raw/client.js';
import { hexCode } from '../../runners/mqtt/raw/rejection.js';
import { MQTT_311 } from '../mqtt-3.1.1/statements.js';
import { MQTT_50 } from '../mqtt-5.0/statements.js';
import { capabilitiesFrom, capabilityRecord, unmetNeed } from './capabilities.js';
import { cases as connackCases } from './cases/connack.js';
import { cases as connectCases } from './cases/connect.js';
import { cases as flowCases } from './cases/flow.js';
import { cases as inflightCases } from './cases/inflight.js';
import { cases as malformedCases } from './cases/malformed.js';
import { cases as propertiesCases } from './cases/properties.js';
import { cases as publishCases } from './cases/publish.js';
import { cases as sessionCases } from './cases/session.js';
import { cases as subscribeCases } from './cases/subscribe.js';
import { ANSWER_MS, mqttContext, type MqttCaseContext, type MqttConnectionSpec } from './context.js';
import { MqttProfile } from './profile.js';

export const MQTT_CASES: readonly ConformCase<MqttCaseContext>[] = [
  ...connectCases,
  ...connackCases,
  ...sessionCases,
  ...publishCases,
  ...subscribeCases,
  ...flowCases,
  ...inflightCases,
  ...propertiesCases,
  ...malformedCases,
];

const LEVEL: Readonly<Record<string, ProtocolLevel>> = { '3.1.1': 4, '5': 5 };
const SPELLINGS: Readonly<Record<string, string>> = { '3.1.1': '3.1.1', '4': '3.1.1', '5': '5', '5.0': '5' };

export const mqttSuite: ConformSuite<MqttCaseContext, MqttProfile> = {
  protocol: 'mqtt',
  versions: ['3.1.1', '5'],
  manifests: { '3.1.1': MQTT_311, '5': MQTT_50 },
  cases: MQTT_CASES,
  profile: MqttProfile,
  embeddedVersions: ['3.1.1'],
  parseVersion: (text) => SPELLINGS[text],
  prepare,
};

async function prepare(target: TargetSpec, version: string, profile: MqttProfile, runId: string): Promise<PreparedVersion<MqttCaseContext>> {
  const level = LEVEL[version];
  if (level === undefined) throw new Error(`MQTT suite: unknown version ${version}`);
  const fields = (target.fields ?? {}) as { tls?: TlsSpec; usernameEnv?: string; passwordEnv?: string };
  const endpoint = parseEndpoint(target.url);
  const fromTarget = credentialsFor(target.url, fields, process.env);
  const username = profile.username ?? (profile.usernameEnv ? process.env[profile.usernameEnv] : undefined) ?? fromTarget.username;
  const password = profile.password ?? (profile.passwordEnv ? process.env[profile.passwordEnv] : undefined) ?? fromTarget.password;
  const url = new URL(target.url);
  url.username = '';
  url.password = '';
  const conn: MqttConnectionSpec = {
    endpoint,
    url: url.href,
    tls: endpoint.secure ? tlsOptionsFor(fields.tls) : undefined,
    username,
    password,
    level,
  };

  const probe = await discover(conn, `cb${runId.replace(/[^A-Za-z0-9]/g, '').slice(-6)}probe${level}`);
  const capabilities = capabilitiesFrom(level, probe.connack, profile, endpoint.websocket ? url.href : null);
  const prepared: PreparedVersion<MqttCaseContext> = {
    capabilities: capabilityRecord(capabilities),
    binding: {
      unmet: (c) => unmetNeed(c.needs ?? [], capabilities),
      context: (base) => mqttContext(base, conn, capabilities, profile),
    },
  };
  if (probe.refused !== undefined) prepared.refused = probe.refused;
  return prepared;
}

/** One clean CONNECT: the CONNACK (and its properties), or why the server would not take this version. */
async function discover(conn: MqttConnectionSpec, clientId: string): Promise<{ connack?: import('mqtt-packet').IConnackPacket; refused?: string }> {
  const name = conn.level === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1';
  let client: RawClient;
  try {
    client = await RawClient.open({ endpoint: conn.endpoint, version: conn.level, label: 'probe', ...(conn.tls ? { tls: conn.tls } : {}) });
  } catch (err) {
    const reason = err instanceof RawConnectError ? err.message : String(err);
    throw new TargetUnreachableError(redactTargetUrl(conn.endpoint.display), reason, { cause: err });
  }
  try {
    client.send({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: conn.level, clientId, clean: true, keepalive: 60,
      ...(conn.username !== undefined ? { username: conn.username } : {}),
      ...(conn.password !== undefined ? { password: Buffer.from(conn.password) } : {}),
    });
    const got = await client.nextOf('connack', ANSWER_MS * 2);
    if (got.packet === undefined) {
      if (got.ended.kind === 'timeout') throw new TargetUnreachableError(conn.endpoint.display, `no CONNACK to an ${name} CONNECT within ${ANSWER_MS * 2} ms`);
      return { refused: `the server ${got.ended.kind === 'closed' ? 'closed the connection on' : 'answered with unreadable bytes to'} an ${name} CONNECT` };
    }
    const code = got.packet.reasonCode ?? got.packet.returnCode ?? 0;
    if (code !== 0) return { refused: `the server refused an ${name} CONNECT with ${hexCode(code)}${code === 1 || code === 0x84 ? ' (unsupported protocol version)' : code === 4 || code === 5 || code === 0x86 || code === 0x87 ? ' (not authorized: give credentials in the URL or the profile)' : ''}` };
    client.send({ cmd: 'disconnect' });
    return { connack: got.packet };
  } finally {
    client.end();
  }
}
