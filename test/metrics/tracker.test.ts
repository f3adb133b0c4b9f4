import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeliveryLevel } from '../../core/driver.js';
import { mergeDelivery } from '../../core/metrics/delivery-levels.js';
import { DeliveryTracker } from '../../core/metrics/tracker.js';
import { Delivery } from '../../core/result/index.js';

/**
 * One stream, one receiver "bob"; sends 0..n-1, fails `failed`, the server acknowledges every
 * other send (evidence for loss), then `arrivals` are delivered.
 */
function track(level: DeliveryLevel, n: number, arrivals: readonly number[], failed: readonly number[] = []): DeliveryTracker {
  const t = new DeliveryTracker();
  t.addStream(1, level, ['bob']);
  for (let seq = 0; seq < n; seq++) t.sent(1, seq);
  for (const seq of failed) t.sendFailed(1, seq);
  for (let seq = 0; seq < n; seq++) if (!failed.includes(seq)) t.acknowledged(1, seq);
  for (const seq of arrivals) t.received(1, 'bob', seq);
  return t;
}

const inOrder = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('DeliveryTracker', () => {
  it('counts clean in-order delivery to every receiver', () => {
    const t = new DeliveryTracker();
    t.addStream(3, 1, ['alice', 'bob']);
    for (let seq = 0; seq < 100; seq++) {
      t.sent(3, seq);
      expect(t.received(3, 'alice', seq)).toBe('new');
      expect(t.received(3, 'bob', seq)).toBe('new');
    }
    const d = t.summary();
    expect(Delivery.parse(d)).toEqual(d);
    expect(d).toMatchObject({ expected: 200, delivered: 200, lost: 0, duplicated: 0, reordered: 0, violations: 0, sendErrors: 0 });
    expect(Object.keys(d.byQos)).toEqual(['1']);
    expect(d.byQos[1]?.allowed).toEqual({ lost: false, duplicated: true, reordered: false });
  });

  it('counts loss: allowed at QoS 0, a violation at QoS 1 and 2', () => {
    const arrivals = [0, 1, 3, 4, 7, 8, 9]; // 2, 5, 6 lost
    for (const [level, violations] of [[0, 0], [1, 3], [2, 3]] as const) {
      const d = track(level, 10, arrivals).summary();
      expect(d).toMatchObject({ expected: 10, delivered: 7, lost: 3, duplicated: 0, reordered: 0, violations });
      expect(d.byQos[level]?.violations).toBe(violations);
    }
  });

  it('counts messages with nothing later delivered as undelivered, not lost: late is not lost', () => {
    expect(track(1, 10, [0, 1, 2]).summary()).toMatchObject({ delivered: 3, lost: 0, undelivered: 7, violations: 0 });
  });

  it('calls a gap lost only when the server acknowledged the send', () => {
    const t = new DeliveryTracker();
    t.addStream(1, 1, ['bob']);
    for (let seq = 0; seq < 6; seq++) t.sent(1, seq);
    // Acknowledged out of order: 0, 1, 3, 5 (2 and 4 never were: still in flight at the server's end).
    for (const seq of [1, 0, 5, 3]) t.acknowledged(1, seq);
    for (const seq of [0, 5]) t.received(1, 'bob', seq); // 1..4 missing, 5 came later: evidence for 1 and 3
    expect(t.summary()).toMatchObject({ expected: 6, delivered: 2, lost: 2, undelivered: 2, violations: 2 });
  });

  it('counts duplicates: allowed at QoS 1, a violation at QoS 0 and 2', () => {
    const arrivals = [0, 1, 1, 2, 0, 2, 2]; // 0 once more, 1 once more, 2 twice more
    for (const [level, violations] of [[0, 4], [1, 0], [2, 4]] as const) {
      expect(track(level, 3, arrivals).summary()).toMatchObject({ delivered: 3, lost: 0, duplicated: 4, reordered: 0, violations });
    }
    const t = track(1, 3, [0]);
    expect(t.received(1, 'bob', 0)).toBe('duplicate');
  });

  it('counts reordering as a violation at every level (MQTT §4.6 ordered topics)', () => {
    for (const level of [0, 1, 2] as const) {
      const d = track(level, 4, [0, 2, 1, 3]).summary();
      expect(d).toMatchObject({ delivered: 4, lost: 0, duplicated: 0, reordered: 1, violations: 1 });
      expect(d.byQos[level]?.allowed.reordered).toBe(false);
    }
  });

  it('counts every late first copy below the highest seq seen, not the duplicates', () => {
    // 5 overtook 1..4: four late arrivals; the second 3 is a duplicate, not a reorder
    const d = track(1, 6, [0, 5, 1, 2, 3, 3, 4]).summary();
    expect(d).toMatchObject({ delivered: 6, reordered: 4, duplicated: 1, lost: 0, violations: 4 });
  });

  it('fills gaps from both ends and the middle', () => {
    const t = track(2, 10, [0, 9]);
    for (const seq of [1, 8, 5, 4, 6, 2, 7, 3]) expect(t.received(1, 'bob', seq)).toBe('new');
    for (const seq of inOrder(10)) expect(t.received(1, 'bob', seq)).toBe('duplicate');
    expect(t.summary()).toMatchObject({ delivered: 10, lost: 0, reordered: 8, duplicated: 10 });
  });

  it('does not expect failed sends, counts them in sendErrors, and treats their arrival as unexpected', () => {
    const t = track(1, 5, [0, 1, 3, 4], [2]);
    expect(t.summary()).toMatchObject({ expected: 4, delivered: 4, lost: 0, violations: 0, sendErrors: 1 });
    expect(t.received(1, 'bob', 2)).toBe('unexpected');
    expect(t.unexpected).toBe(1);
    expect(t.summary().delivered).toBe(4);
  });

  it('takes back a message that arrived before its send was reported failed', () => {
    const t = track(1, 3, [0, 1, 2]);
    expect(t.owed).toBe(0);
    t.sendFailed(1, 1);
    expect(t.summary()).toMatchObject({ expected: 2, delivered: 2, lost: 0, sendErrors: 1 });
    expect(t.unexpected).toBe(1);
    expect(t.owed).toBe(0);
  });

  it('a failed seq inside a gap is no longer pending', () => {
    const t = track(1, 5, [0, 4]);
    t.sendFailed(1, 2);
    expect(t.summary()).toMatchObject({ expected: 4, delivered: 2, lost: 2 });
    expect(t.owed).toBe(2);
    expect(t.received(1, 'bob', 2)).toBe('unexpected');
    expect(t.received(1, 'bob', 3)).toBe('new');
    expect(t.summary()).toMatchObject({ delivered: 3, lost: 1, reordered: 1 });
  });

  it('counts unknown streams, unknown receivers (own echo) and never-sent seqs as unexpected', () => {
    const t = new DeliveryTracker();
    t.addStream(1, 0, ['bob']);
    t.sent(1, 0);
    expect(t.received(2, 'bob', 0)).toBe('unexpected');
    expect(t.received(1, 'alice', 0)).toBe('unexpected'); // the sender's own echo
    expect(t.received(1, 'bob', 1)).toBe('unexpected'); // not sent yet
    expect(t.received(1, 'bob', -1)).toBe('unexpected');
    expect(t.received(1, 'bob', 0.5)).toBe('unexpected');
    expect(t.unexpected).toBe(5);
    expect(t.summary()).toMatchObject({ expected: 1, delivered: 0, lost: 0, undelivered: 1, duplicated: 0, reordered: 0 });
  });

  it('rejects misuse with RangeError', () => {
    const t = new DeliveryTracker();
    t.addStream(1, 0, ['bob']);
    expect(() => t.addStream(1, 1, ['carol'])).toThrow(RangeError);
    expect(() => t.sent(1, 1)).toThrow(RangeError); // 0 first
    expect(() => t.sent(9, 0)).toThrow(RangeError);
    t.sent(1, 0);
    expect(() => t.sendFailed(1, 1)).toThrow(RangeError); // not sent
    t.sendFailed(1, 0);
    expect(() => t.sendFailed(1, 0)).toThrow(RangeError); // twice
  });

  it('reports each level separately and sums them', () => {
    const t = new DeliveryTracker();
    t.addStream(1, 0, ['a', 'b']);
    t.addStream(2, 2, ['a']);
    for (const seq of [0, 1, 2]) {
      t.sent(1, seq);
      t.sent(2, seq);
      t.acknowledged(1, seq);
    }
    for (const seq of [0, 2]) t.received(1, 'a', seq); // 1 lost at QoS 0: allowed
    for (const seq of [0, 1, 2]) t.received(1, 'b', seq);
    for (const seq of [0, 1, 1, 2]) t.received(2, 'a', seq); // a duplicate at QoS 2: violation
    const d = t.summary();
    expect(d.byQos[0]).toMatchObject({ expected: 6, delivered: 5, lost: 1, violations: 0 });
    expect(d.byQos[2]).toMatchObject({ expected: 3, delivered: 3, duplicated: 1, violations: 1 });
    expect(d.byQos[1]).toBeUndefined();
    expect(d).toMatchObject({ expected: 9, delivered: 8, lost: 1, duplicated: 1, violations: 1 });
  });

  it('mergeDelivery of disjoint trackers equals one tracker holding everything', () => {
    const a = track(0, 10, [0, 3, 2, 9]);
    const b = track(1, 5, [0, 0, 1, 2, 3], [4]);
    const both = new DeliveryTracker();
    both.addStream(1, 0, ['bob']);
    both.addStream(2, 1, ['bob']);
    for (let seq = 0; seq < 10; seq++) both.sent(1, seq);
    for (let seq = 0; seq < 5; seq++) both.sent(2, seq);
    both.sendFailed(2, 4);
    for (let seq = 0; seq < 10; seq++) both.acknowledged(1, seq);
    for (let seq = 0; seq < 4; seq++) both.acknowledged(2, seq);
    for (const seq of [0, 3, 2, 9]) both.received(1, 'bob', seq);
    for (const seq of [0, 0, 1, 2, 3]) both.received(2, 'bob', seq);
    expect(mergeDelivery([a.summary(), b.summary()])).toEqual(both.summary());
  });

  it('handles long runs with scattered loss and very late arrivals', () => {
    const n = 100_000;
    const t = new DeliveryTracker();
    t.addStream(1, 1, ['bob']);
    for (let seq = 0; seq < n; seq++) {
      t.sent(1, seq);
      t.acknowledged(1, seq);
      if (seq % 10 !== 0) t.received(1, 'bob', seq);
    }
    expect(t.summary()).toMatchObject({ delivered: n - n / 10, lost: n / 10 });
    for (let seq = n - 10; seq >= 0; seq -= 10) expect(t.received(1, 'bob', seq)).toBe('new');
    expect(t.summary()).toMatchObject({ delivered: n, lost: 0, reordered: n / 10, duplicated: 0 });
  });
});

/** Naive reference: a Map of counts per seq, reorders from first copies against the highest seen. */
function reference(n: number, arrivals: readonly number[], failed: ReadonlySet<number>) {
  const counts = new Map<number, number>();
  let maxSeen = -1;
  let reordered = 0;
  let unexpected = 0;
  for (const seq of arrivals) {
    if (seq >= n || failed.has(seq)) {
      unexpected++;
      continue;
    }
    const c = counts.get(seq) ?? 0;
    if (c === 0 && seq < maxSeen) reordered++;
    counts.set(seq, c + 1);
    maxSeen = Math.max(maxSeen, seq);
  }
  let duplicated = 0;
  for (const c of counts.values()) duplicated += c - 1;
  const expected = n - failed.size;
  // Every send is acknowledged and the receiver stays up: a missing seq is lost when a later one arrived.
  let lost = 0;
  for (let seq = 0; seq < maxSeen; seq++) if (!failed.has(seq) && !counts.has(seq)) lost++;
  return { expected, delivered: counts.size, lost, undelivered: expected - counts.size - lost, duplicated, reordered, unexpected };
}

describe('DeliveryTracker against a naive reference (property)', () => {
  /** 0..n-1, then drops, duplicates (anywhere later) and swaps applied. */
  const perturbed = fc.integer({ min: 0, max: 60 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      ops: fc.array(fc.tuple(fc.constantFrom('drop', 'dup', 'swap'), fc.nat(), fc.nat()), { maxLength: 30 }),
      failed: fc.uniqueArray(fc.nat({ max: Math.max(0, n - 1) }), { maxLength: n === 0 ? 0 : 5 }),
      bogus: fc.array(fc.integer({ min: n, max: n + 5 }), { maxLength: 3 }),
    }),
  );

  const check = (n: number, arrivals: number[], failed: number[]) => {
    const t = track(1, n, arrivals, failed);
    const ref = reference(n, arrivals, new Set(failed));
    const d = t.summary();
    const { unexpected, ...counts } = ref;
    expect(d.byQos[1]).toMatchObject(counts);
    expect(d.byQos[1]?.violations).toBe(ref.lost + ref.reordered);
    expect(t.unexpected).toBe(unexpected);
    expect(t.owed).toBe(d.lost + d.undelivered); // the running count the drain waits on agrees with the summary
  };

  it('matches for permutations with drops and duplicates of 0..n-1', () => {
    fc.assert(
      fc.property(perturbed, ({ n, ops, failed, bogus }) => {
        const arr = inOrder(n);
        for (const [op, i, j] of ops) {
          if (arr.length === 0) break;
          const a = i % arr.length;
          const b = j % arr.length;
          if (op === 'drop') arr.splice(a, 1);
          else if (op === 'dup') arr.splice(Math.max(a, b) + 1, 0, arr[a] as number);
          else [arr[a], arr[b]] = [arr[b] as number, arr[a] as number];
        }
        arr.push(...bogus);
        check(n, arr, failed);
      }),
      { numRuns: 500 },
    );
  });

  it('matches for arbitrary arrival sequences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.nat({ max: n + 2 }), { maxLength: 120 }))), ([n, arrivals]) => {
        check(n, arrivals, []);
      }),
      { numRuns: 500 },
    );
  });
});

describe('DeliveryTracker when a receiver is gone', () => {
  it('stops expecting new sends of a lost receiver and keeps what was owed before', () => {
    const t = new DeliveryTracker();
    t.addStream(0, 1, ['a', 'b']);
    for (let seq = 0; seq < 4; seq++) t.sent(0, seq);
    for (let seq = 0; seq < 4; seq++) t.received(0, 'a', seq);
    t.received(0, 'b', 0);
    t.received(0, 'b', 1);
    t.receiverGone('b'); // seqs 2 and 3 were in flight to b: still owed
    expect(t.owed).toBe(2);
    for (let seq = 4; seq < 10; seq++) t.sent(0, seq); // owed to a only
    expect(t.owed).toBe(2 + 6);
    for (let seq = 4; seq < 10; seq++) t.received(0, 'a', seq);
    expect(t.received(0, 'b', 7)).toBe('unexpected');
    t.sendFailed(0, 8); // a had it: taken back; b was never owed it
    const d = t.summary();
    // b's connection was lost: what it missed has no evidence of loss (undelivered).
    expect(d).toMatchObject({ expected: 9 + 4, delivered: 9 + 2, lost: 0, undelivered: 2, sendErrors: 1 });
    expect(t.owed).toBe(d.undelivered);
  });
});

describe('DeliveryTracker censoring', () => {
  it('counts the missing deliveries of measured sends only (after the warm-up)', () => {
    const t = new DeliveryTracker();
    t.addStream(0, 1, ['a', 'b']);
    for (let seq = 0; seq < 10; seq++) {
      t.sent(0, seq);
      t.acknowledged(0, seq);
    }
    t.measuredFrom(0, 4); // 0..3 were warm-up sends
    for (const seq of [0, 2, 3, 4, 6, 7]) t.received(0, 'a', seq); // a misses 1 (warm-up), 5 (lost), 8, 9 (tail)
    for (const seq of [5, 6, 7, 8, 9]) t.received(0, 'b', seq); // b misses 0..4: 4 is measured
    const { delivery, censored } = t.tally();
    expect(delivery).toMatchObject({ expected: 20, delivered: 11, lost: 2 /* a: 1, 5 */ + 5 /* b: 0..4 */, undelivered: 2 /* a: 8, 9 */ });
    expect(censored).toBe(3 /* a: 5, 8, 9 */ + 1 /* b: 4 */);
  });

  it('counts nothing censored for a stream that never sent after the warm-up', () => {
    const t = new DeliveryTracker();
    t.addStream(0, 1, ['a']);
    t.sent(0, 0);
    expect(t.tally()).toMatchObject({ censored: 0, delivery: { undelivered: 1 } });
  });

  it('classifies one-message gaps over a long run of in-order acknowledgements', () => {
    const t = new DeliveryTracker();
    t.addStream(0, 1, ['a']);
    for (let seq = 0; seq < 200_000; seq++) {
      t.sent(0, seq);
      t.acknowledged(0, seq);
      if (seq % 1000 !== 999) t.received(0, 'a', seq);
    }
    // 199 gaps of one message each, all acknowledged, later messages arrived: lost with evidence.
    expect(t.tally().delivery).toMatchObject({ lost: 199, undelivered: 1 });
  });
});
