import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import {
  LATENCY_MAX_MICROS,
  addHistogram,
  createLatencyHistogram,
  createLatencyPair,
  decodeHistogram,
  encodeHistogram,
  latencyFromIntended,
  recordDelivery,
  recordMicros,
  serviceTime,
  valuesAtPercentiles,
  type LatencyHistogram,
} from '../../core/metrics/histogram.js';
import { mergeEncoded, mergeSummaries, summarise } from '../../core/metrics/latency-summary.js';
import { LatencySummary } from '../../core/result/index.js';

/** HDR with 3 significant digits: a reported value is within 0.1% of the true one. */
function expectWithinHdr(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(expected * 0.001);
}

function histogramOf(values: Iterable<number>): LatencyHistogram {
  const h = createLatencyHistogram();
  for (const v of values) recordMicros(h, v);
  return h;
}

function* range(from: number, to: number): Generator<number> {
  for (let v = from; v <= to; v++) yield v;
}

describe('summarise', () => {
  it('reports known percentiles of 1..10000 µs uniform within HDR precision', () => {
    const s = summarise(histogramOf(range(1, 10_000)));
    expect(LatencySummary.parse(s)).toEqual(s);
    expect(s.unit).toBe('us');
    expect(s.count).toBe(10_000);
    expect(s.min).toBe(1);
    expectWithinHdr(s.p50, 5_000);
    expectWithinHdr(s.p90, 9_000);
    expectWithinHdr(s.p99, 9_900);
    expectWithinHdr(s.p999, 9_990);
    expectWithinHdr(s.max, 10_000);
    expectWithinHdr(s.mean, 5_000.5);
  });

  it('gives count 0, all zeros and a decodable encoding for an empty histogram', () => {
    const s = summarise(createLatencyHistogram());
    expect(s).toMatchObject({ unit: 'us', count: 0, censored: 0, waited: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    expect(s.hdr.length).toBeGreaterThan(0);
    expect(decodeHistogram(s.hdr).count).toBe(0);
    // the empty encoding merges as the identity
    const one = summarise(histogramOf([250]));
    expect(mergeEncoded([s.hdr, one.hdr])).toEqual(one);
    expect(mergeEncoded([])).toEqual(s);
  });
});

describe('summarise in one pass', () => {
  it('reads exactly what hdr-histogram-js reads, without censoring (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: LATENCY_MAX_MICROS }), { minLength: 1, maxLength: 300 }), (values) => {
        const h = histogramOf(values);
        const s = summarise(h);
        const x = h.hdr;
        expect([s.min, s.p50, s.p90, s.p99, s.p999, s.max]).toEqual([0, 50, 90, 99, 99.9, 100].map((p) => x.getValueAtPercentile(p)));
        expect(s.mean).toBeCloseTo(x.mean, 6);
      }),
      { numRuns: 200 },
    );
  });
});

describe('valuesAtPercentiles', () => {
  it('reads exactly what getValueAtPercentile reads, for recorded, added and decoded histograms (property)', () => {
    const values = fc.array(fc.integer({ min: 1, max: LATENCY_MAX_MICROS }), { minLength: 1, maxLength: 200 });
    const percentile = fc.oneof(fc.constantFrom(50, 90, 99, 99.9, 99.99, 100), fc.double({ min: 0, max: 100, noNaN: true }));
    fc.assert(
      fc.property(values, values, fc.array(percentile, { minLength: 1, maxLength: 8 }), (a, b, ps) => {
        const added = histogramOf(a);
        addHistogram(added, histogramOf(b));
        for (const h of [histogramOf(a), added, decodeHistogram(encodeHistogram(added))]) {
          expect(valuesAtPercentiles(h, ps)).toEqual(ps.map((p) => h.hdr.getValueAtPercentile(p)));
        }
      }),
    );
  });

  it('finds a p99 from the top: a few buckets read, not every bucket below it', () => {
    const h = histogramOf(Array.from({ length: 5_000 }, (_, i) => 500 + i));
    const expected = h.hdr.getValueAtPercentile(99);
    const hdr = h.hdr as unknown as { getCountAtIndex(i: number): number };
    const original = hdr.getCountAtIndex.bind(hdr);
    let reads = 0;
    hdr.getCountAtIndex = (i) => { reads++; return original(i); };
    expect(valuesAtPercentiles(h, [99])).toEqual([expected]);
    // 1 % of 5,000 values spread one per µs sit in about 50 buckets at the top; from the bottom it is thousands.
    expect(reads).toBeLessThan(200);
  });
});

describe('censored summaries', () => {
  it('ranks what never arrived above everything that did: percentiles among them are null', () => {
    // 980 arrived at 1..980 µs, 20 never arrived (2 % of 1,000 owed deliveries).
    const s = summarise(histogramOf(range(1, 980)), { censored: 20, waited: 2_000_000 });
    expect(LatencySummary.parse(s)).toEqual(s);
    expect(s).toMatchObject({ count: 980, censored: 20, waited: 2_000_000, min: 1, p99: null, p999: null, max: null });
    // p50 and p90 are over all 1,000: the 500th and 900th value.
    expectWithinHdr(s.p50, 500);
    expectWithinHdr(s.p90, 900);
    expectWithinHdr(s.mean, 490.5); // over what arrived
  });

  it('keeps a percentile that falls below the censored ones', () => {
    // 995 of 1,000 arrived: rank 990 (p99) is among them, rank 999 (p99.9) is not.
    const s = summarise(histogramOf(range(1, 995)), { censored: 5, waited: 1000 });
    expectWithinHdr(s.p99, 990);
    expect(s.p999).toBeNull();
  });

  it('shows the censored as more than the longest arrival when that is longer than the wait: percentiles never fall as they rise', () => {
    // After a stall the last sends waited 3.55 s, while earlier messages arrived after 6 s.
    const s = summarise(histogramOf([...range(1, 50)].map((i) => 6_000_000 + i)), { censored: 50, waited: 3_550_000 });
    expect(s.p50).not.toBeNull();
    expect(s.p90).toBeNull();
    expect(s.waited).toBeGreaterThanOrEqual(6_000_050);
    expect(s.waited).toBeGreaterThanOrEqual(s.p50 as number);
  });

  it('never reads a small number when nothing arrived', () => {
    const s = summarise(createLatencyHistogram(), { censored: 3, waited: 500 });
    expect(s).toMatchObject({ count: 0, censored: 3, waited: 500, p50: null, p99: null, max: null, min: 0, mean: 0 });
  });

  it('merges exactly: histograms add, censored counts add, waited is the shortest wait', () => {
    const a = summarise(histogramOf(range(1, 90)), { censored: 10, waited: 3000 });
    const b = summarise(histogramOf(range(91, 100)), { censored: 0, waited: 0 });
    const c = summarise(histogramOf([]), { censored: 5, waited: 2000 });
    expect(mergeSummaries([a, b, c])).toEqual(summarise(histogramOf(range(1, 100)), { censored: 15, waited: 2000 }));
  });
});

describe('recordMicros', () => {
  it('clamps below 1 µs and above one hour, and counts what it clamped', () => {
    const h = histogramOf([0, -5, 0.4, 10, 5e9, Number.POSITIVE_INFINITY]);
    expect(h.clampedLow).toBe(3);
    expect(h.clampedHigh).toBe(2);
    const s = summarise(h);
    expect(s.count).toBe(6);
    expect(s.min).toBe(1);
    expect(s.p50).toBe(1);
    expectWithinHdr(s.max, LATENCY_MAX_MICROS);
  });

  it('rejects NaN without recording it', () => {
    const h = histogramOf([Number.NaN, 5]);
    expect(h.rejected).toBe(1);
    expect(h.count).toBe(1);
  });

  it('rounds to whole microseconds', () => {
    const s = summarise(histogramOf([2.6, 2.6]));
    expect([s.min, s.max]).toEqual([3, 3]);
  });
});

describe('encoding', () => {
  it('round-trips: a decoded histogram summarises exactly like the original', () => {
    const h = histogramOf([...range(1, 3000)].map((v) => v * v));
    const s = summarise(h);
    expect(summarise(decodeHistogram(s.hdr))).toEqual(s);
    expect(encodeHistogram(decodeHistogram(s.hdr))).toBe(s.hdr);
  });

  it('throws InputError (exit 2) for a string that is not a histogram', () => {
    expect(() => decodeHistogram('not base64 at all!')).toThrow(InputError);
    expect(() => decodeHistogram(Buffer.from('hello world, not hdr').toString('base64'))).toThrow(InputError);
  });
});

describe('merging', () => {
  it('mergeEncoded of two shards equals the histogram of the union', () => {
    const a = [...range(1, 5_000)];
    const b = [...range(1, 2_000)].map((v) => v * 997);
    const merged = mergeEncoded([summarise(histogramOf(a)).hdr, summarise(histogramOf(b)).hdr]);
    const union = summarise(histogramOf([...a, ...b]));
    expect(merged).toEqual(union);
    expect(merged.count).toBe(7_000);
  });

  it('merging is exact for any split of any values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: LATENCY_MAX_MICROS }), { maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: LATENCY_MAX_MICROS }), { maxLength: 200 }),
        (a, b) => {
          const merged = mergeEncoded([summarise(histogramOf(a)).hdr, summarise(histogramOf(b)).hdr]);
          expect(merged).toEqual(summarise(histogramOf([...a, ...b])));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('addHistogram adds counts and clamp counters', () => {
    const t = histogramOf([0, 100]);
    addHistogram(t, histogramOf([0, 200, 5e9]));
    expect(t.count).toBe(5);
    expect(t.clampedLow).toBe(2);
    expect(t.clampedHigh).toBe(1);
  });
});

describe('coordinated omission', () => {
  /**
   * Open model: one send scheduled every 1 ms for 10 s. The server stalls for 1 s from
   * t = 5 s; the message sent at the stall's start waits it out, and the client cannot
   * send the ones scheduled during the stall until it ends. Every response otherwise
   * takes 200 µs of service time.
   */
  const INTERVAL = 1_000;
  const STALL_START = 5_000_000;
  const STALL = 1_000_000;
  const SERVICE = 200;
  const run = () => {
    const pair = createLatencyPair();
    const stallEnd = STALL_START + STALL;
    for (let intended = 0; intended < 10_000_000; intended += INTERVAL) {
      const stalledNow = intended > STALL_START && intended < stallEnd;
      const actual = stalledNow ? stallEnd : intended; // blocked behind the stall
      const received = intended === STALL_START ? stallEnd + SERVICE : actual + SERVICE;
      recordDelivery(pair, received, intended, actual);
    }
    return { latency: summarise(pair.latency), service: summarise(pair.serviceTime) };
  };

  it('latency from the intended send time shows the stall in p99', () => {
    const { latency } = run();
    expect(latency.count).toBe(10_000);
    // 1000 of 10000 messages waited 0..1 s behind the stall: the top 1% waited 0.9..1 s
    expect(latency.p99).toBeGreaterThan(0.85 * STALL);
    expect(latency.p90).toBeLessThan(0.1 * STALL);
    expectWithinHdr(latency.max, STALL + SERVICE);
  });

  it('service time from the actual send time hides it: only one slow message', () => {
    const { service } = run();
    expect(service.count).toBe(10_000);
    expect(service.p99).toBe(SERVICE);
    expect(service.p999).toBe(SERVICE);
    expectWithinHdr(service.max, STALL + SERVICE);
  });

  it('helpers subtract the right send time', () => {
    expect(latencyFromIntended(1_500, 1_000)).toBe(500);
    expect(serviceTime(1_500, 1_400)).toBe(100);
  });
});
