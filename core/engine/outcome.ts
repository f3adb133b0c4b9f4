/**
 * What a scenario measured, as the result's fields. Every figure is read at one instant; the
 * latency summaries are made on this thread for the final result, and in a worker thread for a
 * checkpoint taken while messages are still being sent (core/metrics/summariser.ts).
 */
import { nowMicros } from '../clock.js';
import type { WireBytes } from '../driver.js';
import { withNetworkFault, type ScenarioNetworkFaults } from '../faults/network.js';
import { summarise, type Summariser, type SummaryRequest } from '../metrics/index.js';
import type { LatencySummary, ScenarioResult, ScenarioSpecRecord } from '../result/index.js';
import { patternOptions } from '../scenario/patterns.js';
import { sourcesRecord } from '../scenario/sources.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { Measured } from '../verdict/judge.js';
import type { AnomalyAccount, SendAccount } from './accounts.js';
import type { PatternEpisodes } from './episodes.js';
import type { Injections } from './faults.js';
import { wireRecord, type IdleMeasure } from './idle.js';
import type { Plan } from './plan.js';
import type { Recorder } from './recorder.js';
import type { Users } from './users.js';

type Drain = ScenarioResult['drain'];

/** Everything a scenario measures with, as it stands. */
export interface ScenarioParts {
  spec: ScenarioSpec;
  plan: Plan;
  startedAt: string;
  recorder: Recorder;
  users: Users;
  sends: SendAccount;
  anomalies: AnomalyAccount;
  /** Every session's wire bytes at the readiness barrier. */
  handshake: WireBytes;
  /** The idle phase, when the scenario has one and it ran. */
  idle: IdleMeasure | null;
  /** Every session's wire bytes when the drain ended; null before (or when it never did). */
  steadyEnd: WireBytes | null;
  /** Monotonic µs the send window closed; 0 while still sending. */
  sendEnd: number;
  drain: Drain;
  /** The `network` fault's proxy, when the scenario has one. */
  networkFaults?: ScenarioNetworkFaults | undefined;
  /** The presence and retained-room episodes (their figures, when the scenario has them). */
  patterns?: Pick<PatternEpisodes, 'figures'>;
  /** Absences, takeovers, slow consumers (faults.ts), when the scenario asked for any. */
  injections?: Pick<Injections, 'figures'> | null;
  /** Sends due while their sender was away (sender.ts). */
  sendsSkipped?: number;
}

/** The scenario as run, as the result records it (typed, units normalised). */
function specRecord(spec: ScenarioSpec): ScenarioSpecRecord {
  return {
    name: spec.name,
    description: spec.description,
    users: spec.users,
    rooms: { ...spec.rooms },
    directPairs: spec.directPairs,
    rate: spec.rate,
    payloadBytes: spec.payloadBytes,
    qos: spec.qos,
    durationMs: spec.durationMs,
    messages: spec.messages,
    warmupMs: spec.warmupMs,
    drainMs: spec.drainMs,
    drainMaxMs: spec.drainMaxMs,
    stallTimeoutMs: spec.stallTimeoutMs,
    connect: connectRecord(spec.connect),
    thresholds: spec.thresholds.map((t) => ({ expression: t.expression, metric: t.metric, comparator: t.comparator, value: t.value, unit: t.unit })),
    ...(spec.idleMs !== undefined && spec.idleMs > 0 ? { idleMs: spec.idleMs } : {}),
    ...(spec.arrival === undefined ? {} : { arrival: { ...spec.arrival } }),
    ...(spec.pacing === undefined ? {} : { pacing: { ...spec.pacing } }),
    ...(spec.phases === undefined ? {} : { phases: spec.phases.map((p) => ({ ...p })) }),
    ...(spec.thinkMs === undefined ? {} : { thinkMs: spec.thinkMs }),
    ...(spec.payloadSizes === undefined ? {} : { payloadSizes: structuredClone(spec.payloadSizes) }),
    ...(spec.seed === undefined ? {} : { seed: spec.seed }),
    ...patternOptions(spec),
  };
}

/** The connect options as recorded: source addresses as a count and their ends, not the whole list. */
function connectRecord({ sourceAddresses, ...rest }: ScenarioSpec['connect']): ScenarioSpecRecord['connect'] {
  const sources = sourcesRecord(sourceAddresses);
  return { ...rest, ...(sources === undefined ? {} : { sources }) };
}

type Head = Pick<Measured, 'name' | 'startedAt' | 'users' | 'rooms' | 'qos' | 'payloadBytes' | 'targetRate' | 'spec'>;
type Tail = Omit<Measured, keyof Head | 'latency' | 'serviceTime' | 'scheduleLag'>;

/**
 * Everything measured at one instant, and the three histograms (with censoring) still to
 * summarise; head and tail are the fields before and after the summaries, in the result's order.
 */
interface Taken {
  head: Head;
  tail: Tail;
  histograms: [SummaryRequest, SummaryRequest, SummaryRequest];
}

/** Reads every figure now, in one go: the summaries made from it later describe the same instant. */
function take(p: ScenarioParts): Taken {
  const { spec, recorder } = p;
  const stoppedMicros = nowMicros();
  const { delivery, censored } = recorder.tracker.tally();
  const censoring = recorder.censoring(censored, stoppedMicros);
  const windowEnd = Math.max(p.sendEnd || stoppedMicros, recorder.throughput.windowStartMicros);
  const head: Head = {
    name: spec.name,
    startedAt: p.startedAt,
    users: p.plan.users.length,
    rooms: p.plan.rooms.size,
    qos: spec.qos,
    payloadBytes: spec.payloadBytes,
    targetRate: spec.rate,
    spec: specRecord(spec),
  };
  const tail: Tail = {
    throughput: p.sendEnd === 0 ? recorder.throughput.summary(windowEnd) : recorder.throughput.summary(),
    delivery,
    drain: { ...p.drain },
    sends: p.sends.summary(),
    wire: wireRecord({ handshake: p.handshake, idle: p.idle, steadyEnd: p.steadyEnd, total: p.users.wire() }),
    connections: p.users.summary(),
    anomalies: p.anomalies.summary(),
    ...p.patterns?.figures(),
  };
  // Absences, takeovers and the fault timeline; the network fault's figures join the timeline's.
  const injected = p.injections?.figures(delivery.excused ?? 0, p.sendsSkipped ?? 0);
  if (injected?.absences !== undefined) tail.absences = injected.absences;
  if (injected?.takeover !== undefined) tail.takeover = injected.takeover;
  const faults = withNetworkFault(injected?.faults, p.networkFaults);
  if (faults !== undefined) tail.faults = faults;
  return {
    head,
    tail,
    histograms: [
      { histogram: recorder.latency.latency, censoring: censoring.latency },
      { histogram: recorder.latency.serviceTime, censoring: censoring.serviceTime },
      { histogram: recorder.scheduleLag },
    ],
  };
}

function withSummaries(taken: Taken, [latency, serviceTime, scheduleLag]: LatencySummary[]): Measured {
  if (latency === undefined || serviceTime === undefined || scheduleLag === undefined) throw new Error('three latency summaries expected');
  return { ...taken.head, latency, serviceTime, scheduleLag, ...taken.tail };
}

/** The measured fields now, summarised on this thread (after sending: nothing is due). */
export function measure(parts: ScenarioParts): Measured {
  const taken = take(parts);
  return withSummaries(taken, taken.histograms.map((h) => summarise(h.histogram, h.censoring)));
}

/**
 * The measured fields now, for a checkpoint while sending: every figure and a copy of every
 * histogram's counts is taken at once, on this thread (cheap); the summaries and encodings,
 * which take milliseconds, are made by `summariser` in a worker thread.
 */
export async function measureOffSendPath(parts: ScenarioParts, summariser: Summariser): Promise<Measured> {
  const taken = take(parts);
  return withSummaries(taken, await summariser.summarise(taken.histograms));
}
