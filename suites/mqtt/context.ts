/**
 * The context an MQTT conformance case runs in: the neutral CaseContext (ids, topics, checks,
 * cleanup) plus raw connections (runners/mqtt/raw/) and MQTT.js clients to the target, the
 * server's capabilities and the profile. Every connection a case opens is closed after it, and
 * every raw connection's bytes are kept as the case's evidence.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import type { CaseContext } from '../../core/conform/case.js';
import type tls from 'node:tls';
import { RawClient, type ProtocolLevel } from '../../runners/mqtt/raw/client.js';
import type { Endpoint } from '../../runners/mqtt/endpoint.js';
import type { MqttCapabilities } from './capabilities.js';
import type { MqttProfile } from './profile.js';

/** How long a case waits for an answer the spec requires before it records what it saw. */
export const ANSWER_MS = 2_000;

/** How a case reaches the server: one per target and version. */
export interface MqttConnectionSpec {
  endpoint: Endpoint;
  /** The URL MQTT.js clients connect to (credentials removed; they go in the options). */
  url: string;
  tls: tls.ConnectionOptions | undefined;
  username: string | undefined;
  password: string | undefined;
  level: ProtocolLevel;
}

/** A case could not set up what it needs (the server refused a valid CONNECT, say): not a verdict on the statement. */
export class SetupFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupFailed';
  }
}

export interface MqttCaseContext extends CaseContext {
  /** 4 for 3.1.1, 5 for 5.0. */
  readonly level: ProtocolLevel;
  readonly caps: MqttCapabilities;
  readonly profile: MqttProfile;
  /** A CONNECT for this version with the profile's credentials, clean start, keep alive 60; overrides laid over it. */
  connectPacket(clientId: string, overrides?: Partial<IConnectPacket>): IConnectPacket;
  /** A raw connection with nothing sent yet; closed after the case; its bytes are evidence. */
  raw(label: string): Promise<RawClient>;
  /**
   * A raw connection that sent CONNECT and got a successful CONNACK (SetupFailed otherwise).
   * `clientId` defaults to a fresh one.
   */
  connect(label: string, overrides?: Partial<IConnectPacket>): Promise<{ client: RawClient; connack: IConnackPacket; clientId: string }>;
  /** An MQTT.js client of this version, connected; ended after the case. */
  client(label: string, options?: IClientOptions): Promise<MqttClient>;
}

export function mqttContext(base: CaseContext, conn: MqttConnectionSpec, caps: MqttCapabilities, profile: MqttProfile): MqttCaseContext {
  const connectPacket = (clientId: string, overrides: Partial<IConnectPacket> = {}): IConnectPacket => {
    const packet: IConnectPacket = {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: conn.level,
      clientId,
      clean: true,
      keepalive: 60,
    };
    if (conn.username !== undefined) packet.username = conn.username;
    if (conn.password !== undefined) packet.password = Buffer.from(conn.password);
    return { ...packet, ...overrides };
  };

  const raw = async (label: string): Promise<RawClient> => {
    const client = await RawClient.open({ endpoint: conn.endpoint, version: conn.level, label, ...(conn.tls ? { tls: conn.tls } : {}) });
    base.evidence(label, () => client.transcript());
    base.cleanup(() => client.destroy());
    return client;
  };

  return {
    ...base,
    level: conn.level,
    caps,
    profile,
    connectPacket,
    raw,
    async connect(label, overrides = {}) {
      const clientId = overrides.clientId ?? base.clientId(label);
      const client = await raw(label);
      client.send(connectPacket(clientId, overrides));
      const got = await client.nextOf('connack', ANSWER_MS);
      if (got.packet === undefined) throw new SetupFailed(`${label}: no CONNACK to a valid CONNECT (${got.ended.kind})`);
      const code = got.packet.reasonCode ?? got.packet.returnCode ?? 0;
      if (code !== 0) throw new SetupFailed(`${label}: the server refused a valid CONNECT with code ${code}`);
      return { client, connack: got.packet, clientId };
    },
    async client(label, options = {}) {
      const client = mqtt.connect(conn.url, {
        protocolVersion: conn.level,
        clientId: base.clientId(label),
        reconnectPeriod: 0,
        connectTimeout: ANSWER_MS,
        ...(conn.username !== undefined ? { username: conn.username } : {}),
        ...(conn.password !== undefined ? { password: conn.password } : {}),
        ...tlsForMqttJs(conn.tls),
        ...options,
      });
      base.cleanup(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', (err) => reject(new SetupFailed(`${label}: ${err.message}`)));
        client.once('close', () => reject(new SetupFailed(`${label}: the connection closed before CONNACK`)));
      });
      return client;
    },
  };
}

/** The TLS settings MQTT.js takes, from the ones the raw client uses. */
function tlsForMqttJs(options: tls.ConnectionOptions | undefined): IClientOptions {
  if (options === undefined) return {};
  const out: IClientOptions = {};
  if (options.ca !== undefined) out.ca = options.ca as IClientOptions['ca'];
  if (options.cert !== undefined) out.cert = options.cert as IClientOptions['cert'];
  if (options.key !== undefined) out.key = options.key as IClientOptions['key'];
  if (options.rejectUnauthorized !== undefined) out.rejectUnauthorized = options.rejectUnauthorized;
  if (options.servername !== undefined) out.servername = options.servername;
  return out;
}
