/**
 * `chatbench compare` as users meet it: exit codes (0 no regression, 1 a regression or, with
 * --strict, a caveat; 2 bad input), the table on stderr, --json / --markdown files, version 1
 * files beside version 2 ones, and flag values that say what is wrong. Files are a real run
 * (the committed fixture, measured on the embedded broker) and copies derived from it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { CompareResult } from '../../core/result/index.js';
import { runCli, tempDir, type CliRun } from '../helpers/cli.js';
import { fixtureRun, latencyOf, onSchedule, scaleLatency, variant } from '../helpers/compare-fixtures.js';

type Comparison = CompareResult;
/** The committed version 1 file, as chatbench 0.1.0 wrote it (its generator lagged on a busy machine). */
const V1_FILE = fileURLToPath(new URL('../../fixtures/results/v1-run.json', import.meta.url));

/** The real binary, as CI runs it. */
const compare = (args: readonly string[]): Promise<CliRun> => runCli(['compare', ...args]);

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = tempDir();
  const real = onSchedule(fixtureRun());
  real.scenarios = real.scenarios.filter((s) => s.name !== 'strict');
  const save = (name: string, data: unknown) => writeFileSync(file(name), JSON.stringify(data));
  save('base.json', real);
  save('same.json', structuredClone(real));
  save('slow.json', variant(real, 'room', (s) => { s.latency = scaleLatency(s.latency, 3); }));
  save('renamed.json', { ...structuredClone(real), scenarios: real.scenarios.map((s) => ({ ...s, name: `${s.name}-v2` })) });
  save('lagged.json', variant(real, 'room', (s) => { s.scheduleLag = latencyOf([[5_000, 100]]); }));
  save('with-strict.json', onSchedule(fixtureRun()));
  // The server killed mid-run: room aborted (its figures even look better), direct never ran.
  const lost = 'every connection was lost (4 of 4)';
  const drop = variant(real, 'room', (s, r) => {
    s.latency = scaleLatency(s.latency, 0.5);
    s.status = 'aborted';
    s.reasons = [{ kind: 'abort', cause: 'connections-lost', message: lost }];
    r.scenarios = r.scenarios.filter((x) => x.name === 'room');
    r.aborted = { scenario: 'room', cause: 'connections-lost', message: lost };
  });
  save('drop.json', drop);
  // Ctrl-C in the last scenario, while the generator lagged: the user stopped it, not the server.
  save('interrupted.json', variant(real, 'direct', (s, r) => {
    s.status = 'aborted';
    s.scheduleLag = latencyOf([[5_000, 100]]);
    s.reasons = [{ kind: 'abort', cause: 'signal', message: 'interrupted by SIGINT' }];
    r.aborted = { scenario: 'direct', cause: 'signal', message: 'interrupted by SIGINT' };
  }));
  save('drop-early.json', { ...drop, scenarios: [] });
  save('not-a-result.json', { schemaVersion: 1, kind: 'run', tool: { name: 'chatbench' } });
  writeFileSync(file('broken.json'), '{"schemaVersion": 1,');
});

describe('chatbench compare', () => {
  it('exits 0 and says so when nothing regressed', async () => {
    const r = await compare([file('base.json'), file('same.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^chatbench compare: no regression$/m);
    expect(r.stderr).toMatch(/^UNCHANGED room$/m);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('no regression in 2 compared scenarios');
    // The same run on both sides (same.json is a copy: same runId and startedAt) says so.
    expect(r.stderr).toContain('! both sides are the same run (runId 268t5v): nothing changed by construction');
  });

  it('exits 1 on a latency regression and marks it in the table', async () => {
    const r = await compare([file('base.json'), file('slow.json'), '--min-latency-change', '1us']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^REGRESSED room$/m);
    expect(r.stderr).toMatch(/^UNCHANGED direct$/m);
    expect(r.stderr).toMatch(/^ {2}latency p50\s+\S+ (µs|ms)\s+\S+ (µs|ms)\s+\+200% \(\+\S+ (µs|ms)\) {2}✗ regressed$/m);
    // The same files with a floor no change reaches: exit 0.
    const floor = await compare([file('base.json'), file('slow.json'), '--min-latency-change', '1h']);
    expect(floor.code).toBe(0);
    // And a tolerance wider than +200%.
    expect((await compare([file('base.json'), file('slow.json'), '--min-latency-change', '1us', '--tolerance', '250%'])).code).toBe(0);
  });

  it('writes the comparison as JSON and Markdown, and says where', async () => {
    const json = join(tempDir(), 'comparison.json');
    const markdown = join(tempDir(), 'comparison.md');
    const r = await compare([file('base.json'), file('slow.json'), '--min-latency-change', '2ms', '--tolerance', '2.5%', '--throughput-tolerance', '1%', '--json', json, '--markdown', markdown]);
    expect(r.stderr).toMatch(new RegExp(`written to ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`written to ${markdown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const c = JSON.parse(readFileSync(json, 'utf8')) as Comparison;
    expect(c).toMatchObject({ schemaVersion: 2, kind: 'compare', tool: { name: 'chatbench' }, aborted: null, regressed: r.code === 1, onlyInBaseline: [], onlyInCurrent: [], caveats: [] });
    expect(c.options).toEqual({ tolerance: 0.025, throughputTolerance: 0.01, minLatencyChangeMicros: 2000 });
    expect(c.scenarios.map((s) => s.name)).toEqual(['room', 'direct']);
    expect(c.scenarios[0]?.metrics.map((m) => m.id)).toContain('p999');
    // The comparison is itself a result: `chatbench report` renders it.
    const report = await runCli(['report', json]);
    expect(report.stderr).toMatch(/^chatbench compare: /m);
    const text = readFileSync(markdown, 'utf8');
    expect(text).toMatch(/^## chatbench compare: (❌ regressed|✅ no regression)$/m);
    expect(text).toContain('| metric | baseline | current | change | verdict |');
  });

  it('--quiet prints only the verdict', async () => {
    const r = await compare([file('base.json'), file('slow.json'), '--min-latency-change', '1us', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^1 of 2 compared scenarios regressed: room \(latency p50, .*latency distribution of what arrived\)\n$/);
  });

  it('exits 1 when the server crashed mid-run: a worse status and a scenario that never ran are regressions', async () => {
    const r = await compare([file('base.json'), file('drop.json'), '--min-latency-change', '1us']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^chatbench compare: regressed$/m);
    expect(r.stderr).toMatch(/^REGRESSED room$/m);
    expect(r.stderr).not.toContain('IMPROVED');
    expect(r.stderr).toContain('REGRESSED missing from the current run: direct (the current run stopped early, in room)');
    // The reason once (in room's block), and a short closing line: counts and names.
    expect(r.stderr.split('every connection was lost (4 of 4)').length - 1).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('1 of 1 compared scenario regressed: room (status passed → aborted). 1 baseline scenario missing from the current run: direct');
    // Stopped before any scenario: nothing in common, but a regression, not bad input.
    const early = await compare([file('base.json'), file('drop-early.json')]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('REGRESSED missing from the current run: room, direct (the current run stopped early: room: every connection was lost (4 of 4))');
    expect(early.stderr.trimEnd().split('\n').at(-1)).toBe('2 baseline scenarios missing from the current run: room, direct');
  });

  it('exits 0 when the user interrupted the current run (a caveat), 1 with --strict', async () => {
    const r = await compare([file('base.json'), file('interrupted.json')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^UNCHANGED direct$/m);
    expect(r.stderr).toContain('! the current run was aborted in direct (the reason is under direct)');
    expect(r.stderr.split('interrupted by SIGINT').length - 1).toBe(1);
    expect(r.stderr).not.toContain('found while the generator lagged');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('no regression in 2 compared scenarios');
    const strict = await compare([file('base.json'), file('interrupted.json'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('--strict: failing on 2 caveats: the current run was aborted: interrupted by SIGINT');
  });

  it('exits 2 naming every result file it cannot use', async () => {
    const missing = await compare([file('base.json'), '/nonexistent/current.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read result file /nonexistent/current.json: no such file');
    const both = await compare([file('broken.json'), file('not-a-result.json')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(`result file ${file('broken.json')} is not valid JSON`);
    expect(both.stderr).toContain(`result file ${file('not-a-result.json')} does not match the result format`);
    const none = await compare([file('base.json'), file('renamed.json')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no scenario in common, nothing to compare: ${file('base.json')} has room, direct; ${file('renamed.json')} has room-v2, direct-v2`);
  });

  it('exits 2 on missing arguments and bad flag values, saying which and why', async () => {
    const cases: Array<[string[], string]> = [
      [['--tolerance', '10'], '--tolerance 10: write a percentage with a % sign, e.g. 10%'],
      [['--tolerance', 'ten'], '--tolerance ten: expected a percentage such as 10% or 2.5%'],
      [['--throughput-tolerance=-5%'], '--throughput-tolerance -5%: a tolerance cannot be negative'],
      [['--min-latency-change', '100'], '--min-latency-change 100: give a unit, e.g. 100us or 100ms'],
      [['--min-latency-change', 'fast'], '--min-latency-change fast: invalid latency "fast": write a number with a unit: 100us, 2.5ms, 1s, 1m'],
      [['--strict=yes'], "option '--strict' does not take an argument"],
      [['--json', ''], '--json needs a file name'],
      [['--tolerence', '5%'], "unknown option '--tolerence'"],
    ];
    const one = await compare([file('base.json')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('compare needs two result files, the baseline and the current one (got 1)');
    expect(one.stderr).toContain('Usage: chatbench compare BASELINE.json CURRENT.json [flags]');
    for (const [flags, message] of cases) {
      const args = [file('base.json'), file('same.json'), ...flags];
      const r = await compare(args);
      expect.soft(r.code, args.join(' ')).toBe(2);
      expect.soft(r.stderr, args.join(' ')).toContain(message);
    }
  }, 180_000); // ten processes, one after another, on a shared machine

  it('is listed in --help and documents its flags', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^\s+compare\s/m);
    const help = (await compare(['--help'])).stdout;
    expect(help).toContain('Usage: chatbench compare BASELINE.json CURRENT.json [flags]');
    for (const flag of ['--tolerance PCT', '--throughput-tolerance PCT', '--min-latency-change TIME', '--strict', '--json FILE', '--markdown FILE', '--quiet']) expect(help).toContain(flag);
    expect(help).toContain("either side's schedule lag p99 above 2 ms");
    expect(help).toContain('Exit codes: 0 no regression; 1 a regression (or, with --strict, a caveat); 2 bad input');
  });

  it('warns when the generator lagged, and fails on it with --strict', async () => {
    const warned = await compare([file('base.json'), file('lagged.json')]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('the generator fell behind in the current scenario room: schedule lag p99 5 ms > 2 ms (its figures partly measure chatbench)');
    const strict = await compare([file('base.json'), file('lagged.json'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('--strict: failing on a caveat: the generator fell behind in the current scenario room');
    expect((await compare([file('base.json'), file('same.json'), '--strict'])).code).toBe(0);
  });

  it('compares a version 1 file with a version 2 one', async () => {
    const r = await compare([V1_FILE, file('with-strict.json'), '--min-latency-change', '1h', '--tolerance', '1000%', '--throughput-tolerance', '1000%']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^UNCHANGED room$/m);
    expect(r.stderr).toMatch(/^UNCHANGED strict$/m);
    expect(r.stderr).toContain('run 268t5v');
    // Without its "strict" scenario the current run lacks one the baseline ran: a regression.
    const missing = await compare([V1_FILE, file('same.json'), '--min-latency-change', '1h', '--tolerance', '1000%', '--throughput-tolerance', '1000%']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('REGRESSED missing from the current run: strict (not in the current run)');
    // Measured on a busy machine: its generator lagged, which --strict refuses to compare.
    expect(r.stderr).toContain('the generator fell behind in the baseline scenario room');
    expect((await compare([V1_FILE, file('with-strict.json'), '--min-latency-change', '1h', '--tolerance', '1000%', '--throughput-tolerance', '1000%', '--strict'])).code).toBe(1);
  });
});
