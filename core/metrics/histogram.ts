/**
 * The only place latency histograms are built, encoded and decoded (hdr-histogram-js, pure
 * JS implementation); latency-summary.ts summarises them. Raw samples are never kept: a histogram
 * is a fixed array of bucket counts, so memory stays flat however long the run.
 *
 * Two latencies per delivered message (DESIGN.md, "Measurement rules"):
 * - latency, from the *intended* send time: the open-model arrival schedule says when
 *   the message should have gone out, so any time it waited behind a stalled client or
 *   server counts. This is the coordinated-omission-corrected number; no after-the-fact
 *   correction (recordValueWithExpectedInterval) is applied on top.
 * - service time, from the *actual* send time: what the server took once the message
 *   left. It hides stalls, which is why it is reported beside latency, never instead.
 */
import { JsHistogram, build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { BitBucketSize, Histogram } from 'hdr-histogram-js';
import { InputError } from '../errors.js';

/** Lowest recordable latency, µs: anything below is recorded as this. */
export const LATENCY_MIN_MICROS = 1;
/** Highest recordable latency, µs (one hour): anything above is recorded as this. */
export const LATENCY_MAX_MICROS = 3_600_000_000;
const SIGNIFICANT_DIGITS = 3;
/** float64 bucket counts: exact up to 2^53, so adding shards never overflows. */
const BIT_BUCKET_SIZE: BitBucketSize = 64;

/** An HDR histogram of microseconds plus what recordMicros had to clamp or reject. */
export class LatencyHistogram {
  readonly hdr: Histogram;
  /** Values below LATENCY_MIN_MICROS (0 µs, or negative: a clock mix-up) recorded as the minimum. */
  clampedLow = 0;
  /** Values above LATENCY_MAX_MICROS recorded as the maximum. */
  clampedHigh = 0;
  /** NaN values, not recorded. */
  rejected = 0;

  constructor(hdr: Histogram) {
    this.hdr = hdr;
  }

  get count(): number {
    return this.hdr.totalCount;
  }
}

function buildHdr(): Histogram {
  return build({
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: true,
    lowestDiscernibleValue: LATENCY_MIN_MICROS,
    highestTrackableValue: LATENCY_MAX_MICROS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

export function createLatencyHistogram(): LatencyHistogram {
  return new LatencyHistogram(buildHdr());
}

/**
 * Record one latency in µs, rounded to a whole µs. Values below 1 µs are recorded as 1 µs
 * (clampedLow), values above one hour as one hour (clampedHigh), NaN not at all (rejected).
 */
export function recordMicros(h: LatencyHistogram, micros: number): void {
  if (Number.isNaN(micros)) {
    h.rejected++;
    return;
  }
  let v = Math.round(micros);
  if (v < LATENCY_MIN_MICROS) {
    v = LATENCY_MIN_MICROS;
    h.clampedLow++;
  } else if (v > LATENCY_MAX_MICROS) {
    v = LATENCY_MAX_MICROS;
    h.clampedHigh++;
  }
  h.hdr.recordValue(v);
}

/** Latency from the intended send time: includes queueing behind stalls (open model). */
export function latencyFromIntended(receivedAtMicros: number, intendedSendMicros: number): number {
  return receivedAtMicros - intendedSendMicros;
}

/** Service time from the actual send time: hides stalls that delayed the send itself. */
export function serviceTime(receivedAtMicros: number, actualSendMicros: number): number {
  return receivedAtMicros - actualSendMicros;
}

/** The pair of histograms a scenario keeps. */
export interface LatencyPair {
  latency: LatencyHistogram;
  serviceTime: LatencyHistogram;
}

export function createLatencyPair(): LatencyPair {
  return { latency: createLatencyHistogram(), serviceTime: createLatencyHistogram() };
}

/** Record one delivered message into both histograms of a pair. */
export function recordDelivery(pair: LatencyPair, receivedAtMicros: number, intendedSendMicros: number, actualSendMicros: number): void {
  recordMicros(pair.latency, latencyFromIntended(receivedAtMicros, intendedSendMicros));
  recordMicros(pair.serviceTime, serviceTime(receivedAtMicros, actualSendMicros));
}

/** Compressed base64 (HdrHistogram V2 encoding), as stored in LatencySummary.hdr. */
export function encodeHistogram(h: LatencyHistogram): string {
  return encodeIntoCompressedBase64(h.hdr);
}

/**
 * Decode LatencySummary.hdr (e.g. from a shard result read back from disk).
 * Throws InputError (exit 2) when the string is not an encoded histogram.
 * Clamp counters are not part of the encoding and start at 0.
 */
export function decodeHistogram(b64: string): LatencyHistogram {
  let hdr: Histogram;
  try {
    hdr = decodeFromCompressedBase64(b64, BIT_BUCKET_SIZE, false, LATENCY_MAX_MICROS);
  } catch (err) {
    throw new InputError(`not an encoded HDR histogram: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Number.isSafeInteger(hdr.totalCount) || hdr.totalCount < 0) {
    throw new InputError(`not an encoded HDR histogram: total count ${hdr.totalCount}`);
  }
  return new LatencyHistogram(hdr);
}

/**
 * A histogram's bucket counts, copied out: what crosses to a worker thread (the buffer is
 * transferable). Only the counts up to the highest recorded bucket: the rest are zeros.
 */
export interface HistogramSnapshot {
  counts: Float64Array<ArrayBuffer>;
}

/**
 * Copy the counts now, in one pass over the buckets up to the highest recorded one (a few
 * thousand numbers: microseconds, where summarising and encoding them take milliseconds).
 * Values recorded afterwards are not in the copy.
 */
export function snapshotHistogram(h: LatencyHistogram): HistogramSnapshot {
  const x = jsHistogram(h);
  const length = h.count === 0 ? 0 : x.countsArrayIndex(x.maxValue) + 1;
  const counts = new Float64Array(length);
  for (let i = 0; i < length; i++) counts[i] = x.getCountAtIndex(i);
  return { counts };
}

/**
 * The histogram a snapshot was taken of, rebuilt with the same configuration: it summarises
 * and encodes exactly as the original did at the moment of the copy (a summary depends only on
 * bucket counts). Clamp counters are not carried and start at 0, as after decodeHistogram().
 */
export function histogramFromSnapshot(snapshot: HistogramSnapshot): LatencyHistogram {
  const h = createLatencyHistogram();
  const x = jsHistogram(h);
  const { counts } = snapshot;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] as number;
    if (n !== 0) x.setCountAtIndex(i, n);
  }
  // Total count, min and max follow from the counts (the encoding reads max for its length).
  x.establishInternalTackingValues(counts.length);
  return h;
}

/** Add `source` into `target` exactly (bucket counts add), clamp counters too. */
export function addHistogram(target: LatencyHistogram, source: LatencyHistogram): void {
  target.hdr.add(source.hdr);
  target.clampedLow += source.clampedLow;
  target.clampedHigh += source.clampedHigh;
  target.rejected += source.rejected;
}

/** The pure-JS histogram inside, for passes over its buckets (here and latency-summary.ts). */
export function jsHistogram(h: LatencyHistogram): JsHistogram {
  // build() and decodeHistogram() make pure-JS histograms (useWebAssembly: false).
  if (!(h.hdr instanceof JsHistogram)) throw new TypeError('chatbench histograms are pure-JS histograms');
  return h.hdr;
}

/**
 * The HDR values at the given percentiles (0–100), as summarise() reports them (highest value
 * of the percentile's bucket); every value is 0 for an empty histogram. Reports that compare
 * whole distributions read them here rather than from raw samples, which are never kept.
 */
export function valuesAtPercentiles(h: LatencyHistogram, percentiles: readonly number[]): number[] {
  if (h.count === 0) return percentiles.map(() => 0);
  return percentiles.map((p) => (p >= 50 ? valueAtHighPercentile(jsHistogram(h), p) : h.hdr.getValueAtPercentile(p)));
}

/**
 * getValueAtPercentile's answer, found from the highest recorded bucket down instead of from
 * the lowest up. HDR walks every bucket below the value (thousands for a latency in ms); the
 * live progress line asks for a p99 once a second, too rarely for V8 to compile that loop, and
 * the interpreted walk blocked the event loop for about 1 ms — on the send path. From the top,
 * a p99 is a few buckets away. Same count rule as HDR: the first index where the running count
 * from the bottom reaches ceil(p% of the total, less one ulp), at least 1.
 */
function valueAtHighPercentile(hdr: JsHistogram, percentile: number): number {
  const fp = (Math.min(percentile, 100) / 100) * hdr.totalCount;
  const target = Math.max(Math.ceil(fp - ulp(fp)), 1);
  const top = hdr.countsArrayIndex(hdr.maxValue);
  // below: the running count from the bottom through index i - 1.
  let below = hdr.totalCount;
  for (let i = top; i >= 0; i--) {
    below -= hdr.getCountAtIndex(i);
    if (below < target) return hdr.highestEquivalentValue(hdr.valueFromIndex(i));
  }
  return 0;
}

/** The distance from x to the next larger double (x > 0): HDR's rounding guard. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

/** One non-empty bucket: its highest equivalent value (what percentiles report) and its count. */
export interface RecordedBucket {
  value: number;
  count: number;
}

/** The recorded distribution, one entry per non-empty bucket, in ascending order of value. */
export function recordedBuckets(h: LatencyHistogram): RecordedBucket[] {
  const hdr = jsHistogram(h);
  const buckets: RecordedBucket[] = [];
  const it = hdr.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    buckets.push({ value: v.valueIteratedTo, count: v.countAtValueIteratedTo });
  }
  return buckets;
}

/**
 * The "nines" of a percentile, the x axis of an HDR percentile plot: 0 → 0, 90 → 1, 99 → 2,
 * 99.9 → 3, 99.99 → 4 (−log10 of the fraction above it). 100 has infinitely many nines.
 */
export function percentileNines(percentile: number): number {
  return -Math.log10(1 - percentile / 100);
}

/**
 * Percentiles spaced evenly on the nines scale, from 0 up to `maxNines` nines (4: 99.99), in
 * `stepsPerNine` steps per nine: the points of a percentile distribution plot, to read with
 * valuesAtPercentiles. Rounded to 10 significant digits, so 90 is exactly 90.
 */
export function ninesPercentiles(maxNines: number, stepsPerNine: number): number[] {
  const steps = Math.round(maxNines * stepsPerNine);
  return Array.from({ length: steps + 1 }, (_, i) => Number((100 * (1 - 10 ** (-i / stepsPerNine))).toPrecision(10)));
}
