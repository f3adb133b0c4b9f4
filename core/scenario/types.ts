/**
 * Scenarios as the engine sees them: every default applied, every unit normalised
 * (durations in milliseconds, rates in messages per second, sizes in bytes).
 * core/scenario/schema.ts turns the YAML form (which accepts "10s", "500/s", "1KiB") into these.
 */
import type { DeliveryLevel } from '../driver.js';
import type { LatencyUnit } from './units.js';

/**
 * A target as its protocol's runner normalised it (core/target.ts picks the runner by the
 * URL's scheme). Core reads only url, protocol and protocolVersion; `fields` belong to the
 * runner (MQTT: mqttVersion, credentials' variable names, TLS files).
 */
export interface TargetSpec<F = unknown> {
  /** As written, credentials included: print it only through redactTargetUrl (core/target.ts). */
  url: string;
  /** The registered runner's name: "mqtt", "xmpp", ... */
  protocol: string;
  /** e.g. "3.1.1" or "5.0" for MQTT. */
  protocolVersion: string;
  fields: F;
}

/**
 * A local server chatbench starts for the run (`target: { start, protocol }`, or --start):
 * its URL is known only once it runs, so the target is resolved then (runners/local/).
 */
export interface LocalStart {
  /** The server's name as runners/local/ knows it. */
  server: string;
  /** The protocol to speak to it, when it serves more than one; undefined: its default. */
  protocol: string | undefined;
}

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A parsed threshold such as `p99 < 50ms`: latency metrics are compared in microseconds. */
export interface ThresholdSpec {
  /** The text as written, e.g. "p99 < 50ms". */
  expression: string;
  metric: ThresholdMetric;
  comparator: Comparator;
  /** In the metric's base unit: microseconds for latency metrics, plain numbers otherwise. */
  value: number;
  /** The unit as written, normalised ("μs"/"µs" -> "us"): the verdict reports `actual` in it. */
  unit: ThresholdUnit;
}

/** Units a threshold can be written in: a latency unit, "%" (lossRatio), "/s" (rates), "" (plain). */
export type ThresholdUnit = LatencyUnit | '%' | '/s' | '';

export const LATENCY_METRICS = ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'] as const;
export const SERVICE_METRICS = ['service.p50', 'service.p90', 'service.p99', 'service.p999', 'service.max'] as const;
export const COUNT_METRICS = [
  'sent', 'delivered', 'expected', 'lost', 'undelivered', 'duplicated', 'reordered', 'violations', 'sendErrors',
  'deliveredPerSecond', 'sentPerSecond', 'lossRatio', 'bytesPerDelivered',
] as const;
export type ThresholdMetric =
  | (typeof LATENCY_METRICS)[number]
  | (typeof SERVICE_METRICS)[number]
  | (typeof COUNT_METRICS)[number];

export interface ScenarioSpec {
  name: string;
  description: string;
  /** Number of chat users, u0..u(n-1). */
  users: number;
  /** Group rooms; each has `members` users (assigned round-robin); every member sends to it. */
  rooms: { count: number; members: number };
  /** Direct-message pairs (u0<->u1, u2<->u3, ...); each side sends to the other. */
  directPairs: number;
  /** Open model: messages per second across the whole scenario, at scheduled send times. */
  rate: number;
  /** Total payload size in bytes, chatbench header included. */
  payloadBytes: number;
  qos: DeliveryLevel;
  /** Sending stops after durationMs, or after `messages` sends, whichever comes first. */
  durationMs: number;
  messages: number | null;
  /** Sends in the first warmupMs are delivered and tracked but not measured for latency/throughput. */
  warmupMs: number;
  /** The drain after the last send ends after this long without progress (no delivery, no acknowledgement)... */
  drainMs: number;
  /** ...or after this long in all (a hard cap), whichever comes first; what is still missing then is undelivered. */
  drainMaxMs: number;
  /** While work is owed, no acknowledgement and no delivery for this long aborts the scenario (the server stalled). */
  stallTimeoutMs: number;
  /** rate: users start connecting at most this many per second (a ramp); absent: as fast as concurrency allows. */
  connect: { concurrency: number; timeoutMs: number; rate?: number };
  thresholds: ThresholdSpec[];
  /**
   * After the readiness barrier and before the first send, users stay connected with nothing
   * sent for this long, so the keep-alive traffic alone is measured on the wire. Absent (or 0):
   * no idle phase. Optional so that specs built before the option existed stay valid.
   */
  idleMs?: number;
  /** How sends are spread; absent: constant (send i at i / rate), as before the option existed. */
  arrival?: ArrivalSpec;
  /** The send phase as steady and ramping stretches; then durationMs is their sum and rate their peak. */
  phases?: PhaseSpec[];
  /** Think time: every sender stream sends once per thinkMs from a random start; rate is then senders / think. */
  thinkMs?: number;
  /** Per-message sizes; absent: every message is payloadBytes (then the largest size a draw can give). */
  payloadSizes?: SizeDistribution;
  /** Seed of the random draws (Poisson gaps, sizes); absent: 1. */
  seed?: number;
}

/** Open-model arrival processes: evenly spaced (constant) or exponential gaps (poisson), at the rate or along the phases. */
export type ArrivalSpec = { kind: 'constant' } | { kind: 'poisson' };

/** A stretch of the send phase: the rate moves linearly from fromRate to toRate (equal: steady). */
export interface PhaseSpec {
  durationMs: number;
  fromRate: number;
  toRate: number;
}

/** Message sizes in bytes, header included. */
export type SizeDistribution =
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'weighted'; choices: { bytes: number; weight: number }[] };

export interface ScenarioFile {
  /** Path of the file the scenarios came from (for messages), or "<inline>". */
  file: string;
  /** null when neither the file nor the command line names one: the embedded broker is used. */
  target: TargetSpec | null;
  /** Set when the file asks chatbench to start a local server (then target is null until it runs). */
  start?: LocalStart | null;
  scenarios: ScenarioSpec[];
}
