/**
 * One scenario, phase by phase: connect every user (bounded concurrency), join rooms and
 * wait at the readiness barrier, send on the open-model schedule, drain, disconnect.
 * Every phase is bounded by a timeout; a silent server gives an error, never a hang.
 */
import { nowMicros } from '../clock.js';
import type { ChatSession, DeliveryLevel, Driver, WireBytes } from '../driver.js';
import { RunAbortedError, withTimeout } from '../errors.js';
import { createLatencyHistogram, encodeMessage, recordMicros, stampActualSendTime, summarise } from '../metrics/index.js';
import type { ScenarioResult } from '../result.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { EventSink } from './events.js';
import { pace } from './pacer.js';
import { planScenario, plannedSends, type Plan, type Stream } from './plan.js';
import { forEachBounded } from './pool.js';
import { Recorder } from './recorder.js';
import { judge, type Measured } from './verdict.js';

export interface ScenarioContext {
  runId: string;
  driver: Driver;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Sends handed to the client but not yet completed, past which the pacer waits (default 20,000). */
  maxInFlight?: number;
}

const MAX_IN_FLIGHT = 20_000;
/** How many connection-loss reasons a result keeps (the count is always exact). */
const MAX_LOST_REASONS = 5;
/** How often the drain checks whether every owed delivery arrived. */
const DRAIN_POLL_MS = 10;

export async function runScenario(spec: ScenarioSpec, ctx: ScenarioContext): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const plan = planScenario(spec);
  const emit = (phase: 'connect' | 'join' | 'send' | 'drain' | 'disconnect', detail: string): void =>
    ctx.onEvent?.({ type: 'phase', scenario: spec.name, phase, detail });
  const sessions = new Map<string, ChatSession>();
  // Measurement starts after warm-up; the exact start is fixed when sending begins.
  let recorder: Recorder | null = null;
  const inbound = (user: string) => (m: Parameters<Recorder['receive']>[1]) => recorder?.receive(user, m);
  let aborted: string | null = null;
  let handshake: WireBytes = { bytesOut: 0, bytesIn: 0 };
  let sendStart = 0;
  let sendEnd = 0;
  let inFlight = 0;
  const maxInFlight = ctx.maxInFlight ?? MAX_IN_FLIGHT;
  let connectionsLost = 0;
  /** Level each subscription was granted: (user, room) for rooms, (user, null) for the inbox. */
  const granted = new Map<string, DeliveryLevel>();
  /** Users whose connection was lost: not expected to receive what is sent after that. */
  const gone: string[] = [];
  const connectTime = createLatencyHistogram();
  let everyConnectionLost = false;
  const lostReasons: string[] = [];
  // Stops the scenario on the caller's abort, or when every connection is gone (the target went away).
  const stop = new AbortController();
  const signal = stop.signal;
  const onOuterAbort = (): void => stop.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) onOuterAbort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });

  try {
    emit('connect', `${plan.users.length} users, ${spec.connect.concurrency} at a time`);
    await forEachBounded(plan.users, spec.connect.concurrency, async (user) => {
      throwIfAborted(signal);
      const connectStart = nowMicros();
      const session = await ctx.driver.connect({
        user, directLevel: spec.qos, onMessage: inbound(user), timeoutMs: spec.connect.timeoutMs,
        onConnectionLost: (reason) => {
          connectionsLost++;
          if (lostReasons.length < MAX_LOST_REASONS) lostReasons.push(`${user}: ${reason}`);
          gone.push(user);
          recorder?.tracker.receiverGone(user);
          if (connectionsLost === plan.users.length) {
            everyConnectionLost = true;
            stop.abort(`every connection was lost (${reason})`);
          }
        },
      });
      recordMicros(connectTime, nowMicros() - connectStart);
      sessions.set(user, session);
    });

    emit('join', `${plan.rooms.size} rooms`);
    const joins: Promise<void>[] = [];
    for (const [user, rooms] of plan.memberships) {
      const session = sessions.get(user) as ChatSession;
      for (const room of rooms) joins.push(session.joinRoom(room, spec.qos).then((level) => { granted.set(grantKey(user, room), level); }));
    }
    await withTimeout(Promise.all(joins), spec.connect.timeoutMs, `readiness barrier (${joins.length} room joins)`);
    for (const [user, session] of sessions) granted.set(grantKey(user, null), session.inboxLevel);
    handshake = totalWire(sessions);

    throwIfAborted(signal);
    const planned = plannedSends(spec);
    emit('send', `${planned.toLocaleString('en-US')} messages at ${spec.rate}/s, ${spec.payloadBytes} B, QoS ${spec.qos}`);
    sendStart = nowMicros() + 1000;
    recorder = new Recorder(ctx.runId, plan.streams, sendStart + spec.warmupMs * 1000, (stream, receiver) =>
      granted.get(grantKey(receiver, stream.destination.kind === 'room' ? stream.destination.room : null)) ?? stream.level);
    const rec = recorder;
    for (const user of gone) rec.tracker.receiverGone(user);
    const seqs = new Uint32Array(plan.streams.length);
    const progress = setInterval(() => ctx.onEvent?.({
      type: 'progress', scenario: spec.name, sent: seqsTotal(seqs), planned, delivered: rec.delivered,
    }), 1000);
    try {
      const fired = await pace({
        startMicros: sendStart,
        deadlineMicros: sendStart + (spec.durationMs + spec.connect.timeoutMs) * 1000,
        ratePerSecond: spec.rate,
        count: planned,
        signal,
        saturated: () => inFlight >= maxInFlight,
        fire: (index, intended) => {
          const stream = plan.streams[index % plan.streams.length] as Stream;
          const seq = seqs[stream.id] as number;
          seqs[stream.id] = seq + 1;
          const payload = encodeMessage(
            { runTag: rec.tag, streamId: stream.id, seq, intendedSendMicros: intended, actualSendMicros: 0, flags: rec.flagsFor(intended) },
            spec.payloadBytes,
          );
          const actual = nowMicros();
          stampActualSendTime(payload, actual);
          rec.sent(stream, seq, intended, actual);
          inFlight++;
          send(sessions.get(stream.sender) as ChatSession, stream, payload).then(
            () => { inFlight--; },
            () => { inFlight--; rec.sendFailed(stream, seq); },
          );
        },
      });
      // The window ends where the schedule of the sends made ends (or later, if sending lagged):
      // n sends at rate r span n / r seconds, so a run at the configured rate reads that rate.
      sendEnd = Math.max(nowMicros(), sendStart + (fired * 1_000_000) / spec.rate);
      rec.throughput.closeWindow(Math.max(sendEnd, rec.throughput.windowStartMicros));
      if (fired < planned && !signal.aborted) {
        throw new RunAbortedError(
          `send phase overran by ${spec.connect.timeoutMs} ms: ${fired} of ${planned} messages sent, ${inFlight} still unacknowledged by the server`,
        );
      }

      emit('drain', `up to ${spec.drainMs} ms for ${rec.outstanding.toLocaleString('en-US')} owed deliveries`);
      // An interrupted run still drains (bounded), so messages in flight are not miscounted as
      // lost; only a target that dropped every connection has nothing left to drain.
      const drainUntil = Date.now() + spec.drainMs;
      while ((rec.outstanding > 0 || inFlight > 0) && Date.now() < drainUntil && !everyConnectionLost) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
    } finally {
      clearInterval(progress);
    }
    throwIfAborted(signal);
  } catch (error) {
    if (!(error instanceof RunAbortedError) || recorder === null) throw error;
    aborted = error.message;
  } finally {
    ctx.signal?.removeEventListener('abort', onOuterAbort);
    if (sessions.size > 0) emit('disconnect', `${sessions.size} users`);
    await withTimeout(
      Promise.allSettled([...sessions.values()].map((s) => s.disconnect('graceful'))),
      spec.connect.timeoutMs, 'disconnect',
    ).catch(() => undefined);
  }
  const downgraded = [...granted.values()].filter((level) => level < spec.qos).length;
  const connections = { opened: sessions.size, connectTime: summarise(connectTime), downgraded, lost: connectionsLost, lostReasons };
  return buildResult(spec, plan, startedAt, recorder, { handshake, total: totalWire(sessions) }, connections, sendEnd, aborted);
}

function grantKey(user: string, room: string | null): string {
  return room === null ? `${user}\u0000inbox` : `${user}\u0000${room}`;
}

function send(session: ChatSession, stream: Stream, payload: Uint8Array): Promise<void> {
  const d = stream.destination;
  return d.kind === 'room' ? session.sendToRoom(d.room, payload, stream.level) : session.sendToUser(d.user, payload, stream.level);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = String(signal.reason ?? 'interrupted');
  throw new RunAbortedError(/^SIG[A-Z]+$/.test(reason) ? `interrupted by ${reason}` : reason);
}

function seqsTotal(seqs: Uint32Array): number {
  let n = 0;
  for (const s of seqs) n += s;
  return n;
}

function totalWire(sessions: ReadonlyMap<string, ChatSession>): WireBytes {
  let bytesOut = 0;
  let bytesIn = 0;
  for (const s of sessions.values()) {
    const w = s.wire();
    bytesOut += w.bytesOut;
    bytesIn += w.bytesIn;
  }
  return { bytesOut, bytesIn };
}

function buildResult(
  spec: ScenarioSpec, plan: Plan, startedAt: string, recorder: Recorder | null,
  { handshake, total }: { handshake: WireBytes; total: WireBytes },
  connections: Measured['connections'], sendEnd: number, aborted: string | null,
): ScenarioResult {
  if (recorder === null) throw new Error('no measurement was started');
  const windowEnd = Math.max(sendEnd || nowMicros(), recorder.throughput.windowStartMicros);
  const measured = {
    name: spec.name,
    startedAt,
    users: plan.users.length,
    rooms: plan.rooms.size,
    qos: spec.qos,
    payloadBytes: spec.payloadBytes,
    targetRate: spec.rate,
    spec: { ...spec } as Record<string, unknown>,
    latency: summarise(recorder.latency.latency),
    serviceTime: summarise(recorder.latency.serviceTime),
    scheduleLag: summarise(recorder.scheduleLag),
    throughput: recorder.throughput.summary(windowEnd),
    delivery: recorder.tracker.summary(),
    wire: {
      bytesOut: total.bytesOut,
      bytesIn: total.bytesIn,
      phases: {
        handshake,
        steady: { bytesOut: total.bytesOut - handshake.bytesOut, bytesIn: total.bytesIn - handshake.bytesIn },
      },
    },
    connections,
  };
  return judge(spec, measured, aborted);
}
