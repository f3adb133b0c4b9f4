/**
 * JUnit XML for CI test reporters (Jenkins, GitLab, GitHub): one <testsuite> per scenario,
 * one <testcase> per threshold, per delivery level ("delivery guarantees (QoS n)") and for the
 * connections. A failed case says what was expected and what was measured; an aborted
 * scenario's cases are <error>s with the abort reason; a scenario the run never reached
 * is <skipped> (or an <error>, for the one whose target could not be reached).
 * Returns a string; writes nothing.
 */
import type { LevelDelivery, RunResult, ScenarioResult } from '../core/result.js';
import { renderConsole } from './console.js';
import { describeWorkload, formatActual, formatCount, notRunScenarios } from './format.js';

type Outcome =
  | { kind: 'passed' }
  | { kind: 'failure' | 'error' | 'skipped'; type: string; message: string; detail?: string };

interface Case {
  name: string;
  outcome: Outcome;
}

interface Suite {
  name: string;
  seconds: number;
  timestamp?: string;
  properties: ReadonlyArray<readonly [string, string]>;
  cases: Case[];
  systemOut?: string;
}

// XML 1.0 allows tab, LF, CR and the code points from U+0020 on, except surrogates, U+FFFE and U+FFFF.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

/** Text content: markup characters escaped, characters XML 1.0 forbids replaced by U+FFFD. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r]/g, (c) => ENTITIES[c] ?? c);
}

/** An attribute value: as text, plus quotes, and tab/newline kept as references (not normalised to spaces). */
export function xmlAttr(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? c);
}

export function renderJunit(result: RunResult): string {
  const suites = [
    ...result.scenarios.map((s, i) => scenarioSuite(result, s, scenarioSeconds(result, i))),
    ...notRunScenarios(result).map((name) => notRunSuite(result, name)),
  ];
  const total = tally(suites.flatMap((s) => s.cases));
  const runSeconds = seconds(result.startedAt, result.finishedAt) ?? suites.reduce((sum, s) => sum + s.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'chatbench', ...total, time: runSeconds.toFixed(3), timestamp: result.startedAt })}>`,
    ...suites.flatMap(renderSuite),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function scenarioSuite(result: RunResult, s: ScenarioResult, time: number): Suite {
  const cases: Case[] = [
    ...s.thresholds.map((v): Case => ({
      name: v.expression,
      outcome: v.passed ? { kind: 'passed' } : { kind: 'failure', type: 'threshold', message: `${v.expression}: ${formatActual(v)}` },
    })),
    ...Object.entries(s.delivery.byQos).flatMap(([level, d]) => (d === undefined ? [] : [deliveryCase(level, d)])),
    connectionsCase(s),
  ];
  if (s.status === 'aborted') {
    const reason = s.reasons[0] ?? result.aborted ?? 'aborted';
    for (const c of cases) {
      const before = c.outcome.kind === 'passed' ? 'measured before the abort: passed' : `measured before the abort: ${c.outcome.message}`;
      c.outcome = { kind: 'error', type: 'aborted', message: `aborted: ${reason}`, detail: before };
    }
  }
  const single: RunResult = { ...result, aborted: null, selected: [], scenarios: [s] };
  return {
    name: s.name,
    seconds: time,
    timestamp: s.startedAt,
    properties: [...runProperties(result), ['scenario.workload', describeWorkload(s)]],
    cases,
    systemOut: renderConsole(single),
  };
}

function deliveryCase(level: string, d: LevelDelivery): Case {
  const name = `delivery guarantees (QoS ${level})`;
  const kinds = (['lost', 'duplicated', 'reordered'] as const).filter((k) => !d.allowed[k]);
  const permitted = (['lost', 'duplicated', 'reordered'] as const).filter((k) => d.allowed[k]);
  if (d.violations === 0) return { name, outcome: { kind: 'passed' } };
  return {
    name,
    outcome: {
      kind: 'failure',
      type: 'delivery',
      message: `expected ${kinds.map((k) => `0 ${k}`).join(', ')} at QoS ${level}: actual ${kinds.map((k) => `${formatCount(d[k])} ${k}`).join(', ')}`,
      detail: `expected ${formatCount(d.expected)}, delivered ${formatCount(d.delivered)}, lost ${formatCount(d.lost)}, duplicated ${formatCount(d.duplicated)}, reordered ${formatCount(d.reordered)}` +
        `; ${formatCount(d.violations)} violations${permitted.length > 0 ? ` (QoS ${level} permits ${permitted.join(' and ')} messages)` : ''}`,
    },
  };
}

function connectionsCase(s: ScenarioResult): Case {
  const c = s.connections;
  const failedSends = s.delivery.sendErrors;
  if (c.lost === 0 && failedSends === 0) return { name: 'connections', outcome: { kind: 'passed' } };
  return {
    name: 'connections',
    outcome: {
      kind: 'failure',
      type: 'connections',
      message: `expected no lost connections and no failed sends: actual ${formatCount(c.lost)} of ${formatCount(c.opened)} connections lost, ${formatCount(failedSends)} sends failed`,
      ...(c.lostReasons.length > 0 ? { detail: c.lostReasons.join('\n') } : {}),
    },
  };
}

/** A selected scenario the run never finished: an error for the one it stopped on, skipped after it. */
function notRunSuite(result: RunResult, name: string): Suite {
  const prefix = `${name}: `;
  const outcome: Outcome = result.aborted?.startsWith(prefix)
    ? { kind: 'error', type: 'aborted', message: result.aborted.slice(prefix.length) }
    : { kind: 'skipped', type: 'not-run', message: `not run: the run stopped before this scenario (${result.aborted ?? 'no reason recorded'})` };
  return { name, seconds: 0, properties: runProperties(result), cases: [{ name: 'not run', outcome }] };
}

function runProperties(result: RunResult): Array<readonly [string, string]> {
  return [
    ['target.url', result.target.url],
    ['target.protocol', result.target.protocol],
    ['target.protocolVersion', result.target.protocolVersion],
    ['target.embedded', String(result.target.embedded)],
    ['run.id', result.runId],
    ['tool.version', result.tool.version],
  ];
}

function renderSuite(suite: Suite): string[] {
  const lines = [
    `  <testsuite${attrs({ name: suite.name, ...tally(suite.cases), time: suite.seconds.toFixed(3), ...(suite.timestamp ? { timestamp: suite.timestamp } : {}) })}>`,
    '    <properties>',
    ...suite.properties.map(([name, value]) => `      <property${attrs({ name, value })}/>`),
    '    </properties>',
  ];
  for (const c of suite.cases) {
    const open = `    <testcase${attrs({ name: c.name, classname: `chatbench.${suite.name}`, time: '0' })}`;
    const o = c.outcome;
    if (o.kind === 'passed') {
      lines.push(`${open}/>`);
    } else if (o.kind === 'skipped') {
      lines.push(`${open}>`, `      <skipped${attrs({ message: o.message })}/>`, '    </testcase>');
    } else {
      const body = o.detail === undefined ? '/>' : `>${xmlText(o.detail)}</${o.kind}>`;
      lines.push(`${open}>`, `      <${o.kind}${attrs({ message: o.message, type: o.type })}${body}`, '    </testcase>');
    }
  }
  if (suite.systemOut !== undefined) lines.push(`    <system-out>${xmlText(suite.systemOut)}</system-out>`);
  lines.push('  </testsuite>');
  return lines;
}

function tally(cases: readonly Case[]): { tests: string; failures: string; errors: string; skipped: string } {
  const count = (kind: Outcome['kind']): string => String(cases.filter((c) => c.outcome.kind === kind).length);
  return { tests: String(cases.length), failures: count('failure'), errors: count('error'), skipped: count('skipped') };
}

function attrs(values: Readonly<Record<string, string>>): string {
  return Object.entries(values).map(([k, v]) => ` ${k}="${xmlAttr(v)}"`).join('');
}

/** Wall time of scenario `index`: until the next one started, or the run finished. */
function scenarioSeconds(result: RunResult, index: number): number {
  const s = result.scenarios[index];
  if (s === undefined) return 0;
  return seconds(s.startedAt, result.scenarios[index + 1]?.startedAt ?? result.finishedAt) ?? s.throughput.durationSeconds;
}

function seconds(from: string, to: string): number | undefined {
  const t = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(t) && t >= 0 ? t : undefined;
}
