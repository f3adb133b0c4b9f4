/**
 * Parsed YAML data -> the engine's ScenarioSpec[] and TargetSpec: validates with the zod
 * schema, lays `defaults:` and SCENARIO_DEFAULTS under each scenario, checks the rules that
 * involve more than one field, applies --target and resolves TLS paths.
 *
 * Every problem is collected: when some fields are invalid, the scenarios and defaults that
 * are valid on their own are still cross-checked, so one run reports everything.
 */
import { resolve } from 'node:path';
import { scenarioErrorMap, toPathIssues } from './messages.js';
import type { IssuePath, PathIssue } from './messages.js';
import { SCENARIO_DEFAULTS, defaultsSchema, knownKeysAt, scenarioFileSchema, scenarioSchema, targetSchema } from './schema.js';
import type { ScenarioEntry, ScenarioFields, TargetEntry } from './schema.js';
import type { ScenarioSpec, TargetSpec, TlsSpec } from './types.js';
import { formatDuration } from './units.js';

export interface NormaliseOptions {
  /** The command line's --target URL (already checked with checkTargetUrl): replaces target.url. */
  target?: string | undefined;
  /** Folder TLS file paths are resolved against: the scenario file's folder. */
  baseDir: string;
}

export interface Normalised {
  target: TargetSpec | null;
  scenarios: ScenarioSpec[];
}

export function normaliseScenarioData(data: unknown, opts: NormaliseOptions): { value: Normalised | null; issues: PathIssue[] } {
  const parsed = scenarioFileSchema.safeParse(data, { error: scenarioErrorMap, reportInput: true });
  const issues = parsed.success ? [] : parsed.error.issues.flatMap(toPathIssues);

  // On failure, recover the parts that are valid on their own so their own rules still get checked.
  // Unknown keys are already reported; dropping them lets a scenario with a typo still be checked.
  const pruned = parsed.success ? data : withoutUnknownKeys(data, []);
  const raw = isRecord(pruned) ? pruned : {};
  const rawScenarios = Array.isArray(raw['scenarios']) ? (raw['scenarios'] as unknown[]) : [];
  const defaults = parsed.success ? parsed.data.defaults ?? {} : recover(defaultsSchema, raw['defaults'] ?? {});
  const entries = parsed.success ? parsed.data.scenarios : rawScenarios.map((s) => recover(scenarioSchema, s));
  const target = parsed.success ? { entry: parsed.data.target } : recoverTarget(raw['target']);

  issues.push(...duplicateNames(rawScenarios));
  const scenarios: ScenarioSpec[] = [];
  if (defaults) {
    entries.forEach((entry, index) => {
      if (!entry) return;
      const resolved = resolveScenario(index, entry, defaults);
      scenarios.push(resolved.spec);
      issues.push(...resolved.issues);
    });
  }
  const resolvedTarget = target ? resolveTarget(target.entry, opts) : undefined;
  if (resolvedTarget) issues.push(...resolvedTarget.issues);
  if (issues.length > 0 || !resolvedTarget) return { value: null, issues };
  return { value: { target: resolvedTarget.target, scenarios }, issues };
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

function recoverTarget(data: unknown): { entry: TargetEntry | undefined } | undefined {
  if (data === undefined) return { entry: undefined };
  const entry = recover(targetSchema, data);
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

type Nested = 'rooms' | 'connect';

/** Lay defaults under one scenario and check its cross-field rules. */
function resolveScenario(index: number, s: ScenarioEntry, d: ScenarioFields): { spec: ScenarioSpec; issues: PathIssue[] } {
  const nested = <K extends Nested, F extends keyof NonNullable<ScenarioFields[K]>>(key: K, field: F) =>
    (s[key] as NonNullable<ScenarioFields[K]> | undefined)?.[field] ?? (d[key] as NonNullable<ScenarioFields[K]> | undefined)?.[field];
  const written = (from: unknown, path: readonly string[]) =>
    path.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), from) !== undefined;
  /** The first of `candidates` the author wrote (scenario first, then defaults), else the scenario itself. */
  const at = (...candidates: string[][]): IssuePath => {
    for (const c of candidates) if (written(s, c)) return ['scenarios', index, ...c];
    for (const c of candidates) if (written(d, c)) return ['defaults', ...c];
    return ['scenarios', index];
  };
  const issues: PathIssue[] = [];
  const report = (path: IssuePath, message: string) =>
    issues.push({ path, message: path[0] === 'defaults' ? `${message} (in scenario "${s.name}")` : message, at: 'value' });

  const users = s.users ?? d.users ?? SCENARIO_DEFAULTS.users;
  const rooms = { count: nested('rooms', 'count') ?? SCENARIO_DEFAULTS.roomCount, members: nested('rooms', 'members') ?? users };
  const directPairs = s.directPairs ?? d.directPairs ?? SCENARIO_DEFAULTS.directPairs;
  const durationMs = s.duration ?? d.duration ?? SCENARIO_DEFAULTS.durationMs;
  const warmupMs = s.warmup ?? d.warmup ?? SCENARIO_DEFAULTS.warmupMs;

  if (rooms.count > 0 && rooms.members > users) {
    report(at(['rooms', 'members']), `rooms.members (${rooms.members}) is more than users (${users})`);
  }
  if (directPairs * 2 > users) {
    report(at(['directPairs']), `directPairs (${directPairs}) needs ${directPairs * 2} users, but users is ${users}`);
  }
  const roomDelivers = rooms.count > 0 && rooms.members >= 2;
  if (!roomDelivers && directPairs === 0) {
    const culprit = rooms.count === 0 ? at(['rooms', 'count']) : at(['rooms', 'members'], ['users']);
    report(culprit, 'no one to deliver to: give a room at least 2 members, or set directPairs to 1 or more');
  }
  if (warmupMs >= durationMs) {
    report(at(['warmup'], ['duration']), `warmup (${formatDuration(warmupMs)}) must be shorter than duration (${formatDuration(durationMs)})`);
  }

  const spec: ScenarioSpec = {
    name: s.name,
    description: s.description ?? SCENARIO_DEFAULTS.description,
    users,
    rooms,
    directPairs,
    rate: s.rate ?? d.rate ?? SCENARIO_DEFAULTS.rate,
    payloadBytes: s.payload ?? d.payload ?? SCENARIO_DEFAULTS.payloadBytes,
    qos: s.qos ?? d.qos ?? SCENARIO_DEFAULTS.qos,
    durationMs,
    messages: s.messages ?? d.messages ?? SCENARIO_DEFAULTS.messages,
    warmupMs,
    drainMs: s.drain ?? d.drain ?? SCENARIO_DEFAULTS.drainMs,
    connect: {
      concurrency: nested('connect', 'concurrency') ?? SCENARIO_DEFAULTS.connectConcurrency,
      timeoutMs: nested('connect', 'timeout') ?? SCENARIO_DEFAULTS.connectTimeoutMs,
    },
    thresholds: s.thresholds ?? d.thresholds ?? [],
  };
  return { spec, issues };
}

/** File target + --target -> TargetSpec (null: embedded broker). */
function resolveTarget(entry: TargetEntry | undefined, opts: NormaliseOptions): { target: TargetSpec | null; issues: PathIssue[] } {
  const url = opts.target ?? entry?.url;
  if (url === undefined) return { target: null, issues: [] };
  const issues: PathIssue[] = [];
  const target: TargetSpec = { url, mqttVersion: entry?.mqttVersion ?? '5.0' };
  if (entry?.usernameEnv !== undefined) target.usernameEnv = entry.usernameEnv;
  if (entry?.passwordEnv !== undefined) target.passwordEnv = entry.passwordEnv;
  if (target.passwordEnv !== undefined && target.usernameEnv === undefined && target.mqttVersion === '3.1.1') {
    issues.push({ path: ['target', 'passwordEnv'], message: 'MQTT 3.1.1 sends a password only with a user name [MQTT-3.1.2-22]: set usernameEnv too', at: 'value' });
  }
  if (entry?.tls) {
    const { ca, cert, key, servername, rejectUnauthorized } = entry.tls;
    const tls: TlsSpec = { rejectUnauthorized: rejectUnauthorized ?? true };
    if (ca !== undefined) tls.ca = resolve(opts.baseDir, ca);
    if (cert !== undefined) tls.cert = resolve(opts.baseDir, cert);
    if (key !== undefined) tls.key = resolve(opts.baseDir, key);
    if (servername !== undefined) tls.servername = servername;
    target.tls = tls;
    const scheme = new URL(url).protocol;
    if (scheme === 'mqtt:' || scheme === 'ws:') {
      const source = opts.target === undefined ? 'target.url' : '--target';
      issues.push({ path: ['target', 'tls'], message: `tls is set but ${source} uses ${scheme}//; use mqtts:// or wss://`, at: 'value' });
    }
    if ((cert === undefined) !== (key === undefined)) {
      issues.push({ path: ['target', 'tls', cert === undefined ? 'key' : 'cert'], message: 'cert and key go together: set both or neither', at: 'value' });
    }
  }
  return { target, issues };
}
