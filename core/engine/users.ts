/**
 * The connected users of one scenario: connecting them with bounded concurrency (timed per
 * user), joining their rooms at the readiness barrier (keeping the level the server granted),
 * noticing connections the server drops, and disconnecting them all, bounded.
 */
import { nowMicros } from '../clock.js';
import type { ChatSession, DeliveryLevel, Driver, InboundMessage, WireBytes } from '../driver.js';
import { withTimeout } from '../errors.js';
import { createLatencyHistogram, recordMicros, summarise } from '../metrics/index.js';
import type { ScenarioResult } from '../result.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { Plan, Stream } from './plan.js';
import { forEachBounded } from './pool.js';

/** How many connection-loss reasons a result keeps (the count is always exact). */
const MAX_LOST_REASONS = 5;

export interface UserEvents {
  /** Every inbound message of every user. */
  onMessage(user: string, message: InboundMessage): void;
  /** A connection ended without disconnect() being asked for. */
  onLost(user: string, reason: string): void;
  /** Every user's connection is gone: the target went away. */
  onAllLost(reason: string): void;
}

export class Users {
  readonly #sessions = new Map<string, ChatSession>();
  /** Level each subscription was granted: "user room" for rooms, "user" for the inbox. */
  readonly #granted = new Map<string, DeliveryLevel>();
  readonly #connectTime = createLatencyHistogram();
  readonly #lostReasons: string[] = [];
  #lost = 0;

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly plan: Plan,
    private readonly driver: Driver,
    private readonly events: UserEvents,
  ) {}

  get count(): number {
    return this.#sessions.size;
  }

  session(user: string): ChatSession {
    const s = this.#sessions.get(user);
    if (s === undefined) throw new Error(`user ${user} is not connected`);
    return s;
  }

  /** Connects every user of the plan, `connect.concurrency` at a time; `beforeEach` may throw to stop. */
  async connectAll(beforeEach: () => void): Promise<void> {
    const { spec } = this;
    await forEachBounded(this.plan.users, spec.connect.concurrency, async (user) => {
      beforeEach();
      const started = nowMicros();
      const session = await this.driver.connect({
        user,
        directLevel: spec.qos,
        timeoutMs: spec.connect.timeoutMs,
        onMessage: (m) => this.events.onMessage(user, m),
        onConnectionLost: (reason) => this.#onLost(user, reason),
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

  summary(): ScenarioResult['connections'] {
    const downgraded = [...this.#granted.values()].filter((level) => level < this.spec.qos).length;
    return {
      opened: this.#sessions.size,
      connectTime: summarise(this.#connectTime),
      downgraded,
      lost: this.#lost,
      lostReasons: [...this.#lostReasons],
    };
  }

  #onLost(user: string, reason: string): void {
    this.#lost++;
    if (this.#lostReasons.length < MAX_LOST_REASONS) this.#lostReasons.push(`${user}: ${reason}`);
    this.events.onLost(user, reason);
    if (this.#lost === this.plan.users.length) this.events.onAllLost(reason);
  }
}
