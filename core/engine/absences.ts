/**
 * Users chatbench takes away during sending and brings back: `offline` (a clean goodbye, the
 * session kept, back after forMs with resume) and `disconnect` faults (an abrupt drop, back at a
 * seeded random moment within reconnectWithinMs, or never). The tracker is told first, so what
 * is sent meanwhile is owed only where the protocol keeps it (tracker.ts: receiverAway/Back).
 *
 * Catch-up of a resumed return: from the reconnect (the connect asked for) until every owed
 * message sent before it arrived. Counted from the ask, not from the connection being ready: a
 * server flushes the queued messages right after accepting the session, before the client has
 * finished its own setup, so a clock started at "ready" would read about zero for every inbox.
 */
import { MICROS_PER_MILLI } from '../clock.js';
import { createLatencyHistogram, recordMicros, summarise, type DeliveryTracker } from '../metrics/index.js';
import type { AbsenceFigures } from '../result/index.js';
import type { FaultSpec, ScenarioSpec } from '../scenario/types.js';
import { count } from '../words.js';
import { pickUsers, shareOf, type FaultTimeline, type InjectionClock } from './faults.js';
import type { Plan } from './plan.js';
import { RANDOM_STREAM, seededRandom } from './random.js';
import type { Users } from './users.js';

type DisconnectFault = Extract<FaultSpec, { kind: 'disconnect' }>;

export interface AbsenceContext {
  spec: ScenarioSpec;
  plan: Plan;
  users: Users;
  tracker: DeliveryTracker;
  clock: InjectionClock;
  /** Fault-caused leaves and returns are recorded here (offline ones are not faults). */
  timeline: FaultTimeline | null;
}

export class Absences {
  readonly #random: () => number;
  readonly #reconnectTime = createLatencyHistogram();
  readonly #catchUp = createLatencyHistogram();
  /** Resumed returns still catching up: user -> when its reconnect was asked for (µs). */
  readonly #catching = new Map<string, number>();
  #absences = 0;
  #graceful = 0;
  #abrupt = 0;
  #resumed = 0;
  #notResumed = 0;
  #stayedAway = 0;
  #caughtUp = 0;

  constructor(private readonly ctx: AbsenceContext) {
    this.#random = seededRandom(ctx.spec.seed ?? 1, RANDOM_STREAM.absences);
    ctx.tracker.onCaughtUp = (user, atMicros) => {
      const askedAt = this.#catching.get(user);
      if (askedAt === undefined) return;
      this.#catching.delete(user);
      this.#caughtUp++;
      recordMicros(this.#catchUp, Math.max(0, atMicros - askedAt));
    };
    const offline = ctx.spec.offline;
    if (offline !== undefined) {
      ctx.clock.at(offline.atMs, () => {
        const users = pickUsers(this.#present(this.#receivers()), shareOf(offline.share, this.#receivers().length), this.#random);
        return this.#leave(users, 'graceful', () => offline.forMs, false);
      });
    }
  }

  /** A `disconnect` fault: a share of the users at atMs, or one user every 1 / rate s from atMs for forMs. */
  planDisconnects(fault: DisconnectFault): void {
    const { clock, plan } = this.ctx;
    const back = (): number | null => (fault.reconnectWithinMs === null ? null : this.#random() * fault.reconnectWithinMs);
    if (fault.rate !== undefined && fault.rate > 0) {
      const gapMs = 1000 / fault.rate;
      const drops = Math.max(1, Math.floor(((fault.forMs ?? 0) * fault.rate) / 1000));
      for (let i = 0; i < drops; i++) {
        clock.at(fault.atMs + i * gapMs, () => this.#leave(pickUsers(this.#present(plan.users), 1, this.#random), 'abrupt', back, true));
      }
      return;
    }
    clock.at(fault.atMs, () => {
      const users = pickUsers(this.#present(plan.users), shareOf(fault.share ?? 0, plan.users.length), this.#random);
      return this.#leave(users, 'abrupt', back, true);
    });
  }

  #receivers(): string[] {
    return [...new Set(this.ctx.plan.streams.flatMap((s) => s.receivers))];
  }

  #present(pool: readonly string[]): string[] {
    return pool.filter((u) => !this.ctx.users.isAway(u));
  }

  /** Takes `users` away; each comes back `backAfterMs(user)` ms later (null: never). */
  async #leave(users: string[], mode: 'graceful' | 'abrupt', backAfterMs: () => number | null, fault: boolean): Promise<void> {
    if (users.length === 0) return;
    const { users: all, tracker, clock } = this.ctx;
    const keeps = all.persistent;
    for (const user of users) tracker.receiverAway(user, keeps);
    this.#absences += users.length;
    if (mode === 'graceful') this.#graceful += users.length;
    else this.#abrupt += users.length;
    const how = mode === 'abrupt' ? 'socket dropped' : 'clean goodbye';
    if (fault) this.ctx.timeline?.record('disconnect', users, `${how}${keeps ? ', session kept' : ''}`);
    await Promise.allSettled(users.map((u) => all.leave(u, mode)));
    for (const user of users) {
      const afterMs = backAfterMs();
      if (afterMs === null) {
        this.#stayedAway++;
        tracker.receiverGone(user);
        continue;
      }
      clock.at(clock.elapsedMs() + afterMs, () => this.#return(user, fault), true);
    }
  }

  async #return(user: string, fault: boolean): Promise<void> {
    const { users, tracker } = this.ctx;
    tracker.receiverReturning(user);
    let back;
    try {
      back = await users.reconnect(user);
    } catch (error) {
      this.#stayedAway++;
      tracker.receiverGone(user);
      if (fault) this.ctx.timeline?.record('reconnect', [user], `failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    recordMicros(this.#reconnectTime, back.readyAt - back.askedAt);
    if (back.resumed) this.#resumed++;
    else this.#notResumed++;
    const catchUp = tracker.receiverBack(user, back.resumed);
    if (catchUp !== null && catchUp.left === 0) {
      this.#caughtUp++;
      // Nothing queued: caught up, but no wait to time (a ~1 µs sample would pull percentiles to 0).
      if (catchUp.owed > 0) recordMicros(this.#catchUp, Math.max(0, catchUp.lastAt - back.askedAt));
    } else if (catchUp !== null) {
      this.#catching.set(user, back.askedAt);
    }
    if (fault) {
      const ms = Math.round((back.readyAt - back.askedAt) / MICROS_PER_MILLI);
      this.ctx.timeline?.record('reconnect', [user], `${back.resumed ? 'session resumed' : 'new session'}, ready in ${count(ms)} ms`);
    }
  }

  /** `excused`: deliveries the tracker excused; `sendsSkipped`: sends due while their sender was away. */
  figures(excused: number, sendsSkipped: number): AbsenceFigures {
    return {
      absences: this.#absences,
      graceful: this.#graceful,
      abrupt: this.#abrupt,
      resumed: this.#resumed,
      notResumed: this.#notResumed,
      stayedAway: this.#stayedAway,
      reconnectTime: summarise(this.#reconnectTime),
      caughtUp: this.#caughtUp,
      notCaughtUp: this.#catching.size,
      catchUp: summarise(this.#catchUp),
      excused,
      sendsSkipped,
    };
  }
}
