/**
 * The YAML form of a scenario file, as one zod definition: it validates the file, converts
 * units field by field (durations -> ms, rates -> msg/s, sizes -> bytes, thresholds -> specs)
 * and generates the JSON Schema editors use (jsonschema.ts).
 *
 * Every field is optional here except `name` and `scenarios`: whether a value comes from the
 * scenario, from `defaults:` or from SCENARIO_DEFAULTS is decided in normalise.ts, which also
 * checks the rules that involve more than one field.
 */
import * as z from 'zod';
import { parseThreshold } from './thresholds.js';
import type { MqttVersion, ScenarioSpec } from './types.js';
import { formatSize, parseDuration, parseRate, parseSize } from './units.js';
import type { Parsed } from './units.js';

/** The chatbench header (run id, stream id, sequence, two timestamps) takes 48 bytes; leave room. */
export const HEADER_MIN_PAYLOAD = 64;
/** MQTT's largest packet is 256 MiB; no chat message comes near it. */
export const MAX_PAYLOAD = 256 * 1024 * 1024;

export const TARGET_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
export const SCENARIO_NAME = /^[A-Za-z0-9._-]+$/;

/** What a scenario gets for every key that neither it nor `defaults:` sets. */
export const SCENARIO_DEFAULTS: Readonly<Omit<ScenarioSpec, 'name' | 'rooms' | 'connect' | 'thresholds'>> & {
  readonly roomCount: number;
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
} = {
  description: '',
  users: 10,
  roomCount: 1,
  directPairs: 0,
  rate: 100,
  payloadBytes: 128,
  qos: 1,
  durationMs: 10_000,
  messages: null,
  warmupMs: 1_000,
  drainMs: 2_000,
  connectConcurrency: 50,
  connectTimeoutMs: 10_000,
};

/** A field parsed by `parse`; `check` adds a range rule on the parsed value. */
function unitField(
  expected: string,
  parse: (input: number | string) => Parsed<number>,
  meta: { description: string; default?: string | number; examples: (string | number)[] },
  check?: (value: number) => string | undefined,
) {
  return z
    .union([z.number(), z.string()], { error: `expected ${expected}` })
    .meta(meta)
    .transform((input, ctx) => {
      const parsed = parse(input);
      const problem = parsed.ok ? check?.(parsed.value) : parsed.error;
      if (!parsed.ok || problem !== undefined) {
        ctx.issues.push({ code: 'custom', message: problem ?? 'invalid value', input });
        return z.NEVER;
      }
      return parsed.value;
    });
}

/** A duration field; `check` adds a range rule on the milliseconds. */
const duration = (description: string, defaultValue: string | undefined, check?: (ms: number) => string | undefined) =>
  unitField(
    'a duration such as 10s, 500ms or 2m',
    parseDuration,
    { description, ...(defaultValue === undefined ? {} : { default: defaultValue }), examples: ['500ms', '10s', '2m'] },
    check,
  );
const positive = (ms: number) => (ms > 0 ? undefined : 'must be longer than zero');

const count = (min: number, description: string, defaultValue?: number) =>
  z.int().min(min).meta({ description, ...(defaultValue === undefined ? {} : { default: defaultValue }) });

/**
 * `url` as it may appear in a message: whatever stands before the last "@" (the userinfo) is
 * masked, keeping only a user name that is followed by ":" (`mqtt://user:***@host`,
 * `mqtt://***@host` for a lone token). Works on text that is not a valid URL too, and errs
 * toward masking too much rather than echoing a password.
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

/** Why `url` cannot be a target, or the URL itself. Shared with the CLI's --target. Messages never quote credentials. */
export function checkTargetUrl(url: string): Parsed<string> {
  const shown = redactTargetUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: `"${shown}" is not a URL; write e.g. mqtt://127.0.0.1:1883` };
  }
  if (!(TARGET_SCHEMES as readonly string[]).includes(parsed.protocol)) {
    return { ok: false, error: `unsupported URL scheme "${parsed.protocol}//" in "${shown}"; use mqtt://, mqtts://, ws:// or wss://` };
  }
  if (parsed.hostname === '') return { ok: false, error: `"${shown}" names no host` };
  return { ok: true, value: url };
}

/** What `mqttVersion:` and --mqtt-version accept; protocol level 4 is 3.1.1. */
export const MQTT_VERSION_VALUES = [4, 5, '3.1.1', '4', '5', '5.0'] as const;
const MQTT_VERSIONS: Readonly<Record<string, MqttVersion>> = { '4': '3.1.1', '3.1.1': '3.1.1', '5': '5.0', '5.0': '5.0' };
/** MQTT 3.1 (protocol level 3) is a different protocol from 3.1.1, not an older spelling of it. */
const MQTT_31 = new Set(['3', '3.1', '3.1.0']);

/**
 * An MQTT version as written in a scenario file or on the command line (--mqtt-version):
 * 3.1.1 or 4 (its protocol level) -> "3.1.1"; 5 or 5.0 -> "5.0". MQTT 3.1 (3) is refused.
 */
export function parseMqttVersion(value: string | number): Parsed<MqttVersion> {
  const text = String(value);
  const version = MQTT_VERSIONS[text];
  if (version !== undefined) return { ok: true, value: version };
  if (MQTT_31.has(text)) {
    return { ok: false, error: 'MQTT 3.1 (protocol level 3) is not supported: use 3.1.1 (protocol level 4) or 5.0' };
  }
  return { ok: false, error: 'expected 3.1.1 or 5.0' };
}

const envName = (description: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable (e.g. CHAT_USER), not the credential itself' })
    .meta({ description });

const mapError = (example: string) => (issue: { code: string }) =>
  issue.code === 'invalid_type' ? `expected a map such as ${example}` : undefined;

export const tlsSchema = z
  .strictObject(
    {
      ca: z.string().min(1).optional().meta({ description: 'CA certificate (PEM), relative to the scenario file' }),
      cert: z.string().min(1).optional().meta({ description: 'client certificate (PEM), relative to the scenario file' }),
      key: z.string().min(1).optional().meta({ description: 'client private key (PEM), relative to the scenario file' }),
      rejectUnauthorized: z.boolean().optional().meta({ description: 'verify the server certificate', default: true }),
      servername: z.string().min(1).optional().meta({ description: 'TLS SNI server name' }),
    },
    { error: mapError('{ ca: certs/ca.pem }') },
  )
  .meta({ description: 'TLS options for mqtts:// and wss:// targets' });

export const targetSchema = z
  .strictObject(
    {
      url: z
        .string()
        .meta({ description: 'mqtt://, mqtts://, ws:// or wss:// URL of the server', examples: ['mqtt://127.0.0.1:1883'] })
        .transform((url, ctx) => {
          const checked = checkTargetUrl(url);
          if (checked.ok) return checked.value;
          ctx.issues.push({ code: 'custom', message: checked.error, input: url });
          return z.NEVER;
        }),
      mqttVersion: z
        .literal(MQTT_VERSION_VALUES, {
          error: (issue) => {
            const input = issue.input;
            const parsed = typeof input === 'number' || typeof input === 'string' ? parseMqttVersion(input) : undefined;
            return parsed && !parsed.ok ? parsed.error : 'expected 3.1.1 or 5.0';
          },
        })
        .meta({ description: 'MQTT protocol version: 3.1.1 (or 4, its protocol level) or 5.0; MQTT 3.1 is not supported', default: '5.0' })
        .transform((v, ctx): MqttVersion => {
          const parsed = parseMqttVersion(v);
          if (parsed.ok) return parsed.value;
          ctx.issues.push({ code: 'custom', message: parsed.error, input: v });
          return z.NEVER;
        })
        .optional(),
      usernameEnv: envName('name of the environment variable holding the user name').optional(),
      passwordEnv: envName('name of the environment variable holding the password').optional(),
      tls: tlsSchema.optional(),
    },
    { error: mapError('{ url: mqtt://127.0.0.1:1883 }') },
  )
  .meta({ description: 'the server to test; absent: an embedded broker on a free loopback port' });

/** Every key a scenario may set, shared by `scenarios[]` entries and `defaults:`. */
const scenarioFields = {
  users: count(1, 'number of chat users', SCENARIO_DEFAULTS.users).optional(),
  rooms: z
    .strictObject(
      {
        count: count(0, 'number of group rooms (0: direct messages only)', SCENARIO_DEFAULTS.roomCount).optional(),
        members: count(1, 'members per room, at most users (default: users)').optional(),
      },
      { error: mapError('{ count: 5, members: 10 }') },
    )
    .meta({ description: 'group rooms; every member sends to its room' })
    .optional(),
  directPairs: count(0, 'direct-message pairs (u0<->u1, u2<->u3, ...)', SCENARIO_DEFAULTS.directPairs).optional(),
  rate: unitField('a rate such as 500/s or 30/min', parseRate, {
    description: 'messages per second across the scenario (open model)',
    default: '100/s',
    examples: ['500/s', '30/min', 1000],
  }).optional(),
  payload: unitField(
    'a size such as 256, 1KiB or 2KB',
    parseSize,
    { description: 'payload size in bytes, chatbench header included', default: SCENARIO_DEFAULTS.payloadBytes, examples: [256, '1KiB', '2KB'] },
    (bytes) =>
      bytes < HEADER_MIN_PAYLOAD
        ? `must be at least ${HEADER_MIN_PAYLOAD} bytes (the chatbench header is part of the payload), got ${bytes}`
        : bytes > MAX_PAYLOAD
          ? `must be at most ${formatSize(MAX_PAYLOAD)}, got ${formatSize(bytes)}`
          : undefined,
  ).optional(),
  qos: z
    .literal([0, 1, 2], { error: 'expected 0 (at most once), 1 (at least once) or 2 (exactly once)' })
    .meta({ description: 'delivery level: 0 at most once, 1 at least once, 2 exactly once', default: SCENARIO_DEFAULTS.qos })
    .optional(),
  duration: duration('how long to send', '10s', positive).optional(),
  messages: count(1, 'stop after this many sends (default: no cap)').optional(),
  warmup: duration('first part of the run kept out of latency and throughput', '1s').optional(),
  drain: duration('wait after the last send before a message counts as lost (more than zero)', '2s', (ms) =>
    ms > 0 ? undefined : 'drain must be greater than zero: messages still in flight when sending stops would count as lost',
  ).optional(),
  connect: z
    .strictObject(
      {
        concurrency: count(1, 'users connecting at once', SCENARIO_DEFAULTS.connectConcurrency).optional(),
        timeout: duration('per-user connect timeout', '10s', positive).optional(),
      },
      { error: mapError('{ concurrency: 50, timeout: 10s }') },
    )
    .meta({ description: 'how users connect before the readiness barrier' })
    .optional(),
  thresholds: z
    .array(
      z
        .string()
        .meta({ examples: ['p99 < 50ms', 'lost == 0', 'service.p99 <= 2ms', 'deliveredPerSecond >= 1000'] })
        .transform((text, ctx) => {
          const parsed = parseThreshold(text);
          if (parsed.ok) return parsed.value;
          ctx.issues.push({ code: 'custom', message: parsed.error, input: text });
          return z.NEVER;
        }),
    )
    .meta({ description: 'pass/fail rules checked after the run, e.g. "p99 < 50ms"' })
    .optional(),
};

export const defaultsSchema = z
  .strictObject(scenarioFields, { error: mapError('{ drain: 2s }') })
  .meta({ description: 'values every scenario gets unless it sets them itself' });

export const scenarioSchema = z
  .strictObject(
    {
      name: z
        .string()
        .regex(SCENARIO_NAME, { error: 'may hold only letters, digits, ".", "_" and "-"' })
        .meta({ description: 'unique name of the scenario' }),
      description: z.string().meta({ description: 'free text shown in reports' }).optional(),
      ...scenarioFields,
    },
    { error: mapError('{ name: room-fanout, users: 50 }') },
  )
  .meta({ description: 'one chat workload' });

export const scenarioFileSchema = z
  .strictObject(
    {
      target: targetSchema.optional(),
      defaults: defaultsSchema.optional(),
      scenarios: z
        .array(scenarioSchema)
        .min(1, { error: 'lists no scenarios; add at least one' })
        .meta({ description: 'the workloads, run in order' }),
    },
    { error: mapError('{ scenarios: [...] }') },
  )
  .meta({ title: 'chatbench scenario file' });

/** The YAML form as written (for tools that generate scenario files). */
export type ScenarioFileInput = z.input<typeof scenarioFileSchema>;
export type ScenarioFileEntry = z.output<typeof scenarioFileSchema>;
export type TargetEntry = z.output<typeof targetSchema>;
export type ScenarioFields = z.output<typeof defaultsSchema>;
export type ScenarioEntry = z.output<typeof scenarioSchema>;

/** The keys the map at `path` accepts (for "did you mean"), or [] when there is no map there. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = scenarioFileSchema;
  for (const segment of [...path, null]) {
    for (;;) {
      if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) schema = schema.unwrap() as z.ZodType;
      else if (schema instanceof z.ZodPipe) schema = schema.in as z.ZodType;
      else break;
    }
    if (segment === null) break;
    if (schema instanceof z.ZodObject && typeof segment === 'string') {
      const next: unknown = schema.shape[segment];
      if (!(next instanceof z.ZodType)) return [];
      schema = next;
    } else if (schema instanceof z.ZodArray && typeof segment === 'number') {
      schema = schema.element as z.ZodType;
    } else {
      return [];
    }
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
