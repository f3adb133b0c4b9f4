/**
 * Checkpoints off the send path: histogram summaries made in a worker thread equal those made on
 * the main thread for the same counts, the JSON a checkpoint writes through the render worker is
 * the main thread's text, a dead worker fails its calls instead of hanging them, and no
 * checkpoint is handed over once a scenario has finished.
 *
 * The worker threads run the compiled scripts under dist/ (a worker cannot load TypeScript):
 * `npm test` builds first; after `npx vitest` alone, run `npm run build` when they changed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoints } from '../../cli/checkpoints.js';
import type { Output } from '../../cli/output.js';
import { runScenario } from '../../core/engine/index.js';
import {
  LATENCY_MAX_MICROS,
  Summariser,
  createLatencyHistogram,
  histogramFromSnapshot,
  recordMicros,
  snapshotHistogram,
  summarise,
  type Censoring,
  type LatencyHistogram,
} from '../../core/metrics/index.js';
import { OffThread, workerScript } from '../../core/off-thread.js';
import type { RunResult, ScenarioResult } from '../../core/result/index.js';
import { renderJson } from '../../reports/index.js';
import { openTarget } from '../../runners/index.js';
import { measureRunResult } from '../helpers/results.js';
import { spec } from '../helpers/scenario.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatbench-checkpoint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function histogramOf(values: readonly number[]): LatencyHistogram {
  const h = createLatencyHistogram();
  for (const v of values) recordMicros(h, v);
  return h;
}

describe('histogram snapshots', () => {
  it('rebuild a histogram that summarises and encodes exactly as the original', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: LATENCY_MAX_MICROS + 10 })), { maxLength: 300 }),
      fc.nat({ max: 50 }),
      (values, censored) => {
        const h = histogramOf(values);
        const censoring: Censoring = { censored, waited: censored > 0 ? 5_000_000 : 0 };
        expect(summarise(histogramFromSnapshot(snapshotHistogram(h)), censoring)).toEqual(summarise(h, censoring));
      },
    ), { numRuns: 60 });
  });

  it('copy only the buckets up to the highest recorded one', () => {
    expect(snapshotHistogram(createLatencyHistogram()).counts.length).toBe(0);
    const h = histogramOf([1, 1, 5]);
    const { counts } = snapshotHistogram(h);
    expect(counts.length).toBe(6); // indexes 0..5: below 2,048 µs one bucket per µs
    expect([...counts]).toEqual([0, 2, 0, 0, 0, 1]);
  });
});

describe('summaries in a worker thread', () => {
  it('equal the main thread\'s summarise() for the same histograms, censoring included', async () => {
    const summariser = Summariser.start();
    try {
      expect(summariser.offThread, 'no compiled worker: run npm run build').toBe(true);
      const wide = histogramOf(Array.from({ length: 5_000 }, (_, i) => 100 + ((i * 7_919) % 250_000)));
      const clamped = histogramOf([0, -3, LATENCY_MAX_MICROS * 2, 42]);
      const requests = [
        { histogram: wide, censoring: { censored: 80, waited: 2_500_000 } },
        { histogram: clamped },
        { histogram: createLatencyHistogram() },
        { histogram: createLatencyHistogram(), censoring: { censored: 3, waited: 1_000 } },
      ];
      const expected = requests.map((r) => summarise(r.histogram, r.censoring));
      expect(await summariser.summarise(requests)).toEqual(expected);
      // A censored percentile reads as null ("more than waited") in both.
      expect(expected[0]?.p999).toBeNull();
    } finally {
      await summariser.close();
    }
  });

  it('summarise the counts as they were at the call, not values recorded while the worker works', async () => {
    const summariser = Summariser.start();
    try {
      const h = histogramOf([10, 20, 30]);
      const pending = summariser.summarise([{ histogram: h }]);
      recordMicros(h, 1_000_000);
      const [s] = await pending;
      expect(s).toMatchObject({ count: 3, max: 30 });
      expect(h.count).toBe(4);
    } finally {
      await summariser.close();
    }
  });

  it('reject when the worker has stopped, now and later, instead of waiting forever', async () => {
    const summariser = Summariser.start();
    await summariser.close();
    await expect(summariser.summarise([{ histogram: histogramOf([1]) }])).rejects.toThrow('the worker thread was closed');
  });
});

describe('a worker thread that dies', () => {
  it('fails the call it was working on and every later one', async () => {
    const serveFrom = workerScript(new URL('../../core/off-thread.js', import.meta.url));
    expect(serveFrom, 'no compiled core/off-thread.js: run npm run build').not.toBeNull();
    const script = join(dir, 'dies.mjs');
    await writeFile(script, [
      `import { serve } from ${JSON.stringify(serveFrom?.href)};`,
      'serve((n) => { if (n < 0) process.exit(7); return n * 2; });',
    ].join('\n'));
    const worker = new OffThread<number, number>(pathToFileURL(script));
    try {
      expect(await worker.call(21)).toBe(42);
      await expect(worker.call(-1)).rejects.toThrow('the worker thread exited (code 7)');
      await expect(worker.call(1)).rejects.toThrow('exited (code 7)');
    } finally {
      await worker.close();
    }
  });
});

const quiet: Output = { out: () => undefined, err: () => undefined, errRaw: () => undefined, color: false, interactive: false, columns: undefined };

describe('checkpoint files written through the render worker', () => {
  it('hold the text the main thread renders, as scenarios finish and one runs', async () => {
    const full = await measureRunResult();
    const [first, second, third] = full.scenarios as [ScenarioResult, ScenarioResult, ScenarioResult];
    const running = (s: ScenarioResult): ScenarioResult => ({ ...s, status: 'aborted', reasons: [{ kind: 'abort', cause: 'incomplete', message: 'in progress' }] });
    const at = (scenarios: ScenarioResult[]): RunResult => ({ ...full, scenarios, aborted: { scenario: null, cause: 'incomplete', message: 'in progress' } });
    // As the engine hands them over: finished scenarios are the same objects each time, the running one is new.
    const sequence = [at([running(first)]), at([first]), at([first, running(second)]), at([first, running(second)]), at([first, second, running(third)]), full];
    const path = join(dir, 'result.json');
    const checkpoints = new Checkpoints(path, quiet);
    expect(checkpoints.offThread, 'no compiled worker: run npm run build').toBe(true);
    try {
      for (const partial of sequence) {
        await checkpoints.write(partial);
        const text = await readFile(path, 'utf8');
        expect(text).toBe(renderJson(partial));
        expect(JSON.parse(text)).toEqual(JSON.parse(renderJson(partial)));
      }
      expect(checkpoints.written).toBe(sequence.length);
    } finally {
      await checkpoints.close();
    }
  });
});

describe('checkpoints that arrive faster than they are written', () => {
  it('are replaced by the newest while they wait: the file ends with the last, written once', async () => {
    const full = await measureRunResult();
    const path = join(dir, 'coalesced.json');
    const checkpoints = new Checkpoints(path, quiet);
    try {
      const partials = [1, 2, 3, 4, 5].map((n): RunResult => ({ ...full, finishedAt: new Date(Date.UTC(2030, 0, n)).toISOString() }));
      // All handed over before the first write starts: only the newest is written.
      const done = partials.map((p) => checkpoints.write(p));
      await Promise.all(done);
      expect(checkpoints.written).toBe(1);
      expect(await readFile(path, 'utf8')).toBe(renderJson(partials[4] as RunResult));
      // One arriving while another is being written waits for it, then is written too.
      const sixth = { ...full, finishedAt: new Date(Date.UTC(2030, 0, 6)).toISOString() };
      const writing = checkpoints.write(partials[0] as RunResult);
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([writing, checkpoints.write(sixth)]);
      expect(checkpoints.written).toBe(3);
      expect(await readFile(path, 'utf8')).toBe(renderJson(sixth));
    } finally {
      await checkpoints.close();
    }
  });
});

describe('checkpoints of a running scenario', () => {
  it('are built while it sends and drains, and none is handed over once it disconnects', async () => {
    const target = await openTarget(null);
    const driver = target.createDriver('ckpt0');
    const snapshots: ScenarioResult[] = [];
    let disconnecting = false;
    let late = 0;
    try {
      const s = spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 500, durationMs: 1_200, warmupMs: 100, drainMs: 300 });
      const r = await runScenario(s, {
        runId: 'ckpt0',
        driver,
        onEvent: (e) => { if (e.type === 'phase' && e.phase === 'disconnect') disconnecting = true; },
        // Every 20 ms: one is almost always on its way in the worker when the drain ends.
        snapshotEveryMs: 20,
        onSnapshot: (p) => { if (disconnecting) late++; snapshots.push(p); },
      });
      expect(r.status).toBe('passed');
      // Let anything still on its way arrive (it must not).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(late).toBe(0);
      expect(snapshots.length).toBeGreaterThanOrEqual(3);
      const last = snapshots.at(-1) as ScenarioResult;
      // Its summaries came from the worker: they describe what had arrived by then, no more than the final result.
      expect(last.latency.count).toBeGreaterThan(0);
      expect(last.latency.count).toBeLessThanOrEqual(r.latency.count);
      expect(last.scheduleLag.count).toBeLessThanOrEqual(r.scheduleLag.count);
    } finally {
      await driver.close();
      await target.close();
    }
  });
});
