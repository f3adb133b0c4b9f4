/**
 * The connected users of one scenario: connecting them with bounded concurrency (timed per
 * user), joining their rooms at the readiness barrier (keeping the level the server granted),
 * noticing connections that end without chatbench asking (who ended them, and why), and
 * disconnecting them all, bounded.
 */
import { nowMicros } from '../clock.js';
import type { ChatSession, ConnectionEnd, DeliveryLevel, Driver, InboundMessage, ProtocolAnomaly, WireBytes } from '../driver.js';
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

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly plan: Plan,
    private readonly driver: Driver,
    private readonly events: UserEvents,
  ) {}

  get count(): number {
    return this.#sessions.size;
  }

  /** Users connected now: those whose connection ended are not. */
  get connected(): number {
    return this.#sessions.size - this.#lost;
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
      const started = nowMicros();
      const session = await this.driver.connect({
        user,
        directLevel: spec.qos,
        timeoutMs: spec.connect.timeoutMs,
        largestPayloadBytes: spec.payloadBytes,
        onMessage: (m) => this.events.onMessage(user, m),
        onConnectionLost: (end) => this.#onLost(user, end),
        onAnomaly: (anomaly) => this.events.onAnomaly(user, anomaly),
      });
      recordMicros(this.#connectTime, nowMicros() - started);
      this.#sessions.set(user, session);
      this.#granted.set(user, session.inboxLevel);
    });
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

  /** Graceful goodbyes for everyone still connected, bounded by the connect timeout. */
  async disconnectAll(): Promise<void> {
    this.#closing = true;
    await withTimeout(
      Promise.allSettled([...this.#sessions.values()].map((s) => s.disconnect('graceful'))),
      this.spec.connect.timeoutMs, 'disconnect',
    ).catch(() => undefined);
  }

  wire(): WireBytes {
    let bytesOut = 0;
    let bytesIn = 0;
    for (const s of this.#sessions.values()) {
      const w = s.wire();
      bytesOut += w.bytesOut;
      bytesIn += w.bytesIn;
    }
    return { bytesOut, bytesIn };
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

  #onLost(user: string, end: ConnectionEnd): void {
    if (this.#closing) return;
    this.#lost++;
    this.#lostBy[end.by]++;
    if (this.#ends.length < MAX_ENDS) {
      this.#ends.push({ user, by: end.by, cause: end.cause, ...(end.code === undefined ? {} : { code: end.code }) });
    }
    this.events.onLost(user, end);
    if (this.#lost === this.plan.users.length) this.events.onAllLost(end);
  }
}
