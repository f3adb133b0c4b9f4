/**
 * Injections chatbench makes itself during the send phase, on one clock: absences (`offline`,
 * `disconnect` faults: absences.ts), slow consumers, takeovers (takeover.ts). Times are from the
 * start of sending. Every fault lands on the timeline (when, whom, what); the scenario waits for
 * every planned injection (each bounded by the connect timeout) before it drains.
 */
import { MICROS_PER_MILLI, nowMicros } from '../clock.js';
import type { DeliveryTracker } from '../metrics/index.js';
import type { AbsenceFigures, FaultFigures, TakeoverFigures } from '../result/index.js';
import type { FaultSpec, ScenarioSpec } from '../scenario/types.js';
import { Absences } from './absences.js';
import type { Plan } from './plan.js';
import { RANDOM_STREAM, seededRandom } from './random.js';
import { Takeovers } from './takeover.js';
import type { Users } from './users.js';

/** Timeline events kept in a result; the counts stay exact past it. */
const TIMELINE_CAP = 1_000;
/** While a user chatbench took away waits for its planned return, the stall watch sees progress this often: chatbench is waiting on itself. */
const WAITING_TICK_MICROS = 250_000;

type FaultEvent = FaultFigures['timeline'][number];

/** Faults as they hit, in time order, capped; the counts stay exact. */
export class FaultTimeline {
  readonly #events: FaultEvent[] = [];
  #dropped = 0;
  disconnects = 0;
  reconnects = 0;
  slowConsumers = 0;

  constructor(private readonly startMicros: number) {}

  record(kind: FaultEvent['kind'], users: readonly string[], detail: string): void {
    if (kind === 'disconnect') this.disconnects += users.length;
    else if (kind === 'reconnect') this.reconnects += users.length;
    else if (kind === 'slow-consumer') this.slowConsumers += users.length;
    if (this.#events.length >= TIMELINE_CAP) {
      this.#dropped++;
      return;
    }
    const atMs = Math.max(0, Math.round((nowMicros() - this.startMicros) / 100) / 10);
    this.#events.push({ kind, atMs, users: [...users], detail });
  }

  /** The figures; `network` is the proxy's (core/faults/network.ts adds it). */
  figures(): FaultFigures {
    return {
      timeline: this.#events.map((e) => ({ ...e, users: [...e.users] })),
      timelineDropped: this.#dropped,
      disconnects: this.disconnects,
      reconnects: this.reconnects,
      slowConsumers: this.slowConsumers,
      network: null,
    };
  }
}

/** Runs actions at times from the start of sending and knows when every one (and what it started) is done. */
export class InjectionClock {
  /** Timers not fired yet, each with whether it brings a user back. */
  readonly #timers = new Map<NodeJS.Timeout, boolean>();
  #pending = 0;
  /** Planned returns not yet made: owed deliveries wait for them, and that is no stall of the server's. */
  #returns = 0;
  #events = 0;
  #idle: (() => void)[] = [];

  constructor(private readonly startMicros: number) {}

  /** Runs `action` `atMs` after the start of sending (at once if that is past); `isReturn`: it brings a user back. */
  at(atMs: number, action: () => Promise<void> | void, isReturn = false): void {
    this.#pending++;
    if (isReturn) this.#returns++;
    const due = this.startMicros + atMs * MICROS_PER_MILLI;
    const arm = (): void => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        // A timer may fire a fraction of a millisecond early: never inject before the time asked for.
        if (nowMicros() < due) {
          arm();
          return;
        }
        this.#events++;
        void Promise.resolve()
          .then(action)
          .catch(() => undefined) // each action accounts for its own failures
          .finally(() => {
            if (isReturn) this.#returns--;
            this.#done();
          });
      }, Math.max(0, Math.ceil((due - nowMicros()) / MICROS_PER_MILLI)));
      this.#timers.set(timer, isReturn);
    };
    arm();
  }

  /** Since the start of sending, ms. */
  elapsedMs(): number {
    return (nowMicros() - this.startMicros) / MICROS_PER_MILLI;
  }

  /** Changes whenever an injection happens, and every quarter second while a return is awaited. */
  activity(): number {
    return this.#events + (this.#returns > 0 ? Math.floor(nowMicros() / WAITING_TICK_MICROS) : 0);
  }

  /** Resolves when nothing is planned or under way; `cancel` drops what has not started yet. */
  settled(cancel = false): Promise<void> {
    if (cancel) {
      for (const [t, isReturn] of this.#timers) {
        clearTimeout(t);
        this.#pending--;
        if (isReturn) this.#returns--;
      }
      this.#timers.clear();
      if (this.#pending === 0) this.#wakeIdle();
    }
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #done(): void {
    this.#pending--;
    if (this.#pending === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

/** Draws `k` of `pool` at random (seeded), without repeats. */
export function pickUsers(pool: readonly string[], k: number, random: () => number): string[] {
  const copy = [...pool];
  const n = Math.min(k, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as string, copy[i] as string];
  }
  return copy.slice(0, n);
}

/** A share of a pool as a head count: rounded, and at least one when the share is above zero. */
export function shareOf(share: number, pool: number): number {
  return Math.min(pool, Math.max(share > 0 ? 1 : 0, Math.round(share * pool)));
}

export interface InjectionContext {
  spec: ScenarioSpec;
  plan: Plan;
  users: Users;
  tracker: DeliveryTracker;
  /** Monotonic µs sending started. */
  startMicros: number;
  /** The scenario's stop: injections not started by then are dropped. */
  signal: AbortSignal;
}

/** The pattern figures injections produce, each present when the scenario asked for it. */
export interface InjectionFigures {
  absences?: AbsenceFigures;
  takeover?: TakeoverFigures;
  faults?: FaultFigures;
}

/** Every injection of one scenario; null from start() when it asks for none. */
export class Injections {
  readonly clock: InjectionClock;
  readonly #timeline: FaultTimeline | null;
  readonly #absences: Absences | null;
  readonly #takeovers: Takeovers | null;

  private constructor(private readonly ctx: InjectionContext) {
    const { spec, startMicros } = ctx;
    this.clock = new InjectionClock(startMicros);
    const faults = spec.faults?.filter((f) => f.kind !== 'network') ?? [];
    this.#timeline = spec.faults !== undefined && spec.faults.length > 0 ? new FaultTimeline(startMicros) : null;
    const hasAbsences = spec.offline !== undefined || faults.some((f) => f.kind === 'disconnect');
    this.#absences = hasAbsences ? new Absences({ ...ctx, clock: this.clock, timeline: this.#timeline }) : null;
    this.#takeovers = spec.takeover === undefined ? null : new Takeovers(ctx, this.clock, spec.takeover);
    const random = seededRandom(spec.seed ?? 1, RANDOM_STREAM.faults);
    for (const fault of faults) this.#plan(fault, random);
  }

  static start(ctx: InjectionContext): Injections | null {
    const { spec } = ctx;
    const asked = spec.offline !== undefined || spec.takeover !== undefined || (spec.faults?.some((f) => f.kind !== 'network') ?? false);
    return asked ? new Injections(ctx) : null;
  }

  #plan(fault: FaultSpec, random: () => number): void {
    const absences = this.#absences;
    if (fault.kind === 'slow-consumer') this.clock.at(fault.atMs, () => this.#slowConsumers(fault.users, fault.forMs, random));
    else if (fault.kind === 'disconnect' && absences !== null) absences.planDisconnects(fault);
  }

  /** Users that receive: absences and slow consumers are drawn from them. */
  #receivers(): string[] {
    return [...new Set(this.ctx.plan.streams.flatMap((s) => s.receivers))].filter((u) => !this.ctx.users.isAway(u));
  }

  #slowConsumers(count: number, forMs: number, random: () => number): void {
    const users = pickUsers(this.#receivers(), count, random);
    for (const user of users) this.ctx.users.session(user).pauseReads?.(forMs);
    this.#timeline?.record('slow-consumer', users, `reads paused for ${forMs} ms`);
  }

  /** Waits for every planned injection; once the scenario is stopped (or `now`), only for those under way. */
  finish(now = false): Promise<void> {
    const { signal } = this.ctx;
    if (now || signal.aborted) return this.clock.settled(true);
    const onStop = (): void => void this.clock.settled(true);
    signal.addEventListener('abort', onStop, { once: true });
    return this.clock.settled().finally(() => signal.removeEventListener('abort', onStop));
  }

  /** `excused` and `sendsSkipped`: the scenario's totals (the tracker's and the sender's). */
  figures(excused: number, sendsSkipped: number): InjectionFigures {
    const absences = this.#absences?.figures(excused, sendsSkipped);
    const takeover = this.#takeovers?.figures();
    const faults = this.#timeline?.figures();
    return { ...(absences ? { absences } : {}), ...(takeover ? { takeover } : {}), ...(faults ? { faults } : {}) };
  }
}
