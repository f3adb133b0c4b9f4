/**
 * The MQTT Driver: chat verbs onto MQTT.js clients (3.1.1 = protocolVersion 4, 5.0 = 5) over
 * mqtt://, mqtts://, ws:// or wss://, with sockets chatbench builds itself (transport.ts).
 *
 * Mapping: user -> one client (clean, or persistent: Clean Session 0 / 5.0 Clean Start 0 with a
 * Session Expiry Interval) with a retained Last Will on its presence topic ("offline", or the
 * scenario's stamped will, presence.ts) and a subscription to its inbox; room -> topic
 * subscription; send -> PUBLISH at the level's QoS (retained on request); presence -> retained
 * PUBLISH at QoS 1, watched by subscribing to the user's presence topic. All topics stay under
 * `chatbench/<runId>/` (topics.ts). A persistent user's client-side QoS state outlives its
 * connections (session-state.ts). close() ends every client and every persistent session and
 * clears the retained messages the run left (cleanup.ts), so the broker is as it was.
 */
import type { ChatSession, ConnectOptions, DeliveryLevel, Driver, DriverFeature, DriverOptions } from '../../core/driver.js';
import { RunAbortedError, TargetUnreachableError, withTimeout } from '../../core/errors.js';
import { endSessionOnServer } from './cleanup.js';
import { openClient, type ClientSettings, type ConnectRequest } from './connection.js';
import { credentialsFrom, parseEndpoint, tlsOptionsFor } from './endpoint.js';
import { noteOpenFileLimit } from './local-limit.js';
import { packetSizeError } from './packet-size.js';
import type { MqttTarget } from './endpoint.js';
import { RunLeftovers, sessionAsk, userWatches, willFor, type SessionAsk } from './run-sessions.js';
import { MqttChatSession } from './session.js';
import { SessionStates } from './session-state.js';
import { clientIdFor, runTopics } from './topics.js';

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
  /** Connect here instead of the URL's host and port (a fault proxy); TLS still verifies the target's name. */
  via?: DriverOptions['via'];
  /** Topic naming: plain, long (padded) or unicode names (topics.ts). */
  topics?: DriverOptions['topics'];
}

const FEATURES: readonly DriverFeature[] = ['persistent-session', 'will', 'presence-watch', 'retained', 'takeover', 'slow-consumer'];
/** CONNECT, PUBLISH and will properties only MQTT 5.0 has. */
const FEATURES_5: readonly DriverFeature[] = ['receive-maximum', 'message-expiry', 'will-delay'];

/** What this driver can do: everything on 5.0; 3.1.1 lacks the 5.0 properties. Read pauses work on every transport. */
export function mqttFeatures(protocolVersion: 4 | 5): ReadonlySet<DriverFeature> {
  return new Set(protocolVersion === 5 ? [...FEATURES, ...FEATURES_5] : FEATURES);
}

/** How either MQTT client reaches the target: endpoint, TLS, version, credentials, keep-alive. */
export function clientSettingsFor(target: MqttTarget, opts: MqttDriverOptions): ClientSettings {
  const endpoint = parseEndpoint(target.url);
  const embedded = opts.embedded ?? false;
  return {
    endpoint,
    display: embedded ? `${endpoint.display} (embedded Aedes)` : endpoint.display,
    tlsOptions: endpoint.secure ? tlsOptionsFor(target.tls) : undefined,
    protocolVersion: target.mqttVersion === '5.0' ? 5 : 4,
    embedded,
    ...(opts.keepaliveSeconds === undefined ? {} : { keepaliveSeconds: opts.keepaliveSeconds }),
    ...(opts.via === undefined ? {} : { via: opts.via }),
    ...credentialsFrom(target, opts.env ?? process.env),
  };
}

/**
 * Subscribes a new session to its inbox within the connect deadline: the inbox is ready before
 * connect resolves (the readiness barrier relies on it). A session without it is dropped.
 */
export async function readyInbox(
  session: { subscribeInbox(level: DeliveryLevel): Promise<DeliveryLevel>; disconnect(mode: 'abrupt'): Promise<void> },
  level: DeliveryLevel, deadline: number, display: string,
): Promise<void> {
  try {
    await withTimeout(session.subscribeInbox(level), Math.max(1, deadline - Date.now()), 'the inbox SUBACK');
  } catch (err) {
    await session.disconnect('abrupt');
    throw new TargetUnreachableError(display, (err as Error).message, { cause: err });
  }
}

export function createMqttDriver(target: MqttTarget, opts: MqttDriverOptions): Driver {
  noteOpenFileLimit(); // before any socket: at the limit, reading it would fail
  const settings = clientSettingsFor(target, opts);
  const { protocolVersion } = settings;
  const v5 = protocolVersion === 5;
  const topics = runTopics(opts.runId, opts.topics);
  /** Sessions not yet ended; ended ones are dropped (a reconnect storm must not pile them up). */
  const open = new Set<MqttChatSession>();
  const leftovers = new RunLeftovers();
  const watches = userWatches();
  const states = new SessionStates();
  let closing: Promise<void> | undefined;

  function onEnded(session: MqttChatSession): void {
    open.delete(session);
    if (leftovers.ended(session)) states.forget(session.user);
  }

  /** CONNECT's session flags and 5.0 properties for this user's connection (run-sessions.ts), with MQTT.js's stores. */
  function sessionRequest(ask: SessionAsk, user: string): Omit<ConnectRequest, 'clientId' | 'timeoutMs' | 'will'> {
    const props = ask.properties ? { properties: ask.properties } : {};
    if (!ask.persistent) {
      states.forget(user); // a clean connect discards the session: nothing to carry over
      return { clean: true, ...props };
    }
    return {
      clean: ask.clean,
      ...props,
      state: states.forConnect(user, ask.resume),
      onConnack: (client, sessionPresent) => {
        if (!sessionPresent) states.discardFor(user, client);
      },
    };
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`MQTT driver for ${settings.display} is closed`);
    const { user } = options;
    const deadline = Date.now() + options.timeoutMs;
    const clientId = clientIdFor(opts.runId, user);
    // Every connection of a user has the same client id: a second one takes the session over
    // [MQTT-3.1.4-2] (5.0 [MQTT-3.1.4-3]); the first keeps its listeners and reports its end.
    if (options.takeover) for (const s of open) if (s.user === user) s.noteTakeover();
    const ask = sessionAsk(v5, options);
    const { persistent, outlives } = ask;
    const request = sessionRequest(ask, user);
    const { client, transport, maximumPacketSize, sessionPresent, takeEarlyMessages } = await openClient(settings, {
      clientId,
      will: willFor(v5, topics.presence(user), options.will),
      timeoutMs: options.timeoutMs,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...request,
    });
    if (outlives) leftovers.sessionKept(user); // accepted: the server holds a session for this id now
    // Room topics are as long as the inbox topic give or take the names: the inbox stands for them.
    const tooLarge = packetSizeError(maximumPacketSize, topics.inbox(user), options.largestPayloadBytes, options.directLevel);
    if (tooLarge) {
      // A DISCONNECT, not a dropped socket: the will must not leave an "offline" presence behind.
      await new Promise<void>((resolve) => client.end(false, () => resolve()));
      throw tooLarge;
    }
    const session = new MqttChatSession({
      user,
      client,
      transport,
      topics,
      protocolVersion,
      onMessage: options.onMessage,
      onEnded,
      onConnectionLost: options.onConnectionLost,
      onAnomaly: options.onAnomaly,
      disconnectTimeoutMs: opts.disconnectTimeoutMs,
      extras: {
        persistent: outlives,
        resumed: persistent && sessionPresent,
        messageExpirySeconds: v5 ? options.messageExpirySeconds : undefined,
        onPresence: options.onPresence,
        watched: watches.forConnect(user, persistent && sessionPresent),
        early: takeEarlyMessages(),
        endServerSession: () => endSessionOnServer(settings, clientId),
        onRetained: leftovers.onRetained,
      },
    });
    open.add(session);
    if (closing) {
      await session.disconnect('graceful');
      throw new RunAbortedError(`MQTT driver for ${settings.display} closed while ${user} was connecting`);
    }
    await readyInbox(session, options.directLevel, deadline, settings.display);
    return session;
  }

  /** Every session ended, then what the run left on the broker removed (run-sessions.ts). */
  async function closeAll(): Promise<void> {
    await Promise.all([...open].map((s) => s.disconnect('graceful')));
    await leftovers.cleanUp(settings, opts.runId, topics);
    states.clear();
  }

  return {
    protocol: 'mqtt',
    protocolVersion: target.mqttVersion,
    displayTarget: settings.display,
    socketOptions: { tcpNoDelay: true },
    features: mqttFeatures(protocolVersion),
    client: 'mqttjs',
    connect,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
