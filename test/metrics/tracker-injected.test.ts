/**
 * DeliveryTracker.injected: what chatbench's own fault proxy dropped is excused (not expected,
 * not missing, not owed), what it doubled is duplicated and injected (owed until it arrives,
 * never a violation), and the server's own duplicates and losses are still held against it.
 */
import { describe, expect, it } from 'vitest';
import type { DeliveryLevel } from '../../core/driver.js';
import { mergeDelivery } from '../../core/metrics/delivery-levels.js';
import { DeliveryTracker } from '../../core/metrics/tracker.js';
import { Delivery } from '../../core/result/index.js';

/** Stream 1 from "ann" to "bob" at `level`, `n` sends, all acknowledged (evidence for loss). */
function sent(level: DeliveryLevel, n: number): DeliveryTracker {
  const t = new DeliveryTracker();
  t.addStream(1, level, ['bob']);
  for (let seq = 0; seq < n; seq++) {
    t.sent(1, seq);
    t.acknowledged(1, seq);
  }
  return t;
}

describe('DeliveryTracker.injected', () => {
  it('a dropped QoS 0 delivery is excused: not expected, not lost, not owed — even with later ones arriving', () => {
    const t = sent(0, 10);
    expect(t.owed).toBe(10);
    t.injected(1, 'bob', 3, 'dropped');
    t.injected(1, 'bob', 7, 'dropped');
    expect(t.owed).toBe(8);
    for (let seq = 0; seq < 10; seq++) if (seq !== 3 && seq !== 7) t.received(1, 'bob', seq);
    expect(t.owed).toBe(0); // a drain ends: it does not wait for what was dropped
    const d = t.summary();
    expect(Delivery.parse(d)).toEqual(d);
    expect(d).toMatchObject({ expected: 8, delivered: 8, lost: 0, undelivered: 0, excused: 2, violations: 0 });
    expect(d.byQos[0]).toMatchObject({ excused: 2, lost: 0 });
  });

  it('a drop of the last message (nothing later arrives) is excused too, and a real loss beside it is still lost', () => {
    const t = sent(0, 5);
    t.injected(1, 'bob', 4, 'dropped');
    for (const seq of [0, 1, 3]) t.received(1, 'bob', seq); // 2 went missing at the server
    expect(t.summary()).toMatchObject({ expected: 4, delivered: 3, lost: 1, undelivered: 0, excused: 1 });
  });

  it('a doubled delivery is owed until the copy arrives, then duplicated and injected, no violation at QoS 0', () => {
    const t = sent(0, 3);
    for (const seq of [0, 1, 2]) t.received(1, 'bob', seq);
    t.injected(1, 'bob', 1, 'duplicated');
    expect(t.owed).toBe(1); // the drain waits for the copy, so the count is exact
    expect(t.received(1, 'bob', 1)).toBe('duplicate');
    expect(t.owed).toBe(0);
    const d = t.summary();
    expect(d).toMatchObject({ duplicated: 1, injectedDuplicates: 1, violations: 0 });
    expect(d.byQos[0]).toMatchObject({ duplicated: 1, injectedDuplicates: 1, violations: 0 });
  });

  it("the server's own duplicate beside an injected one is still a violation at QoS 0 and 2", () => {
    for (const level of [0, 2] as const) {
      const t = sent(level, 2);
      t.received(1, 'bob', 0);
      t.injected(1, 'bob', 0, 'duplicated');
      t.received(1, 'bob', 0); // the proxy's copy
      t.received(1, 'bob', 0); // and one more nobody injected
      t.received(1, 'bob', 1);
      expect(t.summary()).toMatchObject({ duplicated: 2, injectedDuplicates: 1, violations: 1 });
    }
  });

  it('copies still on their way to a receiver that is gone are no longer owed', () => {
    const t = sent(1, 2);
    t.received(1, 'bob', 0);
    t.received(1, 'bob', 1);
    t.injected(1, 'bob', 1, 'duplicated');
    expect(t.owed).toBe(1);
    t.receiverGone('bob');
    expect(t.owed).toBe(0);
  });

  it('ignores what was not owed to the receiver: unknown streams and receivers, unsent seqs, what already arrived', () => {
    const t = sent(0, 3);
    t.received(1, 'bob', 0);
    t.injected(1, 'ann', 1, 'dropped'); // the sender's own echo
    t.injected(9, 'bob', 1, 'dropped');
    t.injected(1, 'bob', 5, 'dropped');
    t.injected(1, 'bob', 0, 'dropped'); // it arrived: nothing to excuse
    expect(t.owed).toBe(2);
    expect(t.summary().excused).toBeUndefined();
  });

  it('sums excused and injected duplicates across workers', () => {
    const a = sent(0, 2);
    a.injected(1, 'bob', 0, 'dropped');
    a.received(1, 'bob', 1);
    const b = sent(0, 1);
    b.received(1, 'bob', 0);
    b.injected(1, 'bob', 0, 'duplicated');
    b.received(1, 'bob', 0);
    expect(mergeDelivery([a.summary(), b.summary()])).toMatchObject({ excused: 1, injectedDuplicates: 1, duplicated: 1, violations: 0 });
  });
});
