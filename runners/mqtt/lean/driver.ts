/**
 * The lean MQTT Driver: the chat verbs on chatbench's own client (client.ts) instead of one
 * MQTT.js client per user — the load path. Same mapping as the MQTT.js driver (../driver.ts):
 * a clean session per user with the retained "offline" Last Will on its presence topic and a
 * subscription to its inbox; rooms are subscriptions; topics under `chatbench/<runId>/`; at
 * close every session ends and the retained presence the run left is cleared.
 *
 * It serves clean sessions with LEAN_FEATURES; a scenario that needs more runs on MQTT.js
 * (lean/choice.ts picks the client from DriverOptions.needs).
 */
import type { ChatSession, ConnectOptions, Driver, DriverFeature } from '../../../core/driver.js';
import { RunAbortedError } from '../../../core/errors.js';
import { clearLeftRetained, clientSettingsFor, offlineWill, readyInbox, type MqttDriverOptions } from '../driver.js';
import type { MqttTarget } from '../endpoint.js';
import { noteOpenFileLimit } from '../local-limit.js';
import { packetSizeError } from '../packet-size.js';
import { willPayload } from '../presence.js';
import { clientIdFor, runTopics } from '../topics.js';
import { TopicBytes } from './codec.js';
import { openLean } from './open.js';
import { LeanSession, type LeanContext } from './session.js';
import { KeepAliveSweep } from './sweep.js';

const DEFAULT_KEEPALIVE_SECONDS = 30;

/**
 * What the lean driver does beyond plain chat: presence (stamped wills, watches), retained rooms,
 * read pauses. Not yet: persistent sessions, takeover, and the 5.0 properties (receive maximum,
 * message expiry, will delay) — scenarios needing those run on MQTT.js.
 */
export const LEAN_FEATURES: ReadonlySet<DriverFeature> = new Set<DriverFeature>(['will', 'presence-watch', 'retained', 'slow-consumer']);

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
  /** Users whose presence topic may hold a retained message: presence set, or their will fired. */
  const mayHoldRetained = new Set<string>();
  /** Room topics holding a retained message of this run (sent retained, not cleared yet). */
  const retainedRooms = new Set<string>();
  let lastAbruptAt = 0;
  let closing: Promise<void> | undefined;
  const context: LeanContext = {
    topics, topicBytes, protocolVersion, onEnded,
    onRetained: (topic, held) => void (held ? retainedRooms.add(topic) : retainedRooms.delete(topic)),
    disconnectTimeoutMs: opts.disconnectTimeoutMs,
  };

  function onEnded(session: LeanSession): void {
    open.delete(session);
    if (session.mayLeaveRetained) mayHoldRetained.add(session.user);
    if (session.droppedAbruptly) lastAbruptAt = Date.now();
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`MQTT driver for ${settings.display} is closed`);
    const { user } = options;
    const deadline = Date.now() + options.timeoutMs;
    const { client, maximumPacketSize } = await openLean(settings, {
      clientId: clientIdFor(opts.runId, user),
      will: options.will === undefined ? offlineWill(topics.presence(user)) : { ...offlineWill(topics.presence(user)), payload: willPayload(options.will.status, options.will.tag) },
      timeoutMs: options.timeoutMs,
      localAddress: options.localAddress,
    });
    const session = new LeanSession(context, {
      user,
      client,
      onMessage: options.onMessage,
      onConnectionLost: options.onConnectionLost,
      onAnomaly: options.onAnomaly,
      onPresence: options.onPresence,
    });
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
    const retained = [...[...mayHoldRetained].map((user) => topics.presence(user)), ...retainedRooms];
    await clearLeftRetained(settings, opts.runId, retained, lastAbruptAt);
    mayHoldRetained.clear();
    retainedRooms.clear();
  }

  return {
    protocol: 'mqtt',
    protocolVersion: target.mqttVersion,
    displayTarget: settings.display,
    socketOptions: { tcpNoDelay: true },
    features: LEAN_FEATURES,
    client: 'lean',
    connect,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
