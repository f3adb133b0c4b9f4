import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { nowMicros } from '../../core/clock.js';
import { workerScript } from '../../core/off-thread.js';
import { pace } from '../../core/engine/pacer.js';
import { holdPreciseWake, timerWake, timingThreadRuns } from '../../core/engine/wake.js';

// The timing thread runs from the build (a worker thread cannot load TypeScript): `npm run build`.
const built = workerScript(new URL('../../core/engine/wake-worker.js', import.meta.url)) !== null;
const root = fileURLToPath(new URL('../../', import.meta.url));

// Without a build the suite is skipped, except under CI, where a missing build is a failure.
if (!built && process.env.CI) {
  describe('pacer woken by the timing thread', () => {
    it('needs the build', () => {
      throw new Error('dist/core/engine/wake-worker.js is missing under CI: run npm run build first');
    });
  });
}

describe.skipIf(!built)('pacer woken by the timing thread', () => {
  it('runs the timing thread while a pacer runs, fires every send in order and never early, then stops it', async () => {
    expect(timingThreadRuns()).toBe(false);
    const start = nowMicros() + 2000;
    const fired: Array<[number, number, number, boolean]> = [];
    const n = await pace({ startMicros: start, ratePerSecond: 2000, count: 100, fire: (i, intended) => fired.push([i, intended, nowMicros(), timingThreadRuns()]) });
    expect(n).toBe(100);
    expect(fired.map(([i]) => i)).toEqual([...Array(100).keys()]);
    for (const [i, intended, at, running] of fired) {
      expect(intended).toBe(Math.round(start + i * 500));
      expect(at).toBeGreaterThanOrEqual(intended); // never early
      expect(running).toBe(true);
    }
    expect(timingThreadRuns()).toBe(false);
  });

  it('shares one timing thread between pacers and stops it only after the last one', async () => {
    const first = holdPreciseWake();
    const second = holdPreciseWake();
    expect(first).not.toBe(timerWake);
    const t0 = nowMicros();
    // Two sleepers, the later armed first: each wakes at or after its own due time.
    const woke: number[] = [];
    await Promise.all([
      first.sleepUntil(t0 + 6000).then(() => woke.push(nowMicros() - t0 - 6000)),
      second.sleepUntil(t0 + 3000).then(() => woke.push(nowMicros() - t0 - 3000)),
    ]);
    expect(woke).toHaveLength(2);
    for (const late of woke) expect(late).toBeGreaterThanOrEqual(0);
    first.release();
    first.release(); // a second release of the same hold changes nothing
    expect(timingThreadRuns()).toBe(true);
    second.release();
    expect(timingThreadRuns()).toBe(false);
  });

  it('wakes sleepers through the timing thread alone, never before their due time', async () => {
    // The backstop timers never fire here: only the timing thread can end these sleeps.
    const timeouts = vi.spyOn(globalThis, 'setTimeout').mockImplementation((() => ({})) as unknown as typeof setTimeout);
    const wake = holdPreciseWake();
    try {
      for (const ahead of [0, 300, 2000, 700]) {
        const due = nowMicros() + ahead;
        await wake.sleepUntil(due);
        expect(nowMicros()).toBeGreaterThanOrEqual(due);
      }
      expect(timeouts).toHaveBeenCalled();
    } finally {
      wake.release();
      timeouts.mockRestore();
    }
  }, 20_000);

  it('wakes a sleeper at once when aborted', async () => {
    const wake = holdPreciseWake();
    try {
      const controller = new AbortController();
      const due = nowMicros() + 60_000_000;
      setTimeout(() => controller.abort(), 10);
      await wake.sleepUntil(due, controller.signal);
      // The abort ended the sleep, not the due time: it was aborted and the due time is still ahead.
      expect(controller.signal.aborted).toBe(true);
      expect(nowMicros()).toBeLessThan(due);
    } finally {
      wake.release();
    }
  });

  it('never keeps the process alive: a script that paced exits by itself, with every send fired', () => {
    const script = `
      const { pace } = await import('./dist/core/engine/pacer.js');
      const { nowMicros } = await import('./dist/core/clock.js');
      let fired = 0;
      const n = await pace({ startMicros: nowMicros() + 1000, ratePerSecond: 20, count: 5, fire: () => fired++ });
      console.log(JSON.stringify({ n, fired }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(child.error).toBeUndefined(); // a timeout here: the timing thread kept the process alive
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual({ n: 5, fired: 5 });
  });
});
