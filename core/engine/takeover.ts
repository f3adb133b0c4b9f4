/**
 * Session takeover (scenario option `takeover`): at atMs a share of the users connect a second
 * device with the same identity. The server must close the first connection (MQTT 3.1.1
 * [MQTT-3.1.4-2], 5.0 [MQTT-3.1.4-3]); the second replaces it for the rest of the run. Between the
 * two, deliveries are owed only when the session is persistent (the tracker treats the switch as
 * an absence, resumed when the server kept the session).
 */
import type { ConnectionEnd } from '../driver.js';
import type { TakeoverFigures } from '../result/index.js';
import type { InjectionClock, InjectionContext } from './faults.js';
import { pickUsers, shareOf } from './faults.js';
import { RANDOM_STREAM, seededRandom } from './random.js';

/** How long the first connection may stay open after the second device is ready, at most. */
const MAX_CLOSE_WAIT_MS = 5_000;

export class Takeovers {
  #attempted = 0;
  #oldClosed = 0;
  #oldNotClosed = 0;
  #newConnected = 0;
  readonly #codes = new Map<number, number>();

  constructor(
    private readonly ctx: InjectionContext,
    clock: InjectionClock,
    takeover: { share: number; atMs: number },
  ) {
    const random = seededRandom(ctx.spec.seed ?? 1, RANDOM_STREAM.takeover);
    clock.at(takeover.atMs, async () => {
      const present = ctx.plan.users.filter((u) => !ctx.users.isAway(u));
      const users = pickUsers(present, shareOf(takeover.share, ctx.plan.users.length), random);
      await Promise.allSettled(users.map((u) => this.#takeOver(u)));
    });
  }

  async #takeOver(user: string): Promise<void> {
    const { users, tracker, spec } = this.ctx;
    this.#attempted++;
    tracker.receiverAway(user, users.persistent);
    tracker.receiverReturning(user);
    let firstEnd: Promise<ConnectionEnd | null>;
    try {
      const second = await users.takeover(user, Math.min(MAX_CLOSE_WAIT_MS, spec.connect.timeoutMs));
      this.#newConnected++;
      tracker.receiverBack(user, second.resumed);
      firstEnd = second.firstEnd;
    } catch {
      // No second device: the first carries on, and what it was sent meanwhile stays as its session kept it.
      tracker.receiverBack(user, users.persistent);
      return;
    }
    const end = await firstEnd;
    if (end === null) {
      this.#oldNotClosed++;
      return;
    }
    this.#oldClosed++;
    if (end.code !== undefined) this.#codes.set(end.code, (this.#codes.get(end.code) ?? 0) + 1);
  }

  figures(): TakeoverFigures {
    return {
      attempted: this.#attempted,
      oldClosed: this.#oldClosed,
      oldNotClosed: this.#oldNotClosed,
      newConnected: this.#newConnected,
      reasonCodes: [...this.#codes].sort(([a], [b]) => a - b).map(([code, count]) => ({ code, count })),
    };
  }
}
