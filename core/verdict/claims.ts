/**
 * The popular MQTT-vs-XMPP claims, each tested with the numbers of an MQTT run result and an
 * XMPP run result of the same scenarios (`chatbench compare`). Claims are about the two
 * protocols, so this is the one module in core that names them — as the `target.protocol`
 * values the runners register, never through a protocol library.
 *
 * Every claim is phrased for MQTT; its verdict comes from both sides' figures (judge()): a side
 * without a figure, or bounds that cannot decide, is "not measured" with the reason — never a
 * verdict from one number.
 */
import type { Better, Claim, ClaimUnit, ClaimVerdict, PercentileKey, RunResult } from '../result/index.js';
import {
  SIDE_NAME, SIDES, bytesPerDelivered, exact, handshakeBytesPerConnection, highestSustained, idleBytesPerMinute, lagging, levelsOf,
  mergedPercentile, overheadSpread, pairScenarios, serverUsageOf, sweepsOf, trafficOf, usersOf, SUSTAINED_SHARE,
  type Figure, type Pair, type Side,
} from './claim-figures.js';
import { offlineDelivery, retainedLastMessage } from './claims-patterns.js';
import { count } from '../words.js';

/** The protocols the claims compare, as registered (core/target.ts). */
export const CLAIM_PROTOCOLS: Readonly<Record<Side, string>> = { mqtt: 'mqtt', xmpp: 'xmpp' };

/** Both runs, which scenarios they share, and those they share by name but not by workload. */
export interface ClaimContext {
  runs: Readonly<Record<Side, RunResult>>;
  pairs: readonly Pair[];
  unmatched: readonly string[];
}

/** What a claim's reader found: both figures, or why not (with whichever figure there is). */
export type Measurement =
  /** `tied`: the two figures sit on the same step of the measurement, so neither is higher: not supported, for this reason. */
  | { kind: 'measured'; figures: Record<Side, Figure>; how: string; notes?: string[]; tied?: string }
  | { kind: 'missing'; why: string; figures?: Partial<Record<Side, Figure>>; notes?: string[] };

interface ClaimDefinition {
  id: string;
  claim: string;
  unit: ClaimUnit;
  better: Better;
  measure(ctx: ClaimContext): Measurement;
}

const sideOf = (pairs: readonly Pair[], side: Side) => pairs.map((p) => p[side]);
const names = (pairs: readonly Pair[]): string => pairs.map((p) => p.name).join(', ');
const list = (items: readonly (string | number)[]): string => items.join(', ');

/** Both sides' figures from one reader, or the first side without one, said as `missing`. */
function both(read: (side: Side) => Figure | null, missing: (side: Side) => string): Record<Side, Figure> | Extract<Measurement, { kind: 'missing' }> {
  const figures: Partial<Record<Side, Figure>> = {};
  for (const side of SIDES) {
    const f = read(side);
    if (f !== null) figures[side] = f;
  }
  const absent = SIDES.find((side) => figures[side] === undefined);
  return absent === undefined ? (figures as Record<Side, Figure>) : { kind: 'missing', why: missing(absent), figures };
}

const isMissing = (x: Record<Side, Figure> | Extract<Measurement, { kind: 'missing' }>): x is Extract<Measurement, { kind: 'missing' }> => 'kind' in x;

/** Wire bytes per delivered message over the shared scenarios of one kind of traffic. */
function wireBytes(kind: 'direct' | 'room', words: string): (ctx: ClaimContext) => Measurement {
  return (ctx) => {
    const pairs = ctx.pairs.filter((p) => trafficOf(p.mqtt) === kind);
    if (pairs.length === 0) return { kind: 'missing', why: `no scenario of ${words} only in both results with the same workload` };
    const got = both((side) => {
      const v = bytesPerDelivered(sideOf(pairs, side));
      return v === null ? null : exact(v);
    }, (side) => `nothing was delivered in the ${SIDE_NAME[side]} result's ${words} scenarios (${names(pairs)})`);
    if (isMissing(got)) return got;
    return { kind: 'measured', figures: got, how: `steady wire bytes (in + out, every connection, acknowledgements included) per delivered message in ${names(pairs)}` };
  };
}

function spread(ctx: ClaimContext): Measurement {
  const got = both((side) => {
    const s = overheadSpread(sideOf(ctx.pairs, side));
    return s === null ? null : exact(s.spread);
  }, () => 'no two shared scenarios differ only in payload size: add the same scenario at two sizes or more (e.g. 64 B and 4 KiB)');
  if (isMissing(got)) return got;
  const sizes = overheadSpread(sideOf(ctx.pairs, 'mqtt'))?.sizes ?? [];
  return { kind: 'measured', figures: got, how: `largest minus smallest per-message overhead (steady bytes less the payload bytes, up once per send and down once per delivery, per delivered message) across payloads of ${list(sizes.map((s) => `${s} B`))}` };
}

function keepAlive(ctx: ClaimContext): Measurement {
  const idle = { mqtt: idleBytesPerMinute(sideOf(ctx.pairs, 'mqtt')), xmpp: idleBytesPerMinute(sideOf(ctx.pairs, 'xmpp')) };
  const got = both((side) => (idle[side] === null ? null : exact(idle[side].perMinute)),
    (side) => `the ${SIDE_NAME[side]} result has no idle phase in a shared scenario: add \`idle: 2m\` to a scenario and run both again`);
  if (isMissing(got)) return got;
  const notes: string[] = [];
  for (const side of SIDES) {
    const i = idle[side];
    if (i === null) continue;
    if (i.keepAliveSeconds === null) notes.push(`the ${SIDE_NAME[side]} driver did not report its keep-alive interval`);
    else if (i.seconds < i.keepAliveSeconds) {
      return { kind: 'missing', figures: got, why: `the idle phase (${i.seconds.toFixed(1)} s) is shorter than the ${SIDE_NAME[side]} keep-alive interval (${i.keepAliveSeconds} s): no keep-alive fell inside it; make it longer` };
    }
  }
  const [m, x] = [idle.mqtt?.keepAliveSeconds, idle.xmpp?.keepAliveSeconds];
  if (m != null && x != null && m !== x) notes.push(`keep-alive intervals differ (MQTT ${m} s, XMPP ${x} s): the figures follow the configured intervals as much as the protocols`);
  const intervals = SIDES.map((side) => `${SIDE_NAME[side]} ${idle[side]?.keepAliveSeconds ?? '?'} s`).join(', ');
  return { kind: 'measured', figures: got, how: `idle-phase bytes (in + out) per connection per minute, keep-alive ${intervals}`, notes };
}

function handshakeBytes(ctx: ClaimContext): Measurement {
  if (ctx.pairs.length === 0) return { kind: 'missing', why: 'no scenario in both results with the same workload' };
  const got = both((side) => {
    const v = handshakeBytesPerConnection(sideOf(ctx.pairs, side));
    return v === null ? null : exact(v);
  }, (side) => `the ${SIDE_NAME[side]} result opened no connection in the shared scenarios`);
  if (isMissing(got)) return got;
  return { kind: 'measured', figures: got, how: `handshake bytes (in + out: connect, login, inbox and room joins until the readiness barrier) per connection in ${names(ctx.pairs)}` };
}

function handshakeTime(ctx: ClaimContext): Measurement {
  if (ctx.pairs.length === 0) return { kind: 'missing', why: 'no scenario in both results with the same workload' };
  const got = both((side) => mergedPercentile(sideOf(ctx.pairs, side).map((s) => s.connections.connectTime), 'p50'),
    (side) => `the ${SIDE_NAME[side]} result timed no connection in the shared scenarios`);
  if (isMissing(got)) return got;
  return { kind: 'measured', figures: got, how: `connect time p50 (from the connect call until the session and its inbox were ready), merged over ${names(ctx.pairs)}` };
}

function latency(key: PercentileKey, words: string): (ctx: ClaimContext) => Measurement {
  return (ctx) => {
    if (ctx.pairs.length === 0) return { kind: 'missing', why: 'no scenario in both results with the same workload (and so the same offered load)' };
    const got = both((side) => mergedPercentile(sideOf(ctx.pairs, side).map((s) => s.latency), key),
      (side) => `no measured delivery was owed in the ${SIDE_NAME[side]} result's shared scenarios`);
    if (isMissing(got)) return got;
    const notes = SIDES.flatMap((side) => {
      const lagged = lagging(sideOf(ctx.pairs, side));
      return lagged.length === 0 ? [] : [`chatbench's own schedule lagged in the ${SIDE_NAME[side]} run (${list(lagged)}): its latency partly measures the tool`];
    });
    for (const side of SIDES) {
      const down = levelsOf({ ...ctx.runs[side], scenarios: sideOf(ctx.pairs, side) }).downgraded;
      if (down.length > 0) notes.push(`the ${SIDE_NAME[side]} server granted lower levels (${list(down)}): latency at a weaker guarantee`);
    }
    return { kind: 'measured', figures: got, how: `latency ${words} from the intended send time (HDR, merged; deliveries that never arrived count as slower) at the same offered load, over ${names(ctx.pairs)}`, notes };
  };
}

function sustainedRate(ctx: ClaimContext): Measurement {
  const sweeps = { mqtt: sweepsOf(ctx.runs.mqtt), xmpp: sweepsOf(ctx.runs.xmpp) };
  const without = SIDES.find((side) => sweeps[side].size === 0);
  if (without !== undefined) {
    return { kind: 'missing', why: `the ${SIDE_NAME[without]} result has no rate sweep (scenarios that differ only in their rate): run the same workload at rising rates on both` };
  }
  const shared = [...sweeps.mqtt.values()].filter((s) => sweeps.xmpp.has(s.key)).sort((a, b) => b.rates.length - a.rates.length)[0];
  if (shared === undefined) return { kind: 'missing', why: 'the two results sweep different workloads: no rate sweep of the same workload on both' };
  const xmppSweep = sweeps.xmpp.get(shared.key) ?? shared;
  const bySide = { mqtt: shared, xmpp: xmppSweep };
  const sustainedOn = { mqtt: highestSustained(bySide.mqtt), xmpp: highestSustained(bySide.xmpp) };
  const got = both((side) => sustainedOn[side],
    (side) => `the ${SIDE_NAME[side]} server sustained none of the sweep's rates (${list(bySide[side].rates)}/s; sustained: nothing lost or undelivered, sends at ${SUSTAINED_SHARE * 100}% of the rate, chatbench on schedule)`);
  if (isMissing(got)) return got;
  const notes = SIDES.filter((side) => got[side].atLeast).map((side) => `the ${SIDE_NAME[side]} server kept up with the sweep's highest rate: its ceiling is higher still`);
  const how = `highest delivered rate among the sweep's sustained scenarios (${list(shared.rates)}/s offered; nothing lost or undelivered, sends at ${SUSTAINED_SHARE * 100}% of the rate, chatbench on schedule)`;
  // Both sides topped out at the same offered rate: their delivered rates differ by measurement
  // noise only, and the sweep cannot say which server would go further.
  const step = sustainedOn.mqtt?.step;
  if (step !== undefined && step === sustainedOn.xmpp?.step && !(got.mqtt.atLeast && got.xmpp.atLeast)) {
    const next = shared.rates.find((r) => r > step);
    const tied = `both sustained ${count(step)}/s offered and neither ${next === undefined ? 'more' : `${count(next)}/s`}: at the sweep's steps, neither sustains a higher rate`;
    return { kind: 'measured', figures: got, how, notes, tied };
  }
  return { kind: 'measured', figures: got, how, notes };
}

function deliveryLevels(ctx: ClaimContext): Measurement {
  const levels = { mqtt: levelsOf(ctx.runs.mqtt), xmpp: levelsOf(ctx.runs.xmpp) };
  const short = SIDES.find((side) => levels[side].asked.length < 3);
  const figures = { mqtt: exact(levels.mqtt.granted.length), xmpp: exact(levels.xmpp.granted.length) };
  if (short !== undefined) {
    return { kind: 'missing', figures, why: `the ${SIDE_NAME[short]} result asked only for QoS ${list(levels[short].asked)}: run scenarios at qos 0, 1 and 2 on both to see which levels each server grants` };
  }
  const notes = SIDES.flatMap((side) => (levels[side].downgraded.length === 0 ? [] : [`${SIDE_NAME[side]}: ${list(levels[side].downgraded)}`]));
  return {
    kind: 'measured', figures, notes,
    how: `delivery levels granted as asked (MQTT ${list(levels.mqtt.granted)}; XMPP ${list(levels.xmpp.granted)}), from each result's subscriptions and downgrades`,
  };
}

function serverCost(pick: 'cpu' | 'memory'): (ctx: ClaimContext) => Measurement {
  return (ctx) => {
    const servers = { mqtt: serverUsageOf(ctx.runs.mqtt), xmpp: serverUsageOf(ctx.runs.xmpp) };
    const got = both((side) => {
      const server = servers[side];
      const users = usersOf(ctx.runs[side]);
      if (server === null || users.total === 0) return null;
      return exact(pick === 'cpu' ? (server.cpuSeconds * 1000) / users.total : server.peakRssBytes / users.peak);
    }, (side) => `the ${SIDE_NAME[side]} result has no server figures: chatbench did not start that server (run with --start)`);
    if (isMissing(got)) return got;
    const [m, x] = [servers.mqtt, servers.xmpp];
    const notes = m !== null && x !== null && m.name !== x.name
      ? [`different servers (${m.name} ${m.version}, ${x.name} ${x.version}): this compares servers as much as protocols; ejabberd serves both`]
      : [];
    const how = pick === 'cpu'
      ? 'server CPU time over the run (ms) per user connected, scenario by scenario'
      : 'server peak resident memory per user connected at once (the largest scenario)';
    return { kind: 'measured', figures: got, how, notes };
  };
}

/** Every claim, in the order the tables show them. */
export const CLAIMS: readonly ClaimDefinition[] = [
  { id: 'wire-bytes-direct', claim: 'an MQTT 1:1 chat message takes fewer wire bytes than an XMPP one', unit: 'bytes', better: 'lower', measure: wireBytes('direct', 'direct messages') },
  { id: 'wire-bytes-room', claim: 'an MQTT room message takes fewer wire bytes per delivery than an XMPP one', unit: 'bytes', better: 'lower', measure: wireBytes('room', 'room messages') },
  { id: 'wire-bytes-spread', claim: "MQTT's per-message overhead varies less across message sizes", unit: 'bytes', better: 'lower', measure: spread },
  { id: 'keep-alive', claim: 'an idle MQTT connection costs fewer keep-alive bytes per minute', unit: 'bytes/min', better: 'lower', measure: keepAlive },
  { id: 'handshake-bytes', claim: 'an MQTT connection takes fewer bytes to become ready', unit: 'bytes', better: 'lower', measure: handshakeBytes },
  { id: 'handshake-time', claim: 'an MQTT connection becomes ready sooner', unit: 'us', better: 'lower', measure: handshakeTime },
  { id: 'latency-p50', claim: 'MQTT delivers with lower median latency at the same offered load', unit: 'us', better: 'lower', measure: latency('p50', 'p50') },
  { id: 'latency-p99', claim: 'MQTT delivers with lower p99 latency at the same offered load', unit: 'us', better: 'lower', measure: latency('p99', 'p99') },
  { id: 'sustained-rate', claim: 'MQTT sustains a higher delivered rate', unit: 'msg/s', better: 'higher', measure: sustainedRate },
  { id: 'delivery-levels', claim: 'MQTT offers more delivery guarantees (QoS 0, 1, 2) without extensions', unit: 'levels', better: 'higher', measure: deliveryLevels },
  {
    id: 'retained-last-message', claim: "MQTT hands a late joiner the room's last message (retained) sooner than XMPP's MUC history (XEP-0045, an extension)", unit: 'us', better: 'lower',
    measure: retainedLastMessage,
  },
  {
    id: 'offline-delivery', claim: 'MQTT catches a returning user up on what was sent while it was away sooner than XMPP (offline storage, XEP-0198 resumption)', unit: 'us', better: 'lower',
    measure: offlineDelivery,
  },
  { id: 'server-cpu-per-user', claim: 'an MQTT server spends less CPU per connected user', unit: 'cpu-ms', better: 'lower', measure: serverCost('cpu') },
  { id: 'server-memory-per-user', claim: 'an MQTT server holds less memory per connected user', unit: 'bytes', better: 'lower', measure: serverCost('memory') },
];

/**
 * Whether MQTT's figure beats XMPP's the way `better` says, from numbers on both sides. An
 * exact figure is its value; a lower bound is "at least". Lower is better: supported when MQTT's
 * exact value is below XMPP's (exact or bound); not supported when MQTT's (exact or bound) is at
 * or above XMPP's exact value. Higher is better, mirrored. Otherwise the bounds cannot decide.
 */
export function judge(mqtt: Figure, xmpp: Figure, better: Better): { verdict: ClaimVerdict; undecided?: string } {
  const [m, x] = [mqtt.value, xmpp.value];
  if (better === 'lower') {
    if (!mqtt.atLeast && m < x) return { verdict: 'supported' };
    if (!xmpp.atLeast && m >= x) return { verdict: 'not-supported' };
  } else {
    if (!xmpp.atLeast && m > x) return { verdict: 'supported' };
    if (!mqtt.atLeast && m <= x) return { verdict: 'not-supported' };
  }
  const said = (f: Figure): string => `${f.atLeast ? '≥ ' : ''}${Number(f.value.toPrecision(4))}`;
  return { verdict: 'not-measured', undecided: `MQTT ${said(mqtt)}, XMPP ${said(xmpp)}: lower bounds that cannot decide it` };
}

function claimOf(def: ClaimDefinition, ctx: ClaimContext): Claim {
  const found = def.measure(ctx);
  const figures: Partial<Record<Side, Figure>> = found.figures ?? {};
  const mqtt = figures.mqtt ?? null;
  const xmpp = figures.xmpp ?? null;
  const base = {
    id: def.id, claim: def.claim, unit: def.unit, better: def.better,
    mqtt: mqtt?.value ?? null, xmpp: xmpp?.value ?? null,
    atLeast: { mqtt: mqtt?.atLeast ?? false, xmpp: xmpp?.atLeast ?? false },
    ratio: mqtt !== null && xmpp !== null && xmpp.value !== 0 ? mqtt.value / xmpp.value : null,
    notes: found.notes ?? [],
  };
  if (found.kind === 'missing') return { ...base, verdict: 'not-measured', reason: found.why };
  if (found.tied !== undefined) return { ...base, verdict: 'not-supported', reason: `${found.how}; ${found.tied}` };
  const judged = judge(found.figures.mqtt, found.figures.xmpp, def.better);
  return { ...base, verdict: judged.verdict, reason: judged.undecided === undefined ? found.how : `${found.how}; ${judged.undecided}` };
}

/** Which of the two results is MQTT and which XMPP, or null when they are not one of each. */
export function claimSides(a: RunResult, b: RunResult): Record<Side, RunResult> | null {
  const { mqtt, xmpp } = CLAIM_PROTOCOLS;
  if (a.target.protocol === mqtt && b.target.protocol === xmpp) return { mqtt: a, xmpp: b };
  if (a.target.protocol === xmpp && b.target.protocol === mqtt) return { mqtt: b, xmpp: a };
  return null;
}

/** Every claim tested with the two results; null when they are not an MQTT result and an XMPP one. */
export function testClaims(a: RunResult, b: RunResult): Claim[] | null {
  const runs = claimSides(a, b);
  if (runs === null) return null;
  const { pairs, unmatched } = pairScenarios(runs.mqtt, runs.xmpp);
  const ctx: ClaimContext = { runs, pairs, unmatched };
  return CLAIMS.map((def) => {
    const claim = claimOf(def, ctx);
    return unmatched.length === 0 ? claim : { ...claim, notes: [...claim.notes, `left out: ${list(unmatched)}`] };
  });
}
