/**
 * The connected users of one scenario: connecting them with bounded concurrency (timed per
 * user), joining their rooms at the readiness barrier (keeping the level the server granted),
 * noticing connections that end without chatbench asking (who ended them, and why), taking
 * users away and bringing them back (absences, takeovers: connections.ts numbers each user's
 * connections), and disconnecting them all, bounded.
 */
import { nowMicros } from '../clock.js';
import type { ChatSession, ConnectOptions, ConnectionEnd, DeliveryLevel, Driver, InboundMessage, PresenceUpdate, ProtocolAnomaly, WireBytes } from '../driver.js';
import { withTimeout } from '../errors.js';
import { createLatencyHistogram, recordMicros, summarise } from '../metrics/index.js';
import type { ScenarioResult } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { Plan, Stream } from './plan.js';
import { forEachBounded } from './pool.js';
import { timerWake } from './wake.js';

/** How many connection ends a result keeps with who and why (the counts are always exact). */
const MAX_ENDS = 5;

type Connections = ScenarioResult['connections'];

export interface UserEvents {
  /** Every inbound message of every user. */
  onMessage(user: string, message: InboundMessage): void;
  /** A connection ended without disconnect() being asked for. */
  onLost(user: string, end: ConnectionEnd): void;
  /** Every user's connection is gone: the target went away. */
  onAllLost(end: ConnectionEnd): void;
  /** The driver saw the server break the acknowledgement flow. */
  onAnomaly(user: string, anomaly: ProtocolAnomaly): void;
  /** A presence update reached one of `user`'s watches (scenario option `presence`). */
  onPresence?(user: string, update: PresenceUpdate): void;
}

/** A user's connection made again (reconnect, takeover): whether the server had its session, and when it was asked for and ready. */
export interface Return {
  session: ChatSession;
  resumed: boolean;
  /** Monotonic µs the connect was asked for, and the new connection was ready (rooms rejoined where needed). */
  askedAt: number;
  readyAt: number;
}

/** A takeover's second device, and how the first connection ended: its end (null: still open after `waitMs`). */
export interface Takeover extends Return {
  firstEnd: Promise<ConnectionEnd | null>;
}

export class Users {
  readonly #sessions = new Map<string, ChatSession>();
  /** Level each subscription was granted: "user room" for rooms, "user" for the inbox. */
  readonly #granted = new Map<string, DeliveryLevel>();
  readonly #connectTime = createLatencyHistogram();
  readonly #ends: Connections['ends'] = [];
  readonly #lostBy: Connections['lostBy'] = { server: 0, network: 0, chatbench: 0 };
  #lost = 0;
  /** disconnectAll() has begun: from now on connections end because chatbench asked. */
  #closing = false;
  /** Each user's connections so far: its newest is the one that counts (ends of older ones are not losses). */
  readonly #connections = new Map<string, number>();
  /** Users chatbench took away (or is bringing back): not connected, sending nothing, not lost. */
  readonly #away = new Set<string>();
  /** Users that left with their session kept and never came back: disconnectAll ends those sessions. */
  readonly #keptAway = new Set<string>();
  /** First connections of takeovers, waiting for the server to close them: user -> [connection number, resolve]. */
  readonly #replaced = new Map<string, [number, (end: ConnectionEnd) => void]>();
  /** Bytes of connections already replaced (wire() counts them too). */
  #retired: WireBytes = { bytesOut: 0, bytesIn: 0 };
  /** Each user's source address (connect.sourceAddresses), kept for its later connections. */
  readonly #source = new Map<string, string>();

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly plan: Plan,
    private readonly driver: Driver,
    private readonly events: UserEvents,
  ) {}

  get count(): number {
    return this.#sessions.size;
  }

  /** Users connected now: those whose connection ended, or that chatbench took away, are not. */
  get connected(): number {
    return this.#sessions.size - this.#lost - this.#away.size;
  }

  /** The tag of the user's newest connection: its will carries it, and so do the presence statuses it sets. */
  connectionTag(user: string): string {
    return tagOf(user, this.#connections.get(user) ?? 0);
  }

  /** Chatbench took the user away (or is bringing it back): its sends are skipped. */
  isAway(user: string): boolean {
    return this.#away.has(user);
  }

  /** Sessions the server keeps across connections (scenario option `session`). */
  get persistent(): boolean {
    return this.spec.session?.persistent === true;
  }

  session(user: string): ChatSession {
    const s = this.#sessions.get(user);
    if (s === undefined) throw new Error(`user ${user} is not connected`);
    return s;
  }

  /**
   * Connects every user of the plan, `connect.concurrency` at a time and, with `connect.rate`,
   * user k no sooner than k / rate after the first (a ramp of connections); `beforeEach` may throw to stop.
   */
  async connectAll(beforeEach: () => void): Promise<void> {
    const { spec } = this;
    const rampStart = nowMicros();
    const gapMicros = spec.connect.rate === undefined ? 0 : 1_000_000 / spec.connect.rate;
    await forEachBounded(this.plan.users, spec.connect.concurrency, async (user, index) => {
      // A timer may wake a little early: never start before the user's turn.
      for (const due = rampStart + index * gapMicros; gapMicros > 0 && nowMicros() < due; ) await timerWake.sleepUntil(due);
      beforeEach();
      // connect.sourceAddresses: user k's connections (reconnects too) come from address k mod n.
      const sources = spec.connect.sourceAddresses;
      if (sources !== undefined && sources.length > 0) this.#source.set(user, sources[index % sources.length] as string);
      const started = nowMicros();
      const session = await this.driver.connect(this.#connectOptions(user, false));
      recordMicros(this.#connectTime, nowMicros() - started);
      this.#sessions.set(user, session);
      this.#granted.set(user, session.inboxLevel);
    });
  }

  /**
   * What a connect of `user` asks for: its connection number n (the will's tag is `user:n`), the
   * scenario's session, message expiry, receive maximum and presence will.
   */
  #connectOptions(user: string, resume: boolean, takeover = false): ConnectOptions {
    const { spec } = this;
    const n = (this.#connections.get(user) ?? 0) + 1;
    this.#connections.set(user, n);
    const session = spec.session;
    const presence = spec.presence;
    const localAddress = this.#source.get(user);
    return {
      user,
      ...(localAddress === undefined ? {} : { localAddress }),
      directLevel: spec.qos,
      timeoutMs: spec.connect.timeoutMs,
      largestPayloadBytes: spec.payloadBytes,
      onMessage: (m) => this.events.onMessage(user, m),
      onConnectionLost: (end) => this.#onLost(user, n, end),
      onAnomaly: (anomaly) => this.events.onAnomaly(user, anomaly),
      ...(session === undefined ? {} : {
        session: { persistent: session.persistent, resume: resume && session.persistent, expirySeconds: Math.ceil(session.expiryMs / 1000) },
        ...(session.messageExpiryMs === undefined ? {} : { messageExpirySeconds: Math.ceil(session.messageExpiryMs / 1000) }),
      }),
      ...(spec.receiveMaximum === undefined ? {} : { receiveMaximum: spec.receiveMaximum }),
      ...(presence === undefined ? {} : {
        will: { status: 'offline', tag: tagOf(user, n), ...(presence.willDelayMs === undefined ? {} : { delaySeconds: presence.willDelayMs / 1000 }) },
        onPresence: (update: PresenceUpdate) => this.events.onPresence?.(user, update),
      }),
      ...(takeover ? { takeover: true } : {}),
    };
  }

  /**
   * Takes `user` away on purpose: graceful (a goodbye, the session kept when persistent) or
   * abrupt (the socket dropped; wills fire). Not a lost connection. Its sends are skipped until it is back.
   */
  async leave(user: string, mode: 'graceful' | 'abrupt'): Promise<void> {
    this.#away.add(user);
    if (this.persistent) this.#keptAway.add(user);
    await this.session(user).disconnect(mode, { keepSession: this.persistent });
  }

  /**
   * A new connection for a user chatbench took away, resuming its session when persistent; rooms
   * are joined again when the server did not keep the session. Rejects when the connect fails
   * (the user then stays away).
   */
  async reconnect(user: string): Promise<Return> {
    this.#away.add(user);
    const askedAt = nowMicros();
    const session = await this.driver.connect(this.#connectOptions(user, true));
    return this.#installed(user, session, askedAt);
  }

  /**
   * A second device for `user` with the same identity (a takeover): the server must close the
   * first [MQTT-3.1.4-2]. The user counts as away until the second device is ready; `firstEnd`
   * settles with how the first ended, or null if it is still open after `waitMs` (chatbench then drops it).
   */
  async takeover(user: string, waitMs: number): Promise<Takeover> {
    const first = this.session(user);
    const firstNumber = this.#connections.get(user) ?? 0;
    let resolve: (end: ConnectionEnd | null) => void = () => undefined;
    const firstEnd = new Promise<ConnectionEnd | null>((r) => { resolve = r; });
    this.#replaced.set(user, [firstNumber, resolve]);
    this.#away.add(user);
    const askedAt = nowMicros();
    const session = await this.driver.connect(this.#connectOptions(user, true, true)).catch((error: unknown) => {
      this.#replaced.delete(user);
      this.#away.delete(user);
      throw error;
    });
    const timer = setTimeout(() => {
      if (this.#replaced.get(user)?.[0] !== firstNumber) return;
      this.#replaced.delete(user);
      resolve(null);
      void first.disconnect('abrupt').catch(() => undefined);
    }, waitMs);
    void firstEnd.then(() => clearTimeout(timer));
    const back = await this.#installed(user, session, askedAt);
    return { ...back, firstEnd };
  }

  /** The new session replaces the old one (whose bytes stay counted); rooms joined again when the session was not kept. */
  async #installed(user: string, session: ChatSession, askedAt: number): Promise<Return> {
    const old = this.#sessions.get(user);
    if (old !== undefined) this.#retired = addWire(this.#retired, old.wire());
    this.#sessions.set(user, session);
    this.#granted.set(user, session.inboxLevel);
    const resumed = this.persistent && session.resumed === true;
    if (!resumed) {
      const rooms = this.plan.memberships.get(user) ?? [];
      const joins = rooms.map((room) => session.joinRoom(room, this.spec.qos).then((level) => { this.#granted.set(`${user} ${room}`, level); }));
      await withTimeout(Promise.all(joins), this.spec.connect.timeoutMs, `${user} joining its rooms again`);
    }
    this.#away.delete(user);
    this.#keptAway.delete(user);
    return { session, resumed, askedAt, readyAt: nowMicros() };
  }

  /** The readiness barrier: every room join acknowledged, within the connect timeout. */
  async joinAll(): Promise<void> {
    const joins: Promise<void>[] = [];
    for (const [user, rooms] of this.plan.memberships) {
      const session = this.session(user);
      for (const room of rooms) {
        joins.push(session.joinRoom(room, this.spec.qos).then((level) => { this.#granted.set(`${user} ${room}`, level); }));
      }
    }
    await withTimeout(Promise.all(joins), this.spec.connect.timeoutMs, `readiness barrier (${joins.length} room joins)`);
  }

  /** The level `receiver` gets `stream` at, as far as its subscription goes. */
  grantedLevel(stream: Stream, receiver: string): DeliveryLevel {
    const key = stream.destination.kind === 'room' ? `${receiver} ${stream.destination.room}` : receiver;
    return this.#granted.get(key) ?? stream.level;
  }

  /**
   * Graceful goodbyes for everyone still connected, bounded by the connect timeout. Without
   * keepSession, a goodbye also ends a persistent session; users that left with their session
   * kept and never came back get a fresh clean connection and a goodbye, so nothing stays on the server.
   */
  async disconnectAll(): Promise<void> {
    this.#closing = true;
    const present = [...this.#sessions].filter(([user]) => !this.#away.has(user)).map(([, s]) => s);
    const goodbyes = present.map((s) => s.disconnect('graceful'));
    const leftBehind = [...this.#keptAway].map(async (user) => {
      const clean = await this.driver.connect({ ...this.#connectOptions(user, false), session: { persistent: false, resume: false } });
      this.#retired = addWire(this.#retired, clean.wire());
      await clean.disconnect('graceful');
    });
    await withTimeout(Promise.allSettled([...goodbyes, ...leftBehind]), this.spec.connect.timeoutMs, 'disconnect').catch(() => undefined);
  }

  wire(): WireBytes {
    let total = this.#retired;
    for (const s of this.#sessions.values()) total = addWire(total, s.wire());
    return total;
  }

  /**
   * The keep-alive interval the connected sessions run at, seconds: the smallest when the server
   * set different ones (it decides how often pings cross the wire); null when no driver says.
   */
  keepAliveSeconds(): number | null {
    let smallest: number | null = null;
    for (const s of this.#sessions.values()) {
      const k = s.keepAliveSeconds;
      if (k !== undefined && (smallest === null || k < smallest)) smallest = k;
    }
    return smallest;
  }

  summary(): Connections {
    // Every subscription asks for the scenario's level; group those granted less by the level granted.
    const asked = this.spec.qos;
    const byGranted = new Map<DeliveryLevel, number>();
    for (const level of this.#granted.values()) if (level < asked) byGranted.set(level, (byGranted.get(level) ?? 0) + 1);
    const downgrades = [...byGranted].sort(([a], [b]) => a - b).map(([granted, count]) => ({ asked, granted, count }));
    return {
      opened: this.#sessions.size,
      connectTime: summarise(this.#connectTime),
      downgraded: downgrades.reduce((n, d) => n + d.count, 0),
      downgrades,
      lost: this.#lost,
      lostBy: { ...this.#lostBy },
      ends: this.#ends.map((e) => ({ ...e })),
    };
  }

  #onLost(user: string, n: number, end: ConnectionEnd): void {
    if (this.#closing) return;
    const replaced = this.#replaced.get(user);
    if (replaced !== undefined && replaced[0] === n) {
      this.#replaced.delete(user);
      replaced[1](end);
      return;
    }
    // An older connection of the user, or one chatbench took away on purpose: not a loss.
    if (n !== this.#connections.get(user) || this.#away.has(user)) return;
    this.#lost++;
    this.#lostBy[end.by]++;
    if (this.#ends.length < MAX_ENDS) {
      this.#ends.push({ user, by: end.by, cause: end.cause, ...(end.code === undefined ? {} : { code: end.code }) });
    }
    this.events.onLost(user, end);
    if (this.#lost === this.plan.users.length) this.events.onAllLost(end);
  }
}

/** A connection's tag: the user and its connection number (1 for the first). */
const tagOf = (user: string, n: number): string => `${user}:${n}`;

function addWire(a: WireBytes, b: WireBytes): WireBytes {
  return { bytesOut: a.bytesOut + b.bytesOut, bytesIn: a.bytesIn + b.bytesIn };
}
