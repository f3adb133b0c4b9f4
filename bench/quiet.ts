/**
 * Waiting for a quiet machine before a measurement. The benchmarks here run on a small machine
 * that other work shares (test suites, compilers): a step measured while a compiler holds a core
 * measures the compiler. Before each step the bench samples /proc/stat over a short window and
 * waits — bounded — until the rest of the machine is mostly idle, and records how busy it was, so
 * a figure taken on a busy machine says so.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Total and idle jiffies from the first ("cpu ") line of /proc/stat (proc(5): idle and iowait are idle). */
export function cpuTimes(stat: string): { total: number; idle: number } | null {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 5 || fields.some((f) => !Number.isFinite(f))) return null;
  // user nice system idle iowait irq softirq steal (guest fields are already inside user/nice).
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}

/** The busy share of the whole machine (0..1) between two readings; null when nothing elapsed. */
export function busyShare(before: { total: number; idle: number }, after: { total: number; idle: number }): number | null {
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : null;
}

function readTimes(): { total: number; idle: number } | null {
  try {
    return cpuTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** The machine's busy share over the next `windowMs`, or null where /proc/stat cannot be read. */
export async function sampleBusy(windowMs: number): Promise<number | null> {
  const before = readTimes();
  await sleep(windowMs);
  const after = readTimes();
  return before === null || after === null ? null : busyShare(before, after);
}

/**
 * Waits until the machine's busy share over a window is at most `maxBusy`, for up to `maxWaitMs`;
 * returns the last share seen (null without /proc/stat) — the caller records it beside the step.
 */
export async function waitForQuiet(options: { maxBusy: number; maxWaitMs: number; windowMs?: number; signal?: AbortSignal }): Promise<number | null> {
  const windowMs = options.windowMs ?? 1000;
  const deadline = Date.now() + options.maxWaitMs;
  for (;;) {
    const busy = await sampleBusy(windowMs);
    if (busy === null || busy <= options.maxBusy || Date.now() >= deadline || options.signal?.aborted) return busy;
  }
}
