/**
 * Opening one MQTT.js client on a chatbench transport, up to CONNACK, and turning every way
 * that can fail into one short reason for TargetUnreachableError — or, when the machine
 * chatbench runs on ran out of file descriptors, a LocalLimitError (the target is not at fault).
 */
import { MqttClient, ReasonCodes, type IClientOptions, type IPublishPacket, type Packet } from 'mqtt';
import { TargetUnreachableError } from '../../core/errors.js';
import type { Endpoint } from './endpoint.js';
import { localLimitError } from './local-limit.js';
import { sourceAddressError } from '../common/source-address.js';
import { Transport, type Phase, type TransportFailure } from './transport.js';
import type { ConnectionOptions } from 'node:tls';

export interface ClientSettings {
  endpoint: Endpoint;
  /** How the target is printed (credentials removed). */
  display: string;
  tlsOptions: ConnectionOptions | undefined;
  protocolVersion: 4 | 5;
  username?: string;
  password?: string;
  /** Set when the target is the embedded broker: its refusals get a hint. */
  embedded: boolean;
  /** MQTT keep-alive in seconds (default 30); tests shorten it to see a keep-alive timeout. */
  keepaliveSeconds?: number;
  /** Open the TCP connection here instead (a fault proxy); TLS still verifies the endpoint's host. */
  via?: { host: string; port: number } | undefined;
}

/** One connection's CONNECT: identity, will, and the session it asks for. */
export interface ConnectRequest {
  clientId: string;
  will?: IClientOptions['will'];
  timeoutMs: number;
  /** The source address to connect from (connect.sourceAddresses); absent: the system's choice. */
  localAddress?: string;
  /** Clean Session (3.1.1) / Clean Start (5.0); default true. */
  clean?: boolean;
  /** 5.0 CONNECT properties: Session Expiry Interval, Receive Maximum. */
  properties?: IClientOptions['properties'];
  /** Session state MQTT.js keeps on the client side, carried over from the user's earlier connections. */
  state?: Pick<IClientOptions, 'incomingStore' | 'outgoingStore' | 'messageIdProvider'>;
  /** Sees a successful CONNACK before MQTT.js acts on it (and replays its stored packets). */
  onConnack?: (client: MqttClient, sessionPresent: boolean) => void;
}

/** A PUBLISH MQTT.js delivered before the session took the client over. */
export interface EarlyMessage {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

export interface OpenedClient {
  client: MqttClient;
  transport: Transport;
  /** The last error MQTT.js reported on this client (kept for diagnostics). */
  lastError(): Error | undefined;
  /** Maximum Packet Size the server announced in CONNACK (5.0 only) [MQTT-3.2.2-15]. */
  maximumPacketSize: number | undefined;
  /** CONNACK Session Present: the server still had this client id's session. */
  sessionPresent: boolean;
  /**
   * Messages MQTT.js emitted between CONNACK and now (a resumed session's queue arrives right
   * after CONNACK, before 'connect'), and stops collecting: the caller's own listener takes over.
   */
  takeEarlyMessages(): EarlyMessage[];
}

const DEFAULT_KEEPALIVE_SECONDS = 30;
const TRY_3_1_1 = 'a server that does not speak MQTT 5.0 does this: try --mqtt-version 3.1.1';

const PHASE_TIMEOUT: Record<Phase, string> = {
  tcp: 'TCP connect not completed',
  tls: 'TLS handshake not completed',
  websocket: 'WebSocket upgrade not completed',
  mqtt: 'no CONNACK',
};

/** A short reason for a transport failure, e.g. "connection refused (ECONNREFUSED 127.0.0.1:1)". */
export function describeFailure({ phase, error }: TransportFailure): string {
  const err = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  if (phase === 'tls') return `TLS: ${err.message}`;
  if (phase === 'websocket') return `WebSocket: ${err.message}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused (ECONNREFUSED ${err.address ?? '?'}:${err.port ?? '?'})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${err.code} ${err.hostname ?? ''})`.replace(' )', ')');
    case 'ECONNRESET':
      return 'connection reset by the server (ECONNRESET)';
    default:
      return err.code ? `${err.message} (${err.code})` : err.message;
  }
}

/** The spec's name of a return / reason code, lower case: 5 -> "not authorized" (MQTT.js's table). */
export function reasonName(code: number): string {
  return ((ReasonCodes as Record<number, string | undefined>)[code] ?? 'unknown reason').toLowerCase();
}

/** "CONNACK: not authorized (5)": 3.1.1 return codes 1-5 and 5.0 reason codes >= 0x80. */
export function describeConnackRefusal(code: number, embedded: boolean, protocolVersion: 4 | 5 = 4): string {
  const versionRefused = code === 1 || code === 0x84;
  const hint = !versionRefused ? ''
    : embedded ? '; the embedded broker (Aedes 1.x) speaks MQTT 3.1.1 only, give a target for 5.0'
    : protocolVersion === 5 ? `; ${TRY_3_1_1}` : '';
  return `CONNACK: ${reasonName(code)} (${code})${hint}`;
}

/**
 * The server's first bytes when they cannot start an MQTT answer to CONNECT (CONNACK, or AUTH
 * in 5.0 [MQTT-3.1.4-5]): an HTTP server, a TLS listener, anything else. undefined when they can.
 */
export function describeNotMqtt(bytes: Buffer | undefined, protocolVersion: 4 | 5): string | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  const type = (bytes[0] ?? 0) >> 4;
  if (type === 2 || (type === 15 && protocolVersion === 5)) return undefined;
  const text = bytes.toString('latin1');
  if (text.startsWith('HTTP/')) return `the server answered with HTTP, not MQTT ("${text.split('\r\n')[0]}")`;
  // A TLS record (alert 0x15 or handshake 0x16, version 3.x) in answer to a plain CONNECT.
  if ((bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03) return 'the server answered with TLS, not plain MQTT: use mqtts:// (or wss://)';
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const printable = text.slice(0, 16).replace(/[^\x20-\x7e]/g, '.');
  return `the server answered with bytes that are not MQTT (${hex}: "${printable}")`;
}

/** What the connect attempt saw before its connection closed without a successful CONNACK. */
export interface ConnectAttempt {
  /** CONNACK's failure code, when one came. */
  refusal: number | undefined;
  /** The client's last error (MQTT.js's; the lean client reports none). */
  lastError: Error | undefined;
  localAddress: string | undefined;
}

/** Why a connection closed before a successful CONNACK: the error its connect rejects with. Shared by both MQTT clients. */
export function closedBeforeConnack(settings: ClientSettings, transport: Transport, { refusal, lastError, localAddress }: ConnectAttempt): Error {
  const { protocolVersion } = settings;
  const unreachable = (reason: string, cause?: unknown): Error => new TargetUnreachableError(settings.display, reason, { cause });
  const failure = transport.failure;
  const what = `cannot open a connection to ${settings.display}`;
  const local = failure && (localLimitError(failure.error, what) ?? sourceAddressError(failure.error, localAddress, what));
  if (local) return local;
  if (refusal !== undefined) return unreachable(describeConnackRefusal(refusal, settings.embedded, protocolVersion));
  const notMqtt = describeNotMqtt(transport.firstBytes, protocolVersion);
  if (notMqtt) return unreachable(notMqtt, lastError);
  // A v5 CONNECT hung up on (FIN or reset) during the MQTT phase: the classic 3.1.1-only server.
  const hint = protocolVersion === 5 && transport.phase === 'mqtt' ? `; ${TRY_3_1_1}` : '';
  if (failure) return unreachable(`${describeFailure(failure)}${hint}`, failure.error);
  if (lastError) return unreachable(lastError.message, lastError);
  return unreachable(`connection closed by the server before ${transport.phase === 'mqtt' ? 'CONNACK' : `the ${transport.phase} phase completed`}${hint}`);
}

/** Why nothing succeeded within the connect timeout: the server's first bytes when they are not MQTT, else the phase that hung. */
export function connectTimedOut(transport: Transport, protocolVersion: 4 | 5, timeoutMs: number): string {
  return describeNotMqtt(transport.firstBytes, protocolVersion) ?? `${PHASE_TIMEOUT[transport.phase]} within ${timeoutMs} ms`;
}

/**
 * Connects one client and resolves on a successful CONNACK. Rejects with TargetUnreachableError
 * on any failure before that, or when nothing succeeded within timeoutMs.
 */
export function openClient(settings: ClientSettings, session: ConnectRequest): Promise<OpenedClient> {
  const transport = new Transport(settings.endpoint, settings.tlsOptions, settings.via, session.localAddress);
  const options: IClientOptions = {
    protocolVersion: settings.protocolVersion,
    clientId: session.clientId,
    clean: session.clean ?? true,
    keepalive: settings.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS,
    reconnectPeriod: 0, // the engine decides about reconnects
    connectTimeout: session.timeoutMs + 1000, // our own timer below fires first, with a better reason
    manualConnect: true,
    queueQoSZero: false,
    resubscribe: false,
    writeCache: false, // see runners/mqtt/packet-numbers.ts
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(session.will ? { will: session.will } : {}),
    ...(session.properties ? { properties: session.properties } : {}),
    ...session.state,
  };
  const client = new MqttClient(transport.build, options);
  let lastError: Error | undefined;
  let refusal: number | undefined;
  let maximumPacketSize: number | undefined;
  let sessionPresent = false;
  // Nothing may be lost between CONNACK and the session's own 'message' listener.
  let early: EarlyMessage[] | undefined = [];
  const collect = (topic: string, payload: Buffer, packet: IPublishPacket): void => void early?.push({ topic, payload, packet });
  client.on('message', collect);
  const takeEarlyMessages = (): EarlyMessage[] => {
    client.off('message', collect);
    const taken = early ?? [];
    early = undefined;
    return taken;
  };
  // A permanent listener: an 'error' without one would throw out of the event emitter.
  client.on('error', (err) => {
    lastError = err;
  });
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd !== 'connack') return;
    const code = settings.protocolVersion === 5 ? packet.reasonCode : packet.returnCode;
    if (code !== undefined && code !== 0) refusal = code;
    if (settings.protocolVersion === 5) maximumPacketSize = packet.properties?.maximumPacketSize;
    if (refusal !== undefined) return;
    sessionPresent = packet.sessionPresent;
    session.onConnack?.(client, sessionPresent);
  });

  const { protocolVersion } = settings;
  return new Promise<OpenedClient>((resolve, reject) => {
    const fail = (error: Error): void => {
      cleanup();
      transport.destroy();
      client.end(true);
      reject(error);
    };
    const unreachable = (reason: string, cause?: unknown): void => {
      fail(new TargetUnreachableError(settings.display, reason, { cause }));
    };
    const timer = setTimeout(() => unreachable(connectTimedOut(transport, protocolVersion, session.timeoutMs)), session.timeoutMs);
    const onConnect = (): void => {
      cleanup();
      resolve({ client, transport, lastError: () => lastError, maximumPacketSize, sessionPresent, takeEarlyMessages });
    };
    const onClose = (): void => fail(closedBeforeConnack(settings, transport, { refusal, lastError, localAddress: session.localAddress }));
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('close', onClose);
    };
    client.on('connect', onConnect);
    client.on('close', onClose);
    client.connect();
  });
}
