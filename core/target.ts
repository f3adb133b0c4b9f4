/**
 * The target registry. Each protocol's runner (runners/<protocol>/) registers one
 * ProtocolRunner: its URL schemes, its extra target fields (a zod object, so the scenario
 * file's validation and JSON Schema come from it), how those fields are checked and
 * normalised, how a target is described and opened, and the protocol's limits. Core knows
 * targets only through this table: it names no protocol.
 *
 * Adding a protocol: write runners/<protocol>/ with a ProtocolRunner and add one
 * `registerRunner(...)` line to runners/index.ts.
 */
import type * as z from 'zod';
import type { DriverFeature, TargetHandle } from './driver.js';
import { InputError } from './errors.js';
import type { LocalStart, TargetSpec } from './scenario/types.js';
import type { Parsed } from './scenario/units.js';

/** What the protocol allows, for the scenario loader's checks before a run. */
export interface ProtocolLimits {
  /** The largest chat payload one message can carry (chatbench header included), in bytes. */
  maxPayloadBytes: number;
  /**
   * The features a target (null: the embedded server) lacks for its protocol version, known
   * before it opens, each with a hint for the author (e.g. which version has it): the scenario
   * loader refuses options that need them. Absent: nothing is known to be missing.
   */
  lacks?(target: TargetSpec | null): { protocolVersion: string; features: ReadonlyMap<DriverFeature, string> };
}

export interface OpenOptions {
  /** Where credentials named by environment variable are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Which of a runner's clients drives the run (the MQTT runner has 'lean' and 'mqttjs'); absent
   * or 'auto': the runner picks per scenario, the leanest that serves DriverOptions.needs.
   */
  client?: string;
}

/** A problem in the target's fields; `path` is relative to `target:` (e.g. ["tls", "key"]). */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
  /**
   * Set when the problem is with a value the command line gave, not the file: 'url' for
   * --target, else the runner field it set (mqttVersion for --mqtt-version). Reported without
   * a file position.
   */
  commandLine?: string;
}

export interface ResolveContext {
  url: URL;
  /** Folder relative file paths (TLS certificates) are resolved against: the scenario file's. */
  baseDir: string;
  /** Where the URL came from, for messages. */
  urlSource: 'target.url' | '--target';
}

export interface ResolvedFields<F> {
  protocolVersion: string;
  fields: F;
  /** Rules involving more than one field (or the URL); each one an exit-2 problem. */
  issues: FieldIssue[];
}

/** The object schema a runner declares its extra target fields with (every field optional). */
export type FieldsSchema = z.ZodObject;

/**
 * One protocol's runner. `F` is its normalised fields (TargetSpec.fields), `S` the zod object
 * of the fields as written in `target:` next to `url`.
 */
export interface ProtocolRunner<F = unknown, S extends FieldsSchema = FieldsSchema> {
  /** The protocol's name as results record it: "mqtt", "xmpp". */
  readonly protocol: string;
  /** URL schemes without "://": ["mqtt", "mqtts", "ws", "wss"]. Each belongs to one runner. */
  readonly schemes: readonly string[];
  /** A URL to show in messages: "mqtt://127.0.0.1:1883". */
  readonly example: string;
  /** Extra `target:` fields; each must accept undefined (absent). */
  readonly fields: S;
  /** Written fields (each already valid on its own) -> normalised fields, with the cross-field rules. */
  resolve(written: z.output<S>, context: ResolveContext): ResolvedFields<F>;
  /** One line for people: URL (credentials masked), protocol version, transport. */
  describe(target: TargetSpec<F>): string;
  open(target: TargetSpec<F>, options: OpenOptions): Promise<TargetHandle>;
  /** A server started in-process for runs that name no target (the first runner offering one serves). */
  openEmbedded?(options: OpenOptions): Promise<TargetHandle>;
  readonly limits: ProtocolLimits;
}

type AnyRunner = ProtocolRunner<unknown, FieldsSchema>;

/** The `target:` keys core reads itself: the server's URL, or a local server to start (start, protocol). */
const CORE_TARGET_KEYS = ['url', 'start', 'protocol'] as const;

const runners: AnyRunner[] = [];
/** Bumped on every registration, so schemas built from the registry know when to rebuild. */
let generation = 0;

/**
 * Adds a runner. Throws (a programming error, not bad input) when its protocol or a scheme is
 * already taken, or a field name is declared by another runner with a different schema: one
 * field name means one thing in a scenario file, whatever the protocol.
 */
export function registerRunner<F, S extends FieldsSchema>(runner: ProtocolRunner<F, S>): void {
  const fresh = runner as unknown as AnyRunner; // F is opaque to core: only the runner that made the fields reads them
  for (const other of runners) {
    if (other.protocol === fresh.protocol) throw new Error(`protocol "${fresh.protocol}" is already registered`);
    const shared = other.schemes.find((s) => fresh.schemes.includes(s));
    if (shared !== undefined) throw new Error(`scheme ${shared}:// of ${fresh.protocol} is already registered by ${other.protocol}`);
    for (const [key, schema] of Object.entries(fresh.fields.shape)) {
      const theirs: unknown = other.fields.shape[key];
      if (theirs !== undefined && theirs !== schema) {
        throw new Error(`target field "${key}" of ${fresh.protocol} is declared differently by ${other.protocol}: share one schema`);
      }
    }
  }
  if (fresh.schemes.length === 0 || fresh.schemes.some((s) => !/^[a-z][a-z0-9+.-]*$/.test(s))) {
    throw new Error(`${fresh.protocol}: schemes must be lower-case URL schemes without "://"`);
  }
  for (const key of CORE_TARGET_KEYS) {
    if (key in fresh.fields.shape) throw new Error(`${fresh.protocol}: "${key}" is core's target field, not a runner's`);
  }
  for (const [key, schema] of Object.entries(fresh.fields.shape)) {
    if (!schema.safeParse(undefined).success) throw new Error(`${fresh.protocol}: target field "${key}" must be optional`);
  }
  runners.push(fresh);
  generation += 1;
}

/** Changes whenever a runner registers (for caches of schemas built from the registry). */
export function registryGeneration(): number {
  return generation;
}

/** "mqtt://, mqtts://, ws:// or wss://": every registered scheme, for messages and help. */
export function schemeList(): string {
  const all = runners.flatMap((r) => r.schemes.map((s) => `${s}://`));
  return all.length <= 1 ? (all[0] ?? '(none)') : `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}`;
}

/** The first registered runner's example URL. */
export function exampleUrl(): string {
  return runners[0]?.example ?? 'scheme://host:port';
}

/** Every runner's extra fields in one shape (the scenario file's `target:` map), in registration order. */
export function targetFieldShapes(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const runner of runners) Object.assign(shape, runner.fields.shape);
  return shape;
}

function runnerForUrl(url: URL): AnyRunner | undefined {
  const scheme = url.protocol.replace(/:$/, '');
  return runners.find((r) => r.schemes.includes(scheme));
}

function runnerForProtocol(protocol: string): AnyRunner | undefined {
  return runners.find((r) => r.protocol === protocol);
}

function embeddedRunner(): AnyRunner | undefined {
  return runners.find((r) => r.openEmbedded !== undefined);
}

/**
 * THE redactor: `url` as it may be printed or stored. Whatever stands before the last "@"
 * (the userinfo) is masked, keeping only a user name that is followed by ":"
 * (`mqtt://user:***@host`, `mqtt://***@host` for a lone token). Works on text that is not a
 * valid URL too, and errs toward masking too much rather than echoing a password.
 */
export function redactTargetUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const prefix = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0] ?? '';
  const userinfo = url.slice(prefix.length, at);
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? '' : `${userinfo.slice(0, colon)}:`;
  return `${prefix}${user}***${url.slice(at)}`;
}

/** Why `url` cannot be a target, or the URL itself (credentials kept: the runner uses them). Messages never quote credentials. */
export function checkTargetUrl(url: string): Parsed<string> {
  const shown = redactTargetUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: `"${shown}" is not a URL; write e.g. ${exampleUrl()}` };
  }
  if (runners.length === 0) return { ok: false, error: 'no protocol runner is registered (import runners/index.js)' };
  if (!runnerForUrl(parsed)) {
    return { ok: false, error: `unsupported URL scheme "${parsed.protocol}//" in "${shown}"; use ${schemeList()}` };
  }
  if (parsed.hostname === '') return { ok: false, error: `"${shown}" names no host` };
  return { ok: true, value: url };
}

export interface ResolveTargetOptions {
  /** The command line's --target: replaces the file's url. */
  url?: string | undefined;
  /** Command-line values for the runner's fields (e.g. --mqtt-version -> mqttVersion), laid over the file's. */
  fields?: Readonly<Record<string, unknown>> | undefined;
  baseDir: string;
}

/**
 * The file's `target:` map (each field already valid on its own) plus the command line ->
 * TargetSpec, or null when no URL is given anywhere (the embedded server). The URL picks the
 * runner; a field the runner does not take is an issue, as is any cross-field rule it reports.
 */
export function resolveTarget(
  written: Readonly<Record<string, unknown>> | undefined,
  options: ResolveTargetOptions,
): { target: TargetSpec | null; start?: LocalStart; issues: FieldIssue[] } {
  const fileUrl = typeof written?.['url'] === 'string' ? written['url'] : undefined;
  const url = options.url ?? fileUrl;
  const local = localStartIn(written, options.url !== undefined);
  if (local.issues.length > 0) return { target: null, issues: local.issues };
  if (local.start) return { target: null, start: local.start, issues: [] };
  if (url === undefined) return { target: null, issues: [] };
  const checked = checkTargetUrl(url);
  const urlFrom = options.url === undefined ? {} : { commandLine: 'url' };
  if (!checked.ok) return { target: null, issues: [{ path: ['url'], message: checked.error, ...urlFrom }] };
  const parsed = new URL(url);
  const runner = runnerForUrl(parsed);
  if (!runner) return { target: null, issues: [{ path: ['url'], message: `no runner for ${parsed.protocol}//` }] };

  const issues: FieldIssue[] = [];
  const accepted = Object.keys(runner.fields.shape);
  const notHere = (key: string) =>
    `${key} does not apply to ${runner.protocol} targets (${runner.schemes.map((s) => `${s}://`).join(', ')})` +
    (accepted.length ? `; they take ${accepted.join(', ')}` : '');
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(written ?? {})) {
    if ((CORE_TARGET_KEYS as readonly string[]).includes(key) || value === undefined) continue;
    if (accepted.includes(key)) fields[key] = value;
    else issues.push({ path: [key], message: notHere(key) });
  }
  for (const [key, value] of Object.entries(options.fields ?? {})) {
    const schema = runner.fields.shape[key];
    if (!schema) {
      issues.push({ path: [], message: `${notHere(key)} (given on the command line)`, commandLine: key });
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) fields[key] = result.data;
    else issues.push({ path: [key], message: `${key} from the command line: ${result.error.issues[0]?.message ?? 'invalid'}`, commandLine: key });
  }
  if (issues.length > 0) return { target: null, issues };
  const urlSource = options.url === undefined ? 'target.url' : '--target';
  const resolved = runner.resolve(fields, { url: parsed, baseDir: options.baseDir, urlSource });
  const target: TargetSpec = { url, protocol: runner.protocol, protocolVersion: resolved.protocolVersion, fields: resolved.fields };
  // A runner's issue with the URL is about --target when the command line gave the URL.
  return { target, issues: resolved.issues.map((i) => (i.path[0] === 'url' && i.commandLine === undefined ? { ...i, ...urlFrom } : i)) };
}

/**
 * `start:` / `protocol:` of the file's target: a local server to start (when the command line
 * gave no URL, which wins over it as over `url:`), or what is wrong with them.
 */
function localStartIn(written: Readonly<Record<string, unknown>> | undefined, urlOnCommandLine: boolean): { start?: LocalStart; issues: FieldIssue[] } {
  const server = typeof written?.['start'] === 'string' ? written['start'] : undefined;
  const protocol = typeof written?.['protocol'] === 'string' ? written['protocol'] : undefined;
  if (urlOnCommandLine || written === undefined) return { issues: [] };
  if (server !== undefined && written['url'] !== undefined) {
    return { issues: [{ path: ['start'], message: 'give url (a running server) or start (a server chatbench starts), not both' }] };
  }
  if (server !== undefined) return { start: { server, protocol }, issues: [] };
  if (protocol !== undefined) {
    return { issues: [{ path: ['protocol'], message: "protocol goes with start (a local server); a url's scheme names its protocol" }] };
  }
  if (written['url'] === undefined && Object.values(written).some((v) => v !== undefined)) {
    return { issues: [{ path: [], message: 'the target names no server: give url, or start (a local server chatbench starts)' }] };
  }
  return { issues: [] };
}

/**
 * A TargetSpec from a URL and field values as a scenario file would write them (for library
 * users, tests and benchmarks). Throws InputError listing every problem.
 */
export function targetFromUrl(url: string, fields: Readonly<Record<string, unknown>> = {}, baseDir = process.cwd()): TargetSpec {
  const { target, issues } = resolveTarget({ url, ...fields }, { baseDir });
  if (issues.length > 0 || !target) {
    throw new InputError(`invalid target ${redactTargetUrl(url)}: ${issues.map((i) => [...i.path, i.message].join(': ')).join('; ')}`);
  }
  return target;
}

/**
 * A target as the scenario file names it, before a run, in one line for people: the runner's
 * wording (URL with credentials masked, protocol, transport); null is the embedded server.
 * A result's target (after the run) is described by reports/describe.ts describeResultTarget.
 */
export function describeTargetSpec(target: TargetSpec | null): string {
  if (target === null) return `the embedded ${protocolOf(null) ?? '(none)'} server`;
  return runnerForProtocol(target.protocol)?.describe(target) ?? `${redactTargetUrl(target.url)} (${target.protocol})`;
}

/** The protocol a target speaks (null: the embedded server's); undefined when no runner serves it. */
export function protocolOf(target: TargetSpec | null): string | undefined {
  return target === null ? embeddedRunner()?.protocol : target.protocol;
}

/** The limits of the target's protocol (null: the embedded server's); undefined when no runner serves it. */
export function limitsFor(target: TargetSpec | null): ProtocolLimits | undefined {
  return (target === null ? embeddedRunner() : runnerForProtocol(target.protocol))?.limits;
}

/**
 * Opens the target a run talks to: the named server through its protocol's runner, or, when
 * none is named, the embedded server of the first runner that has one. The handle's URL goes
 * through the redactor whatever the runner put there: it is printed and stored.
 */
export async function openTarget(target: TargetSpec | null, options: OpenOptions = {}): Promise<TargetHandle> {
  let handle: TargetHandle;
  if (target === null) {
    const runner = embeddedRunner();
    if (!runner?.openEmbedded) throw new InputError('no target given, and no registered runner offers an embedded server');
    handle = await runner.openEmbedded(options);
  } else {
    const runner = runnerForProtocol(target.protocol);
    if (!runner) throw new InputError(`target ${redactTargetUrl(target.url)}: no runner is registered for protocol "${target.protocol}"`);
    handle = await runner.open(target, options);
  }
  const opened = handle;
  return {
    info: { ...opened.info, url: redactTargetUrl(opened.info.url) },
    createDriver: (runId, driverOptions) => opened.createDriver(runId, driverOptions),
    ...(opened.startNetworkFaults === undefined ? {} : { startNetworkFaults: opened.startNetworkFaults.bind(opened) }),
    close: () => opened.close(),
  };
}
