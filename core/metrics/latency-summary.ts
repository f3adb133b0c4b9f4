/**
 * Latency summaries as results carry them (LatencySummary): percentiles over what arrived plus
 * the owed deliveries that never did (censored), read from a histogram (histogram.ts) in one
 * pass, and merged across shards or workers exactly.
 *
 * Summaries report HDR values (3 significant digits): min is the lowest value of the
 * smallest bucket, max and percentiles the highest value of their bucket. So a summary
 * depends only on bucket counts, and a live histogram, its decoded encoding and a merge
 * of shards that recorded the same values all summarise identically.
 */
import type { LatencySummary } from '../result/index.js';
import { addHistogram, createLatencyHistogram, decodeHistogram, encodeHistogram, jsHistogram, type LatencyHistogram } from './histogram.js';

/** Owed deliveries that never arrived, beside a histogram of those that did (see LatencySummary). */
export interface Censoring {
  /** How many never arrived. */
  censored: number;
  /**
   * Every one of them waited at least this long, µs. The summary shows them as more than this
   * or the longest arrival, whichever is larger (they rank above every arrival).
   */
  waited: number;
}

/** Nothing censored: every owed delivery arrived (or none was owed). */
export const NOT_CENSORED: Censoring = { censored: 0, waited: 0 };

/** The percentiles a summary reports, in the order of PERCENTILE_KEYS. */
const SUMMARY_PERCENTILES = [50, 90, 99, 99.9, 100] as const;

/** The unit in the last place of `x`, as hdr-histogram-js uses it to find a percentile's rank. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

/**
 * The rank (1-based) of percentile `p` among `total` values, as hdr-histogram-js's
 * getValueAtPercentile computes it, so a summary without censoring reads exactly as before.
 */
function rankOf(p: number, total: number): number {
  const exact = (Math.min(p, 100) / 100) * total;
  return Math.max(Math.ceil(exact - ulp(exact)), 1);
}

/**
 * The result-contract summary, in one pass over the bucket counts (hdr-histogram-js's own
 * `mean` walks an iterator that takes tens of milliseconds on a wide histogram: that pass
 * used to block the send path at every checkpoint).
 *
 * Percentiles are taken over what arrived plus `censoring.censored` deliveries that never did,
 * which rank above everything that arrived: a percentile whose rank falls among them is null
 * ("more than `waited`"). min and mean are over what arrived. An empty summary (count 0,
 * censored 0) has zeros, not NaN or ±Infinity (which JSON cannot hold), and `hdr` still holds
 * a valid encoding of the empty histogram, so it merges as the identity.
 */
export function summarise(h: LatencyHistogram, censoring: Censoring = NOT_CENSORED): LatencySummary {
  const { censored } = censoring;
  const waited = censored > 0 ? censoring.waited : 0;
  const hdr = encodeHistogram(h);
  const count = h.count;
  const total = count + censored;
  if (count === 0 && censored === 0) {
    return { unit: 'us', count: 0, censored: 0, waited: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, hdr };
  }
  const x = jsHistogram(h);
  const ranks = SUMMARY_PERCENTILES.map((p) => rankOf(p, total));
  const values: Array<number | null> = ranks.map(() => null);
  let min = 0;
  let sum = 0;
  let seen = 0;
  let next = 0; // index into ranks of the next percentile to find
  for (let i = 0; i < x.countsArrayLength && seen < count; i++) {
    const n = x.getCountAtIndex(i);
    if (n === 0) continue;
    const value = x.valueFromIndex(i);
    if (seen === 0) min = x.lowestEquivalentValue(value);
    sum += x.medianEquivalentValue(value) * n;
    seen += n;
    while (next < ranks.length && (ranks[next] as number) <= seen) values[next++] = x.highestEquivalentValue(value);
  }
  const [p50 = null, p90 = null, p99 = null, p999 = null, max = null] = values;
  // A censored delivery ranks above everything that arrived, so the bound it is shown with
  // ("> waited") is at least the longest arrival too: percentiles never read lower as they rise.
  const bound = censored > 0 ? Math.max(waited, count > 0 ? x.highestEquivalentValue(x.maxValue) : 0) : 0;
  return { unit: 'us', count, censored, waited: bound, min, mean: count === 0 ? 0 : sum / count, p50, p90, p99, p999, max, hdr };
}

/**
 * Merge summaries of shards or workers exactly: histograms add with add(), censored counts add,
 * and every censored delivery waited at least the shortest of the sides' `waited`.
 */
export function mergeSummaries(list: ReadonlyArray<Pick<LatencySummary, 'hdr' | 'censored' | 'waited'>>): LatencySummary {
  const total = createLatencyHistogram();
  let censored = 0;
  let waited = Number.POSITIVE_INFINITY;
  for (const s of list) {
    addHistogram(total, decodeHistogram(s.hdr));
    censored += s.censored;
    if (s.censored > 0) waited = Math.min(waited, s.waited);
  }
  return summarise(total, { censored, waited: censored > 0 ? waited : 0 });
}

/** Merge encoded histograms (nothing censored) exactly and summarise the union. */
export function mergeEncoded(list: readonly string[]): LatencySummary {
  return mergeSummaries(list.map((hdr) => ({ hdr, censored: 0, waited: 0 })));
}
