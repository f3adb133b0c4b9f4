/**
 * JUnit XML rendered from real results (embedded broker) and variants of them, read back
 * with a strict well-formedness check: suites, cases, counts and failure messages, each case
 * failing on the verdict's typed reasons.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/result/index.js';
import { xmlAttr, xmlText } from '../../reports/escape-xml.js';
import { formatMicrosExact } from '../../reports/format.js';
import { renderJunit } from '../../reports/junit.js';
import {
  abortedVariant, measureRunResult, misbehavingVariant, overloadVariant, OVERLOAD, scenario, TOOL_VERSION, unreachableVariant,
} from '../helpers/results.js';
import { kids, parseXml, type XmlElement } from '../helpers/xml.js';

let real: RunResult;
beforeAll(async () => {
  real = await measureRunResult();
});

const suiteOf = (doc: XmlElement, name: string): XmlElement => {
  const suite = kids(doc, 'testsuite').find((s) => s.attrs.name === name);
  if (suite === undefined) throw new Error(`no testsuite ${name}`);
  return suite;
};
const caseOf = (suite: XmlElement, name: string): XmlElement => {
  const c = kids(suite, 'testcase').find((t) => t.attrs.name === name);
  if (c === undefined) throw new Error(`no testcase ${name} in ${suite.attrs.name}`);
  return c;
};
const counts = (el: XmlElement) => ({ tests: el.attrs.tests, failures: el.attrs.failures, errors: el.attrs.errors, skipped: el.attrs.skipped });

describe('renderJunit', () => {
  it('has the measured outcome the fixture is built on', () => {
    expect(real.scenarios.map((s) => [s.name, s.status])).toEqual([['steady', 'passed'], ['slow', 'failed'], ['lossy', 'failed']]);
    expect(scenario(real, 'lossy').delivery.byQos['1']?.lost).toBeGreaterThan(0);
  });

  it('writes one suite per scenario and one case per threshold, delivery level and the connections', () => {
    const doc = parseXml(renderJunit(real));
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs.name).toBe('chatbench');
    expect(kids(doc, 'testsuite').map((s) => s.attrs.name)).toEqual(['steady', 'slow', 'lossy']);
    const steady = suiteOf(doc, 'steady');
    expect(kids(steady, 'testcase').map((c) => c.attrs.name)).toEqual([
      'p99 < 10s', 'lost == 0', 'delivery guarantees (QoS 1)', 'owed deliveries arrived', 'connections', 'acknowledgement flow',
    ]);
    expect(counts(steady)).toEqual({ tests: '6', failures: '0', errors: '0', skipped: '0' });
    for (const c of kids(steady, 'testcase')) {
      expect(c.attrs.classname).toBe('chatbench.steady');
      expect(c.children).toEqual([]);
    }
    expect(counts(suiteOf(doc, 'slow'))).toEqual({ tests: '6', failures: '1', errors: '0', skipped: '0' });
    // lossy: "lost == 0" and the QoS 1 guarantee both fail; a dropped last message of a stream has
    // no later one as evidence, so it is undelivered, and "owed deliveries arrived" fails with it.
    const tail = scenario(real, 'lossy').reasons.some((r) => r.kind === 'undelivered') ? 1 : 0;
    expect(counts(suiteOf(doc, 'lossy'))).toEqual({ tests: '5', failures: String(2 + tail), errors: '0', skipped: '0' });
    expect(kids(caseOf(suiteOf(doc, 'lossy'), 'owed deliveries arrived'), 'failure')).toHaveLength(tail);
    expect(counts(doc)).toEqual({ tests: '17', failures: String(3 + tail), errors: '0', skipped: '0' });
  });

  it('says expected vs actual in every failure', () => {
    const doc = parseXml(renderJunit(real));
    const slow = scenario(real, 'slow').thresholds[0];
    const p99 = kids(caseOf(suiteOf(doc, 'slow'), 'p99 < 1us'), 'failure')[0];
    // In the tables' unit (ms for a millisecond p99), though the threshold was written in us.
    expect(p99?.attrs).toEqual({ message: `p99 < 1us: actual ${formatMicrosExact(slow?.actual ?? NaN)}`, type: 'threshold' });
    expect(slow?.actual).toBeGreaterThan(1);

    const lossy = scenario(real, 'lossy');
    const q1 = lossy.delivery.byQos['1'];
    const delivery = kids(caseOf(suiteOf(doc, 'lossy'), 'delivery guarantees (QoS 1)'), 'failure')[0];
    expect(delivery?.attrs.message).toBe(`expected 0 lost, 0 reordered at QoS 1: actual ${q1?.lost.toLocaleString('en-US')} lost, 0 reordered`);
    expect(delivery?.text).toContain(`expected ${q1?.expected.toLocaleString('en-US')}, delivered ${q1?.delivered.toLocaleString('en-US')}`);
    expect(delivery?.text).toContain('QoS 1 permits duplicated messages');
    const lost = kids(caseOf(suiteOf(doc, 'lossy'), 'lost == 0'), 'failure')[0];
    expect(lost?.attrs.message).toBe(`lost == 0: actual ${lossy.delivery.lost.toLocaleString('en-US')}`);
  });

  it('fails "connections" on lost connections and unfinished sends, naming who closed them and what was missing', () => {
    const doc = parseXml(renderJunit(misbehavingVariant(real)));
    const failure = kids(caseOf(suiteOf(doc, 'steady'), 'connections'), 'failure')[0];
    expect(failure?.attrs).toEqual({ message: 'expected no lost connections and no unfinished sends: actual 3 of 4 connections lost, 13 sends not completed', type: 'connections' });
    expect(failure?.text.split('\n')).toEqual([
      '3 of 4 connections lost: 1 closed by the server, 2 closed by chatbench',
      "u1: closed by chatbench: chatbench's keep-alive timeout: no PINGRESP within 1 s",
      "u2: closed by chatbench: chatbench's keep-alive timeout: no PINGRESP within 1 s",
      'u3: closed by the server: DISCONNECT: server busy (code 0x89)',
      '12 sends got no PUBACK before the connection closed',
      '1 send got no PUBCOMP before chatbench stopped waiting',
    ]);
    const ack = kids(caseOf(suiteOf(doc, 'steady'), 'acknowledgement flow'), 'failure')[0];
    expect(ack?.attrs.type).toBe('protocol');
    expect(ack?.attrs.message).toContain('PUBACK');
    expect(ack?.text).toBe('ack-flow (20 times): a QoS 2 PUBLISH was answered with PUBACK (no PUBREC); packets seen: PUBLISH qos2 → PUBACK');
    expect(kids(caseOf(suiteOf(doc, 'steady'), 'owed deliveries arrived'), 'failure')).toEqual([]);
  });

  it('fails "owed deliveries arrived" (not a delivery guarantee) on undelivered messages, and a censored p99 reads "> waited"', () => {
    const doc = parseXml(renderJunit(overloadVariant(real)));
    const steady = suiteOf(doc, 'steady');
    const owed = kids(caseOf(steady, 'owed deliveries arrived'), 'failure')[0];
    expect(owed?.attrs.type).toBe('undelivered');
    expect(owed?.attrs.message).toMatch(/^expected every owed delivery to arrive: actual 500 of [\d,]+ still outstanding when chatbench stopped waiting$/);
    expect(owed?.text).toContain('not a protocol violation');
    expect(owed?.text).toContain('drain: 12.0 s, ended because nothing arrived for 2 s (40,000 owed when it began, 500 still owed at its end)');
    // Late is not lost: the QoS 1 guarantee holds.
    expect(kids(caseOf(steady, 'delivery guarantees (QoS 1)'), 'failure')).toEqual([]);
    expect(kids(caseOf(steady, 'p99 < 10s'), 'failure')[0]?.attrs.message).toBe(`p99 < 10s: actual > 12 s`);
    expect(OVERLOAD.waitedMicros).toBe(12_000_000);
  });

  it('carries the target, protocol version, run id and tool version as properties, and times in seconds', () => {
    const doc = parseXml(renderJunit(real));
    const props = Object.fromEntries(kids(kids(suiteOf(doc, 'slow'), 'properties')[0] as XmlElement, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ 'target.url': real.target.url, 'target.protocol': 'mqtt', 'target.protocolVersion': '3.1.1', 'run.id': 'rpt', 'tool.version': TOOL_VERSION });
    const total = (Date.parse(real.finishedAt) - Date.parse(real.startedAt)) / 1000;
    expect(Number(doc.attrs.time)).toBeCloseTo(total, 2);
    const times = kids(doc, 'testsuite').map((s) => Number(s.attrs.time));
    // Each scenario sends for 0.5 s after connecting; together they span the run.
    for (const t of times) expect(t).toBeGreaterThan(0.5);
    expect(times.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total + 0.001);
    expect(kids(suiteOf(doc, 'slow'), 'system-out')[0]?.text).toMatch(/FAIL slow\s+4 users, 1 room, QoS 1/);
  });

  it('makes the abort of a scenario its one error, keeps what was measured before it, and skips the scenarios never reached', () => {
    const doc = parseXml(renderJunit(abortedVariant(real)));
    const slow = suiteOf(doc, 'slow');
    expect(counts(slow)).toEqual({ tests: '7', failures: '1', errors: '1', skipped: '0' });
    // The abort itself: the only <error>.
    const cases = kids(slow, 'testcase');
    expect(cases[0]?.attrs.name).toBe('ran to the end');
    expect(kids(caseOf(slow, 'ran to the end'), 'error')[0]?.attrs).toEqual({ message: 'aborted: interrupted by SIGINT', type: 'aborted' });
    expect(cases.filter((c) => kids(c, 'error').length > 0)).toHaveLength(1);
    // A threshold that failed on what was measured stays a failure, and says so.
    expect(kids(caseOf(slow, 'p99 < 1us'), 'failure')[0]?.attrs.message).toMatch(/^p99 < 1us: actual/);
    expect(kids(caseOf(slow, 'p99 < 1us'), 'system-out')[0]?.text).toMatch(/^measured before the abort: p99 < 1us: actual/);
    // Checks that passed on what was measured stay passing test cases.
    for (const name of ['delivery guarantees (QoS 1)', 'owed deliveries arrived', 'connections', 'acknowledgement flow']) {
      const c = caseOf(slow, name);
      expect(kids(c, 'error').concat(kids(c, 'failure'))).toEqual([]);
      expect(kids(c, 'system-out')[0]?.text).toBe('measured before the abort: passed');
    }
    const lossy = suiteOf(doc, 'lossy');
    expect(counts(lossy)).toEqual({ tests: '1', failures: '0', errors: '0', skipped: '1' });
    expect(kids(caseOf(lossy, 'not run'), 'skipped')[0]?.attrs.message).toBe('not run: the run stopped before this scenario (slow: interrupted by SIGINT)');
    expect(counts(doc)).toEqual({ tests: '14', failures: '1', errors: '1', skipped: '1' });
  });

  it('reports the scenario whose target could not be reached as an error, and the rest as skipped', () => {
    const doc = parseXml(renderJunit(unreachableVariant(real)));
    expect(kids(doc, 'testsuite').map((s) => s.attrs.name)).toEqual(['steady', 'slow', 'lossy']);
    expect(kids(caseOf(suiteOf(doc, 'slow'), 'not run'), 'error')[0]?.attrs.message).toBe('cannot reach target mqtt://127.0.0.1:1: connection refused (ECONNREFUSED 127.0.0.1:1)');
    expect(kids(caseOf(suiteOf(doc, 'lossy'), 'not run'), 'skipped')).toHaveLength(1);
    expect(counts(doc)).toEqual({ tests: '8', failures: '0', errors: '1', skipped: '1' });
  });
});

describe('XML escaping', () => {
  it('escapes markup characters in attributes and text', () => {
    expect(xmlAttr(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(xmlText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;');
    // Tab and line breaks survive attribute-value normalisation only as references.
    expect(xmlAttr('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
    expect(xmlText('a\tb\nc')).toBe('a\tb\nc');
  });

  it('replaces characters XML 1.0 forbids, keeping every other character', () => {
    const forbidden = '\u0000\u0001\u0008\u000B\u000C\u001B\u001F\uFFFE\uFFFF\uDFFF\uD800'; // a low surrogate before a high one: two lone halves
    expect(xmlAttr(forbidden)).toBe('\uFFFD'.repeat(11));
    expect(xmlText(`x${forbidden}y`)).toBe(`x${'\uFFFD'.repeat(11)}y`);
    expect(xmlText('µs ✓ 😀 \u007F \uE000')).toBe('µs ✓ 😀 \u007F \uE000');
  });

  it('renders hostile names and reasons into a document that reads back to the same text', () => {
    const copy = abortedVariant(real);
    const slow = scenario(copy, 'slow');
    const name = `x"<y>&'z\u0007`;
    slow.name = name;
    slow.reasons[0] = { kind: 'abort', cause: 'signal', message: 'stopped: <\u001b[31mboom\u001b[0m> & "more"' };
    const doc = parseXml(renderJunit(copy));
    const suite = kids(doc, 'testsuite')[1] as XmlElement;
    expect(suite.attrs.name).toBe(`x"<y>&'z\uFFFD`);
    expect(kids(suite, 'testcase')[0]?.attrs.classname).toBe(`chatbench.x"<y>&'z\uFFFD`);
    expect(kids(kids(suite, 'testcase')[0] as XmlElement, 'error')[0]?.attrs.message).toBe('aborted: stopped: <\uFFFD[31mboom\uFFFD[0m> & "more"');
  });

  it('the reader used here rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/closes/);
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow(/bare &/);
    expect(() => parseXml('<a>\u0001</a>')).toThrow(/not allowed/);
    expect(() => parseXml('<a x="<"/>')).toThrow(/not well-formed/);
    expect(() => parseXml('<a>')).toThrow(/unclosed/);
  });
});
