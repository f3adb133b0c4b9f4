/**
 * The measured figures a result carries, shared by every result kind that measures:
 * latency summaries (HDR, censored), throughput, delivery counters, wire bytes.
 *
 * Units: latencies in microseconds ("us"), durations in seconds, sizes in bytes.
 */
import { z } from 'zod';
import { count } from './fields.js';

/**
 * A latency distribution. The HDR histogram (`hdr`) records what arrived; `censored` counts
 * the owed deliveries that never arrived (they count as slower than the longest wait).
 * Percentiles are taken over arrived + censored: one that falls among the censored reads
 * `null`, meaning "more than `waited` µs" — never a small number. `min` and `mean` are over
 * what arrived. An empty summary (count 0, censored 0) has zeros.
 */
export const LatencySummary = z.object({
  unit: z.literal('us'),
  /** Samples recorded in the histogram (arrived and measured). */
  count: count(),
  /** Measured deliveries owed that never arrived; 0 for distributions without censoring (schedule lag, connect time). */
  censored: count(),
  /** Every censored delivery waited at least this long, µs (0 when censored is 0). */
  waited: z.number().nonnegative(),
  min: z.number(),
  mean: z.number(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  p999: z.number().nullable(),
  max: z.number().nullable(),
  /** HDR histogram, compressed and base64-encoded (hdr-histogram-js encodeIntoCompressedBase64). */
  hdr: z.string(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;
export const PERCENTILE_KEYS = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
export type PercentileKey = (typeof PERCENTILE_KEYS)[number];

export const Throughput = z.object({
  sent: count(),
  delivered: count(),
  /** Length of the measurement window (after warm-up, until the last send), seconds. */
  durationSeconds: z.number().nonnegative(),
  sentPerSecond: z.number().nonnegative(),
  deliveredPerSecond: z.number().nonnegative(),
  /** Deliveries in each whole second of the measurement window, in order. */
  series: z.array(count()),
});
export type Throughput = z.infer<typeof Throughput>;

/**
 * Per (stream, receiver) delivery counters. A missing delivery is either
 * - lost: with evidence that the server dropped it — the receiver got later messages of the
 *   same stream, its connection stayed up, and the server had acknowledged the send; or
 * - undelivered: still outstanding when chatbench stopped waiting (a tail the server may still
 *   hold, a send never acknowledged, a receiver whose session ended): not a protocol violation.
 */
export const DeliveryCounts = z.object({
  expected: count(),
  delivered: count(),
  lost: count(),
  undelivered: count(),
  duplicated: count(),
  reordered: count(),
  /**
   * Not owed, so in neither expected nor missing: sent while the receiver was away at a level the
   * protocol does not keep for it, or dropped by chatbench's own fault proxy. Absent: none.
   */
  excused: count().optional(),
  /** Of `duplicated`, copies chatbench's fault proxy made itself (not held against the server). Absent: none. */
  injectedDuplicates: count().optional(),
});
export type DeliveryCounts = z.infer<typeof DeliveryCounts>;

export const LevelDelivery = DeliveryCounts.extend({
  /** What the protocol permits at this level: e.g. QoS 0 may lose, QoS 1 may duplicate. */
  allowed: z.object({ lost: z.boolean(), duplicated: z.boolean(), reordered: z.boolean() }),
  /** Lost, duplicated and reordered messages that the protocol does not permit at this level. */
  violations: count(),
});
export type LevelDelivery = z.infer<typeof LevelDelivery>;

export const Delivery = DeliveryCounts.extend({
  violations: count(),
  /** Sends the client reported as not completed (not counted as expected). */
  sendErrors: count(),
  byQos: z.object({ '0': LevelDelivery.optional(), '1': LevelDelivery.optional(), '2': LevelDelivery.optional() }),
});
export type Delivery = z.infer<typeof Delivery>;

const Bytes = z.object({ bytesOut: count(), bytesIn: count() });

/** Bytes per connection per minute: fractions, not counts. */
const Rate = z.object({ bytesOut: z.number().nonnegative(), bytesIn: z.number().nonnegative() });

/**
 * The idle phase (scenario option `idle`): users connected after the readiness barrier and
 * nothing sent, so what crossed the wire is the keep-alive (and whatever the server pushes
 * unasked). Per connection per minute, so runs of different lengths and sizes compare.
 */
export const IdleCost = z.object({
  /** How long the phase lasted, seconds (the option, or less when the run was stopped). */
  seconds: z.number().nonnegative(),
  /** Connections open when the phase began. */
  connections: count(),
  /**
   * The keep-alive interval the sessions ran at, seconds (the smallest, when the server set
   * different ones); null when the driver reports none. A phase shorter than it sees no keep-alive.
   */
  keepAliveSeconds: z.number().nonnegative().nullable(),
  perConnectionPerMinute: Rate,
});
export type IdleCost = z.infer<typeof IdleCost>;

export const Wire = z.object({
  bytesOut: count(),
  bytesIn: count(),
  /**
   * Split by phase: handshake (connect until the readiness barrier: connects, inboxes, room
   * joins), steady (sending and draining); with an idle phase, idle (between the two); close
   * (the goodbyes after the drain), when the scenario got that far. The phases add up to the totals.
   */
  phases: z.object({ handshake: Bytes, steady: Bytes, idle: Bytes.optional(), close: Bytes.optional() }),
  /** The idle phase's keep-alive cost; absent when the scenario had no idle phase. */
  idle: IdleCost.optional(),
});
export type Wire = z.infer<typeof Wire>;
