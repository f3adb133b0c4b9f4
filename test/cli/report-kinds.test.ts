/**
 * `chatbench report` on conformance and fuzz results, as CI re-renders them: the console
 * summary, JUnit and HTML files, and the exit code the command that wrote the result would give
 * (conform: 1 on an unexpected verdict, or only on a difference with --expect, 3 when the target
 * was unreachable; fuzz: 1 on a new finding, 3 when it stopped before any case).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatbenchResult } from '../../core/result/index.js';
import { renderHtml, renderJson, renderJunit } from '../../reports/index.js';
import { runCli, tempDir, type CliRun } from '../helpers/cli.js';
import { QOS3_STEPS, RAW_FAIL, conformResult, finding, fuzzResult, verdict } from '../helpers/conform-results.js';
import { kids, parseXml } from '../helpers/xml.js';

const dir = tempDir();
function save(name: string, result: ChatbenchResult): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, renderJson(result));
  return file;
}

/** `chatbench report FILE --junit … --html …` on a saved `result`: the files are the renderers' output. */
async function reportFiles(name: string, result: ChatbenchResult): Promise<{ run: CliRun; junit: string }> {
  const junit = join(dir, `${name}.xml`);
  const html = join(dir, `${name}.html`);
  const run = await runCli(['report', save(name, result), '--junit', junit, '--html', html]);
  expect(run.stderr).toContain(`JUnit report written to ${junit}`);
  expect(readFileSync(junit, 'utf8')).toBe(renderJunit(result));
  expect(readFileSync(html, 'utf8')).toBe(renderHtml(result));
  return { run, junit: readFileSync(junit, 'utf8') };
}

describe('chatbench report on conform and fuzz results', () => {
  it('re-renders a conform result to the console, JUnit and HTML, exiting 1 on a failure', async () => {
    const { run: r, junit } = await reportFiles('conform', conformResult([RAW_FAIL, verdict({ id: 'connect.first', verdict: 'pass' })]));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAIL versions 3.1.1\n  3.1.1: 128 of 131 testable statements tested (97.7 %)');
    expect(r.stderr).toContain('        0000  10 0d 00 04 4d 51 54 54  04 03 00 3c 00 01 61    |....MQTT...<..a|');
    expect(parseXml(junit).attrs).toMatchObject({ tests: '2', failures: '1' });
  });

  it('exits 0 on a conform result as expected, 1 on a difference, 3 when the target was unreachable', async () => {
    const expected = save('expected', conformResult([RAW_FAIL], { expectation: { file: 'e.json', differences: [] } }));
    const differs = save('differs', conformResult([RAW_FAIL], { expectation: { file: 'e.json', differences: [{ id: RAW_FAIL.id, version: '3.1.1', expected: 'pass', actual: 'fail' }] } }));
    const unreachable = save('unreachable', conformResult([], { versions: ['3.1.1'], aborted: { scenario: null, cause: 'unreachable', message: 'cannot reach target mqtt://127.0.0.1:1' } }));
    const [a, b, c] = await Promise.all([expected, differs, unreachable].map((f) => runCli(['report', f, '--quiet'])));
    expect([a?.code, b?.code, c?.code]).toEqual([0, 1, 3]);
    const shown = await runCli(['report', unreachable]);
    expect(shown.stderr).toContain('Stopped early: cannot reach target mqtt://127.0.0.1:1');
  });

  it('re-renders a fuzz result, exiting 1 on a new finding, 0 when every finding is known, 3 when no case ran', async () => {
    const result = fuzzResult([finding({ steps: QOS3_STEPS })]);
    const { run: r, junit } = await reportFiles('fuzz', result);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('  reproduce: chatbench fuzz --seed 42 --runs 1000 --version 5.0 --target mqtt://127.0.0.1:1883');
    expect(r.stderr).toContain('    replay: chatbench replay replays/qos3.json --target mqtt://127.0.0.1:1883');
    expect(kids(kids(parseXml(junit), 'testsuite')[0] ?? parseXml('<x/>'), 'testcase').map((c) => c.attrs.name)).toEqual(['fuzz run', `finding ${result.findings[0]?.fingerprint}: not-closed`]);

    const known = save('known', fuzzResult([finding({ steps: QOS3_STEPS, known: true })], { expectation: { file: 'e.json', missing: [] } }));
    const none = save('none', fuzzResult([], { casesRun: 0, casesPerSecond: 0, aborted: { scenario: null, cause: 'unreachable', message: 'cannot reach' } }));
    const [k, n] = await Promise.all([known, none].map((f) => runCli(['report', f, '--quiet'])));
    expect([k?.code, n?.code]).toEqual([0, 3]);
  });
});
