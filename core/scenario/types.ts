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
/** Figures of the chat patterns (core/result/patterns.ts), read only from scenarios that asked for the pattern. */
export const PATTERN_LATENCY_METRICS = [
  'presence.p50', 'presence.p99', 'presence.max', 'retained.p50', 'retained.p99', 'retained.max', 'catchUp.p50', 'catchUp.p99', 'catchUp.max',
] as const;
export const PATTERN_COUNT_METRICS = [
  'presence.missing', 'wills.missing', 'wills.afterCleanDisconnect', 'wills.early', 'retained.missing', 'retained.stale',
  'absences.notCaughtUp', 'absences.notResumed', 'takeover.notClosed',
] as const;
export type ThresholdMetric =
  | (typeof LATENCY_METRICS)[number]
  | (typeof SERVICE_METRICS)[number]
  | (typeof COUNT_METRICS)[number]
  | (typeof PATTERN_LATENCY_METRICS)[number]
  | (typeof PATTERN_COUNT_METRICS)[number];

/** `pacing: poll` (or `{ poll: 2ms }`): how near the next send must be for the pacer to stay awake. */
export interface PacingSpec {
  pollWithinMicros: number;
}

/** `pacing: poll` without a window: the next send within 600 µs keeps the pacer awake. */
export const DEFAULT_POLL_WITHIN_MICROS = 600;
/** The widest poll window a scenario may ask for. */
export const MAX_POLL_WITHIN_MICROS = 100_000;

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
  /** sourceAddresses: local addresses the users' connections are spread over, round-robin (absent: the system's choice). */
  connect: { concurrency: number; timeoutMs: number; rate?: number; sourceAddresses?: readonly string[] };
  thresholds: ThresholdSpec[];
  /**
   * After the readiness barrier and before the first send, users stay connected with nothing
   * sent for this long, so the keep-alive traffic alone is measured on the wire. Absent (or 0):
   * no idle phase. Optional so that specs built before the option existed stay valid.
   */
  idleMs?: number;
  /** How sends are spread; absent: constant (send i at i / rate), as before the option existed. */
  arrival?: ArrivalSpec;
  /** The pacer stays awake (yields to I/O) when the next send is due within pollWithinMicros; absent: it sleeps. */
  pacing?: PacingSpec;
  /** The send phase as steady and ramping stretches; then durationMs is their sum and rate their peak. */
  phases?: PhaseSpec[];
  /** Think time: every sender stream sends once per thinkMs from a random start; rate is then senders / think. */
  thinkMs?: number;
  /** Per-message sizes; absent: every message is payloadBytes (then the largest size a draw can give). */
  payloadSizes?: SizeDistribution;
  /** Seed of the random draws (Poisson gaps, sizes); absent: 1. */
  seed?: number;

  // ---- Chat patterns and edge cases (issue 10). All optional: absent means "not asked for". ----

  /**
   * Rooms by size (YAML `rooms` as a list): groups of equally sized rooms, e.g. many small and a
   * few large. When present, `rooms` holds the total count and the largest size.
   */
  roomSizes?: { count: number; members: number }[];
  /** Random peers: every user writes to this many partners drawn at random (seeded), one stream per partner. */
  randomPeers?: number;
  /** Fan-in: users u0..u(receivers-1) only receive; every other user writes to one of them (round-robin). */
  fanIn?: { receivers: number };
  /** Topic naming: plain (default); long (every topic padded to about `bytes`); unicode (emoji and non-Latin names). */
  topics?: { style: 'plain' | 'long' | 'unicode'; bytes?: number };
  /** MQTT 5 Receive Maximum each client announces: the server keeps at most this many QoS 1/2 deliveries unacknowledged per client. */
  receiveMaximum?: number;
  /** Sends handed to the client and not yet completed, past which chatbench's pacer waits (default 20,000). */
  maxInFlight?: number;
  /**
   * Sessions the server keeps across disconnects (3.1.1 Clean Session 0; 5.0 Clean Start 0 with a
   * Session Expiry Interval). Set by `session: persistent`, and implied by `offline` and by
   * `disconnect` faults that reconnect. Absent: clean sessions.
   */
  session?: SessionSpec;
  /** Presence: retained online/offline statuses, watchers, and wills on abrupt drops (an episode before sending). */
  presence?: PresenceSpec;
  /** Retained room: room messages are sent retained; after the drain, late joiners must see each room's last message. */
  retained?: { lateJoiners: number };
  /** Offline inbox: a share of users leave cleanly (session kept) during sending and come back; what queued must arrive. */
  offline?: OfflineSpec;
  /** Session takeover: a second device connects with the same identity; the server must close the first. */
  takeover?: { share: number; atMs: number };
  /** Faults chatbench injects itself (times from the start of the send phase). */
  faults?: FaultSpec[];
}

export interface SessionSpec {
  persistent: boolean;
  /** MQTT 5 Session Expiry Interval asked for, ms (3.1.1 has none: the server keeps the session until a clean connect). */
  expiryMs: number;
  /** MQTT 5 Message Expiry Interval put on every chat message, ms; absent: none. */
  messageExpiryMs?: number;
}

export interface PresenceSpec {
  /** Each user's presence is watched by this many other users (its buddies). */
  watchers: number;
  /** Share (0..1) of users that go offline during the episode and come back online. */
  offlineShare: number;
  /** Of those, the share (0..1) that drop abruptly (their will must fire); the rest leave cleanly (no will may fire). */
  abruptShare: number;
  /** How long the users that went offline stay away before coming back. */
  awayMs: number;
  /** How long chatbench waits for every presence update and will before counting it missing. */
  waitMs: number;
  /** MQTT 5 Will Delay Interval: the will may not fire sooner than this after the drop. */
  willDelayMs?: number;
}

export interface OfflineSpec {
  /** Share (0..1) of the receiving users that go offline. */
  share: number;
  /** When they leave, from the start of the send phase. */
  atMs: number;
  /** How long they stay away. */
  forMs: number;
}

/** A fault chatbench injects; times are from the start of the send phase. */
export type FaultSpec =
  | {
      /** Abrupt socket close (no DISCONNECT; wills fire): a share of users at one moment, or users at a rate over a window. */
      kind: 'disconnect';
      share?: number;
      rate?: number;
      atMs: number;
      /** With `rate`: how long the drops go on. */
      forMs?: number;
      /** Each dropped user reconnects at a random moment within this long (resuming its session when persistent); null: it stays away. */
      reconnectWithinMs: number | null;
    }
  | {
      /** Slow consumer: these users stop reading their socket for forMs (the server's queue to them grows). */
      kind: 'slow-consumer';
      users: number;
      atMs: number;
      forMs: number;
    }
  | {
      /** A loopback proxy chatbench runs between its clients and the target for the whole scenario. */
      kind: 'network';
      delayMs: number;
      jitterMs: number;
      /** Share (0..1) of the server's QoS 0 chat deliveries the proxy drops. */
      loss: number;
      /** Share (0..1) of the server's QoS 0 and 1 chat deliveries the proxy sends twice. */
      duplicate: number;
    };

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
  /** sha256 (hex) of the file's bytes (of the text's UTF-8, for text given inline): shards of one run must read the same file. */
  digest?: string;
  /** null when neither the file nor the command line names one: the embedded broker is used. */
  target: TargetSpec | null;
  /** Set when the file asks chatbench to start a local server (then target is null until it runs). */
  start?: LocalStart | null;
  scenarios: ScenarioSpec[];
}
