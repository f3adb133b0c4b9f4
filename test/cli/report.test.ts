/**
 * `chatbench report RESULT.json` as CI uses it: on results saved by real `chatbench run --json`
 * processes it re-renders the summary the run printed, writes JUnit / Markdown files, and
 * exits as the run did (0, 1, 3); a missing or invalid file is bad input (2).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatbenchResult, RunResult } from '../../core/result/index.js';
import { renderHtml, renderJson, renderJunit, renderMarkdown } from '../../reports/index.js';
import { SMALL, runCli, scenarioFile, tempDir, type CliRun } from '../helpers/cli.js';
import { kids, parseXml } from '../helpers/xml.js';


const report = (args: readonly string[]): Promise<CliRun> => runCli(['report', ...args]);

let dir: string;
let passed: { run: CliRun; json: string };
let failed: { run: CliRun; json: string };
let aborted: string;

beforeAll(async () => {
  dir = tempDir();
  const run = async (name: string, yaml: string, extra: string[] = []) => {
    const json = join(dir, `${name}.json`);
    return { run: await runCli(['run', scenarioFile(yaml), '--json', json, ...extra]), json };
  };
  [passed, failed] = await Promise.all([run('passed', SMALL), run('failed', SMALL.replace('p99 < 5s', 'p99 < 1us'), ['--quiet'])]);
  expect([passed.run.code, failed.run.code]).toEqual([0, 1]);
  // A run interrupted half-way, as the SIGINT handler records it.
  const result = RunResult.parse(JSON.parse(readFileSync(passed.json, 'utf8')));
  const s = result.scenarios[0] as RunResult['scenarios'][number];
  s.status = 'aborted';
  s.reasons = [{ kind: 'abort', cause: 'signal', message: 'interrupted by SIGINT' }];
  result.aborted = { scenario: 'small-room', cause: 'signal', message: 'interrupted by SIGINT' };
  aborted = join(dir, 'aborted.json');
  writeFileSync(aborted, renderJson(result));
});

const saved = (path: string): RunResult => RunResult.parse(JSON.parse(readFileSync(path, 'utf8')));

describe('chatbench report', () => {
  it('is listed in --help and documents its flags', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^\s+report\s+Re-render a saved result/m);
    const help = await runCli(['report', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['Usage: chatbench report RESULT.json [flags]', '--junit FILE', '--markdown FILE', '--html FILE', '--json FILE', '--quiet']) expect(help.stdout).toContain(flag);
  });

  it('re-renders the summary the run printed and exits as the run did: 0, 1, 3', async () => {
    const ok = await report([passed.json]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toMatch(/^chatbench [\d.]+ — MQTT 3\.1\.1 embedded broker/);
    expect(ok.stderr).toMatch(/\nPASS small-room {2}4 users, 1 room, QoS 1/);
    expect(ok.stderr.split('\n').length).toBeGreaterThan(10);
    expect(passed.run.stderr).toContain(ok.stderr.trimEnd());

    const fail = await report([failed.json]);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/✗ p99 < 1us {2}\(actual [\d,.]+ (µs|ms|s)\)/);
    expect(failed.run.stderr).toContain(fail.stderr.trimEnd());

    const stopped = await report([aborted]);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('ABORTED small-room');
    expect(stopped.stderr).toContain('Run aborted: small-room: interrupted by SIGINT');
  });

  it('writes the JUnit, Markdown, HTML and JSON files asked for, and says where', async () => {
    // Missing folders are made only inside the current directory, and said so.
    const cwd = tempDir();
    const out = join(cwd, 'ci', 'reports');
    const files = { junit: join(out, 'junit.xml'), markdown: join(out, 'summary.md'), html: join(out, 'report.html'), json: join(out, 'copy.json') };
    const r = await runCli(['report', passed.json, '--junit', files.junit, '--markdown', files.markdown, '--html', files.html, '--json', files.json, '--quiet'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'created folder ci for --junit',
      `JUnit report written to ${files.junit}`,
      `Markdown summary written to ${files.markdown}`,
      `HTML report written to ${files.html}`,
      `result written to ${files.json}`,
    ]);
    const result = saved(passed.json);
    expect(readFileSync(files.junit, 'utf8')).toBe(renderJunit(result));
    expect(readFileSync(files.markdown, 'utf8')).toBe(renderMarkdown(result));
    expect(readFileSync(files.html, 'utf8')).toBe(renderHtml(result));
    // Validated and written again: the same result (keys in the contract's order).
    expect(readFileSync(files.json, 'utf8')).toBe(renderJson(result));
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(readFileSync(passed.json, 'utf8')));
    const suite = kids(parseXml(readFileSync(files.junit, 'utf8')), 'testsuite')[0];
    // Thresholds, one case per delivery level, then owed deliveries, connections and the acknowledgement flow.
    expect(suite?.attrs).toMatchObject({ name: 'small-room', tests: '6', failures: '0', errors: '0' });

    const junit = join(out, 'failed.xml');
    const fail = await report([failed.json, '--junit', junit]);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain(`FAIL small-room`);
    expect(fail.stderr.trimEnd().endsWith(`JUnit report written to ${junit}`)).toBe(true);
    expect(parseXml(readFileSync(junit, 'utf8')).attrs).toMatchObject({ tests: '6', failures: '1', errors: '0' });
  });

  it('exits 2 on a missing, unreadable or invalid result file, naming it, and writes nothing', async () => {
    const junit = join(dir, 'never.xml');
    const missing = join(dir, 'nope.json');
    const r = await report([missing, '--junit', junit]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`chatbench report: cannot read result file ${missing}: no such file\n`);
    expect(existsSync(junit)).toBe(false);

    const text = join(dir, 'text.json');
    writeFileSync(text, 'PASS small-room\n');
    expect(await report([text])).toMatchObject({ code: 2, stderr: expect.stringContaining(`result file ${text} is not valid JSON`) as unknown });

    const partial = join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify({ schemaVersion: 2, kind: 'run', tool: { name: 'chatbench', version: '0.1.0' } }));
    const invalid = await report([partial]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`result file ${partial}`);
    expect(invalid.stderr).toMatch(/runId/);

    const newer = join(dir, 'v3.json');
    writeFileSync(newer, JSON.stringify({ ...saved(passed.json), schemaVersion: 3 }));
    const future = await report([newer]);
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/schemaVersion 3/);

    const none = await report([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs the result file to render');
    expect(none.stderr).toContain('Usage: chatbench report RESULT.json [flags]');
  });

  it('reads a version 1 result file (upgraded on reading) and exits as that run did', async () => {
    const v1 = fileURLToPath(new URL('../../fixtures/results/v1-run.json', import.meta.url));
    const json = join(tempDir(), 'upgraded.json');
    const r = await report([v1, '--json', json]);
    expect(r.code).toBe(1); // its "strict" scenario failed a threshold
    expect(r.stderr).toMatch(/PASS room/);
    expect(r.stderr).toMatch(/FAIL strict/);
    const upgraded = ChatbenchResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(upgraded).toMatchObject({ schemaVersion: 2, kind: 'run' });
    const abortedV1 = await report([fileURLToPath(new URL('../../fixtures/results/v1-aborted.json', import.meta.url))]);
    expect(abortedV1.code).toBe(3);
    expect(abortedV1.stderr).toContain('cannot reach target mqtt://127.0.0.1:1');
  });

  it('renders a result of another kind (a comparison) through the same dispatch, refusing formats it has none of', async () => {
    const cmp = join(tempDir(), 'comparison.json');
    const compared = await runCli(['compare', passed.json, failed.json, '--json', cmp]);
    expect(ChatbenchResult.parse(JSON.parse(readFileSync(cmp, 'utf8'))).kind).toBe('compare');
    const r = await report([cmp]);
    expect(r.code).toBe(compared.code);
    expect(r.stderr).toContain('small-room');
    const junit = join(dir, 'comparison.xml');
    const refused = await report([cmp, '--markdown', join(dir, 'comparison.md'), '--junit', junit]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a "compare" result has no JUnit report (--junit)');
    expect(existsSync(junit)).toBe(false);
    expect(existsSync(join(dir, 'comparison.md'))).toBe(false);
  });

  it('colours the summary with FORCE_COLOR even without a terminal, and never with NO_COLOR alone', async () => {
    const forced = await runCli(['report', failed.json], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('\u001b[');
    const plain = await runCli(['report', failed.json], { env: { NO_COLOR: '1' } });
    expect(plain.stderr).not.toContain('\u001b[');
    const off = await runCli(['report', failed.json], { env: { NO_COLOR: '', FORCE_COLOR: '0' } });
    expect(off.stderr).not.toContain('\u001b[');
  });

  it('exits 2 when an output file cannot be written, and never overwrites the result it reads', async () => {
    const folder = await report([passed.json, '--junit', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`--junit ${dir}: is a folder`);
    const before = readFileSync(failed.json, 'utf8');
    const same = await report([failed.json, '--markdown', failed.json]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain(`--markdown ${failed.json}: already taken by the result file being read`);
    expect(readFileSync(failed.json, 'utf8')).toBe(before);
    const twice = await report([passed.json, '--junit', join(dir, 'x.out'), '--markdown', join(dir, 'x.out')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`--markdown ${join(dir, 'x.out')}: already taken by --junit`);
    const html = await report([passed.json, '--html', dir]);
    expect(html.code).toBe(2);
    expect(html.stderr).toContain(`--html ${dir}: is a folder`);
  });
});

describe('chatbench schema --result', () => {
  it('prints the JSON Schema of every kind of result in the family', async () => {
    const r = await runCli(['schema', '--result']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as Record<string, unknown>;
    const kinds = ChatbenchResult.options.map((o) => o.shape.kind.value);
    expect(kinds.length).toBeGreaterThanOrEqual(2);
    const variants = (schema['oneOf'] ?? schema['anyOf']) as Array<{ properties: { kind: { const: string } } }>;
    expect(variants.map((v) => v.properties.kind.const).sort()).toEqual([...kinds].sort());
  });
});
