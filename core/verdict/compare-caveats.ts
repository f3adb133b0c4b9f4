/**
 * When a comparison means little (issue 5 item 6): the generator fell behind its schedule on
 * either side, a side stopped early, or the sides spoke different protocols or versions.
 * `compare` warns about each; `compare --strict` fails on any.
 */
import { describeProtocol, type Caveat, type RunResult } from '../result/index.js';
import { MAX_SCHEDULE_LAG_P99_MICROS, generatorLag } from './generator.js';

type SideName = 'baseline' | 'current';


const ms = (micros: number): string => `${Number((micros / 1000).toPrecision(3))} ms`;

export function caveatsOf(baseline: RunResult, current: RunResult): Caveat[] {
  const sides: ReadonlyArray<readonly [SideName, RunResult, RunResult]> = [['baseline', baseline, current], ['current', current, baseline]];
  return [...protocolCaveats(baseline, current), ...sides.flatMap(([side, run]) => abortCaveats(side, run)), ...sides.flatMap(([side, run, other]) => lagCaveats(side, run, other))];
}

function protocolCaveats(b: RunResult, c: RunResult): Caveat[] {
  const name = (r: RunResult): string => describeProtocol(r.target);
  if (name(b) === name(c)) return [];
  const what = b.target.protocol === c.target.protocol ? 'protocol versions' : 'protocols';
  return [{ kind: 'protocol', side: 'both', scenario: null, message: `the ${what} differ: ${name(b)} in the baseline, ${name(c)} in the current run (the figures measure different things)` }];
}

/** The run's own abort, and each aborted scenario the run-level abort does not already name. */
function abortCaveats(side: SideName, run: RunResult): Caveat[] {
  const caveats: Caveat[] = [];
  if (run.aborted !== null) {
    caveats.push({ kind: 'aborted', side, scenario: run.aborted.scenario, message: `the ${side} run was aborted: ${run.aborted.message}` });
  }
  for (const s of run.scenarios) {
    if (s.status !== 'aborted' || s.name === run.aborted?.scenario) continue;
    const why = s.reasons.find((r) => r.kind === 'abort')?.message ?? 'it stopped early';
    caveats.push({ kind: 'aborted', side, scenario: s.name, message: `the ${side} scenario ${s.name} was aborted: ${why}` });
  }
  return caveats;
}

/** Scenarios compared (present on both sides) whose generator lagged beyond the bound. */
function lagCaveats(side: SideName, run: RunResult, other: RunResult): Caveat[] {
  const compared = new Set(other.scenarios.map((s) => s.name));
  return run.scenarios.flatMap((s) => {
    const p99 = generatorLag(s);
    if (!compared.has(s.name) || p99 === null) return [];
    return [{
      kind: 'generator-lag' as const,
      side,
      scenario: s.name,
      message: `the generator fell behind in the ${side} scenario ${s.name}: schedule lag p99 ${ms(p99)} > ${ms(MAX_SCHEDULE_LAG_P99_MICROS)} (its figures partly measure chatbench)`,
    }];
  });
}
