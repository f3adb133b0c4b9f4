/**
 * The YAML keys for chat patterns, protocol edge cases and injected faults (issue 10), as zod
 * fields spread into schema.ts's scenario keys. Each parses one key on its own (units, shares,
 * the short forms such as `session: persistent`) into the engine's types (types.ts); the rules
 * between keys (times inside the send phase, watchers below users, options a protocol version
 * lacks) are patterns.ts's.
 */
import * as z from 'zod';
import { count, duration, mapError, positive, share, unitField } from './fields.js';
import type { FaultSpec, OfflineSpec, PresenceSpec, SessionSpec } from './types.js';
import { parseDuration, parseRate, parseSize } from './units.js';
import type { Parsed } from './units.js';

/** What a scenario gets for each pattern key it writes without every sub-key. */
export const PATTERN_DEFAULTS = {
  presence: { watchers: 3, offlineShare: 0.5, abruptShare: 0.5, awayMs: 500, waitMs: 5_000 },
  sessionExpiryMs: 300_000,
  lateJoiners: 1,
  /** `topics: long` pads every topic to about this many bytes. */
  longTopicBytes: 1_000,
} as const;

/**
 * A topic is a UTF-8 string of at most 65,535 bytes [MQTT-1.5.3] (its length is a two-byte
 * integer); the padding stays below that with room for the run's prefix and names.
 */
export const LONG_TOPIC_MAX_BYTES = 60_000;
const LONG_TOPIC_MIN_BYTES = 100;

const TOPIC_STYLES = ['plain', 'long', 'unicode'] as const;
type TopicStyle = (typeof TOPIC_STYLES)[number];

function topicsField() {
  const style = z.literal(TOPIC_STYLES, { error: 'expected plain, long or unicode' });
  const bytes = unitField(
    'a size such as 1000 or 4KiB',
    parseSize,
    { description: `long: the length every topic is padded to, about (default ${PATTERN_DEFAULTS.longTopicBytes}, at most ${LONG_TOPIC_MAX_BYTES})`, examples: [1000, '4KiB'] },
    (n) => (n >= LONG_TOPIC_MIN_BYTES && n <= LONG_TOPIC_MAX_BYTES ? undefined : `must be from ${LONG_TOPIC_MIN_BYTES} to ${LONG_TOPIC_MAX_BYTES} bytes (a topic is at most 65,535 bytes [MQTT-1.5.3]), got ${n}`),
  );
  const map = z
    .strictObject({ style, bytes: bytes.optional() }, { error: mapError('{ style: long, bytes: 1000 }') })
    .refine((t) => t.bytes === undefined || t.style === 'long', { error: 'bytes goes with style: long only', path: ['bytes'] });
  return z
    .union([style, map], { error: 'expected plain, long, unicode, or { style: long, bytes: 1000 }' })
    .transform((t): { style: TopicStyle; bytes?: number } => {
      const { style: s, bytes: b } = typeof t === 'string' ? { style: t, bytes: undefined } : t;
      return s === 'long' ? { style: s, bytes: b ?? PATTERN_DEFAULTS.longTopicBytes } : { style: s };
    })
    .meta({
      description:
        'topic and room naming: plain (default); long (every room, inbox and presence topic padded with extra levels to about `bytes`, default 1000); unicode (emoji and non-Latin room and user names)',
    });
}

function sessionField() {
  const map = z.strictObject(
    {
      persistent: z.boolean().meta({ description: 'keep the session across disconnects', default: true }).optional(),
      expiry: duration(`MQTT 5 Session Expiry Interval: how long the server keeps the session after a disconnect`, '5m', positive).optional(),
      messageExpiry: duration('MQTT 5 Message Expiry Interval put on every chat message (default: none)', undefined, positive).optional(),
    },
    { error: mapError('{ persistent: true, expiry: 5m }') },
  );
  return z
    .union([z.literal(['clean', 'persistent'], { error: 'expected clean or persistent' }), map], {
      error: 'expected clean, persistent, or { persistent: true, expiry: 5m, messageExpiry: 1h }',
    })
    .transform((s): SessionSpec => {
      const m = typeof s === 'string' ? { persistent: s === 'persistent' } : s;
      return {
        persistent: m.persistent ?? true,
        expiryMs: ('expiry' in m ? m.expiry : undefined) ?? PATTERN_DEFAULTS.sessionExpiryMs,
        ...('messageExpiry' in m && m.messageExpiry !== undefined ? { messageExpiryMs: m.messageExpiry } : {}),
      };
    })
    .meta({
      description:
        'clean (default): nothing kept across disconnects; persistent: the server keeps subscriptions and queues messages (MQTT 3.1.1 Clean Session 0; 5.0 Clean Start 0 with a Session Expiry Interval, default 5m). Implied by `offline` and by `disconnect` faults that reconnect, unless clean is written',
    });
}

function presenceField() {
  const d = PATTERN_DEFAULTS.presence;
  return z
    .strictObject(
      {
        watchers: count(1, 'each user\'s presence is watched by this many other users', d.watchers).optional(),
        offline: share('share of users that go offline during the episode and come back', '50%').optional(),
        abrupt: share('of those, the share that drop abruptly (their will must fire); the rest leave cleanly (no will may fire)', '50%').optional(),
        away: duration('how long the users that went offline stay away', '500ms').optional(),
        wait: duration('how long to wait for every presence update and will before counting it missing', '5s', positive).optional(),
        willDelay: duration('MQTT 5 Will Delay Interval: the will may not fire sooner than this after the drop (default: none)', undefined).optional(),
      },
      { error: mapError('{ watchers: 3, offline: 50% }') },
    )
    .transform((p): PresenceSpec => ({
      watchers: p.watchers ?? d.watchers,
      offlineShare: p.offline ?? d.offlineShare,
      abruptShare: p.abrupt ?? d.abruptShare,
      awayMs: p.away ?? d.awayMs,
      waitMs: p.wait ?? d.waitMs,
      ...(p.willDelay === undefined ? {} : { willDelayMs: p.willDelay }),
    }))
    .meta({ description: 'presence: retained online/offline statuses, watchers, and wills on abrupt drops (an episode before sending)' });
}

/** A duration, or `never` (null): how soon a dropped user reconnects. */
const reconnectWithin = unitField(
  'a duration such as 1s, or never',
  (input): Parsed<number> => (input === 'never' ? { ok: true, value: -1 } : parseDuration(input)),
  { description: 'each dropped user reconnects at a random moment within this long (resuming its session); never: it stays away', examples: ['1s', 'never'] },
).transform((ms) => (ms < 0 ? null : ms));

function faultsField() {
  const disconnect = z
    .strictObject(
      {
        share: share('drop this share of the users at `at`', undefined, true).optional(),
        rate: unitField('a rate such as 5/s', parseRate, { description: 'instead of share: drop users at this rate from `at` for `for`', examples: ['5/s'] }).optional(),
        at: duration('when, from the start of the send phase', undefined),
        for: duration('with rate: how long the drops go on', undefined, positive).optional(),
        reconnectWithin,
      },
      { error: mapError('{ share: 30%, at: 1s, reconnectWithin: 1s }') },
    )
    .refine((f) => (f.share === undefined) !== (f.rate === undefined), { error: 'give share (users at one moment) or rate (users per second over `for`), one of them' })
    .refine((f) => f.rate === undefined || f.for !== undefined, { error: 'with rate, give for: how long the drops go on', path: ['rate'] })
    .refine((f) => f.share === undefined || f.for === undefined, { error: 'for goes with rate: a share drops at one moment', path: ['for'] })
    .meta({ description: 'abrupt socket close (no goodbye; wills fire) of a share of the users at one moment, or of users at a rate' });
  const slowConsumer = z
    .strictObject(
      {
        users: count(1, 'how many users stop reading their socket'),
        at: duration('when, from the start of the send phase', undefined),
        for: duration('how long they stop reading', undefined, positive),
      },
      { error: mapError('{ users: 2, at: 1s, for: 1s }') },
    )
    .meta({ description: 'slow consumers: users stop reading their socket for a while (the server\'s queue to them grows)' });
  const network = z
    .strictObject(
      {
        delay: duration('added to every byte from the target to chatbench\'s clients: each delivery, and each acknowledgement of a send, arrives that much later', '0s').optional(),
        jitter: duration('each packet\'s delay varies by up to this much (seeded)', '0s').optional(),
        loss: share('share of the server\'s QoS 0 chat deliveries dropped', '0%').optional(),
        duplicate: share('share of the server\'s QoS 0 and 1 chat deliveries sent twice', '0%').optional(),
      },
      { error: mapError('{ delay: 20ms, loss: 1% }') },
    )
    .meta({ description: 'a loopback proxy chatbench runs between its clients and the target for the whole scenario' });
  const item = z
    .strictObject(
      { disconnect: disconnect.optional(), slowConsumer: slowConsumer.optional(), network: network.optional() },
      { error: mapError('{ disconnect: { share: 30%, at: 1s, reconnectWithin: 1s } }') },
    )
    // Only when the item is otherwise valid: a misspelt fault name is reported as such, alone.
    .refine((f) => Object.values(f).filter((v) => v !== undefined).length === 1, {
      error: 'give one fault per item: disconnect, slowConsumer or network',
      when: (payload) => payload.issues.length === 0,
    })
    .transform((f): FaultSpec => {
      if (f.disconnect) {
        const d = f.disconnect;
        return {
          kind: 'disconnect', atMs: d.at, reconnectWithinMs: d.reconnectWithin,
          ...(d.share === undefined ? {} : { share: d.share }),
          ...(d.rate === undefined ? {} : { rate: d.rate }),
          ...(d.for === undefined ? {} : { forMs: d.for }),
        };
      }
      if (f.slowConsumer) return { kind: 'slow-consumer', users: f.slowConsumer.users, atMs: f.slowConsumer.at, forMs: f.slowConsumer.for };
      const n = f.network ?? { delay: 0 };
      return { kind: 'network', delayMs: n.delay ?? 0, jitterMs: n.jitter ?? 0, loss: n.loss ?? 0, duplicate: n.duplicate ?? 0 };
    });
  return z
    .array(item)
    .min(1, { error: 'lists no faults; add at least one, or leave faults out' })
    .meta({ description: 'faults chatbench injects itself; times from the start of the send phase' });
}

/** The pattern keys a scenario (or `defaults:`) may set. */
export const patternFields = {
  randomPeers: count(1, 'each user writes to this many partners drawn at random (seeded by `seed`), one stream per partner; fewer than users').optional(),
  fanIn: z
    .strictObject({ receivers: count(1, 'users u0.. that only receive; fewer than users') }, { error: mapError('{ receivers: 1 }') })
    .meta({ description: 'fan-in (a support desk, a bot): every other user writes to one of the receivers, round-robin' })
    .optional(),
  topics: topicsField().optional(),
  receiveMaximum: z
    .int()
    .min(1)
    .max(65_535)
    .meta({ description: 'MQTT 5 only: the Receive Maximum each client announces (the server keeps at most this many QoS 1/2 deliveries unacknowledged per client)' })
    .optional(),
  maxInFlight: count(1, 'sends handed to the client and not yet completed, past which chatbench\'s pacer waits', 20_000).optional(),
  session: sessionField().optional(),
  presence: presenceField().optional(),
  retained: z
    .strictObject(
      { lateJoiners: count(1, 'users per room that join after the chat and must see its last message', PATTERN_DEFAULTS.lateJoiners).optional() },
      { error: mapError('{ lateJoiners: 2 }') },
    )
    .transform((r) => ({ lateJoiners: r.lateJoiners ?? PATTERN_DEFAULTS.lateJoiners }))
    .meta({ description: 'retained room: room messages are sent retained; after the drain, late joiners must see each room\'s last message' })
    .optional(),
  offline: z
    .strictObject(
      {
        share: share('share of the receiving users that go offline', undefined, true),
        at: duration('when they leave (a clean goodbye that keeps the session), from the start of the send phase', undefined),
        for: duration('how long they stay away', undefined, positive),
      },
      { error: mapError('{ share: 50%, at: 500ms, for: 1s }') },
    )
    .transform((o): OfflineSpec => ({ share: o.share, atMs: o.at, forMs: o.for }))
    .meta({ description: 'offline inbox: users leave, messages queue on the server, users return and must get them all, in order' })
    .optional(),
  takeover: z
    .strictObject(
      { share: share('share of the users a second device takes over', undefined, true), at: duration('when, from the start of the send phase', undefined) },
      { error: mapError('{ share: 10%, at: 500ms }') },
    )
    .transform((t) => ({ share: t.share, atMs: t.at }))
    .meta({ description: 'session takeover: a second device connects with the same identity; the server must close the first' })
    .optional(),
  faults: faultsField().optional(),
};
