/**
 * Opening one MQTT.js client on a chatbench transport, up to CONNACK, and turning every way
 * that can fail into one short reason for TargetUnreachableError.
 */
import { MqttClient, ReasonCodes, type IClientOptions, type Packet } from 'mqtt';
import { TargetUnreachableError } from '../../core/errors.js';
import type { Endpoint } from './endpoint.js';
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
}

export interface OpenedClient {
  client: MqttClient;
  transport: Transport;
  /** The last error MQTT.js reported on this client (kept for diagnostics). */
  lastError(): Error | undefined;
}

const KEEPALIVE_SECONDS = 30;

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
export function describeConnackRefusal(code: number, embedded: boolean): string {
  const hint = embedded && (code === 1 || code === 0x84)
    ? '; the embedded broker (Aedes 1.x) speaks MQTT 3.1.1 only, give a target for 5.0'
    : '';
  return `CONNACK: ${reasonName(code)} (${code})${hint}`;
}

/**
 * Connects one client and resolves on a successful CONNACK. Rejects with TargetUnreachableError
 * on any failure before that, or when nothing succeeded within timeoutMs.
 */
export function openClient(
  settings: ClientSettings,
  session: { clientId: string; will?: IClientOptions['will']; timeoutMs: number },
): Promise<OpenedClient> {
  const transport = new Transport(settings.endpoint, settings.tlsOptions);
  const options: IClientOptions = {
    protocolVersion: settings.protocolVersion,
    clientId: session.clientId,
    clean: true,
    keepalive: KEEPALIVE_SECONDS,
    reconnectPeriod: 0, // the engine decides about reconnects
    connectTimeout: session.timeoutMs + 1000, // our own timer below fires first, with a better reason
    manualConnect: true,
    queueQoSZero: false,
    resubscribe: false,
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(session.will ? { will: session.will } : {}),
  };
  const client = new MqttClient(transport.build, options);
  let lastError: Error | undefined;
  let refusal: number | undefined;
  // A permanent listener: an 'error' without one would throw out of the event emitter.
  client.on('error', (err) => {
    lastError = err;
  });
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd !== 'connack') return;
    const code = settings.protocolVersion === 5 ? packet.reasonCode : packet.returnCode;
    if (code !== undefined && code !== 0) refusal = code;
  });

  return new Promise<OpenedClient>((resolve, reject) => {
    const unreachable = (reason: string, cause?: unknown): void => {
      cleanup();
      transport.destroy();
      client.end(true);
      reject(new TargetUnreachableError(settings.display, reason, { cause }));
    };
    const timer = setTimeout(() => {
      unreachable(`${PHASE_TIMEOUT[transport.phase]} within ${session.timeoutMs} ms`);
    }, session.timeoutMs);
    const onConnect = (): void => {
      cleanup();
      resolve({ client, transport, lastError: () => lastError });
    };
    const onClose = (): void => {
      if (refusal !== undefined) return unreachable(describeConnackRefusal(refusal, settings.embedded));
      const failure = transport.failure;
      if (failure) return unreachable(describeFailure(failure), failure.error);
      if (lastError) return unreachable(lastError.message, lastError);
      unreachable(`connection closed by the server before ${transport.phase === 'mqtt' ? 'CONNACK' : `the ${transport.phase} phase completed`}`);
    };
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
