/**
 * Adds up the figures of one scenario as measured by several shards or workers, each of which
 * ran a disjoint slice of its users, rooms and streams: counts sum, histograms add exactly
 * (core/metrics mergeSummaries), per-second series add tick by tick, capped lists are joined
 * and capped again with what falls past the cap still counted. mergeRunResults (merge.ts)
 * checks that the parts belong together and judges the sum; this file only adds.
 */
import { mergeDelivery, mergeSummaries, mergeThroughput } from '../metrics/index.js';
import type { Measured } from '../verdict/judge.js';
import type { AbsenceFigures, FaultFigures, PresenceFigures, RetainedFigures, TakeoverFigures } from './patterns.js';
import type { ScenarioResult } from './run.js';
import type { IdleCost, Wire } from './summary.js';

type Drain = ScenarioResult['drain'];
type Sends = ScenarioResult['sends'];
type Connections = ScenarioResult['connections'];
type Anomaly = ScenarioResult['anomalies'][number];

/** Connection ends a scenario lists (core/engine/users.ts keeps the first 5; the counts stay exact). */
const MAX_ENDS = 5;
/** Fault timeline events a scenario keeps (core/engine/faults.ts); later ones count in timelineDropped. */
const TIMELINE_CAP = 1_000;

const sum = <T>(list: readonly T[], of: (x: T) => number): number => list.reduce((n, x) => n + of(x), 0);

/** The keys of T whose values are numbers: the counts a merge adds. */
type CountKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/** Each of `keys` summed over the parts: the counts of a figure, added field by field. */
function sumFields<T, K extends CountKey<T>>(list: readonly T[], keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, sum(list, (x) => x[k] as number)])) as Pick<T, K>;
}

/** The figure of every part that has it; undefined when none has (the scenario did not ask for it). */
function present<T>(list: readonly (T | undefined)[]): T[] | undefined {
  const found = list.filter((x): x is T => x !== undefined);
  return found.length === 0 ? undefined : found;
}

/** Counts keyed by `key`, summed; the first entry of each key gives its other fields, in first-seen order. */
function sumByKey<T extends { count: number }>(lists: readonly (readonly T[])[], key: (x: T) => string): T[] {
  const groups = new Map<string, T>();
  for (const x of lists.flat()) {
    const k = key(x);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, { ...x });
    else g.count += x.count;
  }
  return [...groups.values()];
}

/** How the drains ended, most telling first: one stalled part explains missing deliveries better than a quiet one. */
const DRAIN_ENDS: readonly Drain['endedBy'][] = ['stall', 'interrupted', 'cap', 'quiet', 'all-delivered'];

function mergeDrain(list: readonly Drain[]): Drain {
  const endedBy = DRAIN_ENDS.find((e) => list.some((d) => d.endedBy === e)) ?? 'all-delivered';
  return {
    endedBy,
    // The parts drained side by side: the longest is how long the whole drained.
    seconds: Math.max(...list.map((d) => d.seconds)),
    owedAtStart: sum(list, (d) => d.owedAtStart),
    owedAtEnd: sum(list, (d) => d.owedAtEnd),
  };
}

function mergeSends(list: readonly Sends[]): Sends {
  return {
    failed: sum(list, (s) => s.failed),
    unfinished: sumByKey(list.map((s) => s.unfinished), (u) => `${u.awaiting}\u0000${u.because}`),
  };
}

function mergeConnections(list: readonly Connections[]): Connections {
  return {
    opened: sum(list, (c) => c.opened),
    connectTime: mergeSummaries(list.map((c) => c.connectTime)),
    downgraded: sum(list, (c) => c.downgraded),
    downgrades: sumByKey(list.map((c) => c.downgrades), (d) => `${d.asked}:${d.granted}`).sort((a, b) => a.granted - b.granted),
    lost: sum(list, (c) => c.lost),
    lostBy: sumFields(list.map((c) => c.lostBy), ['server', 'network', 'chatbench']),
    ends: list.flatMap((c) => c.ends).slice(0, MAX_ENDS),
  };
}

/** Anomalies grouped as the engine groups them (core/engine/accounts.ts): by kind and the packets seen. */
function mergeAnomalies(list: readonly (readonly Anomaly[])[]): Anomaly[] {
  return sumByKey(list, (a) => `${a.kind}\u0000${a.seen.join(' ')}`).map((a) => ({ ...a, seen: [...a.seen] }));
}

const addBytes = (list: readonly { bytesOut: number; bytesIn: number }[]) => ({ bytesOut: sum(list, (b) => b.bytesOut), bytesIn: sum(list, (b) => b.bytesIn) });

/**
 * The idle phases of the parts as one: connections add; the per-connection rate is the parts'
 * rates weighted by connection-seconds, i.e. all bytes over all connection-minutes.
 */
function mergeIdle(list: readonly IdleCost[]): IdleCost {
  const weight = (i: IdleCost) => i.connections * i.seconds;
  const total = sum(list, weight);
  const rate = (of: (i: IdleCost) => number) => (total === 0 ? 0 : sum(list, (i) => of(i) * weight(i)) / total);
  const keepAlives = list.flatMap((i) => (i.keepAliveSeconds === null ? [] : [i.keepAliveSeconds]));
  return {
    seconds: Math.max(...list.map((i) => i.seconds)),
    connections: sum(list, (i) => i.connections),
    keepAliveSeconds: keepAlives.length === 0 ? null : Math.min(...keepAlives),
    perConnectionPerMinute: { bytesOut: rate((i) => i.perConnectionPerMinute.bytesOut), bytesIn: rate((i) => i.perConnectionPerMinute.bytesIn) },
  };
}

function mergeWire(list: readonly Wire[]): Wire {
  const idlePhases = present(list.map((w) => w.phases.idle));
  const close = present(list.map((w) => w.phases.close));
  const idle = present(list.map((w) => w.idle));
  return {
    ...addBytes(list),
    phases: {
      handshake: addBytes(list.map((w) => w.phases.handshake)),
      steady: addBytes(list.map((w) => w.phases.steady)),
      ...(idlePhases === undefined ? {} : { idle: addBytes(idlePhases) }),
      ...(close === undefined ? {} : { close: addBytes(close) }),
    },
    ...(idle === undefined ? {} : { idle: mergeIdle(idle) }),
  };
}

function mergePresence(list: readonly PresenceFigures[]): PresenceFigures {
  return {
    ...sumFields(list, ['users', 'watches', 'expected', 'delivered', 'missing']),
    // The same wait in every part (the scenario's option); the longest if a part waited longer.
    waitedMs: Math.max(...list.map((p) => p.waitedMs)),
    latency: mergeSummaries(list.map((p) => p.latency)),
    wills: sumFields(
      list.map((p) => p.wills),
      ['abruptDrops', 'expected', 'delivered', 'missing', 'cleanDisconnects', 'afterCleanDisconnect', 'early'],
    ),
  };
}

function mergeRetained(list: readonly RetainedFigures[]): RetainedFigures {
  return {
    ...sumFields(list, ['rooms', 'joins', 'current', 'stale', 'missing']),
    latency: mergeSummaries(list.map((r) => r.latency)),
  };
}

function mergeAbsences(list: readonly AbsenceFigures[]): AbsenceFigures {
  const skipped = present(list.map((a) => a.sendsSkipped));
  return {
    ...sumFields(list, ['absences', 'graceful', 'abrupt', 'resumed', 'notResumed', 'stayedAway', 'caughtUp', 'notCaughtUp', 'excused']),
    reconnectTime: mergeSummaries(list.map((a) => a.reconnectTime)),
    catchUp: mergeSummaries(list.map((a) => a.catchUp)),
    ...(skipped === undefined ? {} : { sendsSkipped: sum(skipped, (n) => n) }),
  };
}

function mergeTakeover(list: readonly TakeoverFigures[]): TakeoverFigures {
  return {
    ...sumFields(list, ['attempted', 'oldClosed', 'oldNotClosed', 'newConnected']),
    reasonCodes: sumByKey(list.map((t) => t.reasonCodes), (r) => String(r.code)).sort((a, b) => a.code - b.code),
  };
}

/**
 * Timelines joined in time order (times are from each part's own start of sending, which the
 * parts share when they started together) and capped again. The network fault is one event for
 * the whole scenario, so it is kept once; its proxy counts add.
 */
function mergeFaults(list: readonly FaultFigures[]): FaultFigures {
  const networkEvents = list.flatMap((f) => f.timeline.filter((e) => e.kind === 'network'));
  const events = [...networkEvents.slice(0, 1), ...list.flatMap((f) => f.timeline.filter((e) => e.kind !== 'network'))];
  events.sort((a, b) => a.atMs - b.atMs); // stable: same-time events keep the parts' order
  const networks = list.flatMap((f) => (f.network === null ? [] : [f.network]));
  const first = networks[0];
  return {
    timeline: events.slice(0, TIMELINE_CAP).map((e) => ({ ...e, users: [...e.users] })),
    timelineDropped: sum(list, (f) => f.timelineDropped) + Math.max(0, events.length - TIMELINE_CAP),
    ...sumFields(list, ['disconnects', 'reconnects', 'slowConsumers']),
    network: first === undefined ? null : {
      delayMs: first.delayMs,
      jitterMs: first.jitterMs,
      loss: first.loss,
      duplicate: first.duplicate,
      ...sumFields(networks, ['connections', 'framesDelayed', 'dropped', 'duplicated']),
    },
  };
}

/** A pattern's figures summed over the parts that have it; absent when none has. */
function optional<K extends 'presence' | 'retained' | 'absences' | 'takeover' | 'faults'>(
  list: readonly ScenarioResult[], key: K, merge: (figures: NonNullable<ScenarioResult[K]>[]) => NonNullable<ScenarioResult[K]>,
): Partial<Pick<Measured, K>> {
  const found = present(list.map((s) => s[key] ?? undefined));
  return found === undefined ? {} : ({ [key]: merge(found as NonNullable<ScenarioResult[K]>[]) } as Partial<Pick<Measured, K>>);
}

/**
 * One scenario's figures added over the parts that ran it (at least one), unjudged. The scenario
 * as run (`spec`, level, payload, rate) is the same in every part: merge.ts has checked it.
 */
export function mergeScenarioFigures(list: readonly ScenarioResult[]): Measured {
  const [first] = list;
  if (first === undefined) throw new RangeError('no scenario results to merge');
  const startedAt = list.map((s) => s.startedAt).sort()[0] ?? first.startedAt;
  return {
    name: first.name,
    startedAt,
    users: sum(list, (s) => s.users),
    rooms: sum(list, (s) => s.rooms),
    qos: first.qos,
    payloadBytes: first.payloadBytes,
    targetRate: first.targetRate,
    spec: first.spec,
    latency: mergeSummaries(list.map((s) => s.latency)),
    serviceTime: mergeSummaries(list.map((s) => s.serviceTime)),
    scheduleLag: mergeSummaries(list.map((s) => s.scheduleLag)),
    throughput: mergeThroughput(list.map((s) => s.throughput)),
    delivery: mergeDelivery(list.map((s) => s.delivery)),
    drain: mergeDrain(list.map((s) => s.drain)),
    sends: mergeSends(list.map((s) => s.sends)),
    wire: mergeWire(list.map((s) => s.wire)),
    connections: mergeConnections(list.map((s) => s.connections)),
    anomalies: mergeAnomalies(list.map((s) => s.anomalies)),
    ...optional(list, 'presence', mergePresence),
    ...optional(list, 'retained', mergeRetained),
    ...optional(list, 'absences', mergeAbsences),
    ...optional(list, 'takeover', mergeTakeover),
    ...optional(list, 'faults', mergeFaults),
    ...mergeClients(list),
  };
}

/** The clients the parts ran on, as one list ("lean", or "lean, mqttjs" when parts differed). */
function mergeClients(list: readonly ScenarioResult[]): Pick<ScenarioResult, 'client'> {
  const clients = [...new Set(list.flatMap((s) => (s.client === undefined ? [] : s.client.split(', '))))].sort();
  return clients.length === 0 ? {} : { client: clients.join(', ') };
}
