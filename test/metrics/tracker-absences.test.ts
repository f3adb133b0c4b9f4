/** Delivery tracking across absences: what is owed while a receiver is away, excused, lost, and caught up. */
import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from '../../core/metrics/tracker.js';
import type { DeliveryLevel } from '../../core/driver.js';

/** One stream a -> b at `level`; sends n seqs, each acknowledged. */
function tracker(level: DeliveryLevel): { t: DeliveryTracker; send: (n: number) => void; sentSoFar: () => number } {
  const t = new DeliveryTracker();
  t.addStream(0, level, ['b']);
  let sent = 0;
  return {
    t,
    send: (n) => {
      for (let i = 0; i < n; i++, sent++) {
        t.sent(0, sent);
        t.acknowledged(0, sent);
      }
    },
    sentSoFar: () => sent,
  };
}

describe('DeliveryTracker absences', () => {
  it('QoS 0: sends while away are excused exactly; arriving anyway is neither delivered nor unexpected', () => {
    const { t, send } = tracker(0);
    send(5);
    for (let i = 0; i < 5; i++) t.received(0, 'b', i);
    t.receiverAway('b', true); // level 0 is not kept even with a persistent session
    send(3); // seqs 5..7 excused
    expect(t.owed).toBe(0);
    expect(t.received(0, 'b', 5)).toBe('excused');
    t.receiverReturning('b');
    expect(t.receiverBack('b', true)).toEqual(expect.objectContaining({ left: 0 }));
    send(2); // 8, 9 owed again
    expect(t.owed).toBe(1 * 2);
    t.received(0, 'b', 9);
    const d = t.summary();
    expect(d).toMatchObject({ expected: 7, delivered: 6, excused: 3, lost: 1, undelivered: 0 });
    expect(d.byQos[0]).toMatchObject({ excused: 3, violations: 0 });
    expect(t.unexpected).toBe(0);
  });

  it('QoS 1 persistent and resumed: queued messages stay owed, and a kept message missing while later ones arrive is lost', () => {
    const { t, send } = tracker(1);
    send(2);
    t.received(0, 'b', 0);
    t.received(0, 'b', 1);
    t.receiverAway('b', true);
    send(4); // 2..5 queued at the server
    expect(t.owed).toBe(4);
    t.receiverReturning('b');
    const c = t.receiverBack('b', true);
    expect(c?.left).toBe(4);
    let caught = -1;
    t.onCaughtUp = (_r, at) => { caught = at; };
    t.received(0, 'b', 2);
    t.received(0, 'b', 4); // 3 dropped on resume
    t.received(0, 'b', 5);
    send(1);
    t.received(0, 'b', 6);
    expect(caught).toBe(-1); // 3 never came: not caught up
    const d = t.summary();
    expect(d).toMatchObject({ expected: 7, delivered: 6, lost: 1, violations: 1 });
    expect(d.excused).toBeUndefined();
  });

  it('catch-up completes when the last owed message sent before the return arrives', () => {
    const { t, send } = tracker(2);
    send(1);
    t.received(0, 'b', 0);
    t.receiverAway('b', true);
    send(3);
    t.receiverReturning('b');
    t.received(0, 'b', 1); // arrives before the returning connection is ready
    const c = t.receiverBack('b', true);
    expect(c?.left).toBe(2);
    const done: string[] = [];
    t.onCaughtUp = (r) => done.push(r);
    send(1); // sent after the return: not part of the catch-up
    t.received(0, 'b', 2);
    expect(done).toEqual([]);
    t.received(0, 'b', 3);
    expect(done).toEqual(['b']);
    t.received(0, 'b', 4);
    expect(done).toEqual(['b']);
  });

  it('QoS 1 not resumed: what was sent while away and what was in flight at the drop are excused, never lost', () => {
    const { t, send } = tracker(1);
    send(3);
    t.received(0, 'b', 0); // 1, 2 in flight when it left
    t.receiverAway('b', true);
    send(3); // 3..5
    t.receiverReturning('b');
    expect(t.receiverBack('b', false)).toBeNull();
    expect(t.owed).toBe(0);
    send(2); // 6, 7
    t.received(0, 'b', 7);
    t.received(0, 'b', 6);
    expect(t.received(0, 'b', 4)).toBe('excused');
    expect(t.summary()).toMatchObject({ expected: 3, delivered: 3, excused: 5, lost: 0, reordered: 1 });
  });

  it('clean sessions: nothing sent while away is owed at any level', () => {
    const { t, send } = tracker(2);
    send(1);
    t.received(0, 'b', 0);
    t.receiverAway('b', false);
    send(4);
    expect(t.owed).toBe(0);
    t.receiverReturning('b');
    t.receiverBack('b', false);
    send(1);
    t.received(0, 'b', 5);
    expect(t.summary()).toMatchObject({ expected: 2, delivered: 2, excused: 4, lost: 0, undelivered: 0 });
  });

  it('a receiver that never comes back owes nothing sent after it left, and its in-flight tail is excused at level >= 1', () => {
    const { t, send } = tracker(1);
    send(3);
    t.received(0, 'b', 0);
    t.receiverAway('b', true);
    send(2);
    t.receiverGone('b');
    send(2);
    expect(t.owed).toBe(0);
    expect(t.summary()).toMatchObject({ expected: 1, delivered: 1, excused: 4, undelivered: 0 });
  });

  it('a send reported failed while away leaves the excused count exact', () => {
    const t = new DeliveryTracker();
    t.addStream(0, 0, ['b']);
    t.receiverAway('b', false);
    t.sent(0, 0);
    t.sent(0, 1);
    t.sendFailed(0, 1);
    t.receiverReturning('b');
    t.receiverBack('b', false);
    expect(t.summary()).toMatchObject({ expected: 0, excused: 1, sendErrors: 1 });
  });
});
