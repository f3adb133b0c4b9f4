/**
 * The per-run topic namespace and client ids. Everything a run publishes or subscribes to
 * lives under `chatbench/<runId>/`, so runs never see each other's traffic and nothing
 * outside the namespace is touched:
 *
 *   chatbench/<runId>/room/<room>        a group room (every member subscribes)
 *   chatbench/<runId>/user/<user>        a user's inbox for direct messages
 *   chatbench/<runId>/presence/<user>    retained presence, and the Last Will ("offline")
 *
 * Names are percent-encoded so that '/', '+', '#' (topic level separator and wildcards,
 * [MQTT-4.7.1]) and NUL ([MQTT-4.7.3-2]) can never change the shape of a topic.
 */
import { createHash } from 'node:crypto';
import type { MessageSource } from '../../core/driver.js';

const TOPIC_ROOT = 'chatbench';

/** encodeURIComponent escapes '/', '#', '+' and NUL; '%' itself is escaped, so decoding is exact. */
function encodeLevel(name: string): string {
  if (name.length === 0) throw new Error('topic level names must not be empty');
  return encodeURIComponent(name);
}

function decodeLevel(level: string): string | null {
  try {
    return decodeURIComponent(level);
  } catch {
    return null;
  }
}

export interface RunTopics {
  /** `chatbench/<runId>/` — every topic of the run starts with this. */
  readonly prefix: string;
  room(room: string): string;
  inbox(user: string): string;
  presence(user: string): string;
  /** Where a received PUBLISH came from, or null for a topic that is not a room or inbox of this run. */
  parse(topic: string): MessageSource | null;
}

/** The scenario's `topics` (core/driver.ts DriverOptions.topics). */
export interface TopicStyle {
  style: 'plain' | 'long' | 'unicode';
  /** long: the length every topic is padded to, about (default 1000). */
  bytes?: number;
}

const DEFAULT_LONG_BYTES = 1_000;
/** A topic is at most 65,535 bytes of UTF-8 [MQTT-1.5.3]: padding never goes past this. */
const MAX_TOPIC_BYTES = 65_535;
/**
 * Padding levels are this long: a 1000-byte topic gets about four extra levels, within the
 * depth servers allow by default (ejabberd: 8 levels in all), while still adding depth.
 */
const PAD_LEVEL_CHARS = 250;

/**
 * Decorations for `unicode` names: emoji (astral, a ZWJ sequence, a flag), Cyrillic, CJK,
 * Arabic (right-to-left), Devanagari (combining marks), Greek. None holds '~', '/', '+', '#'
 * or U+0000 [MQTT-4.7.3-2], so "<decoration>~<name>" splits back at its first '~'.
 */
const DECORATIONS = ['💬', 'чат', '聊天室', 'غرفة', 'नमस्ते', 'Ωμέγα', '👩‍💻', '🇺🇦', 'ルーム🚀'] as const;

/** Escapes only what would change the topic's shape ('/', '+', '#', NUL) and '%' itself, so decodeURIComponent undoes it exactly. */
function escapeLevel(name: string): string {
  if (name.length === 0) throw new Error('topic level names must not be empty');
  return name.replace(/[%/+#\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function decoration(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + (c.codePointAt(0) ?? 0)) >>> 0;
  return DECORATIONS[h % DECORATIONS.length] as string;
}

/** `long`: at most `need` bytes (one less where a level would not fit) of padding levels "xx…x/xx…x", never an empty level. */
function padding(need: number): string {
  const levels: string[] = [];
  let used = 0;
  for (;;) {
    const room = need - used - (levels.length === 0 ? 0 : 1); // a level after the first costs its '/'
    if (room < 1) return levels.join('/');
    const chars = Math.min(PAD_LEVEL_CHARS, room);
    used += chars + (levels.length === 0 ? 0 : 1);
    levels.push('x'.repeat(chars));
  }
}

export function runTopics(runId: string, style: TopicStyle = { style: 'plain' }): RunTopics {
  const prefix = `${TOPIC_ROOT}/${encodeLevel(runId)}/`;
  const nameLevel = style.style === 'unicode' ? (name: string) => `${decoration(name)}~${escapeLevel(name)}` : encodeLevel;
  const target = Math.min(style.bytes ?? DEFAULT_LONG_BYTES, MAX_TOPIC_BYTES);
  const build = (kind: string, name: string): string => {
    const plain = `${prefix}${kind}/${nameLevel(name)}`;
    if (style.style !== 'long') return plain;
    // "<prefix><kind>/<padding>/<name>" of `target` bytes (ASCII: bytes are characters).
    const need = target - Buffer.byteLength(plain) - 1;
    return need < 1 ? plain : `${prefix}${kind}/${padding(need)}/${nameLevel(name)}`;
  };
  // Every send names its topic: long and unicode topics are built once per name.
  const built = new Map<string, string>();
  const topic = (kind: string, name: string): string => {
    if (style.style === 'plain') return build(kind, name);
    const key = `${kind}/${name}`;
    let t = built.get(key);
    if (t === undefined) built.set(key, (t = build(kind, name)));
    return t;
  };
  const room = (name: string) => topic('room', name);
  const inbox = (name: string) => topic('user', name);
  // Every delivery is parsed: a topic this run names is worked out once, then looked up.
  const known = new Map<string, MessageSource>();
  const parse = (received: string): MessageSource | null => {
    const hit = known.get(received);
    if (hit !== undefined) return hit;
    const source = parseOnce(received);
    if (source !== null) known.set(received, source);
    return source;
  };
  return {
    prefix,
    room,
    inbox,
    presence: (user) => topic('presence', user),
    parse,
  };

  function parseOnce(received: string): MessageSource | null {
    if (!received.startsWith(prefix)) return null;
    const levels = received.slice(prefix.length).split('/');
    const kind = levels[0];
    const last = levels[levels.length - 1];
    if (levels.length < 2 || last === undefined) return null;
    const name = decodeLevel(style.style === 'unicode' ? last.slice(last.indexOf('~') + 1) : last);
    if (name === null || name.length === 0) return null;
    // Exactly a topic this run names: rebuilding it from the name must give it back.
    if (kind === 'room' && room(name) === received) return { kind: 'room', room: name };
    if (kind === 'user' && inbox(name) === received) return { kind: 'direct' };
    return null;
  }
}

const ALNUM = /^[0-9A-Za-z]+$/;
const RUN_TAG_CHARS = 8;
const USER_TAG_CHARS = 13;

function hexDigest(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/**
 * A client id unique to (run, user) that every 3.1.1 server must accept: 1..23 characters
 * from 0-9a-zA-Z [MQTT-3.1.3-5] (longer ids or other characters are a server's option).
 * Layout: `cb` + 8 hex digits of sha256(runId) + the user name when it is short and
 * alphanumeric, else 13 hex digits of its hash — at most 2 + 8 + 13 = 23 characters.
 */
export function clientIdFor(runId: string, user: string): string {
  const userTag = user.length <= USER_TAG_CHARS && ALNUM.test(user) ? user : hexDigest(user, USER_TAG_CHARS);
  return `cb${hexDigest(runId, RUN_TAG_CHARS)}${userTag}`;
}

/**
 * The user a chat client id (clientIdFor) names, read back from the id alone (the fault proxy
 * sees only the CONNECT): the name when it was short and alphanumeric, else null (it was hashed).
 */
export function userOfClientId(clientId: string): string | null {
  const head = 2 + RUN_TAG_CHARS;
  if (!clientId.startsWith('cb') || clientId.length <= head) return null;
  const tag = clientId.slice(head);
  // A hashed tag is exactly USER_TAG_CHARS hex digits; a name that looks like one is ambiguous.
  return tag.length === USER_TAG_CHARS && /^[0-9a-f]+$/.test(tag) ? null : tag;
}

/** The id of the short-lived client that clears retained presence at close ("cc", never "cb"). */
export function cleanupClientIdFor(runId: string): string {
  return `cc${hexDigest(runId, RUN_TAG_CHARS)}${hexDigest(`${runId}:${Date.now()}:${Math.random()}`, 6)}`;
}
