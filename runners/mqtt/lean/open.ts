/**
 * Opening one lean connection up to CONNACK: CONNECT written with mqtt-packet, CONNACK read by
 * the lean client, and every way that can fail said as the MQTT.js client says it (the shared
 * closedBeforeConnack / connectTimedOut of ../connection.ts), so a target refuses the same
 * whichever client ran. A persistent session's state (kept.ts) is discarded at a CONNACK
 * without Session Present, before anything of the new session is read; what a resumed
 * session's queue delivers right behind CONNACK is held until the session takes the client.
 */
import type { IConnectPacket, IConnackPacket } from 'mqtt-packet';
import { TargetUnreachableError } from '../../../core/errors.js';
import { closedBeforeConnack, connectTimedOut, type ClientSettings } from '../connection.js';
import { Transport } from '../transport.js';
import { LeanClient, type ClientHandler } from './client.js';
import { encodeControl } from './codec.js';
import type { KeptFlows } from './kept.js';

const DEFAULT_KEEPALIVE_SECONDS = 30;

export interface LeanConnect {
  clientId: string;
  will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; properties?: { willDelayInterval: number } };
  timeoutMs: number;
  localAddress?: string | undefined;
  /** Clean Session (3.1.1) / Clean Start (5.0); default true. */
  clean?: boolean;
  /** 5.0 CONNECT properties: Session Expiry Interval, Receive Maximum. */
  properties?: { sessionExpiryInterval?: number; receiveMaximum?: number } | undefined;
  /** A persistent session's client-side state, carried over from the user's earlier connections. */
  kept?: KeptFlows | undefined;
}

/** A PUBLISH that arrived before the session took the client over. */
export interface EarlyMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface OpenedLean {
  client: LeanClient;
  /** Maximum Packet Size the server announced in CONNACK (5.0 only) [MQTT-3.2.2-15]. */
  maximumPacketSize: number | undefined;
  /** CONNACK Session Present: the server still had this client id's session. */
  sessionPresent: boolean;
  /** PUBLISHes read behind CONNACK before the caller took the client (a resumed session's queue). */
  early: EarlyMessage[];
}

/** Nothing to do until the session takes over: the handshake's handler is swapped in at once. */
const idle: ClientHandler = { message() {}, control() {}, flow() {}, malformed() {}, timedOut() {}, closed() {} };

export function openLean(settings: ClientSettings, request: LeanConnect): Promise<OpenedLean> {
  const v5 = settings.protocolVersion === 5;
  const transport = new Transport(settings.endpoint, settings.tlsOptions, settings.via, request.localAddress);
  const keepalive = settings.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS;
  const client = new LeanClient(transport, v5, keepalive, idle);
  if (request.kept !== undefined) client.keepIn(request.kept);
  const connect: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: settings.protocolVersion,
    clientId: request.clientId,
    clean: request.clean ?? true,
    keepalive,
    ...(request.properties === undefined ? {} : { properties: request.properties }),
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: Buffer.from(settings.password) }),
    ...(request.will ? { will: request.will } : {}),
  };
  return new Promise<OpenedLean>((resolve, reject) => {
    let refusal: number | undefined;
    let malformed: Error | undefined;
    let settled = false;
    const early: EarlyMessage[] = [];
    const settle = (error: Error | undefined, opened?: OpenedLean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Until the session takes over: the PUBLISHes behind CONNACK (in its chunk) wait for it.
      client.handler = { ...idle, message: (topic, payload, qos, retain) => void early.push({ topic, payload, qos, retain }) };
      if (error === undefined && opened !== undefined) return resolve(opened);
      transport.destroy();
      reject(error);
    };
    const timer = setTimeout(() => {
      settle(new TargetUnreachableError(settings.display, connectTimedOut(transport, settings.protocolVersion, request.timeoutMs)));
    }, request.timeoutMs);
    client.handler = {
      ...idle,
      control(packet) {
        if (packet.cmd !== 'connack') return;
        const code = (v5 ? packet.reasonCode : packet.returnCode) ?? 0;
        if (code !== 0) {
          refusal = code;
          transport.destroy(); // closed() below says why
          return;
        }
        // [MQTT-3.2.2-5] (5.0; 3.1.1 section 3.2.2.2): no session on the server, so none on the client.
        if (!packet.sessionPresent) request.kept?.discard();
        settle(undefined, { client, maximumPacketSize: accept(client, packet, v5), sessionPresent: packet.sessionPresent, early });
      },
      malformed(error) {
        malformed = error;
        transport.destroy();
      },
      closed() {
        const lastError = malformed && new Error(`the server's answer to CONNECT does not read as MQTT: ${malformed.message}`);
        settle(closedBeforeConnack(settings, transport, { refusal, lastError, localAddress: request.localAddress }));
      },
    };
    client.send(encodeControl(connect, settings.protocolVersion));
  });
}

/** Takes a successful CONNACK's 5.0 limits onto the client; returns the Maximum Packet Size. */
function accept(client: LeanClient, connack: IConnackPacket, v5: boolean): number | undefined {
  if (!v5) return undefined;
  const props = connack.properties;
  if (props?.receiveMaximum !== undefined) client.receiveMaximum = props.receiveMaximum;
  if (props?.serverKeepAlive !== undefined) client.keepAliveSeconds = props.serverKeepAlive;
  return props?.maximumPacketSize;
}
