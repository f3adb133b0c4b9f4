/**
 * Presence on XMPP, for the engine's presence episode (core/engine/presence.ts):
 * - watching a user is a presence subscription (RFC 6121 §3): `subscribe` to its bare JID, which
 *   the watched user's session approves at once (`subscribed`); from then on the server sends
 *   the watcher every presence that user broadcasts, and the unavailable presence it broadcasts
 *   itself when that user's stream ends without one (RFC 6121 §4.5.2, the "will");
 * - a status a user sets is a broadcast <presence> (<show> / <status>, or type unavailable for
 *   "offline") carrying a chatbench stamp, so watchers tell which connection set it and when
 *   (PresenceUpdate.tag / sentAt), as MQTT's presence payload carries them (runners/mqtt/presence.ts);
 * - a will carries no stamp (the server made it): its tag is the connection's resource, which
 *   a connection with a will names after its tag (resourceFor), so an unstamped unavailable
 *   presence from that resource is that connection's will. An explicit stamped unavailable
 *   followed by </stream> leaves the server nothing to announce: a will then is evidence.
 */
import type { PresenceUpdate } from '../../core/driver.js';
import { NS } from './ns.js';
import { child, childText, escapeXml, type XmlElement } from './xml.js';

/** <show> values (RFC 6121 §4.7.2.1); any other status but "online" / "offline" is <status> text. */
const SHOWS = new Set(['away', 'dnd', 'xa', 'chat']);
/** Separates the run's resource from a connection tag (JID resourceparts allow it). */
const TAG_MARK = '~';

/** The resource of one connection: `cb-<runId>`, plus `~<tag>` when the connection has a will. */
export function resourceFor(runId: string, willTag?: string): string {
  return willTag === undefined ? `cb-${runId}` : `cb-${runId}${TAG_MARK}${willTag}`;
}

/** The connection tag a full JID's resource carries ('' when none). */
export function tagOfJid(fullJid: string): string {
  const slash = fullJid.indexOf('/');
  if (slash < 0) return '';
  const resource = fullJid.slice(slash + 1);
  const mark = resource.indexOf(TAG_MARK);
  return mark < 0 ? '' : resource.slice(mark + 1);
}

/** The inside of a presence stanza announcing `status` (type decided by presenceXml). */
function statusChildren(status: string): string {
  if (status === 'online' || status === 'offline') return '';
  return SHOWS.has(status) ? `<show>${status}</show>` : `<status>${escapeXml(status)}</status>`;
}

/** A broadcast presence for `status`, stamped when `stamp` is given; `to` directs it (a MUC room). */
export function presenceXml(status: string, stamp?: { tag: string; sentAt: number }, to?: string): string {
  const attrs = `${to === undefined ? '' : ` to='${escapeXml(to)}'`}${status === 'offline' ? " type='unavailable'" : ''}`;
  const mark = stamp === undefined ? '' : `<stamp xmlns='${NS.stamp}' tag='${escapeXml(stamp.tag)}' at='${stamp.sentAt}'/>`;
  const inner = statusChildren(status) + mark;
  return inner === '' ? `<presence${attrs}/>` : `<presence${attrs}>${inner}</presence>`;
}

/**
 * A presence from a watched user (`user`) as the watcher's update; undefined for stanzas that are
 * not a status (subscription handshakes, errors, probes).
 */
export function parsePresence(user: string, el: XmlElement, receivedAt: number): PresenceUpdate | undefined {
  const type = el.attrs['type'];
  if (type !== undefined && type !== 'unavailable') return undefined;
  const unavailable = type === 'unavailable';
  const text = childText(el, 'status') ?? childText(el, 'show');
  const status = unavailable ? (text ?? 'offline') : (text ?? 'online');
  // Never `retained`: a replayed status (a probe's answer) carries <delay> (XEP-0203), but so do
  // live broadcasts — prosody 0.12 stamps the stored presence while its broadcast is still queued
  // (seen here: a wave's "online" reached a watcher once, with <delay>). A replay carries the tag
  // of the status it repeats, so it counts only for a status still owed: one learnt late.
  const retained = false;
  const stamp = child(el, 'stamp', NS.stamp);
  if (stamp !== undefined) {
    const at = Number(stamp.attrs['at']);
    const set = unavailable ? 'offline' : status;
    return { user, status: set, will: false, tag: stamp.attrs['tag'] ?? '', ...(Number.isFinite(at) ? { sentAt: at } : {}), receivedAt, retained };
  }
  // Unstamped unavailable: the server announced it for a stream that ended without one.
  if (unavailable) return { user, status, will: true, tag: tagOfJid(el.attrs['from'] ?? ''), receivedAt, retained };
  return { user, status, will: false, tag: '', receivedAt, retained };
}
