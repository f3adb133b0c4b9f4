/**
 * Before the send clock starts: the one-off costs of a fresh scenario are paid while nothing is
 * measured, not in its first seconds of sending.
 *
 * - The timing thread (wake.ts) is started here, not at the pacer's first sleep: starting a
 *   thread blocks the event loop for a few ms and its new heap takes CPU while it boots.
 * - The heap is collected once. A process that has just loaded its modules and connected its
 *   users holds megabytes of young objects; left alone, V8 promotes them in the middle of the
 *   send phase in one young-generation pause (15–45 ms seen on a 2-core VM), which the schedule
 *   lag then shows as chatbench's. A full collection here costs 30–40 ms before the clock starts.
 *
 * Node gives no collection without `--expose-gc`; the flag is set for this process and the
 * collector is fetched from a new context. Where that is refused, the heap is left as it is.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { holdPreciseWake, type Wake } from './wake.js';

type Collect = () => void;

let collector: Collect | null | undefined;

function collectorOf(): Collect | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (collector = exposed as Collect);
  try {
    setFlagsFromString('--expose-gc');
    const fetched: unknown = runInNewContext('gc');
    collector = typeof fetched === 'function' ? (fetched as Collect) : null;
  } catch {
    collector = null;
  }
  return collector;
}

/** Collects the heap now; false when this process cannot. */
export function collectHeap(): boolean {
  const collect = collectorOf();
  if (collect === null) return false;
  collect();
  return true;
}

/** Takes the timing thread and collects the heap; the caller releases the wake when sending ends. */
export function settleBeforeSending(): Wake {
  const wake = holdPreciseWake();
  collectHeap();
  return wake;
}
