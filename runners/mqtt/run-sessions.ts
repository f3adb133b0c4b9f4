/**
 * What a user's connect asks the server for, and what a run leaves on it — the same whichever
 * MQTT client connects (MQTT.js: driver.ts, lean: lean/driver.ts):
 *
 *   - the will: the scenario's stamped one (5.0: with its Will Delay Interval), else "offline";
 *   - the session: clean, or persistent (3.1.1 Clean Session 0; 5.0 Clean Start 0 on a resume,
 *     with a Session Expiry Interval), and the 5.0 Receive Maximum the client announces;
 *   - at close: the persistent sessions still on the server are ended, then the retained
 *     messages the run left (presence set or wills fired, retained rooms) are cleared.
 */
import type { ConnectOptions } from '../../core/driver.js';
import { clearRetainedTopics, endSessionOnServer } from './cleanup.js';
import type { ClientSettings } from './connection.js';
import { willPayload } from './presence.js';
import { cleanupClientIdFor, clientIdFor, type RunTopics } from './topics.js';

/** A persistent session's Session Expiry Interval (5.0) when the scenario gives none: outlives any run, ends at close. */
const DEFAULT_SESSION_EXPIRY_S = 3600;
/** A will fires when the broker notices the dropped socket (or the session ends): give it this long before clearing presence. */
const WILL_SETTLE_MS = 250;
const OFFLINE = Buffer.from('offline');

/** The Last Will a user's CONNECT carries: retained, QoS 1, on its presence topic. */
export interface UserWill {
  topic: string;
  payload: Buffer;
  qos: 1;
  retain: true;
  properties?: { willDelayInterval: number };
}

/** The Last Will every user gets unless the scenario stamps its own: "offline", retained, QoS 1, on its presence topic. */
function offlineWill(topic: string): UserWill {
  return { topic, payload: OFFLINE, qos: 1, retain: true };
}

/** The user's Last Will: the scenario's stamped one (5.0: with its delay), else "offline". */
export function willFor(v5: boolean, topic: string, will: ConnectOptions['will']): UserWill {
  if (will === undefined) return offlineWill(topic);
  const delay = v5 && will.delaySeconds !== undefined ? { properties: { willDelayInterval: will.delaySeconds } } : {};
  return { topic, payload: willPayload(will.status, will.tag), qos: 1, retain: true, ...delay };
}

/** The session one connect asks for. */
export interface SessionAsk {
  /** Clean Session (3.1.1) / Clean Start (5.0). */
  clean: boolean;
  /** 5.0 CONNECT properties (Session Expiry Interval, Receive Maximum); absent when there are none. */
  properties?: { sessionExpiryInterval?: number; receiveMaximum?: number };
  /** A persistent session: the client keeps its QoS 1/2 state for the user across connections. */
  persistent: boolean;
  /** Continue the session an earlier connect of this user left. */
  resume: boolean;
  /** The server keeps the session after the connection: persistent, or lingering for a will delay. */
  outlives: boolean;
}

/**
 * 5.0 publishes a will at the Will Delay Interval or when the session ends, whichever is first
 * [MQTT-3.1.2-8]: a session that ends with its connection would make every delay zero. So a
 * clean user with a delayed will gets a session that outlives the connection by the delay.
 */
function sessionExpiry(v5: boolean, options: ConnectOptions): number | undefined {
  if (!v5) return undefined;
  if (options.session?.persistent) return options.session.expirySeconds ?? DEFAULT_SESSION_EXPIRY_S;
  const delay = options.will?.delaySeconds;
  return delay !== undefined && delay > 0 ? delay : undefined;
}

/** CONNECT's session flags and 5.0 properties for this user's connection. */
export function sessionAsk(v5: boolean, options: ConnectOptions): SessionAsk {
  const persistent = options.session?.persistent ?? false;
  const resume = persistent && (options.session?.resume ?? false);
  const expiry = sessionExpiry(v5, options);
  const properties = {
    ...(expiry === undefined ? {} : { sessionExpiryInterval: expiry }),
    ...(v5 && options.receiveMaximum !== undefined ? { receiveMaximum: options.receiveMaximum } : {}),
  };
  // 3.1.1 has one flag for both: Clean Session 0 resumes or creates [MQTT-3.1.2-4].
  const clean = !persistent || (v5 && !resume);
  return {
    clean,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    persistent,
    resume,
    outlives: persistent || expiry !== undefined,
  };
}

/**
 * Per user, what a persistent session carries across that user's connections (the client's QoS
 * 1/2 state, the presence topics it watches): the kept one when the session resumes, else a fresh
 * one — a clean start discards the session (5.0 [MQTT-3.1.2-4], 3.1.1 [MQTT-3.1.2-6]).
 */
export class PerUser<T> {
  readonly #byUser = new Map<string, T>();

  constructor(private readonly fresh: () => T) {}

  forConnect(user: string, resume: boolean): T {
    return (resume ? this.#byUser.get(user) : undefined) ?? this.renew(user);
  }

  /** A fresh one for `user` from now on (the server had no session after all). */
  renew(user: string): T {
    const state = this.fresh();
    this.#byUser.set(user, state);
    return state;
  }

  /** The user's session is over on the server: nothing to carry over. */
  forget(user: string): void {
    this.#byUser.delete(user);
  }

  clear(): void {
    this.#byUser.clear();
  }
}

/** Per user: presence topic -> watched user, kept while a persistent session keeps the subscriptions. */
export const userWatches = (): PerUser<Map<string, string>> => new PerUser(() => new Map());

/** A session's end as the leftovers need it. */
export interface EndedSession {
  user: string;
  /** The broker may hold a retained presence for this user: it set one, or its will fired. */
  mayLeaveRetained: boolean;
  droppedAbruptly: boolean;
  /** This connection ended its persistent session on the server (a goodbye without keepSession). */
  endedSession: boolean;
}

/** What a driver's sessions may have left on the broker, noted as they go; cleanUp() removes it. */
export class RunLeftovers {
  /** Users whose presence topic may hold a retained message: presence set, or their will fired. */
  readonly #presence = new Set<string>();
  /** Room topics holding a retained message of this run (sent retained, not cleared yet). */
  readonly #rooms = new Set<string>();
  /** Users whose session may still be on the broker (persistent, or lingering for a will delay). */
  readonly #sessions = new Set<string>();
  #lastAbruptAt = 0;

  /** A room topic now holds (true) or no longer holds (false) a retained message of this run. */
  readonly onRetained = (topic: string, held: boolean): void => void (held ? this.#rooms.add(topic) : this.#rooms.delete(topic));

  /** The server accepted a connect whose session outlives the connection. */
  sessionKept(user: string): void {
    this.#sessions.add(user);
  }

  /** A session is over; true when it ended the user's session on the server (nothing to carry over). */
  ended(session: EndedSession): boolean {
    if (session.mayLeaveRetained) this.#presence.add(session.user);
    if (session.droppedAbruptly) this.#lastAbruptAt = Date.now();
    if (session.endedSession) this.#sessions.delete(session.user);
    return session.endedSession;
  }

  /**
   * Ends the sessions still on the broker (users away with their session kept, or dropped), then
   * clears every retained message the run may have left: presence (set, or a will that fired —
   * ending a session fires a delayed will) and retained rooms.
   */
  async cleanUp(settings: ClientSettings, runId: string, topics: RunTopics): Promise<void> {
    const left = [...this.#sessions];
    if (left.length > 0) {
      await Promise.all(left.map((user) => endSessionOnServer(settings, clientIdFor(runId, user))));
      for (const user of left) this.#presence.add(user);
      this.#lastAbruptAt = Date.now();
    }
    const retained = [...[...this.#presence].map((user) => topics.presence(user)), ...this.#rooms];
    if (retained.length > 0) {
      // Wills of connections dropped a moment ago may not have fired yet.
      const settle = this.#lastAbruptAt + WILL_SETTLE_MS - Date.now();
      if (settle > 0) await new Promise((r) => setTimeout(r, settle));
      await clearRetainedTopics(settings, cleanupClientIdFor(runId), retained);
    }
    this.#presence.clear();
    this.#rooms.clear();
    this.#sessions.clear();
  }
}
