/**
 * The body of a `kind: "run"` result: the scenarios as run and, per scenario, what was
 * measured and judged. Documented field by field in docs/result-format.md.
 */
import { z } from 'zod';
import { envelopeFields } from './envelope.js';
import { count, level } from './fields.js';
import { Reason } from './reasons.js';
import { AbsenceFigures, FaultFigures, PresenceFigures, RetainedFigures, TakeoverFigures } from './patterns.js';
import { Delivery, LatencySummary, Throughput, Wire } from './summary.js';

/** A threshold as parsed: its value in the metric's base unit, and the unit it was written in. */
const ThresholdRecord = z.object({
  expression: z.string(),
  metric: z.string(),
  comparator: z.enum(['<', '<=', '>', '>=', '==', '!=']),
  /** In the metric's base unit: µs for latency, plain numbers otherwise. */
  value: z.number(),
  /** The unit the expression was written in ("ms", "us", "s", "%", "/s", or "" for plain numbers). */
  unit: z.string(),
});

/** The scenario as run, defaults applied, units normalised (ms, msg/s, bytes). */
export const ScenarioSpecRecord = z.object({
  name: z.string(),
  description: z.string(),
  users: count(),
  rooms: z.object({ count: count(), members: count() }),
  directPairs: count(),
  rate: z.number().nonnegative(),
  payloadBytes: count(),
  qos: level,
  durationMs: count(),
  messages: count().nullable(),
  warmupMs: count(),
  /** The drain ends after this long without progress (no delivery, no acknowledgement)... */
  drainMs: count(),
  /** ...or after this long in all, whichever comes first. */
  drainMaxMs: count(),
  /** No acknowledgement and no delivery for this long while work is owed: the server stalled (abort). */
  stallTimeoutMs: count(),
  /**
   * rate: the connection ramp, users per second (absent: none). sources: the local addresses the
   * connections were spread over (connect.sourceAddresses), as how many and the first and last.
   */
  connect: z.object({
    concurrency: count(),
    timeoutMs: count(),
    rate: z.number().positive().optional(),
    sources: z.object({ count: count(), first: z.string(), last: z.string() }).optional(),
  }),
  thresholds: z.array(ThresholdRecord),
  /** The idle phase after the readiness barrier (nothing sent), ms; absent when the scenario has none. */
  idleMs: count().optional(),
  /** How sends were spread: absent means constant (evenly); poisson: seeded exponential gaps at the rate or along the phases. */
  arrival: z.object({ kind: z.enum(['constant', 'poisson']) }).optional(),
  /**
   * The pacer stayed awake when the next send was due within pollWithinMicros (scenario option
   * `pacing: poll`); absent: it slept. Results written before the window was settable say 'poll' (600 µs).
   */
  pacing: z.union([z.object({ pollWithinMicros: count() }), z.literal('poll')]).optional(),
  /** The send phase as stretches (rates in msg/s, linear from fromRate to toRate); then durationMs is their sum and rate their peak. */
  phases: z.array(z.object({ durationMs: count(), fromRate: z.number().nonnegative(), toRate: z.number().nonnegative() })).optional(),
  /** Think time: every sender stream sent once per thinkMs from a seeded random start; rate is senders / think. */
  thinkMs: count().optional(),
  /** Per-message sizes (bytes, header included); absent: every message is payloadBytes (else its largest size). */
  payloadSizes: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('uniform'), min: count(), max: count() }),
      z.object({ kind: z.literal('weighted'), choices: z.array(z.object({ bytes: count(), weight: z.number().positive() })) }),
    ])
    .optional(),
  /** Seed of the random draws (poisson gaps, sizes); present when a draw was made. */
  seed: count().optional(),
  // ---- Chat patterns, edge cases and faults (core/scenario/types.ts): each present only when asked for. ----
  /** Rooms by size, r0.. in this order (then rooms holds the total count and the largest size). */
  roomSizes: z.array(z.object({ count: count(), members: count() })).optional(),
  /** Each user wrote to this many partners drawn from the seed. */
  randomPeers: count().optional(),
  /** u0..u(receivers-1) only received; every other user wrote to one of them. */
  fanIn: z.object({ receivers: count() }).optional(),
  /** Topic naming other than plain: long (padded to about `bytes`) or unicode names. */
  topics: z.object({ style: z.enum(['plain', 'long', 'unicode']), bytes: count().optional() }).optional(),
  /** MQTT 5 Receive Maximum every client announced. */
  receiveMaximum: count().optional(),
  /** The pacer's limit on sends not yet completed. */
  maxInFlight: count().optional(),
  /** Sessions kept across disconnects (written, or implied by offline / reconnecting disconnect faults); ms. */
  session: z.object({ persistent: z.boolean(), expiryMs: count(), messageExpiryMs: count().optional() }).optional(),
  /** The presence episode: shares 0..1, times in ms. */
  presence: z
    .object({
      watchers: count(), offlineShare: z.number().min(0).max(1), abruptShare: z.number().min(0).max(1),
      awayMs: count(), waitMs: count(), willDelayMs: count().optional(),
    })
    .optional(),
  retained: z.object({ lateJoiners: count() }).optional(),
  /** Offline inbox: this share of the receiving users away from atMs for forMs. */
  offline: z.object({ share: z.number().min(0).max(1), atMs: count(), forMs: count() }).optional(),
  takeover: z.object({ share: z.number().min(0).max(1), atMs: count() }).optional(),
  /** Faults chatbench injected (times from the start of the send phase, ms; shares 0..1). */
  faults: z
    .array(
      z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('disconnect'), share: z.number().min(0).max(1).optional(), rate: z.number().positive().optional(),
          atMs: count(), forMs: count().optional(), reconnectWithinMs: count().nullable(),
        }),
        z.object({ kind: z.literal('slow-consumer'), users: count(), atMs: count(), forMs: count() }),
        z.object({
          kind: z.literal('network'), delayMs: count(), jitterMs: count(),
          loss: z.number().min(0).max(1), duplicate: z.number().min(0).max(1),
        }),
      ]),
    )
    .optional(),
});
export type ScenarioSpecRecord = z.infer<typeof ScenarioSpecRecord>;

export const ThresholdVerdict = z.object({
  expression: z.string(),
  /**
   * The measured value in the unit the expression uses (ms for latency written in ms); null
   * when nothing was measured, or when the value lies among censored deliveries (`censored`).
   */
  actual: z.number().nullable(),
  unit: z.string(),
  /** The percentile fell among deliveries that never arrived: more than `actual`... is unknown, it is "> waited". */
  censored: z.boolean(),
  passed: z.boolean(),
});
export type ThresholdVerdict = z.infer<typeof ThresholdVerdict>;

/** How a connection that chatbench did not end came to an end (core/driver.ts ConnectionEnd). */
const ConnectionEndRecord = z.object({
  user: z.string(),
  by: z.enum(['server', 'network', 'chatbench']),
  cause: z.string(),
  code: z.number().int().optional(),
});

export const Connections = z.object({
  opened: count(),
  /** Per user: from the connect call until the session and its inbox were ready. */
  connectTime: LatencySummary,
  /** Subscriptions (room joins and inboxes) granted below the level asked; judged at the granted level. */
  downgraded: count(),
  /** Each downgrade by asked and granted level. */
  downgrades: z.array(z.object({ asked: level, granted: level, count: count() })),
  /** Connections that ended without chatbench asking. */
  lost: count(),
  /** Of `lost`, how many each party ended. */
  lostBy: z.object({ server: count(), network: count(), chatbench: count() }),
  /** The first few ends, with who and why. */
  ends: z.array(ConnectionEndRecord),
});

/** Sends that did not complete, grouped by what was missing and why chatbench stopped expecting it. */
export const Sends = z.object({
  failed: count(),
  unfinished: z.array(z.object({
    awaiting: z.string(),
    because: z.enum(['connection-closed', 'stopped-waiting', 'refused']),
    count: count(),
  })),
});

/** How the drain after the last send ended. */
export const Drain = z.object({
  /**
   * all-delivered: nothing was owed any more; quiet: nothing arrived for `drainMs`; cap: the
   * drain reached `drainMaxMs`; stall: the server stopped responding; interrupted: a signal or
   * every connection lost cut it short.
   */
  endedBy: z.enum(['all-delivered', 'quiet', 'cap', 'stall', 'interrupted']),
  seconds: z.number().nonnegative(),
  owedAtStart: count(),
  owedAtEnd: count(),
});

export const Anomaly = z.object({ kind: z.string(), detail: z.string(), seen: z.array(z.string()), count: count() });

export const ScenarioResult = z.object({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'aborted']),
  reasons: z.array(Reason),
  startedAt: z.string(),
  users: count(),
  rooms: count(),
  qos: level,
  payloadBytes: count(),
  targetRate: z.number().nonnegative(),
  spec: ScenarioSpecRecord,
  /** From the intended send time (no coordinated omission); censored by what never arrived. */
  latency: LatencySummary,
  /** From the actual send time. */
  serviceTime: LatencySummary,
  /** How late chatbench itself handed each measured send to the client: the generator's own lag. */
  scheduleLag: LatencySummary,
  throughput: Throughput,
  delivery: Delivery,
  drain: Drain,
  sends: Sends,
  wire: Wire,
  connections: Connections,
  /** Acknowledgement-flow anomalies seen on the wire, grouped by kind. */
  anomalies: z.array(Anomaly),
  thresholds: z.array(ThresholdVerdict),
  /** Pattern figures (core/result/patterns.ts): present when the scenario asked for the pattern. */
  presence: PresenceFigures.optional(),
  retained: RetainedFigures.optional(),
  absences: AbsenceFigures.optional(),
  takeover: TakeoverFigures.optional(),
  faults: FaultFigures.optional(),
  /** The client that carried this scenario's sessions, where the runner has more than one (MQTT: lean or mqttjs). */
  client: z.string().optional(),
});
export type ScenarioResult = z.infer<typeof ScenarioResult>;
export type Reasons = ScenarioResult['reasons'];

/**
 * A server chatbench started for the run (`--start`): its name and version, the CPU it used from
 * ready until the run ended (user + system), and its peak resident memory (Linux VmHWM).
 */
export const ServerUsage = z.object({
  name: z.string(),
  version: z.string(),
  cpuSeconds: z.number().nonnegative(),
  peakRssBytes: count(),
});
export type ServerUsage = z.infer<typeof ServerUsage>;

export const RunResult = z.object({
  ...envelopeFields,
  kind: z.literal('run'),
  /** Path of the scenario file the run read. */
  scenarioFile: z.string().nullable(),
  /** Names of the scenarios this run set out to run, in order; `scenarios` has those that ran. */
  selected: z.array(z.string()),
  scenarios: z.array(ScenarioResult),
  /** The server chatbench started and what it cost; null when chatbench started none (absent in older results). */
  server: ServerUsage.nullable().optional(),
  /** sha256 (hex) of the scenario file's bytes: shards and workers of one run must have read the same file. */
  scenarioDigest: z.string().optional(),
  /** The slice of the scenario file this result holds (`--shard i/n`, one of `--workers N`); index 0..count-1. Absent: the whole. */
  shard: z.object({ index: count(), count: count() }).optional(),
  /**
   * Set on a result merged from shard or worker results (`chatbench merge`, `--workers`): which
   * shards went into it, and per part its own schedule lag per scenario (lag stays per process).
   */
  merged: z
    .object({
      shards: z.array(z.object({ index: count(), count: count() })),
      parts: z.array(z.object({ shard: count(), scenarios: z.array(z.object({ name: z.string(), scheduleLag: LatencySummary })) })),
      /** Shard indices absent from a partial merge (`--allow-partial`): their share is not in the figures. */
      missing: z.array(count()).optional(),
    })
    .optional(),
});
export type RunResult = z.infer<typeof RunResult>;

/**
 * How the run as a whole ended, the verdict its exit code gates on: aborted when it stopped
 * early (or a scenario did not finish), failed when a scenario failed, else passed.
 */
export function runStatus(result: RunResult): 'passed' | 'failed' | 'aborted' {
  if (result.aborted !== null || result.scenarios.some((s) => s.status === 'aborted')) return 'aborted';
  return result.scenarios.every((s) => s.status === 'passed') ? 'passed' : 'failed';
}
