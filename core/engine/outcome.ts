/**
 * What a scenario measured, as the result's fields, built in small steps: a checkpoint taken
 * while messages are still being sent yields to the event loop between the steps (tally,
 * each histogram's summary and encoding), so no step holds up a due send for long; the final
 * result runs the same steps back to back.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { nowMicros } from '../clock.js';
import type { WireBytes } from '../driver.js';
import { summarise } from '../metrics/index.js';
import type { ScenarioResult, ScenarioSpecRecord } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { Measured } from '../verdict/judge.js';
import type { AnomalyAccount, SendAccount } from './accounts.js';
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
  handshake: WireBytes;
  /** Monotonic µs the send window closed; 0 while still sending. */
  sendEnd: number;
  drain: Drain;
}

/** The scenario as run, as the result records it (typed, units normalised). */
export function specRecord(spec: ScenarioSpec): ScenarioSpecRecord {
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
    connect: { ...spec.connect },
    thresholds: spec.thresholds.map((t) => ({ expression: t.expression, metric: t.metric, comparator: t.comparator, value: t.value, unit: t.unit })),
  };
}

/**
 * The measured fields, one step per `yield`. Between steps more messages may arrive (a checkpoint
 * taken mid-run): each figure is exact as of its own step, which is what an in-progress snapshot
 * can promise.
 */
function* measureSteps(p: ScenarioParts): Generator<void, Measured> {
  const { spec, recorder } = p;
  const stoppedMicros = nowMicros();
  const { delivery, censored } = recorder.tracker.tally();
  const censoring = recorder.censoring(censored, stoppedMicros);
  yield;
  const latency = summarise(recorder.latency.latency, censoring.latency);
  yield;
  const serviceTime = summarise(recorder.latency.serviceTime, censoring.serviceTime);
  yield;
  const scheduleLag = summarise(recorder.scheduleLag);
  yield;
  const connections = p.users.summary();
  const total = p.users.wire();
  const { handshake } = p;
  const windowEnd = Math.max(p.sendEnd || stoppedMicros, recorder.throughput.windowStartMicros);
  return {
    name: spec.name,
    startedAt: p.startedAt,
    users: p.plan.users.length,
    rooms: p.plan.rooms.size,
    qos: spec.qos,
    payloadBytes: spec.payloadBytes,
    targetRate: spec.rate,
    spec: specRecord(spec),
    latency,
    serviceTime,
    scheduleLag,
    throughput: p.sendEnd === 0 ? recorder.throughput.summary(windowEnd) : recorder.throughput.summary(),
    delivery,
    drain: { ...p.drain },
    sends: p.sends.summary(),
    wire: {
      bytesOut: total.bytesOut,
      bytesIn: total.bytesIn,
      phases: {
        handshake: { ...handshake },
        steady: { bytesOut: total.bytesOut - handshake.bytesOut, bytesIn: total.bytesIn - handshake.bytesIn },
      },
    },
    connections,
    anomalies: p.anomalies.summary(),
  };
}

/** The measured fields now, in one go (after sending: nothing is due). */
export function measure(parts: ScenarioParts): Measured {
  const steps = measureSteps(parts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The measured fields, yielding to the event loop between steps: for checkpoints while sending. */
export async function measureOffSendPath(parts: ScenarioParts): Promise<Measured> {
  const steps = measureSteps(parts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

