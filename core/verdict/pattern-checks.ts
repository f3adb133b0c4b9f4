/**
 * The chat patterns' checks (core/result/patterns.ts figures), each a Reason of kind 'pattern'
 * naming the check and its count. Each counts only what the figures hold evidence for; where
 * chatbench stopped waiting, the message says how long it waited.
 */
import type { Reason, ScenarioResult } from '../result/index.js';
import { count as n, duration, plural } from '../words.js';

type Figures = Pick<ScenarioResult, 'presence' | 'retained' | 'absences' | 'takeover'>;
type PatternReason = Extract<Reason, { kind: 'pattern' }>;

const reason = (check: string, count: number, message: string): PatternReason => ({ kind: 'pattern', check, count, message });

function presenceReasons(p: NonNullable<Figures['presence']>): PatternReason[] {
  const out: PatternReason[] = [];
  const waited = `not seen within ${duration(p.waitedMs)} (chatbench waited at least that long for each)`;
  const statuses = p.missing - p.wills.missing;
  if (statuses > 0) {
    out.push(reason('presence-missing', statuses,
      `${n(statuses)} of ${plural(p.expected - p.wills.expected, 'presence update')} owed to watchers were ${waited}`));
  }
  if (p.wills.missing > 0) {
    out.push(reason('will-missing', p.wills.missing,
      `${n(p.wills.missing)} of ${plural(p.wills.expected, 'will')} owed to watchers after abrupt drops were ${waited}: a connection that ends without a goodbye must have its will published (MQTT [MQTT-3.1.2-8])`));
  }
  if (p.wills.afterCleanDisconnect > 0) {
    out.push(reason('will-after-clean-disconnect', p.wills.afterCleanDisconnect,
      `${plural(p.wills.afterCleanDisconnect, 'will')} of connections that said goodbye cleanly reached a watcher: a clean DISCONNECT must discard the will (MQTT [MQTT-3.1.2-10])`));
  }
  if (p.wills.early > 0) {
    out.push(reason('will-early', p.wills.early,
      `${plural(p.wills.early, 'will')} arrived more than a second before the Will Delay Interval had passed since the drop: the will waits for the delay or the session's end (MQTT [MQTT-3.1.2-8])`));
  }
  return out;
}

function retainedReasons(r: NonNullable<Figures['retained']>): PatternReason[] {
  const out: PatternReason[] = [];
  if (r.stale > 0) {
    out.push(reason('retained-stale', r.stale,
      `${n(r.stale)} of ${plural(r.joins, 'late join')} got a retained message older than one the server already had from the same sender: every retained message must replace the last (MQTT [MQTT-3.3.1-5])`));
  }
  if (r.missing > 0) {
    out.push(reason('retained-missing', r.missing,
      `${n(r.missing)} of ${plural(r.joins, 'late join')} got no retained message within ${duration(Math.round(r.latency.waited / 1000))} (chatbench waited that long), `
      + "though the room's messages reached the server at QoS 1 or 2: a new subscription gets the retained message (MQTT 3.1.1 [MQTT-3.3.1-6], 5.0 [MQTT-3.3.1-9])"));
  }
  return out;
}

export function patternReasons(m: Figures): Reason[] {
  const out: Reason[] = [];
  if (m.presence !== undefined) out.push(...presenceReasons(m.presence));
  if (m.retained !== undefined) out.push(...retainedReasons(m.retained));
  const a = m.absences;
  if (a !== undefined && a.notCaughtUp > 0) {
    out.push(reason('not-caught-up', a.notCaughtUp,
      `${n(a.notCaughtUp)} of ${plural(a.caughtUp + a.notCaughtUp, 'returning user')} still missed messages owed to them when chatbench stopped waiting (the drain ended)`));
  }
  const t = m.takeover;
  if (t !== undefined && t.oldNotClosed > 0) {
    out.push(reason('takeover-not-closed', t.oldNotClosed,
      `${n(t.oldNotClosed)} of ${plural(t.attempted, 'first connection')} stayed open after a second device connected with the same identity: the server must close the first (MQTT [MQTT-3.1.4-2])`));
  }
  return out;
}
