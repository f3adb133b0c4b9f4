/**
 * Figures of the chat patterns and faults beyond steady fan-out (scenario options `presence`,
 * `retained`, `offline`, `takeover`, `faults`): each present only in results of scenarios that
 * asked for it. Documented field by field in docs/result-format.md.
 */
import { z } from 'zod';
import { count } from './fields.js';
import { LatencySummary } from './summary.js';

/**
 * The presence episode: statuses set (online / offline) and wills, as every watcher saw them.
 * Latency runs from the moment the status was set (for a will: the moment chatbench dropped the
 * connection) until the watcher received it.
 */
export const PresenceFigures = z.object({
  users: count(),
  /** Watches in all (each user is watched by `watchers` others). */
  watches: count(),
  /** Status updates owed to watchers (one per watch and status change, wills included). */
  expected: count(),
  delivered: count(),
  /** Owed and not seen within waitMs. */
  missing: count(),
  waitedMs: count(),
  latency: LatencySummary,
  wills: z.object({
    /** Connections chatbench dropped abruptly: each owes its will to every watcher. */
    abruptDrops: count(),
    /** Will deliveries owed (abruptDrops x watchers) and seen. */
    expected: count(),
    delivered: count(),
    missing: count(),
    /** Connections that said goodbye cleanly. */
    cleanDisconnects: count(),
    /** Wills of cleanly closed connections that reached a watcher anyway: a violation, with evidence [MQTT-3.1.2-10]. */
    afterCleanDisconnect: count(),
    /** Wills seen sooner than the Will Delay Interval after the drop (5.0) [MQTT-3.1.3-9]. */
    early: count(),
  }),
});
export type PresenceFigures = z.infer<typeof PresenceFigures>;

/** Retained room: late joiners and the retained message each room kept. */
export const RetainedFigures = z.object({
  rooms: count(),
  /** Late joins (rooms x lateJoiners). */
  joins: count(),
  /** Joins that got a retained message that was the room's last (the final message of one of its senders). */
  current: count(),
  /** Joins that got a message some later message of the same sender had superseded: a violation [MQTT-3.3.1-5]. */
  stale: count(),
  /** Joins that got no retained message within the wait. */
  missing: count(),
  /** From the join's acknowledgement request until the retained message arrived. */
  latency: LatencySummary,
});
export type RetainedFigures = z.infer<typeof RetainedFigures>;

/**
 * Users that left and came back during sending: `offline` (clean goodbye, session kept) and
 * `disconnect` faults (abrupt drop). Catch-up (resumed returns): from the reconnect call until
 * the last owed message sent to the user before it arrived (a server flushes the queue as it
 * accepts the session, before the client's own setup ends, so "ready" would read about zero).
 */
export const AbsenceFigures = z.object({
  /** Absences in all, and how they began. */
  absences: count(),
  graceful: count(),
  abrupt: count(),
  /** Returns whose server still had the session (MQTT: CONNACK session present); the rest started afresh. */
  resumed: count(),
  notResumed: count(),
  /** Users that never came back (a `disconnect` fault without reconnect, or a failed reconnect). */
  stayedAway: count(),
  /** From the reconnect call until the returning session was ready. */
  reconnectTime: LatencySummary,
  /**
   * Resumed returns whose queued messages all arrived, and those still missing some when the drain
   * ended. A return with nothing queued counts as caught up (caughtUp + notCaughtUp = resumed).
   */
  caughtUp: count(),
  notCaughtUp: count(),
  /** From the reconnect call until the last queued message arrived; only returns that had something queued, so count may be below caughtUp. */
  catchUp: LatencySummary,
  /** Deliveries sent while their receiver was away that the protocol did not owe (QoS 0, or a session not kept). */
  excused: count(),
  /** Sends due while their sender was away: not sent, so owed to no one. Absent in results made before it existed. */
  sendsSkipped: count().optional(),
});
export type AbsenceFigures = z.infer<typeof AbsenceFigures>;

/** Session takeover: a second device connected with the same identity. */
export const TakeoverFigures = z.object({
  attempted: count(),
  /** First connections the server closed, as the protocol requires [MQTT-3.1.4-2]. */
  oldClosed: count(),
  /** First connections still open after the wait: a violation, with evidence. */
  oldNotClosed: count(),
  /** Second devices that connected. */
  newConnected: count(),
  /** MQTT 5 DISCONNECT reason codes the first connections got (0x8E session taken over), with counts. */
  reasonCodes: z.array(z.object({ code: count(), count: count() })),
});
export type TakeoverFigures = z.infer<typeof TakeoverFigures>;

/** One injected fault as it hit: when (ms from the start of sending), whom, what. */
export const FaultEvent = z.object({
  kind: z.enum(['disconnect', 'reconnect', 'slow-consumer', 'network']),
  atMs: z.number().nonnegative(),
  users: z.array(z.string()),
  detail: z.string(),
});

export const FaultFigures = z.object({
  /** Every injection in time order (a network fault is one event at 0 for the whole scenario). */
  timeline: z.array(FaultEvent),
  /** Timeline events dropped past the cap (the counts below stay exact). */
  timelineDropped: count(),
  disconnects: count(),
  reconnects: count(),
  slowConsumers: count(),
  network: z
    .object({
      delayMs: z.number().nonnegative(),
      jitterMs: z.number().nonnegative(),
      loss: z.number().min(0).max(1),
      duplicate: z.number().min(0).max(1),
      connections: count(),
      framesDelayed: count(),
      /** Chat deliveries the proxy dropped and sent twice; excused from loss and duplicate verdicts. */
      dropped: count(),
      duplicated: count(),
    })
    .nullable(),
});
export type FaultFigures = z.infer<typeof FaultFigures>;
