/**
 * The presence and retained-room episodes of one scenario, as the scenario run calls them
 * (presence after the readiness barrier, retained after the drain), and their figures for the
 * result. The episodes themselves are presence.ts and retained.ts.
 */
import type { Driver, PresenceUpdate } from '../driver.js';
import type { PresenceFigures, RetainedFigures } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import { duration, plural } from '../words.js';
import type { Plan } from './plan.js';
import { PresenceLedger } from './presence-ledger.js';
import { leavers, presenceEpisode, willNotBeforeMs, type PresenceHost } from './presence.js';
import type { Recorder } from './recorder.js';
import { retainedEpisode } from './retained.js';
import type { Users } from './users.js';

export class PatternEpisodes {
  readonly #ledger: PresenceLedger | null;
  #retained: RetainedFigures | null = null;

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly plan: Plan,
    private readonly driver: Driver,
  ) {
    const p = spec.presence;
    const n = plan.users.length;
    this.#ledger = p === undefined ? null : new PresenceLedger(n, n * Math.min(p.watchers, Math.max(0, n - 1)), willNotBeforeMs(spec));
  }

  /** Every presence update any user's watches received. */
  onPresence(watcher: string, update: PresenceUpdate): void {
    this.#ledger?.receive(watcher, update);
  }

  /** The presence episode in words, for the phase line; null when the scenario has none. */
  presenceDetail(): string | null {
    const p = this.spec.presence;
    if (p === undefined) return null;
    const { abrupt, graceful } = leavers(this.plan.users.length, p.offlineShare, p.abruptShare);
    return `${plural(this.plan.users.length, 'user')} watched by ${p.watchers} each; ${abrupt.length} drop abruptly and ${graceful.length} leave cleanly for ${duration(p.awayMs)}`;
  }

  async presence(users: Users, signal: AbortSignal): Promise<void> {
    const spec = this.spec.presence;
    if (spec === undefined || this.#ledger === null) return;
    const host: PresenceHost = {
      users: this.plan.users,
      session: (u) => users.session(u),
      connectionTag: (u) => users.connectionTag(u),
      leave: (u, mode) => users.leave(u, mode),
      reconnect: async (u) => { await users.reconnect(u); },
    };
    await presenceEpisode({ spec, host, ledger: this.#ledger, timeoutMs: this.spec.connect.timeoutMs, signal });
  }

  /** The retained room in words, for the phase line; null when the scenario has none. */
  retainedDetail(): string | null {
    const r = this.spec.retained;
    return r === undefined ? null : `${plural(this.plan.rooms.size, 'room')}, ${plural(r.lateJoiners, 'late joiner')} each`;
  }

  async retained(recorder: Recorder, signal: AbortSignal): Promise<void> {
    if (this.spec.retained === undefined) return;
    this.#retained = await retainedEpisode({ spec: this.spec, plan: this.plan, driver: this.driver, runTag: recorder.tag, tracker: recorder.tracker, signal });
  }

  /** The result's pattern figures measured so far. */
  figures(): { presence?: PresenceFigures; retained?: RetainedFigures } {
    return {
      ...(this.#ledger === null ? {} : { presence: this.#ledger.figures() }),
      ...(this.#retained === null ? {} : { retained: this.#retained }),
    };
  }
}
