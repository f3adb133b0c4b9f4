/**
 * Latency summaries for a checkpoint taken while messages are being sent. Summarising and
 * encoding one histogram takes milliseconds (the compressed encoding most of them), long enough
 * to make the sends due meanwhile late; copying its bucket counts takes microseconds. So the
 * counts are copied here, at one instant, and summarised in a worker thread
 * (summary-worker.ts) by the same summarise() the final result uses.
 *
 * Without a compiled worker script (running TypeScript sources that were never built) the
 * summaries are made here, one per event-loop turn: the same values, later sends less punctual.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { OffThread, workerScript } from '../off-thread.js';
import type { LatencySummary } from '../result/index.js';
import { histogramFromSnapshot, snapshotHistogram, type HistogramSnapshot, type LatencyHistogram } from './histogram.js';
import { NOT_CENSORED, summarise, type Censoring } from './latency-summary.js';

/** One histogram to summarise, as it crosses to the worker. */
export interface SummaryJob {
  snapshot: HistogramSnapshot;
  censoring: Censoring;
}

/** One histogram to summarise, as the caller has it. */
export interface SummaryRequest {
  histogram: LatencyHistogram;
  censoring?: Censoring;
}

export class Summariser {
  readonly #worker: OffThread<SummaryJob[], LatencySummary[]> | null;

  private constructor(worker: OffThread<SummaryJob[], LatencySummary[]> | null) {
    this.#worker = worker;
  }

  /** Starts the worker thread now (it loads while the scenario connects, not while it sends). */
  static start(): Summariser {
    const script = workerScript(new URL('./summary-worker.js', import.meta.url));
    return new Summariser(script === null ? null : new OffThread(script));
  }

  /** Resolves once the worker has loaded (or failed, or there is none): never rejects. */
  ready(): Promise<void> {
    return this.#worker?.ready ?? Promise.resolve();
  }

  /** Whether summaries are made in a worker thread (false: on this thread, one per turn). */
  get offThread(): boolean {
    return this.#worker !== null;
  }

  /**
   * The summaries of `requests`, in order, of the counts as they are at this call: the copies
   * are taken before it returns, so later recordings are not in them.
   */
  summarise(requests: readonly SummaryRequest[]): Promise<LatencySummary[]> {
    const jobs = requests.map((r): SummaryJob => ({ snapshot: snapshotHistogram(r.histogram), censoring: r.censoring ?? NOT_CENSORED }));
    if (this.#worker === null) return summariseHere(jobs);
    return this.#worker.call(jobs, jobs.map((j) => j.snapshot.counts.buffer));
  }

  async close(): Promise<void> {
    await this.#worker?.close();
  }
}

async function summariseHere(jobs: readonly SummaryJob[]): Promise<LatencySummary[]> {
  const summaries: LatencySummary[] = [];
  for (const job of jobs) {
    await nextTurn();
    summaries.push(summarise(histogramFromSnapshot(job.snapshot), job.censoring));
  }
  return summaries;
}
