/**
 * One scenario, phase by phase: connect every user (bounded concurrency), join rooms and
 * wait at the readiness barrier, send on the open-model schedule, drain, disconnect.
 * Every phase is bounded: a silent server gives an error or a stall abort, never a hang.
 */
import { MICROS_PER_MILLI, nowMicros } from '../clock.js';
import type { Driver, WireBytes } from '../driver.js';
import type { ScenarioNetworkFaults } from '../faults/network.js';
import { RunAbortedError } from '../errors.js';
import { Summariser, valuesAtPercentiles } from '../metrics/index.js';
import type { ScenarioResult } from '../result/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import { judge, type AbortInfo } from '../verdict/judge.js';
import { count, duration, plural } from '../words.js';
import { AnomalyAccount, SendAccount } from './accounts.js';
import { drain, skippedDrain, watchForStall, type Progress } from './drain.js';
import { PatternEpisodes } from './episodes.js';
import { requireFeatures } from './features.js';
import { idlePhase, type IdleMeasure } from './idle.js';
import type { EventSink, Phase } from './events.js';
import { measure, measureOffSendPath, type ScenarioParts } from './outcome.js';
import type { Plan } from './plan.js';
import { sendPhaseDetail, type Schedule } from './schedule.js';
import { describeShard, sliceScenario, type ShardSpec } from './shard.js';
import { Recorder } from './recorder.js';
import { Sender } from './sender.js';
import { settleBeforeSending } from './settle.js';
import { Injections } from './faults.js';
import { Users } from './users.js';
import { outerAbort, ScenarioStopped, untilAborted } from './stopping.js';

export { ScenarioStopped } from './stopping.js';

type Drain = ScenarioResult['drain'];

export interface ScenarioContext {
  runId: string;
  driver: Driver;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Sends handed to the client but not yet completed, past which the pacer waits (default 20,000). */
  maxInFlight?: number;
  /**
   * Called every `snapshotEveryMs` while the scenario sends and drains, with what it has
   * measured so far (status "aborted", cause "incomplete"), so a killed run keeps it. Built off
   * the send path (outcome.ts: summaries in a worker thread): the sends due meanwhile go out on
   * time. None is called after the scenario's sending and draining ended.
   */
  onSnapshot?: (partial: ScenarioResult) => void | Promise<void>;
  snapshotEveryMs?: number;
  /** The `network` fault's proxy the driver connects through (core/faults/network.ts): its injections reach the recorder, its figures the result. */
  networkFaults?: ScenarioNetworkFaults;
  /** Run only this slice of the scenario (shard.ts): its users, rooms and streams, each send at its single-run time. */
  shard?: ShardSpec;
  /** Awaited once every user is connected and ready, before the first send; the send clock starts after it. */
  beforeSend?: () => Promise<void>;
}

const MAX_IN_FLIGHT = 20_000;
const DEFAULT_SNAPSHOT_MS = 10_000;
const PROGRESS_EVERY_MS = 1_000;
/** Sending starts this long after the barrier, so the first send is not already late. */
const SEND_LEAD_MICROS = 1000;

export function runScenario(spec: ScenarioSpec, ctx: ScenarioContext): Promise<ScenarioResult> {
  return new ScenarioRun(spec, ctx).run();
}

class ScenarioRun {
  readonly #startedAt = new Date().toISOString();
  readonly #plan: Plan;
  readonly #schedule: Schedule;
  /** What the shard holds of the whole, said when connecting; null: the whole scenario. */
  readonly #shardNote: string | null;
  readonly #users: Users;
  readonly #sends = new SendAccount();
  readonly #anomalies = new AnomalyAccount();
  /** Presence and retained-room episodes (scenario options `presence`, `retained`). */
  readonly #episodes: PatternEpisodes;
  /** Stops the scenario: the caller's abort, every connection gone, a stall. Its reason is an AbortInfo. */
  readonly #stop = new AbortController();
  #everyConnectionLost = false;
  #recorder: Recorder | null = null;
  #sender: Sender | null = null;
  /** Absences, slow consumers and takeovers chatbench injects while sending (faults.ts); null when none is asked for. */
  #injections: Injections | null = null;
  #phase: Phase = 'connect';
  /** When the current phase began: before sending, progress counts from there. */
  #phaseStart = nowMicros();
  /** Users whose connection was lost: not expected to receive what is sent after that. */
  readonly #gone: string[] = [];
  #handshake: WireBytes = { bytesOut: 0, bytesIn: 0 };
  #idle: IdleMeasure | null = null;
  #steadyEnd: WireBytes | null = null;
  #sendStart = 0;
  #sendEnd = 0;
  #drain: Drain | null = null;
  /** Makes checkpoint summaries off the event loop; started with the scenario when checkpoints are asked for. */
  #summariser: Summariser | null = null;
  /** A checkpoint being built (until it is handed over): the next tick skips rather than piles up. */
  #snapshotting = false;
  /** Sending and draining are over: a checkpoint still being built is dropped (the final result follows). */
  #snapshotsClosed = false;

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly ctx: ScenarioContext,
  ) {
    const slice = sliceScenario(spec, ctx.shard);
    this.#plan = slice.plan;
    this.#schedule = slice.schedule;
    this.#shardNote = slice.shard === undefined ? null : describeShard(slice.shard);
    this.#episodes = new PatternEpisodes(spec, this.#plan, ctx.driver);
    this.#users = new Users(spec, this.#plan, ctx.driver, {
      onMessage: (user, m) => this.#recorder?.receive(user, m),
      onLost: (user) => {
        this.#gone.push(user);
        this.#recorder?.tracker.receiverGone(user);
      },
      onAllLost: (end) => {
        this.#everyConnectionLost = true;
        this.#abort({ cause: 'connections-lost', message: `every connection was lost (the last: ${end.cause})` });
      },
      onAnomaly: (_user, anomaly) => this.#anomalies.record(anomaly),
      onPresence: (user, update) => this.#episodes.onPresence(user, update),
    });
  }

  async run(): Promise<ScenarioResult> {
    // Before anything connects: an option the driver cannot serve is bad input (exit 2).
    requireFeatures(this.spec, this.ctx.driver);
    const onOuterAbort = (): void => this.#abort(outerAbort(this.ctx.signal?.reason));
    if (this.ctx.signal?.aborted) onOuterAbort();
    this.ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
    // Started now, so the worker thread loads while the users connect.
    if (this.ctx.onSnapshot !== undefined) this.#summariser = Summariser.start();
    let aborted: AbortInfo | null = null;
    try {
      // Connecting (a ramp), joining and idling can take minutes: a status line shows them too.
      const early = setInterval(() => this.#earlyProgress(), PROGRESS_EVERY_MS);
      try {
        await this.#connectAndJoin();
        await this.#presence();
        await this.#idlePhase();
      } finally {
        clearInterval(early);
      }
      // A worker still loading would take CPU from the first sends.
      await this.#summariser?.ready();
      // The caller's start signal (workers start sending together); the send clock starts after it.
      if (this.ctx.beforeSend !== undefined) await untilAborted(this.ctx.beforeSend(), this.#stop.signal);
      this.#throwIfStopped();
      await this.#sendAndDrain();
      this.#throwIfStopped();
    } catch (error) {
      if (!(error instanceof RunAbortedError) || this.#recorder === null) throw error;
      aborted = error instanceof ScenarioStopped ? error.abort : { cause: 'timeout', message: error.message };
    } finally {
      this.ctx.signal?.removeEventListener('abort', onOuterAbort);
      if (this.#users.count > 0) this.#emit('disconnect', plural(this.#users.count, 'user'));
      await this.#injections?.finish(true);
      await this.#users.disconnectAll();
      await this.#summariser?.close();
    }
    return judge(this.spec, measure(this.#parts(aborted)), aborted);
  }

  #abort(info: AbortInfo): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(info);
  }

  async #connectAndJoin(): Promise<void> {
    const { spec } = this;
    const users = `${plural(this.#plan.users.length, 'user')}, ${count(spec.connect.concurrency)} at a time`;
    this.#emit('connect', this.#shardNote === null ? users : `${this.#shardNote}; ${users}`);
    await this.#users.connectAll(() => this.#throwIfStopped());
    const rooms = this.#plan.rooms.size;
    this.#emit('join', rooms > 0 ? plural(rooms, 'room') : spec.directPairs > 0 ? 'no rooms (direct messages only)' : 'no rooms');
    await this.#users.joinAll();
    this.#handshake = this.#users.wire();
    this.#throwIfStopped();
  }

  /** The presence episode (scenario option `presence`): after the barrier, users left connected in their rooms. */
  async #presence(): Promise<void> {
    const detail = this.#episodes.presenceDetail();
    if (detail === null) return;
    this.#emit('presence', detail);
    await this.#episodes.presence(this.#users, this.#stop.signal);
    this.#throwIfStopped();
  }

  /** The retained room (scenario option `retained`): after the drain, late joiners must get each room's last message. */
  async #retainedRoom(recorder: Recorder): Promise<void> {
    const detail = this.#episodes.retainedDetail();
    if (detail === null || this.#stop.signal.aborted) return;
    this.#emit('retained', detail);
    await this.#episodes.retained(recorder, this.#stop.signal);
  }

  /** Users connected, nothing sent: the keep-alive's own bytes (scenario option `idle`). */
  async #idlePhase(): Promise<void> {
    const ms = this.spec.idleMs ?? 0;
    if (ms <= 0) return;
    this.#emit('idle', `${plural(this.#users.connected, 'user')} connected, nothing sent for ${duration(ms)}: keep-alive traffic only`);
    this.#idle = await idlePhase(ms, this.#users, this.#stop.signal);
    this.#throwIfStopped();
  }

  async #sendAndDrain(): Promise<void> {
    const { spec, ctx } = this;
    const schedule = this.#schedule;
    const planned = schedule.count;
    this.#emit('send', sendPhaseDetail(spec, planned));
    const wake = settleBeforeSending();
    const startMicros = nowMicros() + SEND_LEAD_MICROS;
    this.#sendStart = startMicros;
    const users = this.#users;
    const recorder = new Recorder(ctx.runId, this.#plan.streams, startMicros + spec.warmupMs * MICROS_PER_MILLI, (s, r) => users.grantedLevel(s, r));
    this.#recorder = recorder;
    ctx.networkFaults?.route((event) => recorder.injected(event));
    for (const user of this.#gone) recorder.tracker.receiverGone(user);
    this.#injections = Injections.start({ spec, plan: this.#plan, users, tracker: recorder.tracker, startMicros, signal: this.#stop.signal });
    const sender = new Sender({
      spec, plan: this.#plan, recorder, sends: this.#sends, startMicros, schedule,
      sessionOf: (user) => users.session(user),
      away: (user) => users.isAway(user),
      signal: this.#stop.signal,
      maxInFlight: spec.maxInFlight ?? ctx.maxInFlight ?? MAX_IN_FLIGHT,
      wake,
    });
    this.#sender = sender;
    const progress: Progress = {
      owed: () => recorder.outstanding,
      inFlight: () => sender.inFlight,
      // Waiting on chatbench's own planned injections (a user away until its return) is no stall.
      progressCount: () => recorder.progress + (this.#injections?.clock.activity() ?? 0),
    };
    const stopWatching = watchForStall(spec, progress, startMicros, (stall) => this.#abort(stall));
    const progressTimer = setInterval(() => this.#progress(planned), PROGRESS_EVERY_MS);
    const snapshots = ctx.onSnapshot === undefined ? undefined : setInterval(() => this.#snapshot(), ctx.snapshotEveryMs ?? DEFAULT_SNAPSHOT_MS);
    try {
      const fired = await sender.run();
      // The window ends where the schedule of the sends made ends (or later, if sending lagged):
      // n sends at rate r span n / r seconds (schedule.at(n) for every shape, within the duration),
      // so a run at the configured rate reads that rate.
      this.#sendEnd = Math.max(nowMicros(), startMicros + Math.min(schedule.at(fired), spec.durationMs * MICROS_PER_MILLI));
      recorder.throughput.closeWindow(Math.max(this.#sendEnd, recorder.throughput.windowStartMicros));
      if (fired < planned && !this.#stop.signal.aborted) {
        throw new ScenarioStopped({
          cause: 'timeout',
          message: `send phase overran by ${spec.connect.timeoutMs} ms: ${fired} of ${planned} messages sent, ${sender.inFlight} still unacknowledged by the server`,
        });
      }
      // Every return (and takeover) happens before the drain, so what they owe is waited for.
      await this.#injections?.finish();
      if (this.#stopReason()?.cause === 'stall' || this.#everyConnectionLost) return;
      this.#phase = 'drain';
      this.#emit('drain', `${plural(recorder.outstanding, 'owed delivery', 'owed deliveries')}; up to ${duration(spec.drainMaxMs)}, ends after ${duration(spec.drainMs)} without progress`);
      this.#drain = await drain({ spec, progress, stop: this.#stop.signal, everyConnectionLost: () => this.#everyConnectionLost });
      // Steady traffic ends here: what the goodbyes cost afterwards is the close phase.
      this.#steadyEnd = this.#users.wire();
    } finally {
      wake.release(); // the pacer released it already, unless it never ran
      stopWatching();
      clearInterval(progressTimer);
      clearInterval(snapshots);
      this.#snapshotsClosed = true;
      this.#drain ??= skippedDrain(recorder.outstanding, this.#stopReason());
    }
    await this.#retainedRoom(recorder);
  }

  #progress(planned: number): void {
    const recorder = this.#recorder;
    if (recorder === null || this.ctx.onEvent === undefined) return;
    const latency = recorder.latency.latency;
    this.ctx.onEvent({
      type: 'progress',
      scenario: this.spec.name,
      phase: this.#phase === 'drain' ? 'drain' : 'send',
      connected: this.#users.connected,
      sent: this.#sender?.sent ?? 0,
      planned,
      delivered: recorder.delivered,
      elapsedMs: Math.round((nowMicros() - this.#sendStart) / MICROS_PER_MILLI),
      totalMs: this.spec.durationMs,
      ...(latency.count > 0 ? { p99Micros: valuesAtPercentiles(latency, [99])[0] as number } : {}),
    });
  }

  /** Progress before sending: users connected so far, time in this phase of its planned length. */
  #earlyProgress(): void {
    if (this.ctx.onEvent === undefined) return;
    const phase = this.#phase;
    const users = this.#plan.users.length;
    const rate = this.spec.connect.rate;
    const totalMs =
      phase === 'idle' ? (this.spec.idleMs ?? 0) : phase === 'connect' && rate !== undefined && users > 1 ? Math.round(((users - 1) / rate) * 1000) : 0;
    this.ctx.onEvent({
      type: 'progress',
      scenario: this.spec.name,
      phase,
      connected: this.#users.connected,
      sent: 0,
      planned: 0,
      delivered: 0,
      elapsedMs: Math.round((nowMicros() - this.#phaseStart) / MICROS_PER_MILLI),
      totalMs,
      ...(phase === 'connect' || phase === 'join' ? { users } : {}),
    });
  }

  /** A checkpoint: figures and histogram copies taken now, summaries made off the event loop, then handed over. */
  #snapshot(): void {
    const summariser = this.#summariser;
    if (summariser === null || this.#snapshotting || this.#snapshotsClosed) return;
    this.#snapshotting = true;
    const seconds = Math.round((nowMicros() - this.#sendStart) / 100_000) / 10;
    const inProgress: AbortInfo = { cause: 'incomplete', message: `in progress: ${seconds} s into the scenario when this checkpoint was written` };
    void measureOffSendPath(this.#parts(inProgress), summariser)
      .then((measured) => {
        this.#snapshotting = false;
        // Not awaited: writing is the receiver's business (the CLI keeps only the newest unwritten one).
        if (!this.#snapshotsClosed) void Promise.resolve(this.ctx.onSnapshot?.(judge(this.spec, measured, inProgress))).catch(() => undefined);
      })
      .catch(() => {
        this.#snapshotting = false; // a checkpoint that cannot be built is skipped; the final result decides
      });
  }

  #parts(aborted: AbortInfo | null): ScenarioParts {
    const recorder = this.#recorder;
    if (recorder === null) throw new Error('no measurement was started');
    return {
      spec: this.spec,
      plan: this.#plan,
      startedAt: this.#startedAt,
      recorder,
      users: this.#users,
      sends: this.#sends,
      anomalies: this.#anomalies,
      handshake: this.#handshake,
      idle: this.#idle,
      steadyEnd: this.#steadyEnd,
      sendEnd: this.#sendEnd,
      drain: this.#drain ?? skippedDrain(recorder.outstanding, aborted),
      networkFaults: this.ctx.networkFaults,
      patterns: this.#episodes,
      injections: this.#injections,
      sendsSkipped: this.#sender?.skipped ?? 0,
    };
  }

  #emit(phase: Phase, detail: string): void {
    this.#phase = phase;
    this.#phaseStart = nowMicros();
    this.ctx.onEvent?.({ type: 'phase', scenario: this.spec.name, phase, detail });
  }

  #stopReason(): AbortInfo | null {
    const signal = this.#stop.signal;
    return signal.aborted ? (signal.reason as AbortInfo) : null;
  }

  #throwIfStopped(): void {
    const reason = this.#stopReason();
    if (reason !== null) throw new ScenarioStopped(reason);
  }
}
