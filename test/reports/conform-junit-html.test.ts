/**
 * JUnit XML and HTML of a conformance result, read back with the strict XML reader: one suite
 * per version, one case per case (classname the section, name with the statement IDs), failures
 * with statement, expected, observed and hex, skips with their reason, timeouts and errors as
 * <error>; the HTML grouped by version and spec section with badges, coverage, the annotated hex
 * of failing raw cases, and hostile text kept as text.
 */
import { describe, expect, it } from 'vitest';
import { renderConformHtml } from '../../reports/conform/html.js';
import { renderConformJunit } from '../../reports/conform/junit.js';
import { RAW_FAIL, conformResult, verdict } from '../helpers/conform-results.js';
import { kids, parseXml, type XmlElement } from '../helpers/xml.js';

const CASES = [
  RAW_FAIL,
  verdict({ id: 'connect.first', verdict: 'pass', section: '3.1', statements: ['MQTT-3.1.0-1', 'MQTT-3.1.0-2'] }),
  verdict({ id: 'sub.shared', version: '5', section: '4.8', statements: ['MQTT-4.8.2-1'], verdict: 'skip', reason: 'no shared subscriptions' }),
  verdict({ id: 'pub.retain', version: '5', section: '3.10', statements: ['MQTT-3.10.4-1'], verdict: 'timeout', reason: 'no UNSUBACK within 2000 ms' }),
  verdict({ id: 'pub.qos2', version: '5', section: '3.3', statements: ['MQTT-3.3.1-1'], verdict: 'error', reason: 'socket hang up' }),
];

/** Every element under `el` (itself included), depth first. */
function all(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(all)];
}
const textOf = (el: XmlElement): string => el.text + el.children.map(textOf).join('');

describe('conform JUnit', () => {
  const doc = parseXml(renderConformJunit(conformResult(CASES)));
  const suites = kids(doc, 'testsuite');

  it('has one suite per version and one case per case, named by id and statement IDs, classed by section', () => {
    expect(suites.map((s) => s.attrs.name)).toEqual(['MQTT 3.1.1', 'MQTT 5']);
    expect(doc.attrs).toMatchObject({ tests: '5', failures: '1', errors: '2', skipped: '1' });
    expect(kids(suites[0] as XmlElement, 'testcase').map((c) => [c.attrs.classname, c.attrs.name])).toEqual([
      ['3.1', 'connect.reserved-flag [MQTT-3.1.2-3]'],
      ['3.1', 'connect.first [MQTT-3.1.0-1, MQTT-3.1.0-2]'],
    ]);
    const props = kids(kids(suites[0] as XmlElement, 'properties')[0] as XmlElement, 'property');
    expect(props.find((p) => p.attrs.name === 'coverage.percent')?.attrs.value).toBe('97.7 %');
  });

  it('fails with statement, expected, observed and the hex; skips with the reason; errors for timeouts and errors', () => {
    const [failing, passing] = kids(suites[0] as XmlElement, 'testcase');
    const failure = kids(failing as XmlElement, 'failure')[0];
    expect(failure?.attrs.message).toBe('MQTT-3.1.2-3: expected the connection closed; observed CONNACK 0x00, connection kept open for 2000 ms');
    expect(failure?.text).toContain('connection c1 · sent +0 ms (15 bytes)\n  0000  10 0d 00 04 4d 51 54 54  04 03 00 3c 00 01 61    |....MQTT...<..a|');
    expect(failure?.text).toContain('connection c1 · received +3 ms (4 bytes)\n  0000  20 02 00 00');
    expect(passing?.children).toEqual([]);
    const v5 = kids(suites[1] as XmlElement, 'testcase');
    expect(kids(v5[0] as XmlElement, 'skipped')[0]?.attrs.message).toBe('no shared subscriptions');
    const timeout = kids(v5[1] as XmlElement, 'error')[0];
    expect(timeout?.attrs).toMatchObject({ type: 'timeout', message: 'no UNSUBACK within 2000 ms (chatbench stopped waiting before the case finished: not a verdict on the server)' });
    expect(kids(v5[2] as XmlElement, 'error')[0]?.attrs.type).toBe('error');
  });

  it('adds a case per difference from expectations, and an error when the run stopped early', () => {
    const result = conformResult(CASES, {
      aborted: { scenario: null, cause: 'signal', message: 'interrupted by SIGINT' },
      expectation: { file: 'exp.json', differences: [{ id: 'connect.first', version: '3.1.1', expected: 'fail', actual: 'pass' }] },
    });
    const run = kids(parseXml(renderConformJunit(result)), 'testsuite').find((s) => s.attrs.name === 'conformance run');
    const cases = kids(run as XmlElement, 'testcase');
    expect(kids(cases[0] as XmlElement, 'error')[0]?.attrs.message).toBe('aborted: interrupted by SIGINT');
    expect(cases[1]?.attrs.name).toBe('3.1.1 connect.first as expected by exp.json');
    expect(kids(cases[1] as XmlElement, 'failure')[0]?.attrs).toMatchObject({ type: 'unexpected pass', message: 'unexpected pass: expected fail, now pass' });
  });

  it('stays well-formed with hostile ids, reasons and observed text', () => {
    const evil = '"><x a=\'1\'>&amp;\u0000\u0007]]>';
    const result = conformResult([verdict({ id: evil, verdict: 'fail', failures: [{ statement: evil, expected: evil, observed: evil }] }), verdict({ id: 's', verdict: 'skip', reason: evil })]);
    const cases = kids(kids(parseXml(renderConformJunit(result)), 'testsuite')[0] as XmlElement, 'testcase');
    expect(cases[0]?.attrs.name).toBe(`"><x a='1'>&amp;\uFFFD\uFFFD]]> [MQTT-3.1.0-1]`);
    expect(kids(cases[0] as XmlElement, 'failure')[0]?.attrs.message).toBe(`"><x a='1'>&amp;\uFFFD\uFFFD]]>: expected "><x a='1'>&amp;\uFFFD\uFFFD]]>; observed "><x a='1'>&amp;\uFFFD\uFFFD]]>`);
    expect(kids(cases[1] as XmlElement, 'skipped')[0]?.attrs.message).toBe(`"><x a='1'>&amp;\uFFFD\uFFFD]]>`);
  });
});

describe('conform HTML', () => {
  const html = renderConformHtml(conformResult(CASES));
  const doc = parseXml(html.replace(/^<!DOCTYPE html>\n/, ''));
  const els = all(doc);

  it('is strict XML with no scripts, headed by the verdict and coverage per version', () => {
    expect(els.some((e) => e.name === 'script')).toBe(false);
    expect(els.find((e) => e.attrs.id === 'verdict')?.text).toBe('FAIL');
    const coverage = els.find((e) => e.attrs.id === 'coverage') as XmlElement;
    expect(all(coverage).filter((e) => e.name === 'tr').map((tr) => tr.children.map(textOf))).toEqual([
      ['version', 'statements', 'testable', 'tested', 'coverage'],
      ['3.1.1', '139', '131', '128', '97.7 %'],
      ['5', '251', '200', '190', '95.0 %'],
    ]);
    expect(html).toContain('3.1.1 untested: <code>MQTT-3.1.2-22</code>, <code>MQTT-4.7.3-4</code>, <code>MQTT-3.3.2-3</code>');
  });

  it('groups verdicts by version and spec section in reading order, with statement IDs and badges', () => {
    expect(els.filter((e) => e.name === 'h3').map(textOf)).toEqual(['Section 3.1', 'Section 3.3', 'Section 3.10', 'Section 4.8']);
    const v5 = els.find((e) => e.attrs.id === 'v-5') as XmlElement;
    expect(all(v5).filter((e) => e.name === 'h2').map(textOf)).toEqual(['MQTT 5']);
    const badges = els.filter((e) => (e.attrs.class ?? '').startsWith('badge ') && e.attrs.id !== 'verdict');
    expect(badges.map((b) => [b.attrs.class, b.text])).toEqual([
      ['badge failed', 'FAIL'], ['badge passed', 'PASS'], ['badge unfinished', 'ERROR'], ['badge unfinished', 'TIMEOUT'], ['badge skipped', 'SKIP'],
    ]);
    expect(html).toContain('<code>MQTT-3.1.0-1</code> <code>MQTT-3.1.0-2</code>');
  });

  it('shows a failing raw case as expected vs observed and an annotated hex dump per exchange', () => {
    const failure = els.find((e) => e.attrs.id === 'case-3.1.1-connect.reserved-flag') as XmlElement;
    const tables = all(failure).filter((e) => e.name === 'table');
    expect(all(tables[0] as XmlElement).filter((e) => e.name === 'td').map(textOf)).toEqual(['the connection closed', 'CONNACK 0x00, connection kept open for 2000 ms']);
    const dumps = tables.filter((t) => t.attrs.class === 'hexdump');
    expect(dumps.map((t) => textOf(kids(t, 'caption')[0] as XmlElement))).toEqual(['connection c1 · sent +0 ms (15 bytes)', 'connection c1 · received +3 ms (4 bytes)']);
    expect(all(dumps[0] as XmlElement).filter((e) => e.name === 'td').map(textOf)).toEqual(['10 0d 00 04 4d 51 54 54  04 03 00 3c 00 01 61', '....MQTT...<..a']);
  });

  it('says timeouts and errors are chatbench\'s and lists skips by reason', () => {
    expect(textOf(els.find((e) => e.attrs.id === 'timeouts') as XmlElement)).toContain('chatbench stopped waiting before the case finished: not a verdict on the server.');
    const skipped = all(els.find((e) => e.attrs.id === 'skipped') as XmlElement).filter((e) => e.name === 'tr');
    expect(skipped.map((tr) => tr.children.map(textOf))).toEqual([['reason', 'cases', 'which'], ['no shared subscriptions', '1', '5 sub.shared']]);
  });

  it('keeps hostile text as text', () => {
    const evil = '<script>alert(1)</script>&\u0001';
    const page = renderConformHtml(conformResult([verdict({ id: evil, title: evil, verdict: 'fail', section: evil, failures: [{ statement: evil, expected: evil, observed: evil }] })]));
    const parsed = all(parseXml(page.replace(/^<!DOCTYPE html>\n/, '')));
    expect(parsed.some((e) => e.name === 'script')).toBe(false);
    expect(parsed.filter((e) => e.name === 'h3').map(textOf)).toEqual(['Section <script>alert(1)</script>&\uFFFD']);
  });
});
