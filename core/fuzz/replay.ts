/**
 * The replay file: one fuzz finding, shrunk, as bytes anyone can re-send (`chatbench replay
 * FILE`). It names the seed and version it came from, every chunk sent in order on each
 * connection, what the server sent back, and the verdict; `fingerprint` (verdict kind + the
 * shrunk bytes) is what deduplicates findings of the same defect.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const REPLAY_FORMAT_VERSION = 1 as const;

/**
 * What went wrong:
 * - crash: the server stopped accepting connections;
 * - hang: it accepts connections but a canary client can no longer round-trip a message;
 * - accepted-malformed: a malformed packet was answered as if it were valid;
 * - not-closed: a malformed packet did not get the connection closed (3.1.1) or a DISCONNECT ≥ 0x80 (5.0);
 * - wrong-answer: a valid packet got an answer the spec does not allow;
 * - no-answer: a valid packet got no answer within the timeout.
 */
export const FindingKind = z.enum(['crash', 'hang', 'accepted-malformed', 'not-closed', 'wrong-answer', 'no-answer']);
export type FindingKind = z.infer<typeof FindingKind>;

export const FindingVerdict = z.object({
  kind: FindingKind,
  message: z.string(),
  /** Statement IDs the behaviour breaks, where one applies. */
  statements: z.array(z.string()),
});
export type FindingVerdict = z.infer<typeof FindingVerdict>;

export const ReplayStep = z.object({
  /** Which connection (0-based) the bytes go on; a new index opens a new connection. */
  connection: z.number().int().nonnegative(),
  hex: z.string().regex(/^([0-9a-f]{2})*$/),
  /** What the bytes are, for people: "PUBLISH with QoS 3". */
  note: z.string().optional(),
  /**
   * The bytes were made malformed on purpose: the oracle expects the connection closed rather
   * than an answer (absent: a valid packet, judged by the answer it must get).
   */
  malformed: z.boolean().optional(),
  /** Statement IDs a server breaks by accepting these bytes (malformed steps). */
  statements: z.array(z.string()).optional(),
});
export type ReplayStep = z.infer<typeof ReplayStep>;

export const Replay = z.object({
  format: z.literal('chatbench-replay'),
  formatVersion: z.literal(REPLAY_FORMAT_VERSION),
  protocol: z.string(),
  protocolVersion: z.string(),
  seed: z.number().int(),
  /** fast-check's path to the shrunk case, so `--seed S` with this path regenerates it. */
  path: z.string().nullable(),
  steps: z.array(ReplayStep).min(1),
  received: z.array(z.object({ connection: z.number().int().nonnegative(), hex: z.string() })),
  verdict: FindingVerdict,
  fingerprint: z.string(),
  foundAt: z.string(),
});
export type Replay = z.infer<typeof Replay>;

/** Same defect, same fingerprint: the verdict kind and the bytes sent, nothing time-dependent. */
export function fingerprintOf(kind: FindingKind, steps: readonly ReplayStep[]): string {
  const h = createHash('sha256');
  h.update(kind);
  for (const s of steps) h.update(`|${s.connection}:${s.hex}`);
  return h.digest('hex').slice(0, 16);
}

/** One step as an executor holds it: the bytes for one connection, and whether they were made malformed. */
export interface FuzzStepBytes {
  connection: number;
  bytes: Uint8Array;
  note?: string;
  malformed: boolean;
  /** What accepting the bytes breaks (malformed steps). */
  statements: readonly string[];
}

/** A step as a replay file keeps it: hex, and the judgement's inputs only for malformed steps. */
export function toReplayStep(step: FuzzStepBytes): ReplayStep {
  const out: ReplayStep = { connection: step.connection, hex: Buffer.from(step.bytes).toString('hex') };
  if (step.note !== undefined) out.note = step.note;
  if (step.malformed) {
    out.malformed = true;
    out.statements = [...step.statements];
  }
  return out;
}

/** A replay's steps as an executor takes them. */
export function fromReplayStep(s: ReplayStep): FuzzStepBytes & { bytes: Buffer } {
  return {
    connection: s.connection,
    bytes: Buffer.from(s.hex, 'hex'),
    ...(s.note === undefined ? {} : { note: s.note }),
    malformed: s.malformed === true,
    statements: s.statements ?? [],
  };
}
