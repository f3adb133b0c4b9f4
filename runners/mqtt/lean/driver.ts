/**
 * The lean MQTT Driver: the chat verbs on chatbench's own client (client.ts) instead of one
 * MQTT.js client per user — the load path. Same mapping as the MQTT.js driver (../driver.ts):
 * a session per user (clean, or persistent: Clean Session 0 / 5.0 Clean Start 0 with a Session
 * Expiry Interval, ../run-sessions.ts) with a retained Last Will on its presence topic and a
 * subscription to its inbox; rooms are subscriptions; topics under `chatbench/<runId>/`. A
 * persistent user's client-side QoS state outlives its connections (kept.ts). At close every
 * session ends, and the persistent sessions and retained messages the run left are removed.
 */
import type { ChatSession, ConnectOptions, Driver, DriverFeature } from '../../../core/driver.js';
import { RunAbortedError } from '../../../core/errors.js';
import { endSessionOnServer } from '../cleanup.js';
import { clientSettingsFor, mqttFeatures, readyInbox, type MqttDriverOptions } from '../driver.js';
import type { MqttTarget } from '../endpoint.js';
import { noteOpenFileLimit } from '../local-limit.js';
import { packetSizeError } from '../packet-size.js';
import { PerUser, RunLeftovers, sessionAsk, userWatches, willFor } from '../run-sessions.js';
import { clientIdFor, runTopics } from '../topics.js';
import { messageExpiryProperty, TopicBytes } from './codec.js';
import { KeptFlows } from './kept.js';
import { openLean } from './open.js';
import { LeanSession, type LeanContext } from './session.js';
import { KeepAliveSweep } from './sweep.js';

const DEFAULT_KEEPALIVE_SECONDS = 30;

/**
 * What the lean driver does beyond plain chat: presence (stamped wills, watches), retained rooms,
 * read pauses, persistent sessions, takeovers, and the 5.0 properties (receive maximum, message
 * expiry, will delay) — on 5.0; a 3.1.1 target has no 5.0 properties (mqttFeatures).
 */
export const LEAN_FEATURES: ReadonlySet<DriverFeature> = new Set<DriverFeature>([
  'will', 'presence-watch', 'retained', 'slow-consumer', 'persistent-session', 'takeover', 'receive-maximum', 'message-expiry', 'will-delay',
]);

/** True when the lean driver serves every feature in `needs`. */
export function leanServes(needs: readonly DriverFeature[]): boolean {
  return needs.every((f) => LEAN_FEATURES.has(f));
}

export function createLeanDriver(target: MqttTarget, opts: MqttDriverOptions): Driver {
  noteOpenFileLimit(); // before any socket: at the limit, reading it would fail
  const settings = clientSettingsFor(target, opts);
  const { protocolVersion } = settings;
  const topics = runTopics(opts.runId, opts.topics);
  const topicBytes = new TopicBytes();
  const sweep = new KeepAliveSweep(settings.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS);
  /** Sessions not yet ended; ended ones are dropped (a reconnect storm must not pile them up). */
  const open = new Set<LeanSession>();
  const leftovers = new RunLeftovers();
  const states = new PerUser(() => new KeptFlows());
  const watches = userWatches();
  /** The Message Expiry property bytes per expiry (a scenario has one): encoded once, not per send. */
  const expiries = new Map<number, Buffer>();
  let closing: Promise<void> | undefined;
  const context: LeanContext = {
    topics, topicBytes, protocolVersion, onEnded,
    onRetained: leftovers.onRetained,
    disconnectTimeoutMs: opts.disconnectTimeoutMs,
    endServerSession: (user) => endSessionOnServer(settings, clientIdFor(opts.runId, user)),
  };

  function onEnded(session: LeanSession): void {
    open.delete(session);
    if (leftovers.ended(session)) states.forget(session.user);
  }

  function chatProperties(options: ConnectOptions): Buffer | undefined {
    const seconds = options.messageExpirySeconds;
    if (protocolVersion !== 5 || seconds === undefined) return undefined;
    let bytes = expiries.get(seconds);
    if (bytes === undefined) expiries.set(seconds, (bytes = messageExpiryProperty(seconds)));
    return bytes;
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`MQTT driver for ${settings.display} is closed`);
    const { user } = options;
    const deadline = Date.now() + options.timeoutMs;
    // Every connection of a user has the same client id: a second one takes the session over
    // [MQTT-3.1.4-2] (5.0 [MQTT-3.1.4-3]); the first keeps its handler and reports its end.
    if (options.takeover) for (const s of open) if (s.user === user) s.noteTakeover();
    const ask = sessionAsk(protocolVersion === 5, options);
    if (!ask.persistent) states.forget(user); // a clean connect discards the session: nothing to carry over
    const kept = ask.persistent ? states.forConnect(user, ask.resume) : undefined;
    const { client, maximumPacketSize, sessionPresent, early } = await openLean(settings, {
      clientId: clientIdFor(opts.runId, user),
      will: willFor(protocolVersion === 5, topics.presence(user), options.will),
      timeoutMs: options.timeoutMs,
      localAddress: options.localAddress,
      clean: ask.clean,
      properties: ask.properties,
      kept,
    });
    if (ask.outlives) leftovers.sessionKept(user); // accepted: the server holds a session for this id now
    const resumed = ask.persistent && sessionPresent;
    const session = new LeanSession(context, {
      user,
      client,
      onMessage: options.onMessage,
      onConnectionLost: options.onConnectionLost,
      onAnomaly: options.onAnomaly,
      onPresence: options.onPresence,
      resumed,
      outlives: ask.outlives,
      watched: ask.persistent ? watches.forConnect(user, resumed) : undefined,
      early,
      chatProperties: chatProperties(options),
    });
    if (resumed) client.resend();
    open.add(session);
    sweep.add(client);
    // Room topics are as long as the inbox topic give or take the names: the inbox stands for them.
    const tooLarge = packetSizeError(maximumPacketSize, topics.inbox(user), options.largestPayloadBytes, options.directLevel);
    if (tooLarge || closing) {
      // A DISCONNECT, not a dropped socket: the will must not leave an "offline" presence behind.
      await session.disconnect('graceful');
      throw tooLarge ?? new RunAbortedError(`MQTT driver for ${settings.display} closed while ${user} was connecting`);
    }
    await readyInbox(session, options.directLevel, deadline, settings.display);
    return session;
  }

  async function closeAll(): Promise<void> {
    await Promise.all([...open].map((s) => s.disconnect('graceful')));
    sweep.stop();
    await leftovers.cleanUp(settings, opts.runId, topics);
    states.clear();
  }

  return {
    protocol: 'mqtt',
    protocolVersion: target.mqttVersion,
    displayTarget: settings.display,
    socketOptions: { tcpNoDelay: true },
    features: new Set([...mqttFeatures(protocolVersion)].filter((f) => LEAN_FEATURES.has(f))),
    client: 'lean',
    connect,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
