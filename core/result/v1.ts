/**
 * The result contract of schemaVersion 1, kept to read old files: read.ts validates a version 1
 * file against these definitions, then upgrade-v1.ts turns it into version 2. Nothing writes
 * version 1 any more. (Units: latencies in microseconds, durations in seconds, sizes in bytes.)
 */
import { z } from 'zod';

export const RESULT_SCHEMA_VERSION = 1 as const;

export const LatencySummary = z.object({
  unit: z.literal('us'),
  count: z.number().int().nonnegative(),
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
  /** HDR histogram, compressed and base64-encoded (hdr-histogram-js encodeIntoCompressedBase64). */
  hdr: z.string(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;

export const Throughput = z.object({
  sent: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  /** Length of the measurement window (after warm-up, until the last send), seconds. */
  durationSeconds: z.number().nonnegative(),
  sentPerSecond: z.number().nonnegative(),
  deliveredPerSecond: z.number().nonnegative(),
  /** Deliveries in each whole second of the measurement window, in order. */
  series: z.array(z.number().int().nonnegative()),
});
export type Throughput = z.infer<typeof Throughput>;

export const DeliveryCounts = z.object({
  expected: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  duplicated: z.number().int().nonnegative(),
  reordered: z.number().int().nonnegative(),
});
export type DeliveryCounts = z.infer<typeof DeliveryCounts>;

export const LevelDelivery = DeliveryCounts.extend({
  /** What the protocol permits at this level: e.g. QoS 0 may lose, QoS 1 may duplicate. */
  allowed: z.object({ lost: z.boolean(), duplicated: z.boolean(), reordered: z.boolean() }),
  /** Lost, duplicated and reordered messages that the protocol does not permit at this level. */
  violations: z.number().int().nonnegative(),
});
export type LevelDelivery = z.infer<typeof LevelDelivery>;

export const Delivery = DeliveryCounts.extend({
  violations: z.number().int().nonnegative(),
  /** Sends the client reported as failed (not counted as expected). */
  sendErrors: z.number().int().nonnegative(),
  byQos: z.object({ '0': LevelDelivery.optional(), '1': LevelDelivery.optional(), '2': LevelDelivery.optional() }),
});
export type Delivery = z.infer<typeof Delivery>;

export const Wire = z.object({
  bytesOut: z.number().int().nonnegative(),
  bytesIn: z.number().int().nonnegative(),
  /** Split by phase: connect + subscribe handshakes, steady traffic (sending and draining). */
  phases: z.object({
    handshake: z.object({ bytesOut: z.number().int().nonnegative(), bytesIn: z.number().int().nonnegative() }),
    steady: z.object({ bytesOut: z.number().int().nonnegative(), bytesIn: z.number().int().nonnegative() }),
  }),
});
export type Wire = z.infer<typeof Wire>;

export const ThresholdVerdict = z.object({
  expression: z.string(),
  /** The measured value, in the unit the expression uses (ms for latency written in ms). */
  actual: z.number().nullable(),
  /** Unit of `actual`: "us", "ms" or "s" for latency thresholds, "" for counts and rates. */
  unit: z.string(),
  passed: z.boolean(),
});
export type ThresholdVerdict = z.infer<typeof ThresholdVerdict>;

/** The `spec` record version 1 wrote (core/scenario ScenarioSpec of that version, untyped in the file). */
export const V1Spec = z.object({
  name: z.string(),
  description: z.string(),
  users: z.number().int().nonnegative(),
  rooms: z.object({ count: z.number().int().nonnegative(), members: z.number().int().nonnegative() }),
  directPairs: z.number().int().nonnegative(),
  rate: z.number().nonnegative(),
  payloadBytes: z.number().int().nonnegative(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  durationMs: z.number().int().nonnegative(),
  messages: z.number().int().nonnegative().nullable(),
  warmupMs: z.number().int().nonnegative(),
  drainMs: z.number().int().nonnegative(),
  connect: z.object({ concurrency: z.number().int().nonnegative(), timeoutMs: z.number().int().nonnegative() }),
  thresholds: z.array(z.object({
    expression: z.string(),
    metric: z.string(),
    comparator: z.enum(['<', '<=', '>', '>=', '==', '!=']),
    value: z.number(),
  })),
});

export const ScenarioResult = z.object({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'aborted']),
  /** Why the scenario failed or was aborted, in words; empty when passed. */
  reasons: z.array(z.string()),
  startedAt: z.string(),
  users: z.number().int().nonnegative(),
  rooms: z.number().int().nonnegative(),
  qos: z.number().int().min(0).max(2),
  payloadBytes: z.number().int().nonnegative(),
  targetRate: z.number().nonnegative(),
  /** The scenario as run, defaults applied (core/scenario ScenarioSpec). */
  spec: z.record(z.string(), z.unknown()),
  latency: LatencySummary,
  serviceTime: LatencySummary,
  /**
   * How late chatbench handed each measured send to the client against its intended time
   * (its own lag as a load generator). Large values mean the generator, not the server,
   * fell behind: add workers or lower the rate.
   */
  scheduleLag: LatencySummary,
  throughput: Throughput,
  delivery: Delivery,
  wire: Wire,
  /** Users connected, and connections that ended without chatbench asking (server gone, kicked). */
  connections: z.object({
    opened: z.number().int().nonnegative(),
    /** Per user: from the connect call until the session and its inbox were ready (CONNACK + SUBACK). */
    connectTime: LatencySummary,
    /**
     * Subscriptions (room joins and inboxes) the server granted below the scenario's QoS.
     * Their deliveries are counted and judged at the granted level (byQos), as the protocol
     * delivers at the lower of the published and the granted QoS.
     */
    downgraded: z.number().int().nonnegative(),
    lost: z.number().int().nonnegative(),
    /** The first few losses, "user: reason". */
    lostReasons: z.array(z.string()),
  }),
  thresholds: z.array(ThresholdVerdict),
});
export type ScenarioResult = z.infer<typeof ScenarioResult>;

export const Target = z.object({
  /** URL with credentials removed; "embedded" runs show the loopback URL of the in-process broker. */
  url: z.string(),
  protocol: z.enum(['mqtt', 'xmpp']),
  protocolVersion: z.string(),
  embedded: z.boolean(),
  tcpNoDelay: z.boolean(),
});
export type Target = z.infer<typeof Target>;

export const RunResult = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  kind: z.literal('run'),
  tool: z.object({ name: z.literal('chatbench'), version: z.string() }),
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Set when the run stopped early (signal, unreachable target, phase timeout): what was measured is kept. */
  aborted: z.string().nullable(),
  target: Target,
  /** The scenario file as run, after defaults were applied (plain data). */
  scenarioFile: z.string().nullable(),
  /** Names of the scenarios this run set out to run, in order; `scenarios` has those that ran. */
  selected: z.array(z.string()),
  scenarios: z.array(ScenarioResult),
  environment: z.object({ node: z.string(), platform: z.string(), arch: z.string(), cpus: z.number() }),
});
export type RunResult = z.infer<typeof RunResult>;
