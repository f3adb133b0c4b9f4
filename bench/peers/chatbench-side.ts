/**
 * chatbench's figure for one workload: the highest delivered rate it sustains with schedule-lag
 * p99 under 1 ms and nothing lost, found by the stepped search of bench:ceiling (ceiling-search.ts)
 * through the normal run path (runScenario: every message tracked, time-stamped and judged), and
 * its CPU per delivered message at that step (process.cpuUsage over the send phase). The steps
 * run with `pacing: poll`, which the console says beside the figure.
 */
import type { StartedServer } from '../../runners/local/index.js';
import { openTarget } from '../../runners/index.js';
import { runStep, stepSpec, fanOut } from '../ceiling.js';
import {
  DEFAULT_BOUNDS, ceilingOf, limitsOf, nextRate, stepFigures, underCeiling,
  type Limit, type SearchOptions, type StepFigures, type Tried,
} from '../ceiling-search.js';
import { waitForQuiet } from '../quiet.js';
import { DEFAULT_POLL_WITHIN_MICROS } from '../../core/scenario/types.js';
import type { Figure } from './figures.js';
import { workloadScenario, type Workload } from './workloads.js';

/**
 * The search bench:peers runs: from a rate every tool manages (the search never goes below its
 * start), doubling, then bisecting to within 15 %. It starts at 2,000/s, where sends are 500 µs
 * apart and the polling pacer never sleeps between them (below, it would sleep, and a machine slow
 * to wake a sleeping thread decides the lag bound instead of chatbench's work).
 */
export const PEERS_SEARCH: SearchOptions = { startRate: 2000, factor: 2, resolution: 1.15, maxRate: 400_000, maxSteps: 14 };
const TRIES = 2;
const QUIET = { maxBusy: 0.15, maxWaitMs: 20_000 };

export interface ChatbenchCeiling {
  figure: Figure | null;
  under: StepFigures | null;
  over: { figures: StepFigures; limits: Limit[] } | null;
  steps: number;
  /** The client the runner says ran (the target's mapping.client), when it says. */
  client: string | null;
}

export interface ChatbenchSearch {
  workload: Workload;
  server: StartedServer;
  /** `--mqtt-client`: which of the runner's clients drives the run (OpenOptions.client); absent: the runner's choice. */
  client?: string;
  seconds: number;
  search: SearchOptions;
  signal: AbortSignal;
  log: (line: string) => void;
}

const n = (v: number): string => Math.round(v).toLocaleString('en-US');
const us = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} µs`);

/** One figure from the search's best step: CPU seconds per message is the CPU share over the delivered rate. */
export function chatbenchFigure(f: StepFigures): Figure {
  return { deliveredPerSecond: f.deliveredPerSecond, cpuPerMessage: f.deliveredPerSecond > 0 ? f.toolCpu / f.deliveredPerSecond : null };
}

export async function chatbenchCeiling(o: ChatbenchSearch): Promise<ChatbenchCeiling> {
  const { target, spec: base } = workloadScenario(o.workload, { url: o.server.url });
  const handle = await openTarget(target, o.client === undefined ? {} : { client: o.client });
  const steps: Array<{ figures: StepFigures; limits: Limit[] }> = [];
  try {
    const tried: Tried[] = [];
    for (let rate = nextRate(tried, o.search); rate !== null && !o.signal.aborted; rate = nextRate(tried, o.search)) {
      let step: { figures: StepFigures; limits: Limit[] } | null = null;
      // A step over the ceiling is tried once more: one noisy neighbour on a shared machine should not decide it.
      for (let attempt = 0; attempt < TRIES && !o.signal.aborted && (step === null || !underCeiling(step.limits)); attempt++) {
        await waitForQuiet({ ...QUIET, signal: o.signal });
        // A load generator at its ceiling paces by polling (scenario `pacing: poll`): it stays awake between close sends.
        const spec = stepSpec(base, rate, o.seconds, { pollWithinMicros: DEFAULT_POLL_WITHIN_MICROS });
        const { result, cpu } = await runStep(handle, o.server, spec, o.signal);
        const figures = stepFigures(result, fanOut(spec, result.delivery.expected), cpu);
        step = { figures, limits: limitsOf(figures, DEFAULT_BOUNDS) };
        const verdict = underCeiling(step.limits) ? 'under' : `over: ${step.limits.join(', ')}`;
        o.log(`  chatbench ${o.workload.name} ${n(rate)}/s: delivered ${n(figures.deliveredPerSecond)}/s, lag p99 ${us(figures.lagP99Micros)}, lost ${figures.lost}, undelivered ${figures.undelivered}, CPU ${Math.round(figures.toolCpu * 100)} %  ${verdict}${attempt > 0 ? ' (second try)' : ''}`);
      }
      if (step === null) break;
      steps.push(step);
      tried.push({ rate, under: underCeiling(step.limits) });
    }
  } finally {
    await handle.close();
  }
  const { under, over } = ceilingOf(steps);
  const client = handle.info.mapping?.client ?? null;
  return { figure: under === null ? null : chatbenchFigure(under.figures), under: under?.figures ?? null, over, steps: steps.length, client };
}
