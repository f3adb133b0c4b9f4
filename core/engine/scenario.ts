/**
 * One scenario, phase by phase: connect every user (bounded concurrency), join rooms and
 * wait at the readiness barrier, send on the open-model schedule, drain, disconnect.
 * Every phase is bounded by a timeout; a silent server gives an error, never a hang.
 */
import { nowMicros } from '../clock.js';
import type { Driver, WireBytes } from '../driver.js';
import { RunAbortedError } from '../errors.js';
import { summarise } from '../metrics/index.js';
import type { ScenarioResult } from '../result.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { EventSink, Phase } from './events.js';
import { planScenario, plannedSends, type Plan } from './plan.js';
import { Recorder } from './recorder.js';
import { Sender } from './sender.js';
import { Users } from './users.js';
import { judge } from './verdict.js';

export interface ScenarioContext {
  runId: string;
  driver: Driver;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Sends handed to the client but not yet completed, past which the pacer waits (default 20,000). */
  maxInFlight?: number;
  /**
   * Called every `snapshotEveryMs` while the scenario sends and drains, with what it has
   * measured so far (status "aborted", reason "in progress"), so a killed run keeps it.
   */
  onSnapshot?: (partial: ScenarioResult) => void | Promise<void>;
  snapshotEveryMs?: number;
}

const MAX_IN_FLIGHT = 20_000;
const DEFAULT_SNAPSHOT_MS = 10_000;
/** How often the drain checks whether every owed delivery arrived. */
const DRAIN_POLL_MS = 10;
/** Sending starts this long after the barrier, so the first send is not already late. */
const SEND_LEAD_MICROS = 1000;

export function runScenario(spec: ScenarioSpec, ctx: ScenarioContext): Promise<ScenarioResult> {
  return new ScenarioRun(spec, ctx).run();
}

class ScenarioRun {
  readonly #startedAt = new Date().toISOString();
  readonly #plan: Plan;
  readonly #users: Users;
  /** Stops the scenario on the caller's abort, or when every connection is gone. */
  readonly #stop = new AbortController();
  #everyConnectionLost = false;
  #recorder: Recorder | null = null;
  /** Users whose connection was lost: not expected to receive what is sent after that. */
  readonly #gone: string[] = [];
  #handshake: WireBytes = { bytesOut: 0, bytesIn: 0 };
  #sendEnd = 0;

  constructor(
    private readonly spec: ScenarioSpec,
    private readonly ctx: ScenarioContext,
  ) {
    this.#plan = planScenario(spec);
    this.#users = new Users(spec, this.#plan, ctx.driver, {
      onMessage: (user, m) => this.#recorder?.receive(user, m),
      onLost: (user) => {
        this.#gone.push(user);
        this.#recorder?.tracker.receiverGone(user);
      },
      onAllLost: (reason) => {
        this.#everyConnectionLost = true;
        this.#stop.abort(`every connection was lost (${reason})`);
      },
    });
  }

  async run(): Promise<ScenarioResult> {
    const onOuterAbort = (): void => this.#stop.abort(this.ctx.signal?.reason);
    if (this.ctx.signal?.aborted) onOuterAbort();
    this.ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let aborted: string | null = null;
    try {
      await this.#connectAndJoin();
      await this.#sendAndDrain();
      this.#throwIfStopped();
    } catch (error) {
      if (!(error instanceof RunAbortedError) || this.#recorder === null) throw error;
      aborted = error.message;
    } finally {
      this.ctx.signal?.removeEventListener('abort', onOuterAbort);
      if (this.#users.count > 0) this.#emit('disconnect', `${this.#users.count} users`);
      await this.#users.disconnectAll();
    }
    return this.#result(aborted);
  }

  async #connectAndJoin(): Promise<void> {
    const { spec } = this;
    this.#emit('connect', `${this.#plan.users.length} users, ${spec.connect.concurrency} at a time`);
    await this.#users.connectAll(() => this.#throwIfStopped());
    this.#emit('join', `${this.#plan.rooms.size} rooms`);
    await this.#users.joinAll();
    this.#handshake = this.#users.wire();
    this.#throwIfStopped();
  }

  async #sendAndDrain(): Promise<void> {
    const { spec, ctx } = this;
    const planned = plannedSends(spec);
    this.#emit('send', `${planned.toLocaleString('en-US')} messages at ${spec.rate}/s, ${spec.payloadBytes} B, QoS ${spec.qos}`);
    const startMicros = nowMicros() + SEND_LEAD_MICROS;
    const users = this.#users;
    const recorder = new Recorder(ctx.runId, this.#plan.streams, startMicros + spec.warmupMs * 1000, (s, r) => users.grantedLevel(s, r));
    this.#recorder = recorder;
    for (const user of this.#gone) recorder.tracker.receiverGone(user);
    const sender = new Sender({
      spec, plan: this.#plan, recorder, startMicros, planned,
      sessionOf: (user) => users.session(user),
      signal: this.#stop.signal,
      maxInFlight: ctx.maxInFlight ?? MAX_IN_FLIGHT,
    });
    const progress = setInterval(() => ctx.onEvent?.({
      type: 'progress', scenario: spec.name, sent: sender.sent, planned, delivered: recorder.delivered,
    }), 1000);
    const snapshots = ctx.onSnapshot === undefined ? undefined : setInterval(() => {
      const seconds = Math.round((nowMicros() - startMicros) / 100_000) / 10;
      void ctx.onSnapshot?.(this.#result(`in progress: ${seconds} s into the scenario when this checkpoint was written`));
    }, ctx.snapshotEveryMs ?? DEFAULT_SNAPSHOT_MS);
    try {
      const fired = await sender.run();
      // The window ends where the schedule of the sends made ends (or later, if sending lagged):
      // n sends at rate r span n / r seconds, so a run at the configured rate reads that rate.
      this.#sendEnd = Math.max(nowMicros(), startMicros + (fired * 1_000_000) / spec.rate);
      recorder.throughput.closeWindow(Math.max(this.#sendEnd, recorder.throughput.windowStartMicros));
      if (fired < planned && !this.#stop.signal.aborted) {
        throw new RunAbortedError(
          `send phase overran by ${spec.connect.timeoutMs} ms: ${fired} of ${planned} messages sent, ${sender.inFlight} still unacknowledged by the server`,
        );
      }
      this.#emit('drain', `up to ${spec.drainMs} ms for ${recorder.outstanding.toLocaleString('en-US')} owed deliveries`);
      // An interrupted run still drains (bounded), so messages in flight are not miscounted as
      // lost; only a target that dropped every connection has nothing left to drain.
      const drainUntil = Date.now() + spec.drainMs;
      while ((recorder.outstanding > 0 || sender.inFlight > 0) && Date.now() < drainUntil && !this.#everyConnectionLost) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
    } finally {
      clearInterval(progress);
      clearInterval(snapshots);
    }
  }

  #emit(phase: Phase, detail: string): void {
    this.ctx.onEvent?.({ type: 'phase', scenario: this.spec.name, phase, detail });
  }

  #throwIfStopped(): void {
    const signal = this.#stop.signal;
    if (!signal.aborted) return;
    const reason = String(signal.reason ?? 'interrupted');
    throw new RunAbortedError(/^SIG[A-Z]+$/.test(reason) ? `interrupted by ${reason}` : reason);
  }

  #result(aborted: string | null): ScenarioResult {
    const { spec } = this;
    const recorder = this.#recorder;
    if (recorder === null) throw new Error('no measurement was started');
    const total = this.#users.wire();
    const handshake = this.#handshake;
    const windowEnd = Math.max(this.#sendEnd || nowMicros(), recorder.throughput.windowStartMicros);
    const throughput = this.#sendEnd === 0 ? recorder.throughput.summary(windowEnd) : recorder.throughput.summary();
    return judge(spec, {
      name: spec.name,
      startedAt: this.#startedAt,
      users: this.#plan.users.length,
      rooms: this.#plan.rooms.size,
      qos: spec.qos,
      payloadBytes: spec.payloadBytes,
      targetRate: spec.rate,
      spec: { ...spec } as Record<string, unknown>,
      latency: summarise(recorder.latency.latency),
      serviceTime: summarise(recorder.latency.serviceTime),
      scheduleLag: summarise(recorder.scheduleLag),
      throughput,
      delivery: recorder.tracker.summary(),
      wire: {
        bytesOut: total.bytesOut,
        bytesIn: total.bytesIn,
        phases: {
          handshake,
          steady: { bytesOut: total.bytesOut - handshake.bytesOut, bytesIn: total.bytesIn - handshake.bytesIn },
        },
      },
      connections: this.#users.summary(),
    }, aborted);
  }
}
