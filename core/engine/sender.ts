/**
 * The send phase: every scheduled message, round-robin over the plan's streams, stamped with
 * its intended and actual send time and handed to the sender's session; in-flight sends are
 * bounded. Each send's outcome is recorded: an acknowledgement (evidence for loss, and a sign
 * the server is making progress) or what the protocol did not complete.
 */
import { nowMicros } from '../clock.js';
import { SendIncompleteError, type ChatSession } from '../driver.js';
import { encodeMessage, stampActualSendTime } from '../metrics/index.js';
import type { ScenarioSpec } from '../scenario/types.js';
import type { SendAccount } from './accounts.js';
import { pace } from './pacer.js';
import { streamsById, type Plan, type Stream } from './plan.js';
import type { Recorder } from './recorder.js';
import type { Schedule } from './schedule.js';
import { sizeDrawer } from './sizes.js';
import type { Wake } from './wake.js';

export interface SendOptions {
  spec: ScenarioSpec;
  plan: Plan;
  recorder: Recorder;
  sends: SendAccount;
  startMicros: number;
  /** When each send is due (its count is the planned sends). */
  schedule: Schedule;
  sessionOf: (user: string) => ChatSession;
  signal: AbortSignal;
  maxInFlight: number;
  /** A sender chatbench took away (an absence, a takeover in progress): its sends due meanwhile are skipped. */
  away?: (user: string) => boolean;
  /** How the pacer sleeps (held by the caller, who releases it); absent: it takes the precise wake itself. */
  wake?: Wake;
}

export class Sender {
  inFlight = 0;
  /** Sends due while their sender was away: not sent, so not expected of anyone. */
  skipped = 0;
  readonly #seqs: Uint32Array;
  /** Each send's payload size, in send order (fixed, or drawn with the scenario's seed). */
  readonly #nextSize: () => number;

  constructor(private readonly options: SendOptions) {
    // By stream id: a shard's streams keep the scenario's ids.
    this.#seqs = new Uint32Array(streamsById(options.plan.streams).length);
    this.#nextSize = sizeDrawer(options.spec);
  }

  /** Sends so far. */
  get sent(): number {
    let n = 0;
    for (const s of this.#seqs) n += s;
    return n;
  }

  /** Runs the schedule; resolves with the number of sends fired. */
  run(): Promise<number> {
    const { spec, startMicros, schedule, signal, maxInFlight } = this.options;
    return pace({
      startMicros,
      deadlineMicros: startMicros + (spec.durationMs + spec.connect.timeoutMs) * 1000,
      ratePerSecond: spec.rate,
      count: schedule.count,
      offsetMicros: (i) => schedule.at(i),
      signal,
      saturated: () => this.inFlight >= maxInFlight,
      ...(spec.pacing === undefined ? {} : { pollWithinMicros: spec.pacing.pollWithinMicros }),
      ...(this.options.wake === undefined ? {} : { wake: this.options.wake }),
      fire: (index, intended) => this.#fire(index, intended),
    });
  }

  #fire(index: number, intended: number): void {
    const { plan, recorder, sessionOf, sends } = this.options;
    const streamIndex = this.options.schedule.stream?.(index) ?? index % plan.streams.length;
    const stream = plan.streams[streamIndex] as Stream;
    // Skipped before a seq is taken: each stream's seqs stay 0, 1, 2, ... without holes.
    if (this.options.away?.(stream.sender) === true) {
      this.skipped++;
      return;
    }
    const seq = this.#seqs[stream.id] as number;
    this.#seqs[stream.id] = seq + 1;
    const payload = encodeMessage(
      { runTag: recorder.tag, streamId: stream.id, seq, intendedSendMicros: intended, actualSendMicros: 0, flags: recorder.flagsFor(intended) },
      this.#nextSize(),
    );
    const actual = nowMicros();
    stampActualSendTime(payload, actual);
    recorder.sent(stream, seq, intended, actual);
    this.inFlight++;
    send(sessionOf(stream.sender), stream, payload, this.options.spec.retained !== undefined).then(
      () => {
        this.inFlight--;
        recorder.acknowledged(stream, seq);
      },
      (error: unknown) => {
        this.inFlight--;
        // A send the server may still have (written, not refused) stays owed: it arrives late or is
        // counted undelivered, and its latency is censored; only a send that never left or was
        // refused stops being expected.
        if (!(error instanceof SendIncompleteError && error.mayBeDelivered)) recorder.sendFailed(stream, seq);
        sends.record(error);
      },
    );
  }
}

/** `retain`: room messages are kept as the room's last for later joiners (scenario option `retained`). */
function send(session: ChatSession, stream: Stream, payload: Uint8Array, retain: boolean): Promise<void> {
  const d = stream.destination;
  if (d.kind === 'direct') return session.sendToUser(d.user, payload, stream.level);
  return retain ? session.sendToRoom(d.room, payload, stream.level, { retain: true }) : session.sendToRoom(d.room, payload, stream.level);
}
