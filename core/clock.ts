/**
 * The one clock chatbench measures with: monotonic, in whole microseconds.
 * Every worker in one process (and every process on one machine) reads the same
 * CLOCK_MONOTONIC, so a send time written by one user and read by another is comparable.
 */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MILLI = 1_000;
