/**
 * The progress display: on a terminal one status line rewritten in place, without one a plain
 * line at most every N ms (10 s by default) with thousands separators and elapsed/total time,
 * nothing with --quiet; and the one colour decision (FORCE_COLOR, NO_COLOR, TTY).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenario, type EngineEvent } from '../../core/engine/index.js';
import { openTarget } from '../../runners/index.js';
import { spec } from '../helpers/scenario.js';
import type { Output } from '../../cli/output.js';
import { colorEnabled } from '../../cli/output.js';
import { clock, PLAIN_PROGRESS_EVERY_MS, ProgressDisplay, progressEveryMs, progressText } from '../../cli/progress.js';

type Progress = Extract<EngineEvent, { type: 'progress' }>;

/** An Output that records what reached stderr, byte for byte. */
function recorder(interactive: boolean, columns?: number): Output & { stderr: () => string } {
  let stderr = '';
  return {
    out: () => undefined,
    err: (line) => { stderr += `${line}\n`; },
    errRaw: (text) => { stderr += text; },
    color: false,
    interactive,
    columns,
    stderr: () => stderr,
  };
}

const at = (elapsedMs: number, sent: number, delivered: number, extra: Partial<Progress> = {}): Progress => ({
  type: 'progress', scenario: 'big-room', phase: 'send', connected: 1500, sent, planned: 120_000, delivered, elapsedMs, totalMs: 60_000, ...extra,
});

const CLEAR = '\r\u001b[2K';

describe('progress text', () => {
  it('says phase, elapsed of total, users, counts with separators, per-second rates and p99', () => {
    expect(progressText(at(6_400, 12_345, 1_234_567, { p99Micros: 2_100 }), { sent: 2000, delivered: 199_999.6 })).toBe(
      'big-room  send  0:06 / 1:00  1,500 users connected  sent 12,345 of 120,000 (2,000/s)  delivered 1,234,567 (200,000/s)  p99 2.10 ms',
    );
    // No rates before a second event; no p99 when the event has none; singular user.
    expect(progressText(at(1_000, 5, 0, { connected: 1, phase: 'drain' }), undefined)).toBe(
      'big-room  drain  0:01 / 1:00  1 user connected  sent 5 of 120,000  delivered 0',
    );
  });

  it('reads elapsed time as a clock', () => {
    expect([clock(0), clock(6_999), clock(61_000), clock(3_725_000)]).toEqual(['0:00', '0:06', '1:01', '1:02:05']);
  });

  it('takes the plain-line interval from CHATBENCH_PROGRESS_EVERY (for tests), else 10 s', () => {
    expect(progressEveryMs({})).toBe(PLAIN_PROGRESS_EVERY_MS);
    expect(PLAIN_PROGRESS_EVERY_MS).toBe(10_000);
    expect(progressEveryMs({ CHATBENCH_PROGRESS_EVERY: '200ms' })).toBe(200);
    expect(progressEveryMs({ CHATBENCH_PROGRESS_EVERY: 'often' })).toBe(PLAIN_PROGRESS_EVERY_MS);
  });
});

describe('ProgressDisplay', () => {
  it('on a terminal rewrites one line in place and clears it before any other line', () => {
    const out = recorder(true);
    const display = new ProgressDisplay(out, 'status');
    display.handle({ type: 'scenario-start', scenario: 'big-room', index: 0, total: 2 });
    display.handle(at(1000, 2000, 100));
    display.handle(at(2000, 4000, 300));
    display.handle({ type: 'phase', scenario: 'big-room', phase: 'drain', detail: 'up to 2 s' });
    display.handle({ type: 'scenario-end', scenario: 'big-room', status: 'passed' });
    const first = progressText(at(1000, 2000, 100), undefined);
    const second = progressText(at(2000, 4000, 300), { sent: 2000, delivered: 200 });
    expect(out.stderr()).toBe(`[1/2] big-room\n${CLEAR}${first}${CLEAR}${second}${CLEAR}  drain: up to 2 s\n`);
    // Never a newline after a status line: it is rewritten, not scrolled.
    expect(out.stderr().split('\n')).toHaveLength(3);
  });

  it('cuts a status line to the terminal width, so \\r rewrites all of it', () => {
    const out = recorder(true, 40);
    new ProgressDisplay(out, 'status').handle(at(1000, 2000, 100));
    const written = out.stderr().slice(CLEAR.length);
    expect(written).toHaveLength(39);
    expect(written.endsWith('…')).toBe(true);
  });

  it('without a terminal prints a plain line every interval of elapsed time, never \\r', () => {
    const out = recorder(false);
    const display = new ProgressDisplay(out, 'lines', 10_000);
    for (let s = 1; s <= 25; s++) display.handle(at(s * 1000, s * 2000, s * 2000 * 10));
    const lines = out.stderr().trimEnd().split('\n');
    expect(lines).toEqual([
      '  big-room  send  0:10 / 1:00  1,500 users connected  sent 20,000 of 120,000 (2,000/s)  delivered 200,000 (20,000/s)',
      '  big-room  send  0:20 / 1:00  1,500 users connected  sent 40,000 of 120,000 (2,000/s)  delivered 400,000 (20,000/s)',
    ]);
    expect(out.stderr()).not.toContain('\r');
  });

  it('starts counting again for each scenario', () => {
    const out = recorder(false);
    const display = new ProgressDisplay(out, 'lines', 2_000);
    display.handle(at(3000, 10, 10));
    display.handle({ type: 'scenario-start', scenario: 'next', index: 1, total: 2 });
    display.handle(at(1000, 10, 10, { scenario: 'next' }));
    display.handle(at(2000, 20, 20, { scenario: 'next' }));
    expect(out.stderr().split('\n').filter((l) => l.includes('sent'))).toHaveLength(2);
  });

  it('prints nothing at all with --quiet', () => {
    const out = recorder(true);
    const display = new ProgressDisplay(out, 'off');
    display.handle({ type: 'scenario-start', scenario: 'big-room', index: 0, total: 1 });
    display.handle({ type: 'phase', scenario: 'big-room', phase: 'connect', detail: '4 users' });
    display.handle(at(20_000, 1, 1));
    display.clear();
    expect(out.stderr()).toBe('');
  });
});

describe('progress before sending', () => {
  const early = (phase: Progress['phase'], elapsedMs: number, connected: number, totalMs: number, users?: number): Progress => ({
    type: 'progress', scenario: 'big-room', phase, connected, sent: 0, planned: 0, delivered: 0, elapsedMs, totalMs, ...(users === undefined ? {} : { users }),
  });

  it('says the phase, its time (of its planned length when known) and users connected so far', () => {
    expect(progressText(early('connect', 12_000, 340, 30_000, 1500), undefined)).toBe('big-room  connect  0:12 / 0:30  340 of 1,500 users connected');
    expect(progressText(early('connect', 3_000, 1, 0, 1500), undefined)).toBe('big-room  connect  0:03  1 of 1,500 users connected');
    expect(progressText(early('join', 2_000, 1500, 0, 1500), undefined)).toBe('big-room  join  0:02  1,500 users connected');
    expect(progressText(early('idle', 45_000, 1499, 60_000), undefined)).toBe('big-room  idle  0:45 / 1:00  1,499 users connected');
  });

  it('without a terminal restarts the interval and the rates when the phase clock restarts, but not at the drain', () => {
    const out = recorder(false);
    const display = new ProgressDisplay(out, 'lines', 10_000);
    for (let s = 1; s <= 12; s++) display.handle(early('connect', s * 1000, s * 100, 15_000, 1500));
    // Sending counts from 0 again: its first line comes at 0:10 of sending, its rates from its own events.
    for (let s = 1; s <= 10; s++) display.handle(at(s * 1000, s * 2000, s * 6000));
    display.handle(at(15_000, 20_000, 60_000, { phase: 'drain' }));
    display.handle(at(20_000, 20_000, 61_000, { phase: 'drain' }));
    expect(out.stderr().trimEnd().split('\n')).toEqual([
      '  big-room  connect  0:10 / 0:15  1,000 of 1,500 users connected',
      '  big-room  send  0:10 / 1:00  1,500 users connected  sent 20,000 of 120,000 (2,000/s)  delivered 60,000 (6,000/s)',
      '  big-room  drain  0:20 / 1:00  1,500 users connected  sent 20,000 of 120,000 (0/s)  delivered 61,000 (200/s)',
    ]);
  });

  describe('from the engine, on the embedded broker', () => {
    let target: TargetHandle;
    beforeAll(async () => {
      target = await openTarget(null);
    });
    afterAll(async () => {
      await target.close();
    });

    it('reports a connection ramp and an idle phase, then sending with p99 so far', async () => {
      const events: EngineEvent[] = [];
      // 4 users at 2/s: a 1.5 s ramp; then 2.5 s idle: each phase outlasts the 1 s progress tick.
      const s = spec({ users: 4, rooms: { count: 1, members: 4 }, connect: { concurrency: 4, timeoutMs: 5_000, rate: 2 }, idleMs: 2_500, rate: 100, durationMs: 1_500, warmupMs: 0 });
      const r = await runScenario(s, { runId: 'prog0', driver: target.createDriver('prog0'), onEvent: (e) => events.push(e) });
      expect(r.status).toBe('passed');
      const progress = events.filter((e): e is Progress => e.type === 'progress');
      const connect = progress.filter((e) => e.phase === 'connect');
      expect(connect.length).toBeGreaterThanOrEqual(1);
      for (const e of connect) {
        expect(e).toMatchObject({ users: 4, totalMs: 1_500, sent: 0, planned: 0, delivered: 0 });
        expect(e.connected).toBeLessThan(4); // the ramp was still climbing
      }
      const idle = progress.filter((e) => e.phase === 'idle');
      expect(idle.length).toBeGreaterThanOrEqual(1);
      for (const e of idle) {
        expect(e).toMatchObject({ connected: 4, totalMs: 2_500 });
        expect(e.users).toBeUndefined();
        expect(e.elapsedMs).toBeLessThanOrEqual(2_500 + 1_000);
      }
      const send = progress.find((e) => e.phase === 'send');
      expect(send).toMatchObject({ planned: 150, totalMs: 1_500 });
      expect(send?.p99Micros).toBeGreaterThan(0);
      // Each phase's progress follows its phase line, in order.
      const order = events.filter((e) => e.type === 'phase' || e.type === 'progress').map((e) => e.phase);
      expect(order.indexOf('idle')).toBeGreaterThan(order.lastIndexOf('connect'));
      expect(order.indexOf('send')).toBeGreaterThan(order.lastIndexOf('idle'));
    }, 20_000);
  });
});

describe('colour', () => {
  it('is on for a terminal, off otherwise; NO_COLOR turns it off; FORCE_COLOR decides over both', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true); // no-color.org: only a non-empty value
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
  });
});
