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
import { checkTargetUrl, exampleUrl, registryGeneration, schemeList, targetFieldShapes } from '../target.js';
import type { ScenarioSpec, SizeDistribution } from './types.js';
import { count, duration, mapError, positive, unitField } from './fields.js';
import { patternFields } from './pattern-fields.js';
import { parseRate, parseSize } from './units.js';
import { DEFAULT_POLL_WITHIN_MICROS } from './types.js';
import { parsePollWindow } from './pacing.js';
import { sourceAddressesField } from './sources.js';

export { mapError } from './fields.js';

const PACING_ERROR = 'expected sleep (the pacer sleeps between sends), poll (it stays awake when the next send is near) or { poll: 2ms } (how near)';

/** The chatbench header (run id, stream id, sequence, two timestamps) takes 48 bytes; leave room. */
export const HEADER_MIN_PAYLOAD = 64;

const SCENARIO_NAME = /^[A-Za-z0-9._-]+$/;

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
  drainMaxMs: 60_000,
  stallTimeoutMs: 5_000,
  connectConcurrency: 50,
  connectTimeoutMs: 10_000,
};

/** A rate in a phase: 0 is allowed there (a ramp from or down to nothing). */
const rampRate = (description: string) =>
  unitField('a rate such as 500/s, or 0', (input) => (input === 0 || (typeof input === 'string' && /^0+(?:\.0*)?(?:\s*\/\s*[a-z]+)?$/.test(input.trim())) ? { ok: true, value: 0 } : parseRate(input)), {
    description,
    examples: ['500/s', 0],
  });

/** A payload size of at least the header (the upper bound is the protocol's: limits.ts). */
const payloadSize = (description: string) =>
  unitField('a size such as 256, 1KiB or 2KB', parseSize, { description, examples: [256, '1KiB'] }, (bytes) =>
    bytes < HEADER_MIN_PAYLOAD ? `must be at least ${HEADER_MIN_PAYLOAD} bytes (the chatbench header is part of the payload), got ${bytes}` : undefined,
  );

/** `payloadSizes:` uniform { min, max } or a weighted list; each message draws its size (seeded). */
function payloadSizes() {
  const uniform = z
    .strictObject({ min: payloadSize('smallest size'), max: payloadSize('largest size') })
    .refine((u) => u.min <= u.max, { error: 'min must not be more than max', path: ['max'] })
    .transform((u): SizeDistribution => ({ kind: 'uniform', min: u.min, max: u.max }));
  const weighted = z
    .array(
      z.strictObject({
        size: payloadSize('this choice\'s size'),
        weight: z.number().positive().meta({ description: 'relative weight (9 and 1: nine in ten messages take the first)' }),
      }),
    )
    .min(1, { error: 'lists no sizes; add at least one { size, weight }' })
    .transform((list): SizeDistribution => ({ kind: 'weighted', choices: list.map((c) => ({ bytes: c.size, weight: c.weight })) }));
  return z
    .union([uniform, weighted], { error: 'expected { min: 128, max: 4KiB } (uniform) or a list of { size, weight } (weighted)' })
    .meta({ description: 'instead of payload: a size per message, drawn from a uniform range or a weighted list (seeded by `seed`)' });
}

/**
 * `rooms:` as a list of sizes, r0.. in list order. It reads back as the map form with the total
 * count and the largest size (what limits and messages about rooms.members use) plus `sizes`.
 */
function roomSizesField() {
  return z
    .array(
      z.strictObject(
        { count: count(1, 'rooms of this size'), members: count(1, 'members of each, at most users') },
        { error: mapError('{ count: 8, members: 3 }') },
      ),
    )
    .min(1, { error: 'lists no room sizes; add at least one { count, members }' })
    .transform((sizes) => ({
      count: sizes.reduce((sum, g) => sum + g.count, 0),
      members: Math.max(...sizes.map((g) => g.members)),
      sizes,
    }));
}

/**
 * `target:`: the url plus every registered runner's extra fields (core/target.ts), so the
 * file's validation and its JSON Schema follow the runners registered; which fields the URL's
 * runner takes, and the rules between them, are checked in normalise.ts (resolveTarget).
 */
function buildTargetSchema() {
  return z
    .strictObject(
      {
        url: z
          .string()
          .meta({ description: `${schemeList()} URL of the server`, examples: [exampleUrl()] })
          .transform((url, ctx) => {
            const checked = checkTargetUrl(url);
            if (checked.ok) return checked.value;
            ctx.issues.push({ code: 'custom', message: checked.error, input: url });
            return z.NEVER;
          })
          .optional(),
        start: z
          .string()
          .regex(/^[a-z][a-z0-9-]*$/, { error: 'the name of a local server, e.g. mosquitto' })
          .meta({ description: 'instead of url: a local server chatbench starts on free loopback ports for the run and stops after it' })
          .optional(),
        protocol: z
          .string()
          .regex(/^[a-z][a-z0-9-]*$/, { error: 'a protocol name, e.g. mqtt' })
          .meta({ description: 'with start: the protocol to speak to a server that serves more than one' })
          .optional(),
        ...targetFieldShapes(),
      },
      { error: mapError(`{ url: ${exampleUrl()} }`) },
    )
    .meta({ description: 'the server to test; absent: an embedded broker on a free loopback port' });
}

/** Every key a scenario may set, shared by `scenarios[]` entries and `defaults:`. */
const scenarioFields = {
  users: count(1, 'number of chat users', SCENARIO_DEFAULTS.users).optional(),
  rooms: z
    .union(
      [
        z.strictObject(
          {
            count: count(0, 'number of group rooms (0: direct messages only)', SCENARIO_DEFAULTS.roomCount).optional(),
            members: count(1, 'members per room, at most users (default: users)').optional(),
          },
          { error: mapError('{ count: 5, members: 10 }') },
        ),
        roomSizesField(),
      ],
      { error: 'expected { count: 5, members: 10 }, or a list of sizes such as [{ count: 8, members: 3 }, { count: 2, members: 12 }]' },
    )
    .meta({ description: 'group rooms, all of one size ({ count, members }) or by size (a list: many small, a few large); every member sends to its room' })
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
        : undefined, // the upper bound is the target protocol's (core/scenario/limits.ts)
  ).optional(),
  payloadSizes: payloadSizes().optional(),
  pacing: z
    .union(
      [
        z.literal(['sleep', 'poll']),
        z.strictObject({
          poll: unitField('a time such as 600us or 2ms', parsePollWindow, { description: 'stay awake when the next send is due within this long', examples: ['600us', '2ms'] }),
        }),
      ],
      { error: (issue) => (issue.code === 'invalid_union' ? PACING_ERROR : undefined) },
    )
    .meta({
      description: `how the pacer waits between sends: sleep (default) costs CPU only per send; poll keeps the event loop awake whenever the next send is due within ${DEFAULT_POLL_WITHIN_MICROS} µs ({ poll: 2ms } sets that window), so a slow wake-up of the machine cannot delay it — lower schedule lag at high rates for up to a core of CPU`,
      default: 'sleep',
    })
    .optional(),
  arrival: z
    .literal(['constant', 'poisson'], { error: 'expected constant (evenly spaced sends) or poisson (seeded exponential gaps)' })
    .meta({
      description: 'how sends are spread at the rate (or along the phases): constant, evenly; poisson, exponential gaps drawn from `seed`',
      default: 'constant',
    })
    .optional(),
  phases: z
    .array(
      z.union(
        [
          z.strictObject({ duration: duration('how long this phase sends', undefined, positive), rate: rampRate('the rate through this phase') }),
          z.strictObject({
            duration: duration('how long this phase sends', undefined, positive),
            from: rampRate('the rate at the start of this phase (0 allowed)'),
            to: rampRate('the rate at its end: in between it moves linearly (0 allowed: a ramp down)'),
          }),
        ],
        { error: 'expected { duration: 30s, rate: 500/s } (steady) or { duration: 10s, from: 0, to: 500/s } (a ramp)' },
      ),
    )
    .min(1, { error: 'lists no phases; add at least one { duration, rate }' })
    .meta({ description: 'instead of rate and duration: the send phase as steady and ramping stretches, run in order' })
    .optional(),
  think: duration('instead of rate: every sender sends once per this long, starting at a random moment (from `seed`) in its first interval', undefined, positive).optional(),
  seed: count(0, 'seed of the random draws (poisson arrivals, think-time phases, payload sizes): the same seed gives the same schedule and sizes', 1).optional(),
  qos: z
    .literal([0, 1, 2], { error: 'expected 0 (at most once), 1 (at least once) or 2 (exactly once)' })
    .meta({ description: 'delivery level: 0 at most once, 1 at least once, 2 exactly once', default: SCENARIO_DEFAULTS.qos })
    .optional(),
  duration: duration('how long to send', '10s', positive).optional(),
  messages: count(1, 'stop after this many sends (default: no cap)').optional(),
  warmup: duration('first part of the run kept out of latency and throughput', '1s').optional(),
  drain: duration('after the last send, stop waiting for owed deliveries once nothing arrived for this long (more than zero)', '2s', (ms) =>
    ms > 0 ? undefined : 'drain must be greater than zero: messages still in flight when sending stops would count as undelivered',
  ).optional(),
  drainMax: duration('the longest the drain may last, progress or not (at least drain)', '60s', positive).optional(),
  stallTimeout: duration('abort when, with work owed, no acknowledgement and no delivery came for this long', '5s', positive).optional(),
  idle: duration(
    'an idle phase after the readiness barrier: users stay connected and nothing is sent for this long, so keep-alive bytes per connection per minute are measured (0: none)',
    '0s',
  ).optional(),
  connect: z
    .strictObject(
      {
        concurrency: count(1, 'users connecting at once', SCENARIO_DEFAULTS.connectConcurrency).optional(),
        timeout: duration('per-user connect timeout', '10s', positive).optional(),
        rate: unitField('a rate such as 20/s', parseRate, {
          description: 'ramp the connections: users start connecting at most this many per second (default: as fast as concurrency allows)',
          examples: ['20/s', '600/min'],
        }).optional(),
        sourceAddresses: sourceAddressesField().optional(),
      },
      { error: mapError('{ concurrency: 50, timeout: 10s }') },
    )
    .meta({ description: 'how users connect before the readiness barrier' })
    .optional(),
  ...patternFields,
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

function buildFileSchema() {
  const targetSchema = buildTargetSchema();
  const fileSchema = z
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
  return { generation: registryGeneration(), targetSchema, fileSchema };
}
let built: ReturnType<typeof buildFileSchema> | undefined;
function current(): ReturnType<typeof buildFileSchema> {
  if (built?.generation !== registryGeneration()) built = buildFileSchema();
  return built;
}

/** The whole file's schema, rebuilt when a runner registers (its target fields are part of it). */
export function scenarioFileSchema(): ReturnType<typeof buildFileSchema>['fileSchema'] {
  return current().fileSchema;
}

/** `target:` alone (normalise.ts recovers it field by field). */
export function targetSchema(): ReturnType<typeof buildFileSchema>['targetSchema'] {
  return current().targetSchema;
}

/** The YAML form as written (for tools that generate scenario files). */
export type ScenarioFileInput = z.input<ReturnType<typeof scenarioFileSchema>>;
export type ScenarioFields = z.output<typeof defaultsSchema>;
export type ScenarioEntry = z.output<typeof scenarioSchema>;

/** Through optional, default and transform wrappers to the schema that checks the value. */
function unwrapped(schema: z.ZodType): z.ZodType {
  for (;;) {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) schema = schema.unwrap() as z.ZodType;
    else if (schema instanceof z.ZodPipe) schema = schema.in as z.ZodType;
    else return schema;
  }
}

/** The keys the map at `path` accepts (for "did you mean"), or [] when there is no map there. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = scenarioFileSchema();
  for (const segment of [...path, null]) {
    schema = unwrapped(schema);
    // A key that takes a map or a list (or a word), or one of several maps: follow the form
    // the next segment is in; at the end, every key any of its maps accepts.
    if (schema instanceof z.ZodUnion) {
      const options = (schema.options as z.ZodType[]).map(unwrapped);
      const maps = options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      if (segment === null) return [...new Set(maps.flatMap((m) => Object.keys(m.shape)))];
      schema = (typeof segment === 'number' ? options.find((o) => o instanceof z.ZodArray) : maps.find((m) => segment in m.shape)) ?? schema;
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
