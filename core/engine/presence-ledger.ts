/**
 * What the presence episode owes each watcher and what arrived: every status a user sets (and
 * every will of a connection chatbench dropped) is owed once to each watcher that was connected
 * to see it. Updates are matched by the connection tag they carry (PresenceUpdate.tag), so a
 * will tells whose connection it was: one of a connection that said goodbye cleanly is a
 * violation, whichever watcher it reached. Keeps counts and one histogram, no raw samples.
 */
import { MICROS_PER_MILLI, nowMicros } from '../clock.js';
import type { PresenceUpdate } from '../driver.js';
import { createLatencyHistogram, recordMicros, summarise } from '../metrics/index.js';
import type { PresenceFigures } from '../result/index.js';
import { timerWake } from './wake.js';

/**
 * A server that keeps time in whole seconds may publish a delayed will up to a second early
 * (suites/mqtt/cases/will.ts allows the same): only earlier than that is evidence.
 */
const WHOLE_SECOND_SLACK_MICROS = 1_000_000;

/** A status change owed to watchers: who, on which connection, which status, since when (µs). */
export interface Change {
  user: string;
  tag: string;
  /** The status set; ignored for a will (its status is fixed at connect). */
  status: string;
  will: boolean;
  /** When the status was set, or when chatbench dropped the connection (a will), µs. */
  at: number;
}

interface Owed {
  at: number;
  will: boolean;
}

const keyOf = (watcher: string, user: string, tag: string, status: string, will: boolean): string =>
  will ? `${watcher}\n${user}\n${tag}\nwill` : `${watcher}\n${user}\n${tag}\n${status}`;

export class PresenceLedger {
  readonly #pending = new Map<string, Owed>();
  readonly #latency = createLatencyHistogram();
  /** Tags of connections that said goodbye cleanly: their wills must never arrive. */
  readonly #cleanTags = new Set<string>();
  /** (watcher, tag) pairs already counted as a will after a clean goodbye: each counts once. */
  readonly #cleanWillsSeen = new Set<string>();
  /** The shortest time a will may take after the drop (µs) before it is early; 0: no check. */
  readonly #willDelayMicros: number;
  #settled: (() => void) | null = null;
  #expected = 0;
  #delivered = 0;
  #willsExpected = 0;
  #willsDelivered = 0;
  #abruptDrops = 0;
  #cleanDisconnects = 0;
  #afterClean = 0;
  #early = 0;
  /** The longest single wait of the episode, µs. */
  #waitedMicros = 0;
  /** Set by close(): the shortest time any still-missing update was waited for, µs (null: none missing). */
  #missingWaited: number | null = null;
  #closed = false;

  constructor(
    readonly users: number,
    readonly watches: number,
    willDelayMs: number,
  ) {
    this.#willDelayMicros = willDelayMs * MICROS_PER_MILLI;
  }

  /** Updates owed and not yet seen. */
  get owed(): number {
    return this.#pending.size;
  }

  /** `change` is owed to each of `watchers`. */
  owe(change: Change, watchers: readonly string[]): void {
    for (const w of watchers) {
      const key = keyOf(w, change.user, change.tag, change.status, change.will);
      if (this.#pending.has(key)) continue;
      this.#pending.set(key, { at: change.at, will: change.will });
      this.#expected++;
      if (change.will) this.#willsExpected++;
    }
  }

  /** chatbench dropped this connection without a goodbye: its will is owed (see owe). */
  droppedAbruptly(): void {
    this.#abruptDrops++;
  }

  /** This connection said goodbye cleanly: no will of its may ever arrive. */
  closedCleanly(tag: string): void {
    this.#cleanTags.add(tag);
    this.#cleanDisconnects++;
  }

  /**
   * The episode is over at `nowMicros`: what is still owed is missing (waited for since it was
   * owed), and later arrivals no longer count as delivered — but a will of a cleanly closed
   * connection still counts as one, whenever it comes.
   */
  close(nowMicros: number): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const owed of this.#pending.values()) {
      this.#missingWaited = Math.min(this.#missingWaited ?? Number.POSITIVE_INFINITY, Math.max(0, nowMicros - owed.at));
    }
  }

  /** A presence update as `watcher` received it. */
  receive(watcher: string, u: PresenceUpdate): void {
    // A retained status sent because the watcher just subscribed is the state, not a change.
    if (u.retained) return;
    if (u.will && this.#cleanTags.has(u.tag)) {
      const seen = `${watcher}\n${u.tag}`;
      if (!this.#cleanWillsSeen.has(seen)) {
        this.#cleanWillsSeen.add(seen);
        this.#afterClean++;
      }
    }
    if (this.#closed) return;
    const key = keyOf(watcher, u.user, u.tag, u.status, u.will);
    const owed = this.#pending.get(key);
    if (owed === undefined) return; // not owed (a repeat, or a watcher that was away): not counted
    this.#pending.delete(key);
    this.#delivered++;
    const after = u.receivedAt - owed.at;
    recordMicros(this.#latency, Math.max(0, after));
    if (owed.will) {
      this.#willsDelivered++;
      if (this.#willDelayMicros > 0 && after < this.#willDelayMicros - WHOLE_SECOND_SLACK_MICROS) this.#early++;
    }
    if (this.#pending.size === 0) this.#settled?.();
  }

  /** Resolves when nothing is owed, or at `deadlineMicros` (monotonic), or when `signal` aborts. */
  async settle(deadlineMicros: number, signal: AbortSignal): Promise<void> {
    const started = nowMicros();
    if (this.#pending.size > 0) {
      const settled = new AbortController();
      this.#settled = () => settled.abort();
      await timerWake.sleepUntil(deadlineMicros, AbortSignal.any([signal, settled.signal]));
      this.#settled = null;
    }
    this.#waitedMicros = Math.max(this.#waitedMicros, nowMicros() - started);
  }

  figures(): PresenceFigures {
    let willsMissing = 0;
    for (const o of this.#pending.values()) if (o.will) willsMissing++;
    const missing = this.#pending.size;
    // Each missing update was waited for at least this long (the censoring of the latency summary).
    const waited = missing > 0 ? (this.#missingWaited ?? this.#waitedMicros) : this.#waitedMicros;
    return {
      users: this.users,
      watches: this.watches,
      expected: this.#expected,
      delivered: this.#delivered,
      missing,
      waitedMs: Math.round(waited / MICROS_PER_MILLI),
      latency: summarise(this.#latency, { censored: missing, waited }),
      wills: {
        abruptDrops: this.#abruptDrops,
        expected: this.#willsExpected,
        delivered: this.#willsDelivered,
        missing: willsMissing,
        cleanDisconnects: this.#cleanDisconnects,
        afterCleanDisconnect: this.#afterClean,
        early: this.#early,
      },
    };
  }
}
