/**
 * The presence episode (scenario option `presence`), after the readiness barrier and before
 * sending. Every user watches the next `watchers` users of the ring (user i watches i+1..i+w,
 * mod n); then three waves, each waited for until nothing is owed or `waitMs` passed:
 *   1. every user sets "online" — owed to each of its watchers;
 *   2. `offlineShare` of the users leave: `abruptShare` of them drop their connection (their
 *      will is owed to every watcher still connected), the rest set "offline" and say goodbye
 *      (the "offline" is owed; no will of theirs may ever arrive);
 *   3. after `awayMs` they come back on new connections (rooms rejoined, watches renewed) and
 *      set "online" again — owed to every watcher.
 * The users are left connected, in their rooms, for the send phase.
 */
import { MICROS_PER_MILLI, nowMicros } from '../clock.js';
import type { ChatSession } from '../driver.js';
import { RunAbortedError, withTimeout } from '../errors.js';
import type { PresenceSpec, ScenarioSpec } from '../scenario/types.js';
import { plural } from '../words.js';
import type { PresenceLedger } from './presence-ledger.js';
import { timerWake } from './wake.js';

/** What the episode needs of the scenario's users (core/engine/users.ts). */
export interface PresenceHost {
  readonly users: readonly string[];
  session(user: string): ChatSession;
  /** The tag of the user's current connection: its will carries it, and so do its statuses. */
  connectionTag(user: string): string;
  /** Ends the user's connection on purpose (not a lost connection). */
  leave(user: string, mode: 'graceful' | 'abrupt'): Promise<void>;
  /** A new connection for the user, its rooms rejoined. */
  reconnect(user: string): Promise<void>;
}

export interface EpisodeOptions {
  spec: PresenceSpec;
  host: PresenceHost;
  ledger: PresenceLedger;
  /** Bound of every verb round (watches, statuses, reconnects), ms. */
  timeoutMs: number;
  /** The scenario's stop signal: the episode ends its waits at once. */
  signal: AbortSignal;
}

/** Who watches `users[j]`: the `w` users before it on the ring. */
export function watchersOf(users: readonly string[], j: number, w: number): string[] {
  const n = users.length;
  return Array.from({ length: Math.min(w, n - 1) }, (_, d) => users[(((j - d - 1) % n) + n) % n] as string);
}

/** Whom `users[i]` watches: the `w` users after it on the ring. */
export function watchedBy(users: readonly string[], i: number, w: number): string[] {
  const n = users.length;
  return Array.from({ length: Math.min(w, n - 1) }, (_, d) => users[(i + d + 1) % n] as string);
}

/**
 * The users that go offline, spread evenly over the ring (so that, when there are few enough,
 * none watches another), and which of them drop abruptly (spread evenly among them).
 */
export function leavers(n: number, offlineShare: number, abruptShare: number): { abrupt: number[]; graceful: number[] } {
  const k = Math.min(n, Math.round(n * offlineShare));
  const a = Math.round(k * abruptShare);
  const abrupt: number[] = [];
  const graceful: number[] = [];
  for (let j = 0; j < k; j++) {
    const index = Math.floor((j * n) / k);
    (Math.floor(((j + 1) * a) / k) > Math.floor((j * a) / k) ? abrupt : graceful).push(index);
  }
  return { abrupt, graceful };
}

/**
 * The soonest a will may be published after the drop, ms: the Will Delay Interval, but a will is
 * also due when the session ends [MQTT-3.1.2-8] — at once for a clean session, at the Session
 * Expiry Interval for a persistent one. 0: no will is early.
 */
export function willNotBeforeMs(spec: ScenarioSpec): number {
  const delay = spec.presence?.willDelayMs ?? 0;
  if (delay <= 0 || spec.session?.persistent !== true) return 0;
  return Math.min(delay, spec.session.expiryMs);
}

/** Rejects with a RunAbortedError naming what failed: a verb the server did not complete ends the scenario. */
async function all(what: string, work: Promise<unknown>[], timeoutMs: number): Promise<void> {
  try {
    await withTimeout(Promise.all(work), timeoutMs, what);
  } catch (error) {
    if (error instanceof RunAbortedError) throw error;
    throw new RunAbortedError(`presence: ${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

export async function presenceEpisode({ spec, host, ledger, timeoutMs, signal }: EpisodeOptions): Promise<void> {
  const { users } = host;
  const w = spec.watchers;
  const watchersAt = users.map((_, j) => watchersOf(users, j, w));
  const watch = (i: number): Promise<unknown>[] => watchedBy(users, i, w).map((u) => watchPresence(host.session(users[i] as string), u));
  await all(`presence watches (${plural(users.length * Math.min(w, users.length - 1), 'watch', 'watches')})`, users.flatMap((_, i) => watch(i)), timeoutMs);

  const setAll = async (indices: readonly number[], status: string, owedTo: (j: number) => readonly string[]): Promise<void> => {
    await all(`"${status}" statuses (${plural(indices.length, 'user')})`, indices.map((j) => setStatus(j, status, owedTo(j))), timeoutMs);
  };
  const setStatus = (j: number, status: string, owedTo: readonly string[]): Promise<void> => {
    const user = users[j] as string;
    const tag = host.connectionTag(user);
    const at = nowMicros();
    ledger.owe({ user, tag, status, will: false, at }, owedTo);
    return host.session(user).setPresence(status, { tag, sentAt: at });
  };
  const waitMicros = spec.waitMs * MICROS_PER_MILLI;

  // 1. Everyone online.
  const everyone = users.map((_, j) => j);
  let waveStart = nowMicros();
  await setAll(everyone, 'online', (j) => watchersAt[j] as string[]);
  await ledger.settle(waveStart + waitMicros, signal);
  if (signal.aborted) return ledger.close(nowMicros());

  // 2. Some leave; only watchers that stay connected are owed what they announce.
  const { abrupt, graceful } = leavers(users.length, spec.offlineShare, spec.abruptShare);
  const away = new Set([...abrupt, ...graceful].map((j) => users[j] as string));
  const staying = (j: number): string[] => (watchersAt[j] as string[]).filter((u) => !away.has(u));
  waveStart = nowMicros();
  const goodbyes = graceful.map(async (j) => {
    await setStatus(j, 'offline', staying(j));
    const user = users[j] as string;
    ledger.closedCleanly(host.connectionTag(user));
    await host.leave(user, 'graceful');
  });
  const drops = abrupt.map((j) => {
    const user = users[j] as string;
    ledger.owe({ user, tag: host.connectionTag(user), status: '', will: true, at: nowMicros() }, staying(j));
    ledger.droppedAbruptly();
    return host.leave(user, 'abrupt');
  });
  await all(`leaving (${plural(away.size, 'user')})`, [...goodbyes, ...drops], timeoutMs);
  await ledger.settle(waveStart + (spec.willDelayMs ?? 0) * MICROS_PER_MILLI + waitMicros, signal);

  // 3. Back after awayMs (and never before the wills were waited for): new connections, watches renewed.
  const back = [...abrupt, ...graceful].sort((a, b) => a - b);
  if (back.length === 0 || signal.aborted) return ledger.close(nowMicros());
  await timerWake.sleepUntil(waveStart + spec.awayMs * MICROS_PER_MILLI, signal);
  await all(`reconnecting (${plural(back.length, 'user')})`, back.map(async (j) => {
    await host.reconnect(users[j] as string);
    await Promise.all(watch(j));
  }), timeoutMs);
  waveStart = nowMicros();
  await setAll(back, 'online', (j) => watchersAt[j] as string[]);
  await ledger.settle(waveStart + waitMicros, signal);
  ledger.close(nowMicros());
}

function watchPresence(session: ChatSession, user: string): Promise<void> {
  if (session.watchPresence === undefined) return Promise.reject(new Error('the driver cannot watch presence'));
  return session.watchPresence(user);
}
