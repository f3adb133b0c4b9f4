/**
 * The retained room (scenario option `retained`), after the drain: room messages were sent
 * retained, so the server keeps each room's last one. `lateJoiners` fresh users per room
 * connect and join it; each must get exactly one retained message, and it must be the last of
 * its sender's stream the server had: an older one is stale (the server must replace the
 * retained message with every retained PUBLISH [MQTT-3.3.1-5]). Then the rooms' retained
 * messages are cleared and the late joiners leave, so nothing stays on the server.
 */
import { MICROS_PER_MILLI, nowMicros } from '../clock.js';
import type { ChatSession, Driver, InboundMessage } from '../driver.js';
import { RunAbortedError, withTimeout } from '../errors.js';
import { createLatencyHistogram, decodeHeader, recordMicros, summarise, type DeliveryTracker } from '../metrics/index.js';
import type { RetainedFigures } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import { streamsById, type Plan } from './plan.js';
import { forEachBounded } from './pool.js';
import { timerWake } from './wake.js';

/** The least a late joiner is waited for (the drain period when longer): a retained message follows the join at once. */
const MIN_WAIT_MS = 5000;

export interface RetainedOptions {
  spec: ScenarioSpec;
  plan: Plan;
  driver: Driver;
  /** The run's header tag (Recorder.tag): anything else is not this run's message. */
  runTag: Uint8Array;
  tracker: Pick<DeliveryTracker, 'reachedAfter'>;
  signal: AbortSignal;
}

interface Join {
  room: string;
  /** The server had a message of this room that it must have retained (see owedRooms). */
  owed: boolean;
  /** When the join was asked for, µs. */
  joinAt: number;
  got: 'current' | 'stale' | null;
}

/**
 * Rooms whose late joiners are owed a retained message: some message of the room reached the
 * server at level 1 or 2. A retained QoS 0 message the server may drop at any time (3.1.1
 * [MQTT-3.3.1-7]), so its absence is no evidence; a stale one still is.
 */
function owedRooms(plan: Plan, tracker: RetainedOptions['tracker']): Set<string> {
  const owed = new Set<string>();
  for (const s of plan.streams) {
    if (s.destination.kind === 'room' && s.level > 0 && tracker.reachedAfter(s.id, -1)) owed.add(s.destination.room);
  }
  return owed;
}

export async function retainedEpisode({ spec, plan, driver, runTag, tracker, signal }: RetainedOptions): Promise<RetainedFigures> {
  const perRoom = spec.retained?.lateJoiners ?? 0;
  const owed = owedRooms(plan, tracker);
  const byId = streamsById(plan.streams);
  const joins: Join[] = [...plan.rooms.keys()].flatMap((room) =>
    Array.from({ length: perRoom }, () => ({ room, owed: owed.has(room), joinAt: 0, got: null })));
  const latency = createLatencyHistogram();
  const sessions: (ChatSession | undefined)[] = joins.map(() => undefined);
  let waiting = joins.filter((j) => j.owed).length;
  /** Aborted when every owed join got its message: the wait ends early. */
  const allIn = new AbortController();

  const receive = (join: Join, m: InboundMessage): void => {
    if (m.retained !== true || join.joinAt === 0) return;
    const header = decodeHeader(m.payload, runTag);
    const stream = header === null ? undefined : byId[header.streamId];
    if (header === null || stream?.destination.kind !== 'room' || stream.destination.room !== join.room) return;
    // Stale: the server had a later message of the same sender, which must have replaced this one.
    const verdict = tracker.reachedAfter(stream.id, header.seq) ? 'stale' : 'current';
    if (join.got === null) {
      recordMicros(latency, Math.max(0, m.receivedAt - join.joinAt));
      if (join.owed && --waiting === 0) allIn.abort();
    }
    if (join.got !== 'stale') join.got = verdict;
  };

  const waitMs = Math.max(spec.drainMs, MIN_WAIT_MS);
  try {
    await forEachBounded(joins, spec.connect.concurrency, async (join, i) => {
      const session = await driver.connect({
        user: `late-${join.room}-${i}`,
        directLevel: spec.qos,
        timeoutMs: spec.connect.timeoutMs,
        onMessage: (m) => receive(join, m),
      });
      sessions[i] = session;
      join.joinAt = nowMicros();
      await withTimeout(session.joinRoom(join.room, spec.qos), spec.connect.timeoutMs, `late joiner ${i} joining ${join.room}`);
    });
  } catch (error) {
    await leave(sessions, spec.connect.timeoutMs);
    throw error instanceof RunAbortedError ? error : new RunAbortedError(`retained room: a late joiner could not join: ${(error as Error).message}`, { cause: error });
  }
  if (waiting > 0) await timerWake.sleepUntil(nowMicros() + waitMs * MICROS_PER_MILLI, AbortSignal.any([signal, allIn.signal]));

  await clear(joins, sessions, spec.connect.timeoutMs);
  await leave(sessions, spec.connect.timeoutMs);
  const missing = joins.filter((j) => j.owed && j.got === null).length;
  return {
    rooms: plan.rooms.size,
    joins: joins.length,
    current: joins.filter((j) => j.got === 'current').length,
    stale: joins.filter((j) => j.got === 'stale').length,
    missing,
    // Each missing join was waited for the whole bound (the wait ends early only when none is missing).
    latency: summarise(latency, { censored: missing, waited: missing > 0 ? waitMs * MICROS_PER_MILLI : 0 }),
  };
}

/** Clears each room's retained message from one of its late joiners, so the server is as it was. */
async function clear(joins: readonly Join[], sessions: readonly (ChatSession | undefined)[], timeoutMs: number): Promise<void> {
  const byRoom = new Map<string, ChatSession>();
  joins.forEach((j, i) => {
    const s = sessions[i];
    if (s !== undefined && !byRoom.has(j.room)) byRoom.set(j.room, s);
  });
  const clears = [...byRoom].map(([room, s]) => s.clearRetained?.(room) ?? Promise.resolve());
  await withTimeout(Promise.allSettled(clears), timeoutMs, 'clearing retained room messages').catch(() => undefined);
}

async function leave(sessions: readonly (ChatSession | undefined)[], timeoutMs: number): Promise<void> {
  const open = sessions.filter((s): s is ChatSession => s !== undefined);
  await withTimeout(Promise.allSettled(open.map((s) => s.disconnect('graceful'))), timeoutMs, 'late joiners leaving').catch(() => undefined);
}
