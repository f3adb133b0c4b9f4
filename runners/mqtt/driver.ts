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
import { clearRetainedTopics, endSessionOnServer } from './cleanup.js';
import { openClient, type ClientSettings, type ConnectRequest } from './connection.js';
import { credentialsFrom, parseEndpoint, tlsOptionsFor } from './endpoint.js';
import { noteOpenFileLimit } from './local-limit.js';
import { packetSizeError } from './packet-size.js';
import type { MqttTarget } from './endpoint.js';
import { willPayload } from './presence.js';
import { MqttChatSession } from './session.js';
import { SessionStates } from './session-state.js';
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
  /** Connect here instead of the URL's host and port (a fault proxy); TLS still verifies the target's name. */
  via?: DriverOptions['via'];
  /** Topic naming: plain, long (padded) or unicode names (topics.ts). */
  topics?: DriverOptions['topics'];
}

/** A will fires when the broker notices the dropped socket (or the session ends): give it this long before clearing presence. */
const WILL_SETTLE_MS = 250;
const OFFLINE = Buffer.from('offline');
/** A persistent session's Session Expiry Interval (5.0) when the scenario gives none: outlives any run, ends at close. */
const DEFAULT_SESSION_EXPIRY_S = 3600;

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

/** The Last Will every user gets unless the scenario stamps its own: "offline", retained, QoS 1, on its presence topic. */
export function offlineWill(topic: string): { topic: string; payload: Buffer; qos: 1; retain: true } {
  return { topic, payload: OFFLINE, qos: 1, retain: true };
}

/**
 * Clears the retained messages a run left (`topics`: presence set or wills fired, retained rooms),
 * after giving wills of connections dropped at `lastAbruptAt` time to fire.
 */
export async function clearLeftRetained(settings: ClientSettings, runId: string, topics: readonly string[], lastAbruptAt: number): Promise<void> {
  if (topics.length === 0) return;
  const settle = lastAbruptAt + WILL_SETTLE_MS - Date.now();
  if (settle > 0) await new Promise((r) => setTimeout(r, settle));
  await clearRetainedTopics(settings, cleanupClientIdFor(runId), topics);
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
  /** Users whose presence topic may hold a retained message: presence set, or their will fired. */
  const mayHoldRetained = new Set<string>();
  /** Room topics holding a retained message of this run (sent retained, not cleared yet). */
  const retainedRooms = new Set<string>();
  /** Users whose persistent session may still be on the broker: ended at close. */
  const sessionsLeft = new Set<string>();
  /** Per user: presence topic -> watched user, kept while a persistent session keeps the subscriptions. */
  const watchedByUser = new Map<string, Map<string, string>>();
  const states = new SessionStates();
  let lastAbruptAt = 0;
  let closing: Promise<void> | undefined;

  function onEnded(session: MqttChatSession): void {
    open.delete(session);
    if (session.mayLeaveRetained) mayHoldRetained.add(session.user);
    if (session.droppedAbruptly) lastAbruptAt = Date.now();
    if (session.endedSession) {
      sessionsLeft.delete(session.user);
      states.forget(session.user);
    }
  }

  /** The user's Last Will: the scenario's stamped one (5.0: with its delay), else "offline". Retained, QoS 1. */
  function willOf(options: ConnectOptions): NonNullable<ConnectRequest['will']> {
    const topic = topics.presence(options.user);
    const will = options.will;
    if (will === undefined) return offlineWill(topic);
    const delay = v5 && will.delaySeconds !== undefined ? { properties: { willDelayInterval: will.delaySeconds } } : {};
    return { topic, payload: willPayload(will.status, will.tag), qos: 1, retain: true, ...delay };
  }

  /**
   * 5.0 publishes a will at the Will Delay Interval or when the session ends, whichever is first
   * [MQTT-3.1.2-8]: a session that ends with its connection would make every delay zero. So a
   * clean user with a delayed will gets a session that outlives the connection by the delay.
   */
  function sessionExpiry(options: ConnectOptions): number | undefined {
    if (!v5) return undefined;
    if (options.session?.persistent) return options.session.expirySeconds ?? DEFAULT_SESSION_EXPIRY_S;
    const delay = options.will?.delaySeconds;
    return delay !== undefined && delay > 0 ? delay : undefined;
  }

  /** CONNECT's session flags and 5.0 properties for this user's connection. */
  function sessionRequest(options: ConnectOptions): Omit<ConnectRequest, 'clientId' | 'timeoutMs' | 'will'> {
    const { user } = options;
    const persistent = options.session?.persistent ?? false;
    const resume = persistent && (options.session?.resume ?? false);
    const expiry = sessionExpiry(options);
    const properties = {
      ...(expiry === undefined ? {} : { sessionExpiryInterval: expiry }),
      ...(v5 && options.receiveMaximum !== undefined ? { receiveMaximum: options.receiveMaximum } : {}),
    };
    const props = Object.keys(properties).length > 0 ? { properties } : {};
    if (!persistent) {
      states.forget(user); // a clean connect discards the session: nothing to carry over
      return { clean: true, ...props };
    }
    return {
      // 3.1.1 has one flag for both: Clean Session 0 resumes or creates [MQTT-3.1.2-4].
      clean: v5 ? !resume : false,
      ...props,
      state: states.forConnect(user, resume),
      onConnack: (client, sessionPresent) => {
        if (!sessionPresent) states.discardFor(user, client);
      },
    };
  }

  /** The watch map a new connection of `user` starts with: kept only when its session resumed. */
  function watchedFor(user: string, resumed: boolean): Map<string, string> {
    let watched = resumed ? watchedByUser.get(user) : undefined;
    if (watched === undefined) {
      watched = new Map();
      watchedByUser.set(user, watched);
    }
    return watched;
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`MQTT driver for ${settings.display} is closed`);
    const { user } = options;
    const deadline = Date.now() + options.timeoutMs;
    const clientId = clientIdFor(opts.runId, user);
    // Every connection of a user has the same client id: a second one takes the session over
    // [MQTT-3.1.4-2] (5.0 [MQTT-3.1.4-3]); the first keeps its listeners and reports its end.
    if (options.takeover) for (const s of open) if (s.user === user) s.noteTakeover();
    const request = sessionRequest(options);
    const persistent = request.state !== undefined;
    /** The server keeps the session after the connection: persistent, or lingering for a will delay. */
    const outlives = request.properties?.sessionExpiryInterval !== undefined || persistent;
    const { client, transport, maximumPacketSize, sessionPresent, takeEarlyMessages } = await openClient(settings, {
      clientId,
      will: willOf(options),
      timeoutMs: options.timeoutMs,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...request,
    });
    if (outlives) sessionsLeft.add(user); // accepted: the server holds a session for this id now
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
        watched: watchedFor(user, persistent && sessionPresent),
        early: takeEarlyMessages(),
        endServerSession: () => endSessionOnServer(settings, clientId),
        onRetained: (topic, held) => void (held ? retainedRooms.add(topic) : retainedRooms.delete(topic)),
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

  /**
   * Ends the persistent sessions still on the broker (users away with their session kept, or
   * dropped), then clears every retained message the run may have left: presence (set, or a
   * will that fired — ending a session fires a delayed will) and retained rooms.
   */
  async function cleanUp(): Promise<void> {
    const left = [...sessionsLeft];
    if (left.length > 0) {
      await Promise.all(left.map((user) => endSessionOnServer(settings, clientIdFor(opts.runId, user))));
      for (const user of left) mayHoldRetained.add(user);
      lastAbruptAt = Date.now();
    }
    const retained = [...[...mayHoldRetained].map((user) => topics.presence(user)), ...retainedRooms];
    await clearLeftRetained(settings, opts.runId, retained, lastAbruptAt);
  }

  async function closeAll(): Promise<void> {
    await Promise.all([...open].map((s) => s.disconnect('graceful')));
    await cleanUp();
    mayHoldRetained.clear();
    retainedRooms.clear();
    sessionsLeft.clear();
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
