/**
 * The MQTT Driver: chat verbs onto MQTT.js clients (3.1.1 = protocolVersion 4, 5.0 = 5) over
 * mqtt://, mqtts://, ws:// or wss://, with sockets chatbench builds itself (transport.ts).
 *
 * Mapping: user -> one clean-session client with a Last Will ("offline", retained) on its
 * presence topic and a subscription to its inbox; room -> topic subscription; send -> PUBLISH
 * at the level's QoS; presence -> retained PUBLISH at QoS 1. All topics stay under
 * `chatbench/<runId>/` (topics.ts). close() ends every client and clears the retained
 * presence messages the run left, so the broker is as it was.
 */
import type { ChatSession, ConnectOptions, Driver } from '../../core/driver.js';
import { RunAbortedError, TargetUnreachableError, withTimeout } from '../../core/errors.js';
import { openClient, type ClientSettings } from './connection.js';
import { credentialsFrom, parseEndpoint, tlsOptionsFor } from './endpoint.js';
import { noteOpenFileLimit } from './local-limit.js';
import { packetSizeError } from './packet-size.js';
import type { MqttTarget } from './endpoint.js';
import { MqttChatSession } from './session.js';
import { cleanupClientIdFor, clientIdFor, runTopics } from './topics.js';

export interface MqttDriverOptions {
  runId: string;
  /** Where usernameEnv / passwordEnv are looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The target is chatbench's embedded broker (Aedes): printed as such, refusals explained. */
  embedded?: boolean;
  /** MQTT keep-alive in seconds (default 30); a short one lets a test see the keep-alive timeout. */
  keepaliveSeconds?: number;
  /** How long a graceful disconnect waits for in-flight sends before dropping the socket (default 5 s). */
  disconnectTimeoutMs?: number;
}

/** A will fires when the broker notices the dropped socket: give it this long before clearing presence. */
const WILL_SETTLE_MS = 250;
const CLEANUP_TIMEOUT_MS = 5000;
const OFFLINE = Buffer.from('offline');


export function createMqttDriver(target: MqttTarget, opts: MqttDriverOptions): Driver {
  noteOpenFileLimit(); // before any socket: at the limit, reading it would fail
  const endpoint = parseEndpoint(target.url);
  const embedded = opts.embedded ?? false;
  const protocolVersion = target.mqttVersion === '5.0' ? 5 : 4;
  const settings: ClientSettings = {
    endpoint,
    display: embedded ? `${endpoint.display} (embedded Aedes)` : endpoint.display,
    tlsOptions: endpoint.secure ? tlsOptionsFor(target.tls) : undefined,
    protocolVersion,
    embedded,
    ...(opts.keepaliveSeconds === undefined ? {} : { keepaliveSeconds: opts.keepaliveSeconds }),
    ...credentialsFrom(target, opts.env ?? process.env),
  };
  const topics = runTopics(opts.runId);
  /** Sessions not yet ended; ended ones are dropped (a reconnect storm must not pile them up). */
  const open = new Set<MqttChatSession>();
  /** Users whose presence topic may hold a retained message: presence set, or their will fired. */
  const mayHoldRetained = new Set<string>();
  let lastAbruptAt = 0;
  let closing: Promise<void> | undefined;

  function onEnded(session: MqttChatSession): void {
    open.delete(session);
    if (session.mayLeaveRetained) mayHoldRetained.add(session.user);
    if (session.droppedAbruptly) lastAbruptAt = Date.now();
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`MQTT driver for ${settings.display} is closed`);
    const deadline = Date.now() + options.timeoutMs;
    const presence = topics.presence(options.user);
    const { client, transport, maximumPacketSize } = await openClient(settings, {
      clientId: clientIdFor(opts.runId, options.user),
      will: { topic: presence, payload: OFFLINE, qos: 1, retain: true },
      timeoutMs: options.timeoutMs,
    });
    // Room topics are as long as the inbox topic give or take the names: the inbox stands for them.
    const tooLarge = packetSizeError(maximumPacketSize, topics.inbox(options.user), options.largestPayloadBytes, options.directLevel);
    if (tooLarge) {
      // A DISCONNECT, not a dropped socket: the will must not leave an "offline" presence behind.
      await new Promise<void>((resolve) => client.end(false, () => resolve()));
      throw tooLarge;
    }
    const session = new MqttChatSession({
      user: options.user,
      client,
      transport,
      topics,
      protocolVersion,
      onMessage: options.onMessage,
      onEnded,
      onConnectionLost: options.onConnectionLost,
      onAnomaly: options.onAnomaly,
      disconnectTimeoutMs: opts.disconnectTimeoutMs,
    });
    open.add(session);
    if (closing) {
      await session.disconnect('graceful');
      throw new RunAbortedError(`MQTT driver for ${settings.display} closed while ${options.user} was connecting`);
    }
    // The inbox is ready before connect resolves: the readiness barrier relies on it.
    try {
      await withTimeout(session.subscribeInbox(options.directLevel), Math.max(1, deadline - Date.now()), 'the inbox SUBACK');
    } catch (err) {
      await session.disconnect('abrupt');
      throw new TargetUnreachableError(settings.display, (err as Error).message, { cause: err });
    }
    return session;
  }

  /**
   * Publishes an empty retained message [MQTT-3.3.1-10] on each presence topic that may hold one
   * (presence set, or a will fired), from a short-lived client without a will.
   */
  async function clearPresence(): Promise<void> {
    if (mayHoldRetained.size === 0) return;
    const settle = lastAbruptAt + WILL_SETTLE_MS - Date.now();
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    let opened;
    try {
      opened = await openClient(settings, { clientId: cleanupClientIdFor(opts.runId), timeoutMs: CLEANUP_TIMEOUT_MS });
    } catch {
      return; // the target is gone: nothing can be cleared, and close() must not fail for it
    }
    const { client } = opened;
    const clears = [...mayHoldRetained].map(
      (user) => new Promise<void>((resolve) => {
        client.publish(topics.presence(user), Buffer.alloc(0), { qos: 1, retain: true }, () => resolve());
      }),
    );
    const acked = await withTimeout(Promise.all(clears), CLEANUP_TIMEOUT_MS, 'clearing presence').then(() => true, () => false);
    await new Promise<void>((resolve) => client.end(!acked, () => resolve()));
  }

  async function closeAll(): Promise<void> {
    await Promise.all([...open].map((s) => s.disconnect('graceful')));
    await clearPresence();
    mayHoldRetained.clear();
  }

  return {
    protocol: 'mqtt',
    protocolVersion: target.mqttVersion,
    displayTarget: settings.display,
    socketOptions: { tcpNoDelay: true },
    connect,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
