/**
 * The shared memory between the main thread (wake.ts) and the timing thread (wake-worker.ts):
 * one place for the layout both sides read.
 */

/** Int32 slots of the control words. */
export const WAKE_SLOT = {
  /** Bumped by the main thread whenever it writes a new deadline; the timing thread waits on it. */
  armed: 0,
  /** The `armed` value whose deadline has passed, written by the timing thread (it fires each once). */
  fired: 1,
  /** Non-zero: the timing thread leaves its loop and exits. */
  stop: 2,
} as const;

/** Bytes: four Int32 control words, then one BigInt64 deadline (monotonic µs, -1 when none). */
export const WAKE_BUFFER_BYTES = 24;
const DEADLINE_OFFSET = 16;

export interface WakeViews {
  control: Int32Array;
  deadline: BigInt64Array;
}

export function wakeViews(buffer: SharedArrayBuffer): WakeViews {
  return { control: new Int32Array(buffer, 0, 4), deadline: new BigInt64Array(buffer, DEADLINE_OFFSET, 1) };
}
