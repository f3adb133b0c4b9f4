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

export function runTopics(runId: string): RunTopics {
  const prefix = `${TOPIC_ROOT}/${encodeLevel(runId)}/`;
  return {
    prefix,
    room: (room) => `${prefix}room/${encodeLevel(room)}`,
    inbox: (user) => `${prefix}user/${encodeLevel(user)}`,
    presence: (user) => `${prefix}presence/${encodeLevel(user)}`,
    parse(topic) {
      if (!topic.startsWith(prefix)) return null;
      const rest = topic.slice(prefix.length).split('/');
      if (rest.length !== 2 || rest[1] === undefined) return null;
      const name = decodeLevel(rest[1]);
      if (name === null) return null;
      if (rest[0] === 'room') return { kind: 'room', room: name };
      if (rest[0] === 'user') return { kind: 'direct' };
      return null;
    },
  };
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

/** The id of the short-lived client that clears retained presence at close ("cc", never "cb"). */
export function cleanupClientIdFor(runId: string): string {
  return `cc${hexDigest(runId, RUN_TAG_CHARS)}${hexDigest(`${runId}:${Date.now()}:${Math.random()}`, 6)}`;
}
