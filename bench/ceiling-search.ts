/**
 * The pure half of `npm run bench:ceiling` (issue 9 item 2): what one step measured, whether it
 * stayed under the ceiling, which side gave out when it did not, and which rate to try next.
 * No sockets, no clocks: bench/ceiling.ts runs the steps and feeds their figures here.
 */
import type { ScenarioResult } from '../core/result/index.js';

/** What one step at one offered rate measured. CPU shares are fractions of one core over the send phase. */
export interface StepFigures {
  /** Offered sends per second. */
  rate: number;
  sentPerSecond: number;
  deliveredPerSecond: number;
  /** Deliveries the window owed per second: sends per second times the fan-out. */
  owedPerSecond: number;
  /** chatbench's schedule-lag p99 (µs) and how many sends it was taken over. */
  lagP99Micros: number | null;
  lagSamples: number;
  latencyP99Micros: number | null;
  lost: number;
  undelivered: number;
  aborted: boolean;
  /** The server's CPU over the send phase (1 = one core busy); null when /proc could not be read. */
  serverCpu: number | null;
  /** chatbench's own process CPU over the send phase (every thread). */
  toolCpu: number;
  /** The pacer polled (scenario `pacing: poll`): its CPU includes the waiting, so it says nothing about saturation. */
  toolPolled: boolean;
}

/** Why a step is over the ceiling; the first two are chatbench's side, the rest the server's. */
export type Limit = 'generator-lag' | 'generator-behind' | 'tool-cpu' | 'undelivered' | 'server-behind' | 'server-cpu';

export const GENERATOR_LIMITS: readonly Limit[] = ['generator-lag', 'generator-behind', 'tool-cpu'];

export const LIMIT_WORDS: Readonly<Record<Limit, string>> = {
  'generator-lag': "chatbench's schedule-lag p99 reached the bound",
  'generator-behind': 'chatbench sent under 95 % of the offered rate',
  'tool-cpu': "chatbench's process used a whole core",
  undelivered: 'deliveries were lost or still undelivered after the drain (or the scenario aborted)',
  'server-behind': 'the server delivered under 95 % of what the window owed',
  'server-cpu': 'the server used a whole core',
};

export interface Bounds {
  /** The schedule-lag p99 a step must stay under (µs): issue 9 asks for 1 ms. */
  lagP99Micros: number;
  /** Sent and delivered rates must reach this share of the offered / owed rate. */
  share: number;
  /** CPU at or above this share of one core counts as that side saturated. */
  cpuSaturated: number;
  /** Fewer measured sends than this cannot give a p99: such a step is not judged on lag. */
  minLagSamples: number;
}

export const DEFAULT_BOUNDS: Bounds = { lagP99Micros: 1_000, share: 0.95, cpuSaturated: 0.9, minLagSamples: 100 };

/**
 * The limits a step reached; none means it stayed under the ceiling. CPU near a whole core is
 * named as a limit only beside another one or on its own, since a server can run one core hot and
 * still keep up: a step is over the ceiling when anything but CPU is reached, and CPU says who.
 */
export function limitsOf(f: StepFigures, bounds: Bounds = DEFAULT_BOUNDS): Limit[] {
  const limits: Limit[] = [];
  if (f.lagSamples >= bounds.minLagSamples && (f.lagP99Micros ?? 0) >= bounds.lagP99Micros) limits.push('generator-lag');
  if (f.sentPerSecond < bounds.share * f.rate) limits.push('generator-behind');
  if (!f.toolPolled && f.toolCpu >= bounds.cpuSaturated) limits.push('tool-cpu');
  if (f.aborted || f.lost > 0 || f.undelivered > 0) limits.push('undelivered');
  if (f.deliveredPerSecond < bounds.share * f.owedPerSecond) limits.push('server-behind');
  if (f.serverCpu !== null && f.serverCpu >= bounds.cpuSaturated) limits.push('server-cpu');
  return limits;
}

/** Under the ceiling: none of the limits that decide a step (CPU alone only says who is busy). */
export function underCeiling(limits: readonly Limit[]): boolean {
  return limits.every((l) => l === 'server-cpu' || l === 'tool-cpu');
}

/**
 * Who gave out first at a step over the ceiling: chatbench, the server, or both at once.
 * `generatorWorkCpu` is chatbench's CPU at that rate with the sleeping pacer (its work without
 * the polling): when the server used a whole core and chatbench's work needs less, a lag that
 * rose with it is the server's doing — the cores were full, and chatbench was not what filled them.
 */
export function saturatedSide(limits: readonly Limit[], generatorWorkCpu: number | null = null, bounds: Bounds = DEFAULT_BOUNDS): 'chatbench' | 'server' | 'both' | null {
  const lagOnServer = limits.includes('server-cpu') && generatorWorkCpu !== null && generatorWorkCpu < bounds.cpuSaturated;
  const generator = limits.some((l) => GENERATOR_LIMITS.includes(l) && !(l === 'generator-lag' && lagOnServer));
  const server = limits.some((l) => !GENERATOR_LIMITS.includes(l));
  if (generator && server) return 'both';
  if (generator) return 'chatbench';
  return server ? 'server' : null;
}

/** A step's figures from the scenario result and the CPU read around its send phase. */
export function stepFigures(s: ScenarioResult, fanOut: number, cpu: { server: number | null; tool: number }): StepFigures {
  return {
    rate: s.targetRate,
    sentPerSecond: s.throughput.sentPerSecond,
    deliveredPerSecond: s.throughput.deliveredPerSecond,
    owedPerSecond: s.throughput.sentPerSecond * fanOut,
    lagP99Micros: s.scheduleLag.count === 0 ? null : s.scheduleLag.p99,
    lagSamples: s.scheduleLag.count,
    latencyP99Micros: s.latency.p99,
    lost: s.delivery.lost,
    undelivered: s.delivery.undelivered,
    aborted: s.status === 'aborted',
    serverCpu: cpu.server,
    toolCpu: cpu.tool,
    toolPolled: s.spec.pacing !== undefined,
  };
}

/** CPU seconds over wall seconds (a share of one core); null when either reading is missing. */
export function cpuShare(cpuSeconds: number | null, wallSeconds: number): number | null {
  return cpuSeconds === null || wallSeconds <= 0 ? null : cpuSeconds / wallSeconds;
}

export interface SearchOptions {
  startRate: number;
  /** Rates go up by this factor until a step fails. */
  factor: number;
  /** Bisecting stops once the failing rate is within this ratio of the passing one. */
  resolution: number;
  maxRate: number;
  maxSteps: number;
}

export const DEFAULT_SEARCH: SearchOptions = { startRate: 100, factor: 2, resolution: 1.2, maxRate: 20_000, maxSteps: 10 };

export interface Tried {
  rate: number;
  under: boolean;
  /**
   * Over the ceiling on chatbench's schedule lag alone, with everything sent and delivered: at
   * low rates that is the machine's wake-up lateness (bench/wake-floor.ts), which a higher rate,
   * where the pacer never sleeps, need not share. Absent: false.
   */
  lagOnly?: boolean;
}

/** Lag-only failures tolerated in a row at the top before the search stops going up. */
const LAG_ONLY_IN_A_ROW = 3;

/** A step over the ceiling on chatbench's lag alone: nothing behind, nothing missing. */
export function lagOnly(limits: readonly Limit[]): boolean {
  return limits.includes('generator-lag') && limits.every((l) => l === 'generator-lag' || l === 'tool-cpu' || l === 'server-cpu');
}

/**
 * The next offered rate to try, or null when the search is done: up by `factor` (to maxRate)
 * while every step stays under the ceiling — and past steps over it on chatbench's lag alone,
 * up to three in a row, since lag is not monotonic in the rate on a machine slow to wake — then
 * bisect geometrically between the highest rate under it and the lowest rate over it above that,
 * until they are within `resolution` of each other.
 */
export function nextRate(tried: readonly Tried[], options: SearchOptions = DEFAULT_SEARCH): number | null {
  if (tried.length === 0) return options.startRate;
  if (tried.length >= options.maxSteps) return null;
  const passed = tried.filter((t) => t.under).map((t) => t.rate);
  const lo = passed.length === 0 ? null : Math.max(...passed);
  const above = tried.filter((t) => !t.under && (lo === null || t.rate > lo));
  const hi = above.length === 0 ? null : Math.min(...above.map((t) => t.rate));
  const top = Math.max(...tried.map((t) => t.rate));
  const stillClimbing = above.length > 0 && above.length < LAG_ONLY_IN_A_ROW && above.every((t) => t.lagOnly === true);
  if (stillClimbing && top < options.maxRate) return Math.min(options.maxRate, Math.round(top * options.factor));
  if (hi === null) {
    if (lo === null || lo >= options.maxRate) return null;
    return Math.min(options.maxRate, Math.round(lo * options.factor));
  }
  if (lo === null || lo >= hi || hi / lo <= options.resolution) return null;
  const mid = Math.round(Math.sqrt(lo * hi));
  return mid <= lo || mid >= hi ? null : mid;
}

/** The search's answer: the highest step under the ceiling and the first step over it, with who gave out there. */
export interface Ceiling<T extends { figures: StepFigures; limits: Limit[] }> {
  under: T | null;
  over: T | null;
  side: ReturnType<typeof saturatedSide>;
}

/** The first step over the ceiling is the one to re-run with the sleeping pacer for chatbench's work CPU. */
export function ceilingOf<T extends { figures: StepFigures; limits: Limit[] }>(steps: readonly T[], generatorWorkCpu: number | null = null): Ceiling<T> {
  const unders = steps.filter((s) => underCeiling(s.limits));
  const under = unders.length === 0 ? null : unders.reduce((a, b) => (b.figures.rate > a.figures.rate ? b : a));
  const overs = steps.filter((s) => !underCeiling(s.limits) && (under === null || s.figures.rate > under.figures.rate));
  const over = overs.length === 0 ? null : overs.reduce((a, b) => (b.figures.rate < a.figures.rate ? b : a));
  return { under, over, side: over === null ? null : saturatedSide(over.limits, generatorWorkCpu) };
}
