/**
 * Presence on MQTT: a user's status is the retained message on its presence topic
 * (topics.ts `presence(user)`), set by the user (QoS 1, retained) or by the server from the
 * user's Last Will when the connection ends without a DISCONNECT [MQTT-3.1.2-8]. The payload is
 * a small JSON object so a watcher can tell who set it and when:
 *
 *   {"status":"online","tag":"u3:2","sentAt":123456789,"will":false}   set by the user
 *   {"status":"offline","tag":"u3:2","will":true}                        the will (fixed at CONNECT)
 *
 * A status set without a stamp, and the driver's default will, are the bare status text
 * ("online", "offline"), as before there were stamps; a watcher reads those as
 * { status, tag: "", will: false }. An empty payload is a cleared topic, not a status.
 */
import type { PresenceUpdate } from '../../core/driver.js';

/** The payload of a status the user sets. */
export function statusPayload(status: string, stamp?: { tag: string; sentAt: number }): Buffer {
  if (stamp === undefined) return Buffer.from(status);
  return Buffer.from(JSON.stringify({ status, tag: stamp.tag, sentAt: stamp.sentAt, will: false }));
}

/** The payload of a Last Will announcing `status`. */
export function willPayload(status: string, tag: string): Buffer {
  return Buffer.from(JSON.stringify({ status, tag, will: true }));
}

interface Stamped {
  status: string;
  tag: string;
  will: boolean;
  sentAt?: number;
}

function stamped(text: string): Stamped | undefined {
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { status, tag, will, sentAt } = value as Record<string, unknown>;
  if (typeof status !== 'string' || typeof tag !== 'string' || typeof will !== 'boolean') return undefined;
  return { status, tag, will, ...(typeof sentAt === 'number' ? { sentAt } : {}) };
}

/** A presence PUBLISH as a watcher's update; undefined for an empty (cleared) payload. */
export function parsePresence(
  user: string,
  payload: Buffer,
  at: { receivedAt: number; retained: boolean },
): PresenceUpdate | undefined {
  if (payload.length === 0) return undefined;
  const text = payload.toString('utf8');
  const fields = stamped(text) ?? { status: text, tag: '', will: false };
  return { user, ...fields, receivedAt: at.receivedAt, retained: at.retained };
}
