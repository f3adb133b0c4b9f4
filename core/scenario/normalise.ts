/**
 * Parsed YAML data -> the engine's ScenarioSpec[] and TargetSpec: validates with the zod
 * schema, lays `defaults:` and SCENARIO_DEFAULTS under each scenario, checks the rules that
 * involve more than one field, applies --target and resolves TLS paths.
 *
 * Every problem is collected: when some fields are invalid, every cross-field rule whose own
 * fields are valid (after defaults) is still checked, so one run reports everything.
 */
import * as z from 'zod';
import { resolveTarget } from '../target.js';
import { checkWorkload, limitContextFor } from './limits.js';
import type { LimitContext, MachineFacts } from './limits.js';
import { scenarioErrorMap, toPathIssues } from './messages.js';
import type { IssuePath, PathIssue } from './messages.js';
import { SCENARIO_DEFAULTS, defaultsSchema, knownKeysAt, scenarioFileSchema, scenarioSchema, targetSchema } from './schema.js';
import { resolveAudience } from './audience.js';
import { resolvePatterns } from './patterns.js';
import { resolveShape } from './shapes.js';
import type { LocalStart, ScenarioSpec, TargetSpec, ThresholdSpec } from './types.js';
import { formatDuration } from './units.js';

export interface NormaliseOptions {
  /** The command line's --target URL (already checked with checkTargetUrl): replaces target.url. */
  target?: string | undefined;
  /** Command-line values for the target runner's fields (--mqtt-version -> mqttVersion), laid over the file's. */
  targetFields?: Readonly<Record<string, unknown>> | undefined;
  /** Folder relative paths in the target (TLS files) are resolved against: the scenario file's folder. */
  baseDir: string;
  /** The machine workloads are checked against (limits.ts); default: this one, read now. */
  machine?: MachineFacts | undefined;
}

export interface Normalised {
  target: TargetSpec | null;
  /** A local server to start (`target: { start }`); target is null then. */
  start: LocalStart | null;
  scenarios: ScenarioSpec[];
}

export function normaliseScenarioData(data: unknown, opts: NormaliseOptions): { value: Normalised | null; issues: PathIssue[] } {
  const parsed = scenarioFileSchema().safeParse(data, { error: scenarioErrorMap, reportInput: true });
  const issues = parsed.success ? [] : parsed.error.issues.flatMap(toPathIssues);

  // Work from the fields that are valid on their own (all of them when the file is valid), so
  // each cross-field rule whose fields are all valid is checked whatever else is wrong. Unknown
  // keys are already reported; dropping them lets a scenario with a typo still be checked.
  const raw = asRecord(withoutUnknownKeys(data, []));
  const rawScenarios = Array.isArray(raw['scenarios']) ? (raw['scenarios'] as unknown[]) : [];
  const defaults: Recovered = raw['defaults'] === undefined ? NOTHING : recoverFields(defaultsSchema, raw['defaults']);
  const entries = rawScenarios.map((s) => (isRecord(s) ? recoverFields(scenarioSchema, s) : undefined));
  const target = recoverTarget(raw['target']);

  issues.push(...duplicateNames(rawScenarios));
  // The target first: its protocol limits what a scenario may ask for (a target with issues: unknown).
  const resolvedTarget = target ? resolveFileTarget(target.entry, opts) : undefined;
  const limits = limitContextFor(resolvedTarget?.issues.length === 0 ? resolvedTarget.target : undefined, opts.machine);
  const scenarios: ScenarioSpec[] = [];
  entries.forEach((entry, index) => {
    if (!entry) return;
    const resolved = resolveScenario(index, entry, defaults, limits);
    if (resolved.spec) scenarios.push(resolved.spec);
    issues.push(...resolved.issues);
  });
  if (resolvedTarget) issues.push(...resolvedTarget.issues);
  if (issues.length > 0 || !resolvedTarget || scenarios.length !== entries.length) return { value: null, issues };
  return { value: { target: resolvedTarget.target, start: resolvedTarget.start ?? null, scenarios }, issues };
}

const NOTHING: Recovered = { data: {}, isInvalid: () => false };

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutUnknownKeys(value: unknown, path: IssuePath): unknown {
  if (Array.isArray(value)) return value.map((item, i) => withoutUnknownKeys(item, [...path, i]));
  if (!isRecord(value)) return value;
  const known = knownKeysAt(path);
  if (known.length === 0) return value;
  const kept = Object.entries(value).filter(([key]) => known.includes(key));
  return Object.fromEntries(kept.map(([key, v]) => [key, withoutUnknownKeys(v, [...path, key])]));
}

function recover<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown): T | undefined {
  const result = schema.safeParse(data);
  return result.success ? result.data : undefined;
}

/**
 * A scenario or `defaults:` map, field by field: `data` holds the fields that are valid on
 * their own (parsed, units converted); `isInvalid(["rooms", "members"])` says whether the
 * author wrote that field (or the map holding it) with a value that failed.
 */
interface Recovered {
  data: Readonly<Record<string, unknown>>;
  isInvalid: (path: readonly string[]) => boolean;
}

function unwrapObject(schema: z.ZodType): z.ZodObject | undefined {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  // A key that takes a map or another form (rooms: a map or a list): its map form, for a map.
  if (inner instanceof z.ZodUnion) inner = (inner.options as z.ZodType[]).find((o) => o instanceof z.ZodObject) ?? inner;
  return inner instanceof z.ZodObject ? inner : undefined;
}

function recoverFields(schema: z.ZodObject, value: unknown): Recovered {
  const invalid: string[][] = [];
  const walk = (shape: Readonly<Record<string, z.ZodType>>, map: Readonly<Record<string, unknown>>, path: string[]) => {
    const data: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      const result = field.safeParse(map[key]);
      const nested = result.success ? undefined : unwrapObject(field);
      const inner = map[key];
      if (result.success) {
        if (result.data !== undefined) data[key] = result.data;
      } else if (nested && isRecord(inner)) {
        data[key] = walk(nested.shape, inner, [...path, key]);
      } else {
        invalid.push([...path, key]);
      }
    }
    return data;
  };
  if (!isRecord(value)) return { data: {}, isInvalid: () => true };
  const data = walk(schema.shape, value, []);
  const isInvalid = (path: readonly string[]) => invalid.some((bad) => bad.every((key, i) => path[i] === key));
  return { data, isInvalid };
}

function recoverTarget(data: unknown): { entry: Readonly<Record<string, unknown>> | undefined } | undefined {
  if (data === undefined) return { entry: undefined };
  const entry = recover(targetSchema(), data);
  return entry ? { entry } : undefined;
}

function duplicateNames(scenarios: readonly unknown[]): PathIssue[] {
  const firstIndex = new Map<string, number>();
  const issues: PathIssue[] = [];
  scenarios.forEach((scenario, index) => {
    const name = isRecord(scenario) ? scenario['name'] : undefined;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else issues.push({ path: ['scenarios', index, 'name'], message: `duplicate scenario name "${name}" (also scenarios[${first}])`, at: 'value' });
  });
  return issues;
}

type RoomSize = { count: number; members: number };

/** Floors a product of a rate and a time that should be whole, without losing 100 to 99.99999999. */
const floorCount = (x: number) => Math.floor(x + 1e-9);
/** 100 -> "100", 2.5 -> "2.5", 1/3 -> "0.333": for messages. */
const formatNumber = (x: number) => String(Number(x.toFixed(3)));

/**
 * Lay defaults under one scenario and check its cross-field rules. A value is undefined when
 * the author wrote it invalid (in the scenario, or in `defaults:` where the scenario leaves it
 * out): each rule runs when every field it involves is known, whatever else is wrong.
 * `spec` is there only when every field is valid.
 */
function resolveScenario(index: number, s: Recovered, d: Recovered, limits: LimitContext): { spec: ScenarioSpec | undefined; issues: PathIssue[] } {
  const get = (from: Readonly<Record<string, unknown>>, path: readonly string[]) =>
    path.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), from);
  /** The scenario's value, else the defaults:' value, else `builtIn`; undefined if the one that applies is invalid. */
  function field<T>(path: readonly string[], builtIn: T): T | undefined {
    if (s.isInvalid(path)) return undefined;
    const own = get(s.data, path);
    if (own !== undefined) return own as T;
    if (d.isInvalid(path)) return undefined;
    const fromDefaults = get(d.data, path);
    return fromDefaults !== undefined ? (fromDefaults as T) : builtIn;
  }
  /** The first of `candidates` the author wrote (scenario first, then defaults), else the scenario itself. */
  const at = (...candidates: string[][]): IssuePath => {
    for (const c of candidates) if (get(s.data, c) !== undefined) return ['scenarios', index, ...c];
    for (const c of candidates) if (get(d.data, c) !== undefined) return ['defaults', ...c];
    return ['scenarios', index];
  };
  const name = typeof s.data['name'] === 'string' ? s.data['name'] : undefined;
  const issues: PathIssue[] = [];
  const report = (path: IssuePath, message: string) =>
    issues.push({
      path,
      message: path[0] === 'defaults' ? `${message} (in ${name === undefined ? `scenarios[${index}]` : `scenario "${name}"`})` : message,
      at: 'value',
    });

  const users = field(['users'], SCENARIO_DEFAULTS.users);
  const roomCount = field(['rooms', 'count'], SCENARIO_DEFAULTS.roomCount);
  const members = field<number | undefined>(['rooms', 'members'], users);
  const directPairs = field(['directPairs'], SCENARIO_DEFAULTS.directPairs);
  // The list form is whole: its sizes come from the map (the scenario, else defaults:) that wrote `rooms`.
  const roomsFrom = get(s.data, ['rooms']) !== undefined || s.isInvalid(['rooms']) ? s : d;
  const roomSizes = roomsFrom.isInvalid(['rooms']) ? undefined : ((get(roomsFrom.data, ['rooms', 'sizes']) as RoomSize[] | undefined) ?? null);
  const audience = resolveAudience({ field, at, report }, { users, roomCount, members, directPairs, roomSizes });
  const shape = resolveShape({
    field, at, report, senders: audience.senders,
    ownKey: (key) => get(s.data, [key]) !== undefined,
    defaultKey: (key) => get(d.data, [key]) !== undefined,
    defaults: { rate: SCENARIO_DEFAULTS.rate, durationMs: SCENARIO_DEFAULTS.durationMs, payloadBytes: SCENARIO_DEFAULTS.payloadBytes },
  });
  const { rate, durationMs, payloadBytes } = shape;
  const messages = field<number | null>(['messages'], SCENARIO_DEFAULTS.messages);
  const warmupMs = field(['warmup'], SCENARIO_DEFAULTS.warmupMs);

  if (users !== undefined && roomCount !== undefined && members !== undefined && roomCount > 0 && members > users) {
    report(at(['rooms', 'members']), `rooms.members (${members}) is more than users (${users})`);
  }
  if (users !== undefined && directPairs !== undefined && directPairs * 2 > users) {
    report(at(['directPairs']), `directPairs (${directPairs}) needs ${directPairs * 2} users, but users is ${users}`);
  }
  if (durationMs !== undefined && warmupMs !== undefined && warmupMs >= durationMs) {
    report(at(['warmup'], ['duration']), `warmup (${formatDuration(warmupMs)}) must be shorter than duration (${formatDuration(durationMs)})`);
  }
  if (rate !== undefined && warmupMs !== undefined && messages !== undefined && messages !== null) {
    const inWarmup = (rate * warmupMs) / 1_000;
    if (messages <= floorCount(inWarmup)) {
      report(
        at(['messages']),
        `every one of the ${messages} messages is sent during the warm-up (rate × warmup = ${formatNumber(inWarmup)}): nothing would be measured; lower the warm-up or raise messages`,
      );
    }
  }
  if (rate !== undefined && durationMs !== undefined && warmupMs !== undefined && warmupMs < durationMs) {
    const measured = (rate * (durationMs - warmupMs)) / 1_000;
    if (floorCount(measured) < 1) {
      report(
        at(['rate']),
        `no message is sent after the warm-up (rate × (duration − warmup) = ${formatNumber(measured)}): nothing would be measured; raise the rate or the duration, or lower the warm-up`,
      );
    }
  }

  if (users !== undefined && roomCount !== undefined && members !== undefined && directPairs !== undefined && rate !== undefined && payloadBytes !== undefined) {
    const workload = { users, rooms: { count: roomCount, members }, directPairs, rate, payloadBytes, ...audience.extra };
    for (const issue of checkWorkload(workload, limits)) {
      // A limit on a value the shape derived is the shape key's to answer for.
      const derived = issue.field[0] === 'payload' ? ['payloadSizes'] : issue.field[0] === 'rate' ? ['phases'] : [];
      report(at(...(derived.length > 0 ? [derived] : []), [...issue.field]), issue.message);
    }
  }
  const qos = field(['qos'], SCENARIO_DEFAULTS.qos);
  const drainMs = field(['drain'], SCENARIO_DEFAULTS.drainMs);
  const drainMaxMs = field(['drainMax'], SCENARIO_DEFAULTS.drainMaxMs);
  const stallTimeoutMs = field(['stallTimeout'], SCENARIO_DEFAULTS.stallTimeoutMs);
  const idleMs = field(['idle'], 0);
  if (drainMs !== undefined && drainMaxMs !== undefined && drainMaxMs < drainMs) {
    report(at(['drainMax'], ['drain']), `drainMax (${formatDuration(drainMaxMs)}) must be at least drain (${formatDuration(drainMs)})`);
  }
  const concurrency = field(['connect', 'concurrency'], SCENARIO_DEFAULTS.connectConcurrency);
  const timeoutMs = field(['connect', 'timeout'], SCENARIO_DEFAULTS.connectTimeoutMs);
  const connectRate = field<number | null>(['connect', 'rate'], null);
  const sourceAddresses = field<readonly string[] | null>(['connect', 'sourceAddresses'], null);
  const thresholds = field<ThresholdSpec[]>(['thresholds'], []);
  const description = field(['description'], SCENARIO_DEFAULTS.description);
  const patterns = resolvePatterns({ field, at, report }, { users, durationMs, roomCount, lacks: limits.lacks });
  if (
    name === undefined || description === undefined || users === undefined || roomCount === undefined || members === undefined ||
    directPairs === undefined || rate === undefined || payloadBytes === undefined || qos === undefined || durationMs === undefined ||
    messages === undefined || warmupMs === undefined || drainMs === undefined || drainMaxMs === undefined ||
    stallTimeoutMs === undefined || concurrency === undefined || timeoutMs === undefined ||
    thresholds === undefined || idleMs === undefined || shape.extra === undefined || connectRate === undefined || sourceAddresses === undefined ||
    audience.extra === undefined || patterns === undefined
  ) {
    return { spec: undefined, issues };
  }
  const spec: ScenarioSpec = {
    name,
    description,
    users,
    rooms: { count: roomCount, members },
    directPairs,
    rate,
    payloadBytes,
    qos,
    durationMs,
    messages,
    warmupMs,
    drainMs,
    drainMaxMs,
    stallTimeoutMs,
    connect: {
      concurrency, timeoutMs,
      ...(connectRate === null ? {} : { rate: connectRate }),
      ...(sourceAddresses === null ? {} : { sourceAddresses }),
    },
    thresholds,
    // Only when asked for: a spec without an idle phase reads as it did before the option.
    ...(idleMs > 0 ? { idleMs } : {}),
    // Likewise: the load-shape keys appear only when they change something.
    ...shape.extra,
    // And the chat-pattern keys (audience.ts, patterns.ts).
    ...audience.extra,
    ...patterns,
  };
  return { spec, issues };
}

/** File target + --target (+ the runner's fields from the command line) -> TargetSpec (null: embedded broker). */
function resolveFileTarget(entry: Readonly<Record<string, unknown>> | undefined, opts: NormaliseOptions): { target: TargetSpec | null; start?: LocalStart | undefined; issues: PathIssue[] } {
  const { target, start, issues } = resolveTarget(entry, { url: opts.target, fields: opts.targetFields, baseDir: opts.baseDir });
  return {
    target,
    start,
    issues: issues.map((issue) => ({
      path: ['target', ...issue.path], message: issue.message, at: 'value',
      ...(issue.commandLine === undefined ? {} : { commandLine: issue.commandLine }),
    })),
  };
}
