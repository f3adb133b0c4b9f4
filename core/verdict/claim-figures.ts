/**
 * The figures the MQTT-vs-XMPP claims are tested with, read from two run results: which
 * scenarios the two sides share (same name, same workload), how each scenario's traffic is
 * shaped (1:1, room), and the aggregations (bytes per message, per connection, per idle minute,
 * merged HDR percentiles, a rate sweep's highest sustained rate, the levels granted, the
 * server's own cost). Pure: numbers in, numbers out; claims.ts judges them.
 */
import { z } from 'zod';
import type { DeliveryLevel } from '../driver.js';
import { DELIVERY_LEVELS } from '../driver.js';
import { mergeSummaries } from '../metrics/index.js';
import type { LatencySummary, PercentileKey, RunResult, ScenarioResult } from '../result/index.js';
import { generatorLag } from './generator.js';

/** A side's figure: exact, or a lower bound (the true value is at least this). */
export interface Figure {
  value: number;
  atLeast: boolean;
}

export const exact = (value: number): Figure => ({ value, atLeast: false });

export type Side = 'mqtt' | 'xmpp';
export const SIDES: readonly Side[] = ['mqtt', 'xmpp'];
export const SIDE_NAME: Readonly<Record<Side, string>> = { mqtt: 'MQTT', xmpp: 'XMPP' };

/** One scenario both results ran with the same workload. */
export interface Pair {
  name: string;
  mqtt: ScenarioResult;
  xmpp: ScenarioResult;
}

/** How a scenario's messages travel: only 1:1, only rooms, or both (left out of the per-kind claims). */
export type Traffic = 'direct' | 'room' | 'mixed';

export function trafficOf(s: ScenarioResult): Traffic {
  const rooms = s.spec.rooms.count > 0 && s.spec.rooms.members >= 2;
  if (s.spec.directPairs > 0 && !rooms) return 'direct';
  if (rooms && s.spec.directPairs === 0) return 'room';
  return 'mixed';
}

/** The workload a scenario offers, payload and rate included: two scenarios compare when it is equal. */
function workloadKey(s: ScenarioResult, leaveOut: 'payload' | 'rate' | null = null): string {
  const { users, rooms, directPairs, payloadBytes, qos, rate } = s.spec;
  return JSON.stringify([users, rooms.count, rooms.members, directPairs, qos, leaveOut === 'payload' ? null : payloadBytes, leaveOut === 'rate' ? null : rate]);
}

/** Scenarios of both results with the same name and workload; those that differ, in words. */
export function pairScenarios(mqtt: RunResult, xmpp: RunResult): { pairs: Pair[]; unmatched: string[] } {
  const byName = new Map(xmpp.scenarios.map((s) => [s.name, s]));
  const pairs: Pair[] = [];
  const unmatched: string[] = [];
  for (const m of mqtt.scenarios) {
    const x = byName.get(m.name);
    if (x === undefined) continue;
    if (workloadKey(m) === workloadKey(x)) pairs.push({ name: m.name, mqtt: m, xmpp: x });
    else unmatched.push(`${m.name} (the workloads differ)`);
  }
  return { pairs, unmatched };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const bytesOf = (b: { bytesOut: number; bytesIn: number }): number => b.bytesOut + b.bytesIn;

/**
 * Steady wire bytes (out + in, every connection: sends, deliveries, acknowledgements, warm-up and
 * drain included) per delivered message, over the given scenarios of one side; null when nothing
 * was delivered.
 */
export function bytesPerDelivered(scenarios: readonly ScenarioResult[]): number | null {
  const delivered = sum(scenarios.map((s) => s.delivery.delivered));
  return delivered > 0 ? sum(scenarios.map((s) => bytesOf(s.wire.phases.steady))) / delivered : null;
}

/**
 * Times a payload crossed the wire: up once per send, down once per delivery. Sends over the
 * whole scenario are the owed deliveries over the fan-out (1 for a direct message, the other
 * members for a room); null for mixed traffic, whose fan-out is not one number.
 */
function payloadCrossings(s: ScenarioResult): number | null {
  const traffic = trafficOf(s);
  if (traffic === 'mixed') return null;
  const fanOut = traffic === 'direct' ? 1 : s.spec.rooms.members - 1;
  return s.delivery.expected / fanOut + s.delivery.delivered;
}

/**
 * Per-message overhead: steady wire bytes less the payload bytes themselves (each counted as
 * often as it crossed the wire), per delivered message. Null when nothing was delivered.
 */
function overheadPerDelivered(scenarios: readonly ScenarioResult[]): number | null {
  const delivered = sum(scenarios.map((s) => s.delivery.delivered));
  const crossings = scenarios.map((s) => {
    const n = payloadCrossings(s);
    return n === null ? null : n * s.payloadBytes;
  });
  if (delivered === 0 || crossings.some((c) => c === null)) return null;
  return (sum(scenarios.map((s) => bytesOf(s.wire.phases.steady))) - sum(crossings as number[])) / delivered;
}

/**
 * The spread of the per-message overhead across message sizes: scenarios that differ only in
 * payload size are grouped; in each group the spread is the largest overhead per delivered
 * message (overheadPerDelivered) minus the smallest. The widest group counts. Null when no
 * group has two sizes (or one of them delivered nothing).
 */
export function overheadSpread(scenarios: readonly ScenarioResult[]): { spread: number; sizes: number[] } | null {
  const groups = new Map<string, ScenarioResult[]>();
  for (const s of scenarios) groups.set(workloadKey(s, 'payload'), [...(groups.get(workloadKey(s, 'payload')) ?? []), s]);
  let widest: { spread: number; sizes: number[] } | null = null;
  for (const group of groups.values()) {
    const sizes = [...new Set(group.map((s) => s.payloadBytes))].sort((a, b) => a - b);
    if (sizes.length < 2) continue;
    const overheads = sizes.map((size) => overheadPerDelivered(group.filter((s) => s.payloadBytes === size)));
    if (overheads.some((o) => o === null)) continue;
    const known = overheads as number[];
    const spread = Math.max(...known) - Math.min(...known);
    if (widest === null || spread > widest.spread) widest = { spread, sizes };
  }
  return widest;
}

/** Idle keep-alive bytes (out + in) per connection per minute, over the scenarios with an idle phase. */
export function idleBytesPerMinute(scenarios: readonly ScenarioResult[]): { perMinute: number; seconds: number; keepAliveSeconds: number | null } | null {
  const idle = scenarios.flatMap((s) => (s.wire.idle !== undefined && s.wire.phases.idle !== undefined ? [{ cost: s.wire.idle, bytes: bytesOf(s.wire.phases.idle) }] : []));
  const connectionMinutes = sum(idle.map((i) => (i.cost.connections * i.cost.seconds) / 60));
  if (connectionMinutes <= 0) return null;
  const keepAlives = idle.flatMap((i) => (i.cost.keepAliveSeconds === null ? [] : [i.cost.keepAliveSeconds]));
  return {
    perMinute: sum(idle.map((i) => i.bytes)) / connectionMinutes,
    seconds: Math.min(...idle.map((i) => i.cost.seconds)),
    keepAliveSeconds: keepAlives.length > 0 ? Math.max(...keepAlives) : null,
  };
}

/** Handshake bytes (out + in: connect, inbox, room joins) per connection opened. */
export function handshakeBytesPerConnection(scenarios: readonly ScenarioResult[]): number | null {
  const opened = sum(scenarios.map((s) => s.connections.opened));
  return opened > 0 ? sum(scenarios.map((s) => bytesOf(s.wire.phases.handshake))) / opened : null;
}

/**
 * A percentile of merged latency summaries (HDR add exactly; censored deliveries kept): exact,
 * a lower bound when it falls among deliveries that never arrived, null with no sample at all.
 */
export function mergedPercentile(summaries: readonly LatencySummary[], key: PercentileKey): Figure | null {
  if (summaries.length === 0) return null;
  const merged = mergeSummaries(summaries);
  if (merged.count === 0 && merged.censored === 0) return null;
  const v = merged[key];
  return v === null ? { value: merged.waited, atLeast: true } : exact(v);
}

/** Scenarios whose generator fell behind (their figures partly measure chatbench). */
export function lagging(scenarios: readonly ScenarioResult[]): string[] {
  return scenarios.filter((s) => generatorLag(s) !== null).map((s) => s.name);
}

/** A send rate counts as sustained at this share of the offered rate. */
export const SUSTAINED_SHARE = 0.95;

/**
 * Whether a scenario kept up with its offered rate: not aborted, nothing lost or undelivered,
 * sends at SUSTAINED_SHARE of the rate or more, and the generator on schedule (a lagging
 * generator measures chatbench, not the server).
 */
export function sustained(s: ScenarioResult): boolean {
  return s.status !== 'aborted' && s.delivery.lost === 0 && s.delivery.undelivered === 0 &&
    s.throughput.sentPerSecond >= SUSTAINED_SHARE * s.targetRate && generatorLag(s) === null;
}

/** A rate sweep: scenarios of one result that differ only in their offered rate (two rates or more). */
export interface Sweep {
  key: string;
  rates: number[];
  scenarios: ScenarioResult[];
}

export function sweepsOf(r: RunResult): Map<string, Sweep> {
  const sweeps = new Map<string, Sweep>();
  for (const s of r.scenarios) {
    const key = workloadKey(s, 'rate');
    const sweep = sweeps.get(key) ?? { key, rates: [], scenarios: [] };
    sweep.scenarios.push(s);
    if (!sweep.rates.includes(s.targetRate)) sweep.rates.push(s.targetRate);
    sweeps.set(key, sweep);
  }
  for (const [key, sweep] of sweeps) {
    if (sweep.rates.length < 2) sweeps.delete(key);
    else sweep.rates.sort((a, b) => a - b);
  }
  return sweeps;
}

/**
 * The highest delivered rate among a sweep's sustained scenarios, and the highest offered rate
 * (`step`) sustained; a lower bound when that step is the sweep's top (the server never
 * saturated). Null when no rate was sustained.
 */
export function highestSustained(sweep: Sweep): (Figure & { step: number }) | null {
  const kept = sweep.scenarios.filter(sustained);
  if (kept.length === 0) return null;
  const step = Math.max(...kept.map((s) => s.targetRate));
  return { value: Math.max(...kept.map((s) => s.throughput.deliveredPerSecond)), atLeast: step === Math.max(...sweep.rates), step };
}

/** The levels a result asked for, and those granted as asked in every subscription of a scenario at that level. */
export function levelsOf(r: RunResult): { asked: DeliveryLevel[]; granted: DeliveryLevel[]; downgraded: string[] } {
  const asked = DELIVERY_LEVELS.filter((l) => r.scenarios.some((s) => s.qos === l));
  const granted = asked.filter((l) => r.scenarios.some((s) => s.qos === l && s.connections.downgraded === 0));
  const downgraded = r.scenarios.flatMap((s) => s.connections.downgrades.map((d) => `QoS ${d.asked} granted as ${d.granted}`));
  return { asked, granted, downgraded: [...new Set(downgraded)] };
}

/**
 * What the run recorded about the server chatbench started (`--start`): an additive field of
 * the run result written by the local-servers runner; read here through its own schema, so a
 * result without it (a server chatbench did not start, an older file) reads as null.
 */
export const ServerUsage = z.object({
  name: z.string(),
  version: z.string(),
  cpuSeconds: z.number().nonnegative(),
  peakRssBytes: z.number().nonnegative(),
});
export type ServerUsage = z.infer<typeof ServerUsage>;

export function serverUsageOf(r: RunResult): ServerUsage | null {
  const parsed = ServerUsage.safeParse((r as { server?: unknown }).server);
  return parsed.success ? parsed.data : null;
}

/** Users connected over the run, scenario by scenario (CPU is divided by it), and the most at once (memory). */
export function usersOf(r: RunResult): { total: number; peak: number } {
  const opened = r.scenarios.map((s) => s.connections.opened);
  return { total: sum(opened), peak: opened.length === 0 ? 0 : Math.max(...opened) };
}
