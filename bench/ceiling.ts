/**
 * `npm run bench:ceiling [-- --servers prosody,ejabberd-xmpp,mosquitto] [--scenario room-fanout]
 *  [--seconds 3] [--start-rate 100] [--max-steps 10] [--lag-bound 1000] [--pacing 2ms|poll|sleep] [--json FILE]`
 *
 * Issue 9 item 2, "the driver is not the bottleneck": against each local server (started by
 * chatbench on free loopback ports, as `--start` does), a stepped search over the offered rate
 * of one default scenario (room-fanout unless --scenario names another) finds the highest
 * delivered rate at which chatbench's schedule-lag p99 stays under 1 ms with everything
 * delivered, and says who gave out at the next step up: chatbench (lag, sending behind, its
 * process at a whole core) or the server (deliveries behind or missing, its CPU at a whole core).
 *
 * Each step is a short bounded run of the scenario (seconds of sending, at least 1,000 measured
 * sends, a drain of 2 s, capped)
 * against the same server; the server's CPU is read from /proc (the same reading as a result's
 * `server` usage) at the start and the end of the send phase, chatbench's from process.cpuUsage.
 * A step over the ceiling is tried once more before it counts — the machine is shared, and one
 * noisy neighbour should not decide it; both tries are printed.
 *
 * The steps pace as a load generator at its ceiling should (`--pacing`, default a 2 ms poll
 * window, scenario option `pacing: { poll: 2ms }`): awake from 2 ms before each send, so a
 * machine slow to wake a sleeping thread does not count as chatbench falling behind. `sleep`
 * measures the default pacer instead.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScenarioResult } from '../core/result/index.js';
import { newRunId, plannedSends, runScenario } from '../core/engine/index.js';
import type { EngineEvent } from '../core/engine/index.js';
import { loadScenarioFile } from '../core/scenario/index.js';
import { pacingSpecOf, parsePollWindow } from '../core/scenario/pacing.js';
import type { PacingSpec, ScenarioSpec } from '../core/scenario/types.js';
import { startLocalServer, type StartedServer } from '../runners/local/index.js';
import { openTarget } from '../runners/index.js';
import {
  DEFAULT_BOUNDS, DEFAULT_SEARCH, LIMIT_WORDS, ceilingOf, cpuShare, lagOnly, limitsOf, nextRate, stepFigures, underCeiling,
  type Bounds, type Limit, type StepFigures, type Tried,
} from './ceiling-search.js';
import { LOCAL_TARGETS, pickTargets, type LocalTarget } from './local-targets.js';
import { waitForQuiet } from './quiet.js';

const DEFAULT_SCENARIOS = fileURLToPath(new URL('../../scenarios.yaml', import.meta.url));
/** The ceiling is for the XMPP servers, with mosquitto beside them for reference. */
const DEFAULT_SERVERS = 'prosody,ejabberd-xmpp,mosquitto';
const TRIES = 2;

interface Step {
  figures: StepFigures;
  limits: Limit[];
  tries: Array<{ figures: StepFigures; limits: Limit[]; busyBefore: number | null }>;
}

/** Before each try, wait (at most this long) until the rest of the machine is this idle. */
const QUIET = { maxBusy: 0.15, maxWaitMs: 30_000 };

/** Deliveries each send is owed: room members less the sender, or the one peer. */
export function fanOut(spec: ScenarioSpec, expected: number): number {
  const sends = plannedSends(spec);
  return sends > 0 ? expected / sends : 0;
}

/**
 * A step's sending time: at least `seconds`, and long enough for MIN_MEASURED_SENDS measured
 * sends (after the 500 ms warm-up), at most 30 s. With 125 sends a p99 is the second-latest one,
 * and one pause of the machine decides it; with 1,000 it is the tenth.
 */
export function stepSeconds(rate: number, seconds: number): number {
  return Math.min(30, Math.max(seconds, 0.5 + MIN_MEASURED_SENDS / rate));
}

const MIN_MEASURED_SENDS = 1_000;

/** The scenario as one step runs it: the offered rate, a short send, no thresholds. */
export function stepSpec(base: ScenarioSpec, rate: number, seconds: number, pacing: PacingSpec | null = base.pacing ?? null): ScenarioSpec {
  const { pacing: _scenarioPacing, ...rest } = base;
  return { ...rest, ...(pacing === null ? {} : { pacing }), rate, durationMs: seconds * 1000, messages: null, warmupMs: 500, drainMs: 2000, drainMaxMs: 15_000, thresholds: [] };
}

export async function runStep(handle: Awaited<ReturnType<typeof openTarget>>, server: StartedServer, spec: ScenarioSpec, signal: AbortSignal): Promise<{ result: ScenarioResult; cpu: { server: number | null; tool: number } }> {
  let sendStart: { at: number; server: number | null; tool: NodeJS.CpuUsage } | null = null;
  let sendCpu: { server: number | null; tool: number } = { server: null, tool: 0 };
  const serverCpuNow = (): number | null => server.usage()?.cpuSeconds ?? null;
  const onEvent = (e: EngineEvent): void => {
    if (e.type !== 'phase') return;
    if (e.phase === 'send') sendStart = { at: performance.now(), server: serverCpuNow(), tool: process.cpuUsage() };
    else if (e.phase === 'drain' && sendStart !== null) {
      const wall = (performance.now() - sendStart.at) / 1000;
      const tool = process.cpuUsage(sendStart.tool);
      const serverNow = serverCpuNow();
      sendCpu = {
        server: cpuShare(serverNow === null || sendStart.server === null ? null : serverNow - sendStart.server, wall),
        tool: cpuShare((tool.user + tool.system) / 1e6, wall) ?? 0,
      };
    }
  };
  const runId = newRunId();
  const driver = handle.createDriver(runId);
  try {
    const result = await runScenario(spec, { runId, driver, signal, onEvent });
    return { result, cpu: sendCpu };
  } finally {
    await driver.close();
  }
}

const us = (v: number | null): string => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${Math.round(v)} µs`);
const pct = (v: number | null): string => (v === null ? '-' : `${Math.round(v * 100)} %`);
const n = (v: number): string => Math.round(v).toLocaleString('en-US');

function stepLine(f: StepFigures, limits: readonly Limit[]): string {
  const verdict = underCeiling(limits) ? 'under' : `over: ${limits.filter((l) => l !== 'server-cpu' && l !== 'tool-cpu').join(', ')}`;
  return `  ${n(f.rate).padStart(6)}/s  sent ${n(f.sentPerSecond).padStart(6)}/s  delivered ${n(f.deliveredPerSecond).padStart(7)}/s  lag p99 ${us(f.lagP99Micros).padStart(9)}  latency p99 ${us(f.latencyP99Micros).padStart(9)}  server CPU ${pct(f.serverCpu).padStart(5)}  chatbench CPU ${pct(f.toolCpu).padStart(5)}  ${verdict}`;
}

interface SearchSettings { seconds: number; startRate: number; maxSteps: number; bounds: Bounds; pacing: PacingSpec | null }

async function searchOne(target: LocalTarget, scenarioFile: string, scenario: string, settings: SearchSettings, signal: AbortSignal) {
  const { seconds, startRate, maxSteps, bounds, pacing } = settings;
  const file = await loadScenarioFile(scenarioFile);
  const base = file.scenarios.find((s) => s.name === scenario);
  if (!base) throw new Error(`no scenario "${scenario}" in ${scenarioFile}`);
  process.stderr.write(`\n${target.name}: starting ${target.server} (${target.protocol})\n`);
  const server = await startLocalServer({ server: target.server, protocol: target.protocol, users: base.users, signal });
  const steps: Step[] = [];
  let work: number | null = null;
  try {
    const withTarget = await loadScenarioFile(scenarioFile, { target: server.url, targetFields: server.fields });
    const handle = await openTarget(withTarget.target);
    const measure = async (rate: number, stepPacing: PacingSpec | null) => {
      const spec = stepSpec(base, rate, stepSeconds(rate, seconds), stepPacing);
      const { result, cpu } = await runStep(handle, server, spec, signal);
      const figures = stepFigures(result, fanOut(spec, result.delivery.expected), cpu);
      return { figures, limits: limitsOf(figures, bounds) };
    };
    try {
      // Not counted: a fresh process's first scenario collects its start-up garbage and compiles
      // its hot code (pauses of tens of ms seen here), which is no figure of either side.
      const warm = await measure(startRate, pacing);
      process.stderr.write(`${stepLine(warm.figures, warm.limits)}  (warm-up, not counted)\n`);
      const tried: Tried[] = [];
      const search = { ...DEFAULT_SEARCH, startRate, maxSteps };
      for (let rate = nextRate(tried, search); rate !== null && !signal.aborted; rate = nextRate(tried, search)) {
        const tries: Step['tries'] = [];
        for (let attempt = 0; attempt < TRIES && !signal.aborted; attempt++) {
          const busyBefore = await waitForQuiet({ ...QUIET, signal });
          const { figures, limits } = await measure(rate, pacing);
          tries.push({ figures, limits, busyBefore });
          const busy = busyBefore !== null && busyBefore > QUIET.maxBusy ? `  (machine ${pct(busyBefore)} busy before it)` : '';
          process.stderr.write(`${stepLine(figures, limits)}${attempt > 0 ? '  (second try)' : ''}${busy}\n`);
          if (underCeiling(limits)) break;
        }
        // The step counts as its better try: under the ceiling if either was.
        const best = tries.find((t) => underCeiling(t.limits)) ?? tries[tries.length - 1];
        if (best === undefined) break;
        steps.push({ ...best, tries });
        tried.push({ rate, under: underCeiling(best.limits), lagOnly: lagOnly(best.limits) });
      }
      // With a polling pacer chatbench's CPU includes its waiting. Its work at the first rate over
      // the ceiling is measured once more with the sleeping pacer (lag is not judged there).
      const over = ceilingOf(steps).over;
      if (pacing !== null && over !== null && !signal.aborted) {
        await waitForQuiet({ ...QUIET, signal });
        const sleeping = await measure(over.figures.rate, null);
        process.stderr.write(`${stepLine(sleeping.figures, sleeping.limits)}  (sleeping pacer: chatbench's work CPU at this rate)\n`);
        work = sleeping.figures.toolCpu;
      }
    } finally {
      await handle.close();
    }
  } finally {
    await server.stop();
  }
  return { target: target.name, server: `${server.name} ${server.version}`, protocol: target.protocol, steps, generatorWorkCpu: work, ...ceilingOf(steps, work) };
}

function summary(r: Awaited<ReturnType<typeof searchOne>>): string {
  const { under, over, side } = r;
  const head = under === null
    ? `${r.target}: not even the first rate stayed under the ceiling`
    : `${r.target}: ceiling ${n(under.figures.deliveredPerSecond)} deliveries/s (${n(under.figures.rate)} sends/s offered), lag p99 ${us(under.figures.lagP99Micros)}, server CPU ${pct(under.figures.serverCpu)}, chatbench CPU ${pct(under.figures.toolCpu)}${under.figures.toolPolled ? ' (polling: its waiting included)' : ''}`;
  const next = over === null
    ? 'no step over it: the search stopped at its largest rate or step count'
    : `at ${n(over.figures.rate)} sends/s ${side === 'both' ? 'both sides gave out' : `${side} gave out first`}: ${over.limits.map((l) => LIMIT_WORDS[l]).join('; ')}`;
  const work = r.generatorWorkCpu === null || over === null
    ? ''
    : `\n  chatbench's own work at ${n(over.figures.rate)} sends/s (sleeping pacer): ${pct(r.generatorWorkCpu)} of a core; the server's: ${pct(over.figures.serverCpu)}`;
  return `${head}\n  ${next}${work}`;
}

/** `--pacing`: sleep (the pacer's default), poll (the 600 µs window) or a poll window such as 2ms — the scenario option's words. */
export function pacingOf(text: string): PacingSpec | null {
  if (text === 'sleep' || text === 'poll') return pacingSpecOf(text) ?? null;
  const window = parsePollWindow(text);
  if (!window.ok) throw new Error(`--pacing takes sleep, poll or a poll window such as 2ms, got "${text}": ${window.error}`);
  return pacingSpecOf({ poll: window.value }) ?? null;
}

const pacingWords = (p: PacingSpec | null): string => (p === null ? 'pacer sleeping between sends' : `pacer polling from ${us(p.pollWithinMicros)} before each send`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      servers: { type: 'string', default: DEFAULT_SERVERS },
      file: { type: 'string', default: DEFAULT_SCENARIOS },
      scenario: { type: 'string', default: 'room-fanout' },
      seconds: { type: 'string', default: '3' },
      'start-rate': { type: 'string', default: String(DEFAULT_SEARCH.startRate) },
      'max-steps': { type: 'string', default: String(DEFAULT_SEARCH.maxSteps) },
      'lag-bound': { type: 'string', default: String(DEFAULT_BOUNDS.lagP99Micros) },
      pacing: { type: 'string', default: '2ms' },
      json: { type: 'string' },
    },
  });
  const pacing = pacingOf(values.pacing);
  // The bound issue 9 asks for is 1 ms; chatbench's own "generator fell behind" bound is 2 ms.
  const bounds = { ...DEFAULT_BOUNDS, lagP99Micros: Number(values['lag-bound']) };
  if (!(bounds.lagP99Micros > 0)) throw new Error('--lag-bound takes the schedule-lag p99 bound in µs, e.g. 1000');
  const seconds = Number(values.seconds);
  const startRate = Number(values['start-rate']);
  const maxSteps = Number(values['max-steps']);
  if (!(seconds > 0 && seconds <= 30) || !(startRate > 0) || !(maxSteps >= 1 && maxSteps <= 20)) {
    throw new Error('--seconds takes 0 < s <= 30, --start-rate a positive rate, --max-steps 1 to 20');
  }
  const targets = pickTargets(values.servers, LOCAL_TARGETS);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort(new Error('interrupted')));
  process.stderr.write(`ceiling of ${values.scenario} (${values.file}): schedule-lag p99 under ${bounds.lagP99Micros / 1000} ms, everything delivered; ${seconds} s steps on ${cpus().length} cores, ${pacingWords(pacing)}\n`);
  const results = [];
  for (const target of targets) {
    if (abort.signal.aborted) break;
    results.push(await searchOne(target, values.file, values.scenario, { seconds, startRate, maxSteps, bounds, pacing }, abort.signal));
  }
  process.stdout.write(`${results.map(summary).join('\n')}\n`);
  if (values.json !== undefined) {
    const body = { scenario: values.scenario, seconds, bounds, pacing, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, measuredAt: new Date().toISOString(), results };
    await writeFile(values.json, `${JSON.stringify(body, null, 2)}\n`);
    process.stderr.write(`written to ${values.json}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:ceiling: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
