/**
 * The pieces of `npm run baselines` and `npm run bench:ceiling` on tiny inputs: which runs and
 * compares the baselines script plans and how it prints their commands, the README claims block
 * it renders, the ceiling search's limits, sides and next rate, the machine-busy reading. No
 * timing is asserted: the figures are the committed ones, and the search is driven by hand-made
 * step outcomes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Claim, RunResult } from '../../core/result/index.js';
import { expectKind, parseResult } from '../../core/result/read.js';
import { loadScenarioFile } from '../../core/scenario/index.js';
import { serverUsageOf } from '../../core/verdict/claim-figures.js';
import { testClaims } from '../../core/verdict/claims.js';
import { CLAIM_PAIRS, commandLine, measured, plannedCompares, plannedRuns } from '../../bench/baseline-plan.js';
import { README_BEGIN, README_END, claimNotes, claimsTable, readmeBlock, replaceReadmeBlock } from '../../bench/baseline-report.js';
import {
  DEFAULT_SEARCH, ceilingOf, cpuShare, lagOnly, limitsOf, nextRate, saturatedSide, stepFigures, underCeiling,
  type Limit, type StepFigures, type Tried,
} from '../../bench/ceiling-search.js';
import { fanOut } from '../../bench/ceiling.js';
import { LOCAL_TARGETS, pickTargets, startFlags } from '../../bench/local-targets.js';
import { busyShare, cpuTimes } from '../../bench/quiet.js';
import { fixtureRun, scenarioOf } from '../helpers/compare-fixtures.js';
import { spec } from '../helpers/scenario.js';

describe('local targets', () => {
  it('names the four server/protocol pairs of issue 9, each with the flags that start it', () => {
    expect(LOCAL_TARGETS.map((t) => t.name)).toEqual(['mosquitto', 'ejabberd-mqtt', 'ejabberd-xmpp', 'prosody']);
    expect(startFlags(LOCAL_TARGETS[2]!)).toEqual(['--start', 'ejabberd', '--protocol', 'xmpp']);
  });

  it('picks targets by name in the table order, all when none is named, and refuses an unknown one', () => {
    expect(pickTargets('prosody, mosquitto').map((t) => t.name)).toEqual(['mosquitto', 'prosody']);
    expect(pickTargets(undefined)).toHaveLength(4);
    expect(() => pickTargets('prosody,openfire')).toThrow(/unknown server openfire: choose from mosquitto, ejabberd-mqtt, ejabberd-xmpp, prosody/);
  });
});

describe('the baselines plan', () => {
  const two = pickTargets('ejabberd-mqtt,ejabberd-xmpp');

  it('runs the default scenarios on every server first, then the claims workloads, each into its own file', () => {
    const runs = plannedRuns(two);
    expect(runs.map((r) => `${r.kind}:${r.json}`)).toEqual([
      'baseline:fixtures/baselines/ejabberd-mqtt.json', 'baseline:fixtures/baselines/ejabberd-xmpp.json',
      'claims:fixtures/baselines/claims/ejabberd-mqtt.json', 'claims:fixtures/baselines/claims/ejabberd-xmpp.json',
    ]);
    expect(runs[1]?.args).toEqual(['run', 'scenarios.yaml', '--start', 'ejabberd', '--protocol', 'xmpp', '--json', 'fixtures/baselines/ejabberd-xmpp.json', '--quiet']);
    expect(runs[2]?.args.slice(0, 2)).toEqual(['run', 'fixtures/baselines/claims.yaml']);
  });

  it('compares only the pairs whose MQTT and XMPP sides both ran', () => {
    expect(plannedCompares(two).map((c) => c.pair.name)).toEqual(['ejabberd']);
    expect(plannedCompares(pickTargets('mosquitto,ejabberd-xmpp'))).toEqual([]);
    const all = plannedCompares(LOCAL_TARGETS, { scenarios: 's.yaml', claims: 'c.yaml', outDir: 'out' });
    expect(all.map((c) => c.args)).toEqual([
      ['compare', 'out/claims/ejabberd-mqtt.json', 'out/claims/ejabberd-xmpp.json', '--json', 'out/claims-ejabberd.json', '--quiet'],
      ['compare', 'out/claims/mosquitto.json', 'out/claims/prosody.json', '--json', 'out/claims-mosquitto-prosody.json', '--quiet'],
    ]);
  });

  it('prints commands as typed, quoting only what a shell would split', () => {
    expect(commandLine(['run', 'scenarios.yaml', '--start', 'prosody'])).toBe('npx chatbench run scenarios.yaml --start prosody');
    expect(commandLine(['run', 'my file.yaml', "it's"])).toBe(`npx chatbench run 'my file.yaml' 'it'\\''s'`);
  });

  it('keeps results of runs that measured (exit 0 or 1), not of bad input or an unreachable server', () => {
    expect([0, 1, 2, 3, null].map(measured)).toEqual([true, true, false, false, false]);
  });
});

function claim(id: string, over: Partial<Claim> = {}): Claim {
  return {
    id, claim: `claim ${id}`, unit: 'bytes', better: 'lower', mqtt: 100, xmpp: 400, atLeast: { mqtt: false, xmpp: false },
    ratio: 0.25, verdict: 'supported', reason: `how ${id}`, notes: [], ...over,
  };
}

describe('the README claims block', () => {
  const [ejabberd, other] = CLAIM_PAIRS as [typeof CLAIM_PAIRS[0], typeof CLAIM_PAIRS[0]];
  const pairs = [
    { pair: ejabberd, claims: [claim('a'), claim('b', { mqtt: null, xmpp: null, ratio: null, verdict: 'not-measured', reason: 'no idle | phase' })] },
    { pair: other, claims: [claim('a', { mqtt: 500, ratio: 1.25, verdict: 'not-supported', reason: 'how a', notes: ['lagged'] })] },
  ];

  it('puts each pair beside the other per claim, a missing claim as "-", pipes escaped', () => {
    const lines = claimsTable(pairs).split('\n');
    expect(lines[0]).toBe('| claim | ejabberd-mqtt (MQTT) | ejabberd-xmpp (XMPP) | verdict | mosquitto (MQTT) | prosody (XMPP) | verdict |');
    expect(lines[2]).toBe('| claim a | 100 B | 400 B | ✅ supported | 500 B | 400 B | ❌ not supported |');
    expect(lines[3]).toBe('| claim b | - | - | ⚠️ not measured | - | - | - |');
    expect(lines).toHaveLength(4);
  });

  it("gives the first pair's reasons in full and another pair's only where they differ", () => {
    expect(claimNotes(pairs).split('\n')).toEqual([
      '- **a** (ejabberd): how a',
      '  - mosquitto-prosody: how a (lagged)',
      '- **b** (ejabberd): no idle \\| phase',
    ]);
  });

  it('replaces exactly the block between the markers, and says null when they are missing', () => {
    const block = readmeBlock(pairs, { measuredAt: '2025-01-01', machine: 'a test box', commands: ['npx chatbench run x'] });
    expect(block.startsWith(README_BEGIN) && block.endsWith(README_END)).toBe(true);
    expect(block).toContain('```sh\nnpx chatbench run x\n```');
    const readme = `# T\n\nbefore\n${README_BEGIN}\nold table\n${README_END}\nafter\n`;
    const updated = replaceReadmeBlock(readme, block);
    expect(updated).toBe(`# T\n\nbefore\n${block}\nafter\n`);
    // Rewriting again changes nothing: the block is its own fixed point.
    expect(replaceReadmeBlock(updated ?? '', block)).toBe(updated);
    expect(replaceReadmeBlock('# no markers', block)).toBeNull();
    expect(replaceReadmeBlock(`${README_END}\n${README_BEGIN}`, block)).toBeNull();
  });
});

/** A step that stayed under every bound: 100 sends/s to rooms of 10, 1 ms lag bound. */
function figures(over: Partial<StepFigures> = {}): StepFigures {
  return {
    rate: 100, sentPerSecond: 100, deliveredPerSecond: 900, owedPerSecond: 900, lagP99Micros: 400, lagSamples: 250,
    latencyP99Micros: 2000, lost: 0, undelivered: 0, aborted: false, serverCpu: 0.2, toolCpu: 0.3, toolPolled: false, ...over,
  };
}

describe('a ceiling step', () => {
  it('is under the ceiling when every bound holds', () => {
    expect(limitsOf(figures())).toEqual([]);
  });

  it.each<[string, Partial<StepFigures>, Limit[]]>([
    ['lag p99 at the 1 ms bound', { lagP99Micros: 1000 }, ['generator-lag']],
    ['sending under 95 % of the rate', { sentPerSecond: 94 }, ['generator-behind']],
    ['deliveries missing after the drain', { undelivered: 3 }, ['undelivered']],
    ['an aborted scenario', { aborted: true }, ['undelivered']],
    ['delivering under 95 % of what was owed', { deliveredPerSecond: 850 }, ['server-behind']],
    ['the server at a whole core', { serverCpu: 0.95 }, ['server-cpu']],
    ['chatbench at a whole core', { toolCpu: 1.2 }, ['tool-cpu']],
  ])('names %s', (_, over, limits) => {
    expect(limitsOf(figures(over))).toEqual(limits);
  });

  it('draws no lag verdict from fewer than 100 measured sends (their p99 is one late wake-up)', () => {
    expect(limitsOf(figures({ lagP99Micros: 5000, lagSamples: 99 }))).toEqual([]);
  });

  it('stays under the ceiling with a busy CPU alone, and says who gave out when over it', () => {
    expect(underCeiling(['server-cpu', 'tool-cpu'])).toBe(true);
    expect(underCeiling(['server-cpu', 'server-behind'])).toBe(false);
    expect(saturatedSide(['generator-lag', 'tool-cpu'])).toBe('chatbench');
    expect(saturatedSide(['server-behind', 'server-cpu'])).toBe('server');
    expect(saturatedSide(['generator-lag', 'undelivered'])).toBe('both');
    expect(saturatedSide([])).toBeNull();
  });

  it('does not read a polling pacer\'s CPU as saturation, and lays a lag beside a full server on the server when chatbench\'s work is below a core', () => {
    expect(limitsOf(figures({ toolCpu: 1, toolPolled: true }))).toEqual([]);
    const lagWithServerFull: Limit[] = ['generator-lag', 'server-cpu'];
    // Without the sleeping pacer's reading (or with chatbench's work at a core) both sides count.
    expect(saturatedSide(lagWithServerFull)).toBe('both');
    expect(saturatedSide(lagWithServerFull, 0.95)).toBe('both');
    expect(saturatedSide(lagWithServerFull, 0.4)).toBe('server');
    // A lag with the server not at a core stays chatbench's, and sending behind is always chatbench's.
    expect(saturatedSide(['generator-lag'], 0.4)).toBe('chatbench');
    expect(saturatedSide(['generator-behind', 'server-cpu'], 0.4)).toBe('both');
  });

  it('reads its figures off a scenario result and the fan-out off the plan', () => {
    const room = scenarioOf(fixtureRun(), 'room');
    const s = spec({ users: 4, rooms: { count: 1, members: 4 }, rate: 100, durationMs: 2000 });
    // 200 sends planned, 3 other members each: 600 deliveries owed.
    expect(fanOut(s, 600)).toBe(3);
    const f = stepFigures(room, 3, { server: 0.5, tool: 0.25 });
    expect(f).toMatchObject({
      rate: room.targetRate, sentPerSecond: room.throughput.sentPerSecond, deliveredPerSecond: room.throughput.deliveredPerSecond,
      owedPerSecond: room.throughput.sentPerSecond * 3, lagP99Micros: room.scheduleLag.p99, lagSamples: room.scheduleLag.count,
      lost: room.delivery.lost, undelivered: room.delivery.undelivered, aborted: false, serverCpu: 0.5, toolCpu: 0.25,
    });
    expect(cpuShare(1.5, 3)).toBe(0.5);
    expect(cpuShare(null, 3)).toBeNull();
  });
});

/** Drives the search against a machine whose true ceiling is `ceiling` sends/s. */
function search(ceiling: number, options = DEFAULT_SEARCH): Tried[] {
  const tried: Tried[] = [];
  for (let rate = nextRate(tried, options); rate !== null; rate = nextRate(tried, options)) tried.push({ rate, under: rate <= ceiling });
  return tried;
}

describe('the ceiling search', () => {
  it('doubles from the start rate until a step fails, then bisects to the resolution', () => {
    const tried = search(300);
    expect(tried.map((t) => t.rate).slice(0, 3)).toEqual([100, 200, 400]);
    const lo = Math.max(...tried.filter((t) => t.under).map((t) => t.rate));
    const hi = Math.min(...tried.filter((t) => !t.under).map((t) => t.rate));
    expect(lo).toBeLessThanOrEqual(300);
    expect(hi).toBeGreaterThan(300);
    expect(hi / lo).toBeLessThanOrEqual(DEFAULT_SEARCH.resolution);
    expect(tried.length).toBeLessThanOrEqual(DEFAULT_SEARCH.maxSteps);
  });

  it('climbs past up to two steps in a row that failed on chatbench\'s lag alone, then bisects above the highest pass', () => {
    // The machine's wake-up lateness fails the lag bound at 100/s; at 200/s and up the pacer never sleeps; the server gives out over 1,000/s.
    const verdict = (rate: number): Tried => (rate === 100 ? { rate, under: false, lagOnly: true } : { rate, under: rate <= 1000, lagOnly: false });
    const options = { ...DEFAULT_SEARCH, startRate: 50 };
    const tried: Tried[] = [];
    for (let rate = nextRate(tried, options); rate !== null; rate = nextRate(tried, options)) tried.push(verdict(rate));
    expect(tried.map((t) => t.rate).slice(0, 6)).toEqual([50, 100, 200, 400, 800, 1600]);
    const lo = Math.max(...tried.filter((t) => t.under).map((t) => t.rate));
    expect(lo).toBeGreaterThanOrEqual(800);
    expect(lo).toBeLessThanOrEqual(1000);
    // Three lag-only failures in a row at the top end the climb.
    const lagging = (rate: number): Tried => ({ rate, under: false, lagOnly: true });
    expect(nextRate([{ rate: 50, under: true }, lagging(100), lagging(200)], options)).toBe(400);
    expect(nextRate([{ rate: 50, under: true }, lagging(100), lagging(200), lagging(400)], options)).toBe(71);
    // A failure that is not lag alone (deliveries behind) ends it at once.
    expect(nextRate([{ rate: 50, under: true }, { rate: 100, under: false, lagOnly: false }], options)).toBe(71);
    expect(lagOnly(['generator-lag', 'server-cpu'])).toBe(true);
    expect(lagOnly(['generator-lag', 'server-behind'])).toBe(false);
    expect(lagOnly(['server-cpu'])).toBe(false);
  });

  it('stops when the start rate fails, at the largest rate, and after the most steps', () => {
    expect(search(10).map((t) => t.rate)).toEqual([100]);
    expect(search(1e9, { ...DEFAULT_SEARCH, maxRate: 300 }).map((t) => t.rate)).toEqual([100, 200, 300]);
    expect(search(1e9, { ...DEFAULT_SEARCH, maxSteps: 3 })).toHaveLength(3);
  });

  it('answers with the highest step under and the lowest step over it', () => {
    const step = (rate: number, limits: Limit[]) => ({ figures: figures({ rate }), limits });
    const c = ceilingOf([step(50, []), step(100, ['server-cpu']), step(200, ['generator-lag']), step(141, ['undelivered']), step(119, [])]);
    expect(c.under?.figures.rate).toBe(119);
    expect(c.over?.figures.rate).toBe(141);
    expect(c.side).toBe('server');
    expect(ceilingOf([step(50, ['generator-lag'])])).toMatchObject({ under: null, side: 'chatbench' });
  });
});

describe('how busy the machine is', () => {
  // /proc/stat's first line: user nice system idle iowait irq softirq steal guest guest_nice.
  const before = 'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n';
  const after = 'cpu  250 0 100 850 50 0 0 0 0 0\n';

  it('reads total and idle jiffies (idle + iowait) from /proc/stat', () => {
    expect(cpuTimes(before)).toEqual({ total: 1000, idle: 850 });
    expect(cpuTimes('intr 1 2 3\n')).toBeNull();
  });

  it('is the busy share between two readings', () => {
    // 250 jiffies passed, 50 of them idle.
    expect(busyShare(cpuTimes(before)!, cpuTimes(after)!)).toBeCloseTo(0.8);
    expect(busyShare(cpuTimes(before)!, cpuTimes(before)!)).toBeNull();
  });
});

/**
 * The committed baselines and claims (`npm run baselines`, fixtures/baselines/): the README block
 * is exactly what the committed compare results and manifest render, and those claims are what
 * core computes from the committed claims runs — so neither the table nor a figure can drift from
 * the runs that produced it.
 */
describe('the committed baselines', () => {
  const root = new URL('../../', import.meta.url);
  const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
  const run = (path: string): RunResult => expectKind(parseResult(read(path), path), 'run', path);
  const compare = (path: string) => expectKind(parseResult(read(path), path), 'compare', path);

  it('hold the default scenarios on each server, started by chatbench, with its CPU and memory', async () => {
    const defaults = (await loadScenarioFile(fileURLToPath(new URL('scenarios.yaml', root)))).scenarios.map((s) => s.name);
    for (const t of LOCAL_TARGETS) {
      const r = run(`fixtures/baselines/${t.name}.json`);
      expect(r.scenarios.map((s) => s.name), t.name).toEqual(defaults);
      expect(r.target.protocol, t.name).toBe(t.protocol);
      expect(r.target.started, t.name).toBe(true);
      expect(serverUsageOf(r)?.name, t.name).toBe(t.server);
    }
  });

  it('compare to claims that core computes again from the committed claims runs', () => {
    for (const p of CLAIM_PAIRS) {
      const recomputed = testClaims(run(`fixtures/baselines/claims/${p.mqtt}.json`), run(`fixtures/baselines/claims/${p.xmpp}.json`));
      expect(recomputed, p.name).toEqual(compare(`fixtures/baselines/claims-${p.name}.json`).claims);
    }
  });

  it('measure every claim the claims workloads are there for, on both pairs', () => {
    const forMeasuring = ['wire-bytes-direct', 'wire-bytes-room', 'wire-bytes-spread', 'keep-alive', 'handshake-bytes', 'handshake-time', 'latency-p50', 'latency-p99', 'delivery-levels', 'retained-last-message', 'offline-delivery', 'server-cpu-per-user', 'server-memory-per-user'];
    for (const p of CLAIM_PAIRS) {
      const claims = compare(`fixtures/baselines/claims-${p.name}.json`).claims ?? [];
      for (const id of forMeasuring) {
        const c = claims.find((x) => x.id === id);
        expect(c?.verdict, `${p.name} ${id}: ${c?.reason}`).not.toBe('not-measured');
        expect([c?.mqtt, c?.xmpp].every((v) => typeof v === 'number'), `${p.name} ${id}`).toBe(true);
      }
    }
  });

  it('are the table in the README, with the commands and machine of the manifest', () => {
    const manifest = read('fixtures/baselines/manifest.json') as { measuredAt: string; machine: string; runs: Array<{ command: string }>; compares: Array<{ command: string }> };
    const pairs = CLAIM_PAIRS.map((pair) => ({ pair, claims: compare(`fixtures/baselines/claims-${pair.name}.json`).claims ?? [] }));
    const block = readmeBlock(pairs, { measuredAt: manifest.measuredAt.slice(0, 10), machine: manifest.machine, commands: [...manifest.runs, ...manifest.compares].map((r) => r.command) });
    expect(readFileSync(new URL('README.md', root), 'utf8')).toContain(block);
    expect(manifest.runs.map((r) => r.command)).toEqual(plannedRuns(LOCAL_TARGETS).map((r) => commandLine(r.args)));
  });
});
