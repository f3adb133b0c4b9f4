/**
 * Did chatbench keep its own schedule (core/verdict/generator.ts): the lag bound, and no verdict
 * from too few sends for a p99 to differ from the max.
 */
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, recordMicros } from '../../core/metrics/index.js';
import { summarise } from '../../core/metrics/latency-summary.js';
import { MAX_SCHEDULE_LAG_P99_MICROS, generatorLag } from '../../core/verdict/generator.js';

function lagOf(values: number[]): { scheduleLag: ReturnType<typeof summarise> } {
  const h = createLatencyHistogram();
  for (const v of values) recordMicros(h, v);
  return { scheduleLag: summarise(h) };
}

describe('generatorLag', () => {
  it('names a schedule-lag p99 over the bound, and stays quiet at or under it', () => {
    expect(generatorLag(lagOf(Array.from({ length: 200 }, () => 5_000)))).toBeGreaterThan(MAX_SCHEDULE_LAG_P99_MICROS);
    expect(generatorLag(lagOf(Array.from({ length: 200 }, () => 1_500)))).toBeNull();
  });

  it('draws no verdict from fewer than 100 sends: one late wake-up would decide it', () => {
    expect(generatorLag(lagOf([2_010]))).toBeNull();
    expect(generatorLag(lagOf(Array.from({ length: 99 }, () => 5_000)))).toBeNull();
    expect(generatorLag(lagOf(Array.from({ length: 100 }, () => 5_000)))).not.toBeNull();
  });
});
