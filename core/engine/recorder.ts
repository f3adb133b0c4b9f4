/**
 * Where a scenario's inbound messages and send outcomes land: header decoded, delivery tracked
 * per (stream, receiver), acknowledgements per send, latency recorded from the intended and the
 * actual send time for messages sent after warm-up, deliveries counted per second, and the time
 * the server last made progress (a delivery or an acknowledgement). Keeps no raw samples.
 */
import type { DeliveryLevel, InboundMessage, InjectedDelivery } from '../driver.js';
import {
  DeliveryTracker,
  HeaderFlag,
  ThroughputMeter,
  createLatencyHistogram,
  createLatencyPair,
  decodeHeader,
  recordDelivery,
  recordMicros,
  runTag,
  type Censoring,
  type LatencyPair,
} from '../metrics/index.js';
import { streamsById, type Stream } from './plan.js';

export class Recorder {
  readonly tracker = new DeliveryTracker();
  readonly latency: LatencyPair = createLatencyPair();
  /** How late each measured send left against its intended time: the load generator's own lag. */
  readonly scheduleLag = createLatencyHistogram();
  readonly throughput: ThroughputMeter;
  readonly tag: Uint8Array;
  /** Messages that were not this run's (foreign or garbled payloads). */
  foreign = 0;
  /** A sender's own room message coming back (MQTT 3.1.1 has no No Local). */
  echoes = 0;
  /** First deliveries so far (each message once per receiver). */
  delivered = 0;
  /**
   * Signs of progress from the server so far (deliveries of this run and acknowledgements): a
   * counter, so the hot path reads no clock; the drain and the stall watch note when it moves.
   */
  progress = 0;
  /** Intended and actual send time of the last measured send, µs: censored deliveries are no younger. */
  #lastIntended = 0;
  #lastActual = 0;
  /** By id (a shard's streams keep the scenario's ids). */
  readonly #streams: readonly (Stream | undefined)[];
  readonly #measureFromMicros: number;
  /** Per stream id: 1 once its first measured send went out. */
  readonly #measuring: Uint8Array;

  /** `grantedTo` gives the level the server granted a receiver's subscription for a stream. */
  constructor(
    runId: string,
    streams: readonly Stream[],
    measureFromMicros: number,
    grantedTo?: (stream: Stream, receiver: string) => DeliveryLevel,
  ) {
    this.tag = runTag(runId);
    this.#streams = streamsById(streams);
    this.#measureFromMicros = measureFromMicros;
    this.throughput = new ThroughputMeter(measureFromMicros);
    this.#measuring = new Uint8Array(this.#streams.length);
    for (const s of streams) this.tracker.addStream(s.id, s.level, s.receivers, grantedTo && ((r) => grantedTo(s, r)));
  }

  /** Header flags for a send due at `intendedMicros`: warm-up sends are delivered and tracked, not measured. */
  flagsFor(intendedMicros: number): number {
    return intendedMicros < this.#measureFromMicros ? HeaderFlag.warmup : 0;
  }

  /**
   * A send is being handed to the client at `actualMicros`; `intendedMicros` decides whether
   * it is measured. How late it goes out against the schedule is chatbench's own delay.
   */
  sent(stream: Stream, seq: number, intendedMicros: number, actualMicros: number): void {
    this.tracker.sent(stream.id, seq);
    if (intendedMicros < this.#measureFromMicros) return;
    if (this.#measuring[stream.id] === 0) {
      this.#measuring[stream.id] = 1;
      this.tracker.measuredFrom(stream.id, seq);
    }
    this.#lastIntended = intendedMicros;
    this.#lastActual = actualMicros;
    this.throughput.sent();
    recordMicros(this.scheduleLag, actualMicros - intendedMicros);
  }

  /** The protocol completed the send (acknowledged by the server): evidence for loss, and progress. */
  acknowledged(stream: Stream, seq: number): void {
    this.tracker.acknowledged(stream.id, seq);
    this.progress++;
  }

  sendFailed(stream: Stream, seq: number): void {
    this.tracker.sendFailed(stream.id, seq);
  }

  /** Deliveries still owed; zero means the drain can stop. */
  get outstanding(): number {
    return this.tracker.owed;
  }

  /**
   * The censoring of the latency and service-time summaries when chatbench stopped waiting at
   * `stoppedMicros` with `censored` measured deliveries missing: none of them was sent after the
   * last measured send, so each waited at least from that send until then.
   */
  censoring(censored: number, stoppedMicros: number): { latency: Censoring; serviceTime: Censoring } {
    const intended = this.#lastIntended;
    const actual = this.#lastActual;
    return {
      latency: { censored, waited: censored > 0 ? Math.max(0, stoppedMicros - intended) : 0 },
      serviceTime: { censored, waited: censored > 0 ? Math.max(0, stoppedMicros - actual) : 0 },
    };
  }

  /**
   * Chatbench's fault proxy dropped or doubled a delivery on its way to `event.receiver`: the
   * tracker judges delivery with it in mind. Not this run's message, or a sender's own echo: nothing owed, nothing to note.
   */
  injected(event: InjectedDelivery): void {
    const header = decodeHeader(event.payload, this.tag);
    if (header === null || this.#streams[header.streamId]?.sender === event.receiver) return;
    this.tracker.injected(header.streamId, event.receiver, header.seq, event.action);
  }

  /** The handler every connected user's inbound messages go to. */
  receive(receiver: string, message: InboundMessage): void {
    const header = decodeHeader(message.payload, this.tag);
    if (header === null) {
      this.foreign++;
      return;
    }
    this.progress++;
    const stream = this.#streams[header.streamId];
    if (stream !== undefined && stream.sender === receiver) {
      this.echoes++;
      return;
    }
    const outcome = this.tracker.received(header.streamId, receiver, header.seq);
    if (outcome !== 'new') return;
    this.delivered++;
    // The sender marked warm-up messages in the header: the receiver needs no clock of its own for it.
    if ((header.flags & HeaderFlag.warmup) !== 0) return;
    recordDelivery(this.latency, message.receivedAt, header.intendedSendMicros, header.actualSendMicros);
    this.throughput.delivered(message.receivedAt);
  }
}
