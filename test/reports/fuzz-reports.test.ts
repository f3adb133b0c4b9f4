/**
 * The console summary, Markdown, JUnit and HTML of a fuzz result, and the exit code it stands
 * for: the seed and the command that reproduces the run, the pace, each finding with kind,
 * message, statement IDs, replay command, shrunk steps as hex with notes and the bytes received,
 * new vs known, and the known findings not seen. Results are built by hand, validated by the schema.
 */
import { describe, expect, it } from 'vitest';
import { resultExitCode } from '../../cli/exit-code.js';
import { renderFuzzConsole } from '../../reports/fuzz/console.js';
import { renderFuzzHtml } from '../../reports/fuzz/html.js';
import { renderFuzzJunit } from '../../reports/fuzz/junit.js';
import { renderFuzzMarkdown } from '../../reports/fuzz/markdown.js';
import { CONNECT, QOS3_STEPS, finding, fuzzResult } from '../helpers/conform-results.js';
import { kids, parseXml, type XmlElement } from '../helpers/xml.js';

const NEW = finding({ steps: QOS3_STEPS, known: false });
const KNOWN = finding({
  steps: [{ connection: 0, hex: '3000' }], known: true, replayPath: null, received: [],
  verdict: { kind: 'crash', message: 'the server stopped accepting connections', statements: [] },
});
const EXPECTED = { file: 'fixtures/fuzz/mosquitto.json', missing: ['0123456789abcdef'] };

function all(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(all)];
}
const textOf = (el: XmlElement): string => el.text + el.children.map(textOf).join('');

describe('fuzz console summary', () => {
  const text = renderFuzzConsole(fuzzResult([NEW, KNOWN], { expectation: EXPECTED }));
  const lines = text.split('\n');

  it('heads with the seed, the pace, the findings and the command that reproduces the run', () => {
    expect(lines.slice(0, 3)).toEqual([
      'chatbench 9.9.9-test — fuzzing MQTT 5.0 mqtt://127.0.0.1:1883, run r1',
      'FAIL seed 42: 1,000 cases of 1,000 in 3.2 s (313 cases/s), 2 findings (1 new, 1 known)',
      '  reproduce: chatbench fuzz --seed 42 --runs 1000 --version 5.0 --target mqtt://127.0.0.1:1883',
    ]);
  });

  it('shows each finding with its replay command, shrunk steps as hex with notes, and what came back', () => {
    const at = lines.findIndex((l) => l.includes('finding 1'));
    expect(lines.slice(at, at + 10)).toEqual([
      `✗ finding 1 NEW not-closed: PUBLISH with QoS 3 kept the connection open for 2000 ms [MQTT-3.3.1-4]`,
      `    fingerprint ${NEW.fingerprint}, shrunk to 2 steps from 37 failing cases in 1.234 s`,
      '    replay: chatbench replay replays/qos3.json --target mqtt://127.0.0.1:1883',
      '    step 1 · connection 0 · CONNECT (15 bytes)',
      '      0000  10 0d 00 04 4d 51 54 54  04 02 00 3c 00 01 61    |....MQTT...<..a|',
      '    step 2 · connection 0 · PUBLISH with QoS 3 (9 bytes)',
      '      0000  36 07 00 01 74 00 01 68  69                      |6...t..hi|',
      '    received on connection 0 (4 bytes)',
      '      0000  20 02 00 00                                      | ...|',
      '',
    ]);
    expect(text).toContain('• finding 2 KNOWN crash: the server stopped accepting connections\n');
    expect(text).toContain('    no replay file written (no --replay-dir)\n');
    expect(text).toContain('Known findings not seen this time (fixed, or not reached by this run):\n  0123456789abcdef\n');
  });

  it('reproduces a time-bounded run by the count of cases it ran, on the embedded broker without --target, quoting for the shell', () => {
    const timed = fuzzResult([], { runs: null, timeLimitMs: 60_000, casesRun: 777 });
    timed.target = { ...timed.target, embedded: true, protocolVersion: '3.1.1' };
    const out = renderFuzzConsole(timed);
    expect(out).toContain('PASS seed 42: 777 cases (time limit 60.0 s) in 3.2 s (313 cases/s), no findings\n  reproduce: chatbench fuzz --seed 42 --runs 777 --version 3.1.1\n');
    const spaced = renderFuzzConsole(fuzzResult([finding({ steps: QOS3_STEPS, replayPath: "my dir/it's.json" })]));
    expect(spaced).toContain(`replay: chatbench replay 'my dir/it'\\''s.json' --target`);
  });

  it('shows a note with control characters as \\xNN', () => {
    const out = renderFuzzConsole(fuzzResult([finding({ steps: [{ connection: 0, hex: CONNECT, note: 'CONNECT\u001b[31m red\nPASS' }] })]));
    expect(out).toContain('step 1 · connection 0 · CONNECT\\x1b[31m red\\x0aPASS (15 bytes)');
    expect(out).not.toContain('\u001b');
  });
});

describe('fuzz exit code', () => {
  it('is 1 when a finding is new (or no expectations were given), 0 when every finding is known', () => {
    expect(resultExitCode(fuzzResult([]))).toBe(0);
    expect(resultExitCode(fuzzResult([finding({ steps: QOS3_STEPS })]))).toBe(1);
    expect(resultExitCode(fuzzResult([NEW, KNOWN], { expectation: EXPECTED }))).toBe(1);
    expect(resultExitCode(fuzzResult([KNOWN], { expectation: EXPECTED }))).toBe(0);
  });

  it('is 3 when it stopped before any case ran, not after', () => {
    const aborted = { scenario: null, cause: 'unreachable' as const, message: 'cannot reach mqtt://127.0.0.1:1' };
    expect(resultExitCode(fuzzResult([], { aborted, casesRun: 0, casesPerSecond: 0 }))).toBe(3);
    expect(resultExitCode(fuzzResult([], { aborted: { ...aborted, cause: 'signal' }, casesRun: 10 }))).toBe(0);
  });
});

describe('fuzz Markdown', () => {
  it('has the verdict, the reproduce command and one row per finding', () => {
    const md = renderFuzzMarkdown(fuzzResult([NEW, KNOWN], { expectation: EXPECTED }));
    expect(md.split('\n')[0]).toBe('## chatbench fuzz FAIL: MQTT 5.0 `mqtt://127.0.0.1:1883`');
    expect(md).toContain('Reproduce: `chatbench fuzz --seed 42 --runs 1000 --version 5.0 --target mqtt://127.0.0.1:1883`');
    expect(md).toContain(`| \`${NEW.fingerprint}\` NEW | not-closed | PUBLISH with QoS 3 kept the connection open for 2000 ms | \`MQTT-3.3.1-4\` | \`chatbench replay replays/qos3.json --target mqtt://127.0.0.1:1883\` | shrunk to 2 steps from 37 failing cases in 1.234 s |`);
    expect(md).toContain(`| \`${KNOWN.fingerprint}\` KNOWN | crash | the server stopped accepting connections | - | - |`);
    expect(md).toContain('`0123456789abcdef`');
  });
});

describe('fuzz JUnit', () => {
  it('has a passing "fuzz run" case with the counts and one failing case per finding with the hex', () => {
    const doc = parseXml(renderFuzzJunit(fuzzResult([NEW, KNOWN], { expectation: EXPECTED })));
    expect(doc.attrs).toMatchObject({ tests: '4', failures: '2', errors: '0', skipped: '1' });
    const cases = kids(kids(doc, 'testsuite')[0] as XmlElement, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(['fuzz run', `finding ${NEW.fingerprint}: not-closed`, `finding ${KNOWN.fingerprint}: crash`, 'known finding 0123456789abcdef']);
    expect(kids(cases[0] as XmlElement, 'system-out')[0]?.text).toBe('seed 42: 1,000 cases of 1,000 in 3.2 s (313 cases/s)\nreproduce: chatbench fuzz --seed 42 --runs 1000 --version 5.0 --target mqtt://127.0.0.1:1883');
    const failure = kids(cases[1] as XmlElement, 'failure')[0];
    expect(failure?.attrs.message).toBe('not-closed: PUBLISH with QoS 3 kept the connection open for 2000 ms [MQTT-3.3.1-4]');
    expect(failure?.text).toContain('step 2 · connection 0 · PUBLISH with QoS 3 (9 bytes)\n  0000  36 07 00 01 74 00 01 68  69');
    expect(kids(cases[2] as XmlElement, 'failure')[0]?.attrs.message).toBe('known (listed in fixtures/fuzz/mosquitto.json): crash: the server stopped accepting connections');
  });

  it('makes the run case an error when the run stopped early', () => {
    const doc = parseXml(renderFuzzJunit(fuzzResult([], { aborted: { scenario: null, cause: 'unreachable', message: 'cannot reach' }, casesRun: 0 })));
    const run = kids(kids(doc, 'testsuite')[0] as XmlElement, 'testcase')[0] as XmlElement;
    expect(kids(run, 'error')[0]?.attrs.message).toBe('aborted: cannot reach');
  });
});

describe('fuzz HTML', () => {
  const html = renderFuzzHtml(fuzzResult([NEW, KNOWN], { expectation: EXPECTED }));
  const els = all(parseXml(html.replace(/^<!DOCTYPE html>\n/, '')));

  it('is strict XML with no scripts, headed by the verdict and the reproduce command', () => {
    expect(els.some((e) => e.name === 'script')).toBe(false);
    expect(els.find((e) => e.attrs.id === 'verdict')?.text).toBe('FAIL');
    expect(textOf(els.find((e) => e.attrs.id === 'reproduce') as XmlElement)).toContain('chatbench fuzz --seed 42 --runs 1000 --version 5.0 --target mqtt://127.0.0.1:1883');
  });

  it('shows each finding with a badge and its bytes as annotated hex dumps', () => {
    const first = els.find((e) => e.attrs.id === 'finding-0') as XmlElement;
    expect(first.attrs.class).toBe('finding new');
    expect(all(first).find((e) => e.attrs.class === 'badge new')?.text).toBe('NEW');
    const dumps = all(first).filter((e) => e.attrs.class === 'hexdump');
    expect(dumps.map((t) => textOf(kids(t, 'caption')[0] as XmlElement))).toEqual([
      'step 1 · connection 0 · CONNECT (15 bytes)', 'step 2 · connection 0 · PUBLISH with QoS 3 (9 bytes)', 'received on connection 0 (4 bytes)',
    ]);
    expect(all(dumps[1] as XmlElement).filter((e) => e.name === 'td').map(textOf)).toEqual(['36 07 00 01 74 00 01 68  69', '6...t..hi']);
    const second = els.find((e) => e.attrs.id === 'finding-1') as XmlElement;
    expect(second.attrs.class).toBe('finding known');
    expect(textOf(second)).toContain('not written (no --replay-dir)');
    expect(textOf(els.find((e) => e.attrs.id === 'missing') as XmlElement)).toContain('0123456789abcdef');
  });

  it('keeps hostile notes and messages as text', () => {
    const evil = '<script>x()</script>&\u0002';
    const page = renderFuzzHtml(fuzzResult([finding({ steps: [{ connection: 0, hex: CONNECT, note: evil }], verdict: { kind: 'hang', message: evil, statements: [evil] } })]));
    const parsed = all(parseXml(page.replace(/^<!DOCTYPE html>\n/, '')));
    expect(parsed.some((e) => e.name === 'script')).toBe(false);
    expect(parsed.find((e) => e.name === 'caption')?.text).toBe('step 1 · connection 0 · <script>x()</script>&\uFFFD ');
  });
});
