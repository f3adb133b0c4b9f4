/**
 * The console summary and Markdown of a conformance result, and the exit code it stands for:
 * coverage per version, failures with statement, expected, observed and the bytes of raw cases,
 * timeouts and errors said to be chatbench's, skips one line per reason, choices, and the
 * differences from expectations first. Results are built by hand and validated by the schema.
 */
import { describe, expect, it } from 'vitest';
import { resultExitCode } from '../../cli/exit-code.js';
import { renderConformConsole } from '../../reports/conform/console.js';
import { renderConformMarkdown } from '../../reports/conform/markdown.js';
import { renderResult } from '../../reports/index.js';
import { CONNACK_OK, RAW_FAIL, conformResult, verdict } from '../helpers/conform-results.js';

const SKIPS = Array.from({ length: 12 }, (_, i) => verdict({ id: `shared.s${i}`, version: '5', verdict: 'skip', reason: 'the server does not announce shared subscriptions' }));
const MIXED = [
  RAW_FAIL,
  verdict({ id: 'will.clean', verdict: 'pass', choices: [{ statement: 'MQTT-3.14.4-3', behaviour: 'closed the connection at once' }] }),
  ...SKIPS,
  verdict({ id: 'acl.denied', verdict: 'skip', reason: 'no ACL-denied topic in the profile' }),
  verdict({ id: 'qos1.redeliver', verdict: 'timeout', reason: 'no PUBLISH within 2000 ms' }),
  verdict({ id: 'qos2.redeliver', verdict: 'timeout', reason: 'no PUBLISH within 2000 ms' }),
  verdict({ id: 'ws.upgrade', verdict: 'error', reason: 'EMFILE: too many open files' }),
];

describe('conform console summary', () => {
  const text = renderConformConsole(conformResult(MIXED));
  const lines = text.split('\n');

  it('heads with the target, versions, coverage per version in version order, and the totals', () => {
    expect(lines[0]).toBe('chatbench 9.9.9-test — conformance of MQTT mqtt://127.0.0.1:1883, run r1');
    expect(lines[1]).toBe('FAIL versions 3.1.1, 5');
    expect(lines[2]).toBe('  3.1.1: 128 of 131 testable statements tested (97.7 %)');
    expect(lines[3]).toBe('  5: 190 of 200 testable statements tested (95.0 %)');
    expect(lines[4]).toBe('  1 pass, 1 fail, 13 skip, 2 timeout, 1 error (18 cases)');
  });

  it('shows each failure with statement, expected, observed and the bytes both ways', () => {
    const at = lines.indexOf('Failures (1):');
    expect(lines.slice(at + 1, at + 10)).toEqual([
      '  ✗ 3.1.1 connect.reserved-flag [MQTT-3.1.2-3] a CONNECT with the reserved flag set closes the connection',
      '      MQTT-3.1.2-3',
      '        expected: the connection closed',
      '        observed: CONNACK 0x00, connection kept open for 2000 ms',
      '      connection c1 · sent +0 ms (15 bytes)',
      '        0000  10 0d 00 04 4d 51 54 54  04 03 00 3c 00 01 61    |....MQTT...<..a|',
      '      connection c1 · received +3 ms (4 bytes)',
      `        0000  ${CONNACK_OK.match(/../g)?.join(' ')}                                      | ...|`,
      '',
    ]);
  });

  it('groups timeouts, errors and skips by reason, one line each, timeouts and errors as chatbench\'s', () => {
    expect(text).toContain('Timed out (2) — chatbench stopped waiting before the case finished: not a verdict on the server:\n  2 × no PUBLISH within 2000 ms (3.1.1 qos1.redeliver, 3.1.1 qos2.redeliver)\n');
    expect(text).toContain('Errors (1) — chatbench itself could not run the case (a bug or a local limit): not a verdict on the server:\n  1 × EMFILE: too many open files (3.1.1 ws.upgrade)\n');
    expect(text).toContain('Skipped (13):\n  12 × the server does not announce shared subscriptions\n  1 × no ACL-denied topic in the profile\n');
    expect(text).not.toContain('shared.s3');
  });

  it('lists the choices, never as failures', () => {
    expect(text).toContain('(SHOULD / MAY): reported, never failed.\n  3.1.1 MQTT-3.14.4-3: closed the connection at once\n');
  });

  it('puts the differences from expectations first, by kind', () => {
    const result = conformResult(MIXED, {
      expectation: {
        file: 'fixtures/conformance/mosquitto.json',
        differences: [
          { id: 'connect.reserved-flag', version: '3.1.1', expected: 'pass', actual: 'fail' },
          { id: 'will.clean', version: '3.1.1', expected: 'fail', actual: 'pass' },
          { id: 'ws.upgrade', version: '3.1.1', expected: null, actual: 'error' },
        ],
      },
    });
    const out = renderConformConsole(result);
    const diff = out.indexOf('Differences from fixtures/conformance/mosquitto.json (3):');
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(out.indexOf('Failures (1):'));
    expect(out).toContain('  new failure         3.1.1 connect.reserved-flag: expected pass, now fail\n');
    expect(out).toContain('  unexpected pass     3.1.1 will.clean: expected fail, now pass\n');
    expect(out).toContain('  not in expectations 3.1.1 ws.upgrade: now error\n');
    const same = renderConformConsole(conformResult(MIXED, { expectation: { file: 'exp.json', differences: [] } }));
    expect(same.split('\n')[1]).toBe('PASS versions 3.1.1, 5');
    expect(same).toContain('As expected: no difference from exp.json');
  });

  it('shows control characters from the server as \\xNN, so they cannot act on the terminal', () => {
    const hostile = verdict({
      id: 'evil', verdict: 'fail',
      failures: [{ statement: 'MQTT-1.5.4-2', expected: 'rejected', observed: 'topic "a\u001b[2J\u0000b"\nPASS everything' }],
    });
    const out = renderConformConsole(conformResult([hostile]));
    expect(out).toContain('observed: topic "a\\x1b[2J\\x00b"\\x0aPASS everything');
    expect(out).not.toContain('\u001b');
  });

  it('colours only when asked', () => {
    expect(renderResult(conformResult(MIXED), 'console', { color: true })).toContain('\u001b[31mFAIL');
    expect(renderResult(conformResult(MIXED), 'console')).not.toContain('\u001b');
  });
});

describe('conform exit code', () => {
  const pass = verdict({ id: 'ok', verdict: 'pass' });
  it('is 1 on a fail, a timeout or an error; 0 on passes and skips', () => {
    expect(resultExitCode(conformResult([pass, verdict({ id: 's', verdict: 'skip', reason: 'x' })]))).toBe(0);
    for (const v of ['fail', 'timeout', 'error'] as const) expect(resultExitCode(conformResult([pass, verdict({ id: 'x', verdict: v, reason: v === 'fail' ? null : 'r' })]))).toBe(1);
  });

  it('with expectations, is 1 only on a difference', () => {
    expect(resultExitCode(conformResult([RAW_FAIL], { expectation: { file: 'e.json', differences: [] } }))).toBe(0);
    expect(resultExitCode(conformResult([pass], { expectation: { file: 'e.json', differences: [{ id: 'ok', version: '3.1.1', expected: 'fail', actual: 'pass' }] } }))).toBe(1);
  });

  it('is 3 when the target was unreachable or the user stopped it, not for other early stops', () => {
    for (const cause of ['unreachable', 'signal'] as const) {
      expect(resultExitCode(conformResult([pass], { aborted: { scenario: null, cause, message: 'stopped' } }))).toBe(3);
    }
    expect(resultExitCode(conformResult([pass], { aborted: { scenario: null, cause: 'timeout', message: 'suite deadline' } }))).toBe(0);
  });
});

describe('conform Markdown', () => {
  it('heads with the verdict, then coverage and failures as tables, the rest one line each', () => {
    const md = renderConformMarkdown(conformResult(MIXED));
    expect(md.split('\n')[0]).toBe('## chatbench conform FAIL: MQTT `mqtt://127.0.0.1:1883`');
    expect(md).toContain('| 3.1.1 | 139 | 131 | 128 | 97.7 % |\n| 5 | 251 | 200 | 190 | 95.0 % |');
    expect(md).toContain('| `3.1.1 connect.reserved-flag` | `MQTT-3.1.2-3` | the connection closed | CONNACK 0x00, connection kept open for 2000 ms |');
    expect(md).toContain('> 2 timed out: chatbench stopped waiting before the case finished: not a verdict on the server.  ');
    expect(md).toContain('> 13 skipped');
    expect(md.split('\n').length).toBeLessThan(30);
  });

  it('shows the differences from expectations, and escapes text that would break the table', () => {
    const hostile = verdict({ id: 'x|y', verdict: 'fail', failures: [{ statement: 'MQTT-1', expected: 'a | b', observed: '<img src=x> **bold**' }] });
    const md = renderConformMarkdown(conformResult([hostile], { expectation: { file: 'e.json', differences: [{ id: 'x|y', version: '3.1.1', expected: 'pass', actual: 'fail' }] } }));
    expect(md).toContain('**1 difference from `e.json`**');
    expect(md).toContain('| new failure | `3.1.1 x\\|y` | expected pass, now fail |');
    expect(md).toContain('| a \\| b | \\<img src=x\\> \\*\\*bold\\*\\* |');
  });
});
