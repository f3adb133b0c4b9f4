/**
 * `npm run bench:peers -- --long [--minutes M] [--rate R]` (issue 11 item 2): one workload at a
 * constant rate well under the ceiling for M minutes (default 10) through the normal run path,
 * chatbench's RSS sampled every 10 s; prints RSS after 1 minute and at the end and their ratio
 * (goal ≤ 1.1: memory stays flat however long the run).
 */
import type { StartedServer } from '../../runners/local/index.js';
import { openTarget } from '../../runners/index.js';
import { runStep, stepSpec } from '../ceiling.js';
import { workloadScenario, type Workload } from './workloads.js';

export const SAMPLE_EVERY_MS = 10_000;
export const RSS_GOAL = 1.1;

export interface RssSample {
  /** Milliseconds since the run started. */
  atMs: number;
  rssBytes: number;
}

/**
 * RSS at the first sample taken at or after one minute, at the last sample, and their ratio;
 * null when the run had no sample past a minute.
 */
export function rssFigures(samples: readonly RssSample[]): { atMinute: RssSample; atEnd: RssSample; ratio: number } | null {
  const atMinute = samples.find((s) => s.atMs >= 60_000);
  const atEnd = samples[samples.length - 1];
  if (atMinute === undefined || atEnd === undefined || atMinute.rssBytes <= 0) return null;
  return { atMinute, atEnd, ratio: atEnd.rssBytes / atMinute.rssBytes };
}

const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;

export function rssLines(samples: readonly RssSample[], command: string): string[] {
  const f = rssFigures(samples);
  if (f === null) return ['rss: the run was shorter than a minute: no figure', `  command: ${command}`];
  const verdict = f.ratio <= RSS_GOAL ? 'holds' : 'misses';
  return [
    `rss after ${Math.round(f.atMinute.atMs / 1000)} s: ${mib(f.atMinute.rssBytes)}`,
    `rss at the end (${Math.round(f.atEnd.atMs / 1000)} s): ${mib(f.atEnd.rssBytes)}`,
    `ratio rss end/1min: ${f.ratio.toFixed(3)}`,
    `goal rss end/1min <= ${RSS_GOAL}: ${verdict} (${f.ratio.toFixed(3)})`,
    `  command: ${command}`,
  ];
}

export interface LongRun {
  workload: Workload;
  server: StartedServer;
  /** `--mqtt-client` (OpenOptions.client). */
  client?: string;
  rate: number;
  minutes: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

export async function runLong(o: LongRun): Promise<{ samples: RssSample[]; lost: number; undelivered: number; lagP99: number | null }> {
  const { target, spec: base } = workloadScenario(o.workload, { url: o.server.url });
  const handle = await openTarget(target, o.client === undefined ? {} : { client: o.client });
  const samples: RssSample[] = [];
  const start = performance.now();
  const sample = (): void => {
    samples.push({ atMs: performance.now() - start, rssBytes: process.memoryUsage.rss() });
    const last = samples[samples.length - 1];
    if (last !== undefined && samples.length % 6 === 0) o.log(`  ${Math.round(last.atMs / 1000)} s: rss ${mib(last.rssBytes)}`);
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  try {
    const { result } = await runStep(handle, o.server, stepSpec(base, o.rate, o.minutes * 60), o.signal);
    sample();
    return { samples, lost: result.delivery.lost, undelivered: result.delivery.undelivered, lagP99: result.scheduleLag.count === 0 ? null : result.scheduleLag.p99 };
  } finally {
    clearInterval(timer);
    await handle.close();
  }
}
