/**
 * Why a scenario failed or was aborted, as typed fields: reports pick by `kind`, never by
 * parsing `message` (which is the same fact in words, for people).
 */
import { z } from 'zod';
import { count, level } from './fields.js';

/**
 * Why a scenario or a run stopped early:
 * - signal: SIGINT/SIGTERM; stall: the server stopped acknowledging and delivering;
 * - timeout: a phase (connect, readiness barrier, send schedule) overran;
 * - unreachable: the target could not be reached; connections-lost: every connection went away;
 * - incomplete: a checkpoint written while the run was still going (a killed run leaves it).
 */
export const AbortCause = z.enum(['signal', 'stall', 'timeout', 'unreachable', 'connections-lost', 'incomplete']);
export type AbortCause = z.infer<typeof AbortCause>;

export const Reason = z.discriminatedUnion('kind', [
  /** A threshold failed; `expression` matches an entry of `thresholds`. */
  z.object({ kind: z.literal('threshold'), message: z.string(), expression: z.string() }),
  /** Losses, duplicates or reorders the protocol does not permit at `level`, with the counts. */
  z.object({ kind: z.literal('delivery'), message: z.string(), level, lost: count(), duplicated: count(), reordered: count() }),
  /**
   * Deliveries still outstanding when chatbench stopped waiting (the drain ended without
   * progress or reached its cap): the server was too slow for the load. Not a protocol
   * violation, and said so; it fails the scenario because the workload was not served.
   */
  z.object({ kind: z.literal('undelivered'), message: z.string(), undelivered: count() }),
  /** Connections that ended without chatbench asking (who closed them is in `connections.ends`). */
  z.object({ kind: z.literal('connection'), message: z.string(), lost: count(), opened: count() }),
  /** Sends the protocol did not complete (what was missing is in `sends.unfinished`). */
  z.object({ kind: z.literal('send'), message: z.string(), failed: count() }),
  /** The server broke the protocol's acknowledgement flow (`anomalies` has the packets seen). */
  z.object({ kind: z.literal('protocol'), message: z.string(), anomaly: z.string() }),
  /**
   * A pattern check failed (core/result/patterns.ts): `check` names it — presence-missing,
   * will-missing, will-after-clean-disconnect, will-early, retained-stale, retained-missing,
   * not-caught-up, takeover-not-closed — and `count` how many times.
   */
  z.object({ kind: z.literal('pattern'), message: z.string(), check: z.string(), count: count() }),
  /** Nothing was sent after the warm-up: there is nothing to judge. */
  z.object({ kind: z.literal('nothing-measured'), message: z.string() }),
  /** The scenario stopped early. */
  z.object({ kind: z.literal('abort'), message: z.string(), cause: AbortCause }),
]);
export type Reason = z.infer<typeof Reason>;
export type ReasonKind = Reason['kind'];

/** A run (or any result) that stopped early: which scenario, the cause, in words. */
export const Aborted = z.object({
  /** The scenario that was running, or null when the run stopped between or before scenarios. */
  scenario: z.string().nullable(),
  cause: AbortCause,
  message: z.string(),
});
export type Aborted = z.infer<typeof Aborted>;
