import { describe, expect, it, vi } from 'vitest';
import { nowMicros } from '../../core/clock.js';
import { pace } from '../../core/engine/pacer.js';
import { timerWake, type Wake } from '../../core/engine/wake.js';

describe('open-model pacer', () => {
  it.each(['precise', 'timer'] as const)('schedules send i at start + i / rate and fires each once, in order (%s wake)', async (wake) => {
    const start = nowMicros() + 2000;
    const fired: Array<[number, number, number]> = [];
    const n = await pace({ startMicros: start, ratePerSecond: 1000, count: 50, wake, fire: (i, intended) => fired.push([i, intended, nowMicros()]) });
    expect(n).toBe(50);
    expect(fired.map(([i]) => i)).toEqual([...Array(50).keys()]);
    for (const [i, intended, at] of fired) {
      expect(intended).toBe(Math.round(start + i * 1000));
      expect(at).toBeGreaterThanOrEqual(intended); // never early
    }
  });

  it('keeps intended times fixed while saturated, and fires the backlog at once afterwards', async () => {
    const start = nowMicros();
    let blocked = true;
    setTimeout(() => { blocked = false; }, 50);
    const fired: Array<[number, number]> = [];
    await pace({ startMicros: start, ratePerSecond: 1000, count: 20, saturated: () => blocked, fire: (i, intended) => fired.push([i, intended]) });
    expect(fired.map(([, t]) => t)).toEqual([...Array(20).keys()].map((i) => Math.round(start + i * 1000)));
  });

  it('stops at the deadline and when aborted, reporting how many it fired', async () => {
    const start = nowMicros();
    const byDeadline = await pace({ startMicros: start, ratePerSecond: 1000, count: 10_000, deadlineMicros: start + 30_000, fire: () => undefined });
    // One send per ms is due; nothing past the deadline (31 due at most by then).
    expect(byDeadline).toBeGreaterThan(0);
    expect(byDeadline).toBeLessThanOrEqual(31);

    const controller = new AbortController();
    const abortStart = nowMicros();
    setTimeout(() => controller.abort(), 30);
    const byAbort = await pace({ startMicros: abortStart, ratePerSecond: 1000, count: 10_000, signal: controller.signal, fire: () => undefined });
    const elapsedMs = (nowMicros() - abortStart) / 1000;
    expect(byAbort).toBeGreaterThan(0);
    expect(byAbort).toBeLessThanOrEqual(Math.floor(elapsedMs) + 1);
    expect(byAbort).toBeLessThan(10_000);
  });
});

describe('pacer without busy-waiting', () => {
  it('wakes a few times per send at most, never in a loop', async () => {
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    const immediates = vi.spyOn(globalThis, 'setImmediate');
    try {
      const n = await pace({ startMicros: nowMicros() + 1000, ratePerSecond: 200, count: 30, fire: () => undefined });
      expect(n).toBe(30);
      // One timer per send, plus an occasional re-arm when a timer fires a little before the send is due.
      expect(timeouts.mock.calls.length + immediates.mock.calls.length).toBeLessThanOrEqual(30 * 3);
    } finally {
      timeouts.mockRestore();
      immediates.mockRestore();
    }
  });

  it('pacing: poll stays awake (yields to I/O, never sleeps) when the next send is near, and still never fires early', async () => {
    const immediates = vi.spyOn(globalThis, 'setImmediate');
    const early: number[] = [];
    try {
      // 2,000/s: every send is 500 µs after the last, inside the 600 µs poll window.
      const n = await pace({
        startMicros: nowMicros() + 300, ratePerSecond: 2000, count: 40, pollWithinMicros: 600,
        wake: { sleepUntil: () => Promise.reject(new Error('slept while polling')), release: () => undefined },
        fire: (_i, intended) => { if (nowMicros() < intended) early.push(intended); },
      });
      expect(n).toBe(40);
      expect(early).toEqual([]);
      // Yielding is how it waits (the wake above rejects any sleep). How many turns it takes depends on
      // how busy the machine is — a late pacer fires due sends in batches — so only "at least one".
      expect(immediates.mock.calls.length).toBeGreaterThan(0);
    } finally {
      immediates.mockRestore();
    }
  });

  it('pacing: poll with a wider gap sleeps until the poll window before each send, never later, then polls', async () => {
    const asked: Array<{ due: number; next: number }> = [];
    const early: number[] = [];
    const start = nowMicros() + 2000;
    let next = start;
    const wake: Wake = {
      sleepUntil: async (due, signal) => { asked.push({ due, next }); await timerWake.sleepUntil(due, signal); },
      release: () => undefined,
    };
    // 200/s: 5 ms between sends, a 2 ms window: each sleep ends 2 ms before the send it waits for.
    const n = await pace({
      startMicros: start, ratePerSecond: 200, count: 10, pollWithinMicros: 2000, wake,
      fire: (i, intended) => { if (nowMicros() < intended) early.push(intended); next = start + (i + 1) * 5000; },
    });
    expect(n).toBe(10);
    expect(early).toEqual([]);
    // Every sleep ends at least 1.5 ms before the send it waits for: 2 ms, less at most the pacer's
    // minimum gap between wake-ups (500 µs) when the last wake-up was late. A sleeping pacer
    // (no window) would sleep until the send itself. How many sleeps a busy machine leaves
    // (a late pacer fires due sends without sleeping) is not asserted.
    expect(asked.length).toBeGreaterThan(0);
    for (const { due, next: sendAt } of asked) expect(due).toBeLessThanOrEqual(sendAt - 1500);
  });

  it('fires the sends that fell due while the process was busy in one batch, each with its own intended time', async () => {
    const start = nowMicros() + 1000;
    const fired: Array<[number, number, number]> = [];
    let batches = 0;
    let inBatch = false;
    await pace({
      startMicros: start, ratePerSecond: 1000, count: 12,
      fire: (i, intended) => {
        if (!inBatch) {
          // A new wake-up of the pacer: the microtask runs once the current batch has returned.
          inBatch = true;
          batches++;
          queueMicrotask(() => { inBatch = false; });
        }
        fired.push([i, intended, nowMicros()]);
        if (i === 0) { const until = nowMicros() + 10_000; while (nowMicros() < until); } // the process is busy for 10 ms
      },
    });
    expect(fired.map(([i]) => i)).toEqual([...Array(12).keys()]);
    for (const [i, intended, at] of fired) {
      expect(intended).toBe(Math.round(start + i * 1000));
      expect(at).toBeGreaterThanOrEqual(intended);
    }
    // Sends 1..10 were due by the end of the busy 10 ms: they go out together, right after it.
    expect(batches).toBeLessThanOrEqual(4);
  });

  it('gives up at the deadline or on abort without sitting out a long interval', async () => {
    // At 1 send per second the next send is due in 1 s; the deadline is 40 ms away.
    // A recording wake notes each sleep it is asked for, and sleeps on the real timers.
    const recording = (): { wake: Wake; targets: number[]; endedAborted: boolean[] } => {
      const targets: number[] = [];
      const endedAborted: boolean[] = [];
      const wake: Wake = {
        sleepUntil: async (due, signal) => {
          targets.push(due);
          await timerWake.sleepUntil(due, signal);
          endedAborted.push(signal?.aborted === true);
        },
        release: () => undefined,
      };
      return { wake, targets, endedAborted };
    };
    const start = nowMicros();
    const deadline = start + 40_000;
    const byDeadline = recording();
    const n = await pace({ startMicros: start, ratePerSecond: 1, count: 5, deadlineMicros: deadline, wake: byDeadline.wake, fire: () => undefined });
    expect(n).toBe(1);
    // No sleep was asked to last past the deadline: it never sits out the 1 s interval.
    for (const due of byDeadline.targets) expect(due).toBeLessThanOrEqual(deadline + 1);

    const controller = new AbortController();
    const abortStart = nowMicros();
    setTimeout(() => controller.abort(), 20);
    const onAbort = recording();
    const byAbort = await pace({ startMicros: abortStart, ratePerSecond: 1, count: 5, signal: controller.signal, wake: onAbort.wake, fire: () => undefined });
    expect(byAbort).toBe(1);
    // The abort ended it: the last sleep (towards the next send, 1 s on) was handed the signal
    // and ended aborted, and that send was never fired.
    expect(controller.signal.aborted).toBe(true);
    expect(onAbort.endedAborted.at(-1)).toBe(true);
  });
});

describe('wake-up spacing', () => {
  it('sleeps at least 500 µs between wake-ups, so above 2,000 msg/s a wake fires the sends due since the last one', async () => {
    const targets: number[] = [];
    const wakes: number[] = [];
    const fired: { intended: number; at: number }[] = [];
    const recording: Wake = {
      sleepUntil: async (due) => {
        targets.push(due);
        await timerWake.sleepUntil(due);
        wakes.push(nowMicros());
      },
      release: () => undefined,
    };
    const n = await pace({
      startMicros: nowMicros() + 1000, ratePerSecond: 10_000, count: 100, wake: recording,
      fire: (_, intended) => fired.push({ intended, at: nowMicros() }),
    });
    expect(n).toBe(100);
    // Each sleep ends no earlier than 500 µs after the previous wake-up...
    for (let i = 1; i < targets.length; i++) expect((targets[i] as number) - (wakes[i - 1] as number)).toBeGreaterThanOrEqual(500);
    // ...so 100 sends 100 µs apart need far fewer wake-ups than sends, and none is ever early.
    expect(targets.length).toBeLessThan(50);
    for (const f of fired) expect(f.at).toBeGreaterThanOrEqual(f.intended);
  });
});
