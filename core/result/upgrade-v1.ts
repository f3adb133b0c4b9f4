/**
 * Reading a schemaVersion 1 run result as version 2, so `report` and `compare` take old
 * baselines. Version 1 kept some facts as words (`aborted` "scenario: message", reasons as
 * sentences, lost connections as "user: reason"); they are read into fields here, once, at the
 * edge, and nowhere else. What version 1 did not record is filled as documented per field:
 *
 * - latency summaries: `censored` 0, `waited` 0 (v1 percentiles were over what arrived);
 * - delivery: `undelivered` 0 — v1 counted everything missing after the drain as `lost`, and
 *   that is what the file said, so it stays `lost`;
 * - drain: `all-delivered` when nothing was lost, `interrupted` for an aborted scenario, else
 *   `cap` (v1 waited a fixed drain); `seconds` is the drain time when it ran out, else 0 (not
 *   recorded); `owedAtStart` is unknown and set to `owedAtEnd`;
 * - spec: `drainMaxMs` = `drainMs` (v1's drain was a fixed wait); `stallTimeoutMs` 0 (none);
 * - connections: `downgrades` [] (v1 kept only the count); `lostBy` from the listed reasons,
 *   the unlisted rest counted as the server's, as v1 said; sends: `unfinished` [];
 * - anomalies []; threshold verdicts `censored` false, a latency actual in the unit as written.
 */
import { DELIVERY_LEVELS, type DeliveryLevel } from '../driver.js';
import { InputError } from '../errors.js';
import { parseThreshold } from '../scenario/thresholds.js';
import { LATENCY_UNIT_MICROS, latencyUnit, microsIn } from '../scenario/units.js';
import type { AbortCause, Aborted, Reason } from './reasons.js';
import type { Delivery, LatencySummary } from './summary.js';
import type { RunResult, ScenarioResult, ScenarioSpecRecord, ThresholdVerdict } from './run.js';
import { RESULT_SCHEMA_VERSION } from './envelope.js';
import type * as v1 from './v1.js';
import { V1Spec } from './v1.js';

/** v1 abort texts by what caused them (core/engine and core/errors of version 1). */
const ABORT_CAUSES: ReadonlyArray<readonly [RegExp, AbortCause]> = [
  [/^(incomplete|in progress):/, 'incomplete'],
  [/interrupted by SIG|^SIG[A-Z]+$/, 'signal'],
  [/every connection was lost|closed while .* was connecting|driver for .* is closed/, 'connections-lost'],
  [/cannot reach target|unreachable|ECONNREFUSED|ENOTFOUND/, 'unreachable'],
  [/stopped (acknowledging|responding)/, 'stall'],
];

/** The cause of a v1 abort from its words; v1's remaining aborts were phase overruns ("did not finish within", "overran"). */
export function abortCauseOf(message: string): AbortCause {
  return ABORT_CAUSES.find(([pattern]) => pattern.test(message))?.[1] ?? 'timeout';
}

/** Who ended a lost connection, from v1's words: MQTT.js's own keep-alive timeout was chatbench's doing. */
function endedBy(cause: string): 'server' | 'network' | 'chatbench' {
  if (/keep-?alive/i.test(cause)) return 'chatbench';
  if (/ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|reset/i.test(cause)) return 'network';
  return 'server';
}

/** "room-fanout: cannot reach ..." -> the scenario it names (the longest name that prefixes it) and the rest. */
function splitAborted(text: string, names: readonly string[]): Aborted {
  const scenario = [...names].sort((a, b) => b.length - a.length).find((n) => text.startsWith(`${n}: `)) ?? null;
  const message = scenario === null ? text : text.slice(scenario.length + 2);
  return { scenario, cause: abortCauseOf(message), message };
}

const count = (text: string | undefined): number => Number((text ?? '0').replace(/,/g, ''));

/** One v1 reason sentence as a typed reason (patterns: version 1's core/engine/verdict.ts). */
function reasonOf(text: string, s: v1.ScenarioResult): Reason {
  if (text.startsWith('threshold ')) {
    const expression = s.thresholds.map((t) => t.expression).sort((a, b) => b.length - a.length).find((e) => text.startsWith(`threshold ${e}: `));
    if (expression !== undefined) return { kind: 'threshold', expression, message: text };
  }
  if (text.startsWith('nothing was measured')) return { kind: 'nothing-measured', message: text };
  const connections = /^([\d,]+) of ([\d,]+) connections were lost/.exec(text);
  if (connections !== null) return { kind: 'connection', lost: count(connections[1]), opened: count(connections[2]), message: text };
  const sends = /^([\d,]+) sends failed/.exec(text);
  if (sends !== null) return { kind: 'send', failed: count(sends[1]), message: text };
  const delivery = /^QoS ([012]) delivery guarantee violated/.exec(text);
  const at = delivery === null ? undefined : (Number(delivery[1]) as DeliveryLevel);
  const level = at === undefined ? undefined : s.delivery.byQos[at];
  if (at !== undefined && level !== undefined) {
    const v = (k: 'lost' | 'duplicated' | 'reordered'): number => (level.allowed[k] ? 0 : level[k]);
    return { kind: 'delivery', level: at, lost: v('lost'), duplicated: v('duplicated'), reordered: v('reordered'), message: text };
  }
  if (s.status === 'aborted') return { kind: 'abort', cause: abortCauseOf(text), message: text };
  throw new InputError(`scenario "${s.name}": version 1 reason not understood: "${text}"`);
}

function latency(l: v1.LatencySummary): LatencySummary {
  return { ...l, censored: 0, waited: 0 };
}

/** The levels present, each with `undelivered` 0 (absent levels stay absent). */
function levels(byQos: v1.Delivery['byQos']): Delivery['byQos'] {
  const out: Delivery['byQos'] = {};
  for (const level of DELIVERY_LEVELS) {
    const d = byQos[level];
    if (d !== undefined) out[level] = { ...d, undelivered: 0 };
  }
  return out;
}

function spec(s: v1.ScenarioResult): ScenarioSpecRecord {
  const parsed = V1Spec.safeParse(s.spec);
  if (!parsed.success) throw new InputError(`scenario "${s.name}": version 1 spec not understood: ${parsed.error.issues[0]?.message ?? ''}`);
  const old = parsed.data;
  return {
    ...old,
    drainMaxMs: old.drainMs,
    stallTimeoutMs: 0,
    thresholds: old.thresholds.map((t) => {
      const reparsed = parseThreshold(t.expression);
      return { ...t, unit: reparsed.ok ? reparsed.value.unit : '' };
    }),
  };
}

/**
 * Version 1 re-read the unit from the expression and missed the Greek mu: "p99 < 1μs" showed its
 * actual in seconds. The verdict is kept; its actual is shown in the unit the parser read.
 */
function inWrittenUnit(v: ThresholdVerdict, record: ScenarioSpecRecord): ThresholdVerdict {
  const written = record.thresholds.find((t) => t.expression === v.expression)?.unit;
  const [from, to] = [latencyUnit(v.unit), written === undefined ? undefined : latencyUnit(written)];
  if (v.actual === null || from === undefined || to === undefined || from === to) return v;
  return { ...v, actual: microsIn(v.actual * LATENCY_UNIT_MICROS[from], to), unit: to };
}

function scenario(s: v1.ScenarioResult): ScenarioResult {
  const { lostReasons, ...connections } = s.connections;
  const ends = lostReasons.map((text) => {
    const at = text.indexOf(': ');
    const cause = at < 0 ? text : text.slice(at + 2);
    return { user: at < 0 ? '' : text.slice(0, at), by: endedBy(cause), cause };
  });
  const lostBy = { server: 0, network: 0, chatbench: 0 };
  for (const e of ends) lostBy[e.by] += 1;
  lostBy.server += Math.max(0, s.connections.lost - ends.length);
  const { byQos, ...delivery } = s.delivery;
  const lost = s.delivery.lost;
  const drainEnd = s.status === 'aborted' ? 'interrupted' : lost === 0 ? 'all-delivered' : 'cap';
  const record = spec(s);
  return {
    ...s,
    qos: s.qos as DeliveryLevel,
    reasons: s.reasons.map((r) => reasonOf(r, s)),
    spec: record,
    latency: latency(s.latency),
    serviceTime: latency(s.serviceTime),
    scheduleLag: latency(s.scheduleLag),
    delivery: { ...delivery, undelivered: 0, byQos: levels(byQos) },
    drain: { endedBy: drainEnd, seconds: drainEnd === 'cap' ? record.drainMs / 1000 : 0, owedAtStart: lost, owedAtEnd: lost },
    sends: { failed: s.delivery.sendErrors, unfinished: [] },
    connections: { ...connections, connectTime: latency(s.connections.connectTime), downgrades: [], lostBy, ends },
    anomalies: [],
    thresholds: s.thresholds.map((t) => inWrittenUnit({ ...t, censored: false }, record)),
  };
}

export function upgradeV1(old: v1.RunResult): RunResult {
  const names = [...old.selected, ...old.scenarios.map((s) => s.name)];
  return {
    ...old,
    schemaVersion: RESULT_SCHEMA_VERSION,
    aborted: old.aborted === null ? null : splitAborted(old.aborted, names),
    scenarios: old.scenarios.map(scenario),
  };
}
