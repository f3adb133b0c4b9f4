/**
 * JUnit XML for CI test reporters (Jenkins, GitLab, GitHub): one <testsuite> per scenario,
 * one <testcase> per threshold, per delivery level ("delivery guarantees (QoS n)"), for the
 * owed deliveries, the connections, the acknowledgement flow and each chat pattern check
 * (junit-patterns.ts: presence updates, wills, retained, catch-up, takeover). Each case fails on the typed
 * reasons the verdict gave (never on a figure the renderer judges itself) and says what was
 * expected and what was measured; an aborted scenario gets one <error> case ("ran to the end")
 * with the abort reason, its other cases judged what was measured before it (and say so); a scenario the run never reached is <skipped> (or an <error>, for the one it stopped
 * on). Returns a string; writes nothing.
 */
import { DELIVERY_LEVELS } from '../core/driver.js';
import type { LevelDelivery, Reason, RunResult, ScenarioResult } from '../core/result/index.js';
import {
  connectionLines, deliveryCounts, describeAnomaly, drainLine, sendLines, thresholdActual, undeliveredNote,
} from './accounts.js';
import { renderConsole } from './console.js';
import { describeWorkload, notRunReason, notRunScenarios, workloadOf } from './describe.js';
import { xmlAttr, xmlText } from './escape-xml.js';
import { formatCount } from './format.js';
import { patternCaseCovers, patternCases } from './junit-patterns.js';
import { injectedNote } from './patterns.js';

export type Outcome =
  | { kind: 'passed' }
  | { kind: 'failure' | 'error' | 'skipped'; type: string; message: string; detail?: string };

export interface Case {
  name: string;
  /** The test class it belongs to; `chatbench.<suite name>` when not given. */
  classname?: string;
  seconds?: number;
  outcome: Outcome;
  /** The case's own <system-out>: "measured before the abort" on an aborted scenario's cases. */
  systemOut?: string;
}

export interface Suite {
  name: string;
  seconds: number;
  timestamp?: string;
  properties: ReadonlyArray<readonly [string, string]>;
  cases: Case[];
  systemOut?: string;
}

export function renderJunit(result: RunResult): string {
  const suites = [
    ...result.scenarios.map((s, i) => scenarioSuite(result, s, scenarioSeconds(result, i))),
    ...notRunScenarios(result).map((name) => notRunSuite(result, name)),
  ];
  return junitDocument(suites, result.startedAt, result.finishedAt);
}

/** The XML document of `suites` (every kind of result writes its JUnit through this). */
export function junitDocument(suites: readonly Suite[], startedAt: string, finishedAt: string): string {
  const total = tally(suites.flatMap((s) => s.cases));
  const runSeconds = seconds(startedAt, finishedAt) ?? suites.reduce((sum, s) => sum + s.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'chatbench', ...total, time: runSeconds.toFixed(3), timestamp: startedAt })}>`,
    ...suites.flatMap(renderSuite),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function scenarioSuite(result: RunResult, s: ScenarioResult, time: number): Suite {
  const cases: Case[] = [
    ...s.thresholds.map((v): Case => ({
      name: v.expression,
      outcome: v.passed ? PASSED : { kind: 'failure', type: 'threshold', message: `${v.expression}: ${thresholdActual(s, v)}` },
    })),
    ...DELIVERY_LEVELS.flatMap((level) => {
      const d = s.delivery.byQos[level];
      return d === undefined ? [] : [deliveryCase(s, level, d)];
    }),
    owedCase(s),
    connectionsCase(s),
    ackFlowCase(s),
    ...patternCases(s),
    // A reason no case above covers still fails the suite, under its own name (a pattern reason: its check's).
    ...s.reasons.filter((r) => !covered(s, r)).map((r): Case => ({ name: r.kind === 'pattern' ? r.check : r.kind, outcome: { kind: 'failure', type: r.kind, message: r.message } })),
  ];
  if (s.status === 'aborted') {
    // Only the abort is an error. The other cases judged what was measured before it: a check
    // that passed on that stays passed, a threshold that failed on it stays a failure; each says so.
    const abort = s.reasons.find((r) => r.kind === 'abort')?.message ?? (result.aborted === null ? 'aborted' : result.aborted.message);
    for (const c of cases) {
      c.systemOut = c.outcome.kind === 'passed' ? 'measured before the abort: passed' : `measured before the abort: ${c.outcome.message}`;
    }
    cases.unshift({ name: 'ran to the end', outcome: { kind: 'error', type: 'aborted', message: `aborted: ${abort}` } });
  }
  const single: RunResult = { ...result, aborted: null, selected: [], scenarios: [s] };
  return {
    name: s.name,
    seconds: time,
    timestamp: s.startedAt,
    properties: [...runProperties(result), ['scenario.workload', describeWorkload(workloadOf(s))]],
    cases,
    systemOut: renderConsole(single),
  };
}

export const PASSED: Outcome = { kind: 'passed' };
/** Reason kinds a case of their own reports (an abort: the "ran to the end" error case). */
const COVERED: ReadonlySet<Reason['kind']> = new Set(['threshold', 'delivery', 'undelivered', 'connection', 'send', 'protocol', 'abort']);

/** A pattern reason is covered when the scenario has the figures its case needs (junit-patterns.ts). */
function covered(s: ScenarioResult, r: Reason): boolean {
  return r.kind === 'pattern' ? patternCaseCovers(s, r.check) : COVERED.has(r.kind);
}

const KINDS = ['lost', 'duplicated', 'reordered'] as const;

function deliveryCase(s: ScenarioResult, level: number, d: LevelDelivery): Case {
  const name = `delivery guarantees (QoS ${level})`;
  if (!s.reasons.some((r) => r.kind === 'delivery' && r.level === level)) return { name, outcome: PASSED };
  const kinds = KINDS.filter((k) => !d.allowed[k]);
  const permitted = KINDS.filter((k) => d.allowed[k]);
  return {
    name,
    outcome: {
      kind: 'failure',
      type: 'delivery',
      message: `expected ${kinds.map((k) => `0 ${k}`).join(', ')} at QoS ${level}: actual ${kinds.map((k) => `${formatCount(d[k])} ${k}`).join(', ')}`,
      detail: `${deliveryCounts(d)}; ${formatCount(d.violations)} violations${permitted.length > 0 ? ` (QoS ${level} permits ${permitted.join(' and ')} messages)` : ''}${injectedText(d)}`,
    },
  };
}

/** The deliveries not held against the server at this level, after the counts. */
function injectedText(d: LevelDelivery): string {
  const note = injectedNote(d);
  return note === null ? '' : `\n${note}`;
}

function owedCase(s: ScenarioResult): Case {
  const name = 'owed deliveries arrived';
  const reason = s.reasons.find((r) => r.kind === 'undelivered');
  if (reason === undefined) return { name, outcome: PASSED };
  const d = s.delivery;
  return {
    name,
    outcome: {
      kind: 'failure',
      type: 'undelivered',
      message: `expected every owed delivery to arrive: actual ${formatCount(d.undelivered)} of ${formatCount(d.expected)} still outstanding when chatbench stopped waiting`,
      detail: [reason.message, undeliveredNote(s), drainLine(s)].filter((line): line is string => line !== null).join('\n'),
    },
  };
}

function connectionsCase(s: ScenarioResult): Case {
  const reasons = s.reasons.filter((r) => r.kind === 'connection' || r.kind === 'send');
  if (reasons.length === 0) return { name: 'connections', outcome: PASSED };
  const c = s.connections;
  return {
    name: 'connections',
    outcome: {
      kind: 'failure',
      type: 'connections',
      message: `expected no lost connections and no unfinished sends: actual ${formatCount(c.lost)} of ${formatCount(c.opened)} connections lost, ${formatCount(s.sends.failed)} sends not completed`,
      detail: [...connectionLines(s), ...sendLines(s)].join('\n'),
    },
  };
}

function ackFlowCase(s: ScenarioResult): Case {
  const reasons = s.reasons.filter((r) => r.kind === 'protocol');
  if (reasons.length === 0) return { name: 'acknowledgement flow', outcome: PASSED };
  return {
    name: 'acknowledgement flow',
    outcome: {
      kind: 'failure',
      type: 'protocol',
      message: reasons.map((r) => r.message).join('; '),
      detail: s.anomalies.map(describeAnomaly).join('\n'),
    },
  };
}

/** A selected scenario the run never finished: an error for the one it stopped on, skipped after it. */
function notRunSuite(result: RunResult, name: string): Suite {
  const why = notRunReason(result, name);
  const outcome: Outcome = why.stoppedHere
    ? { kind: 'error', type: 'aborted', message: why.text }
    : { kind: 'skipped', type: 'not-run', message: `not run: ${why.text}` };
  return { name, seconds: 0, properties: runProperties(result), cases: [{ name: 'not run', outcome }] };
}

/** The target, run and tool as suite properties (every kind of result has them). */
export function runProperties(result: Pick<RunResult, 'target' | 'runId' | 'tool'>): Array<readonly [string, string]> {
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
    const open = `    <testcase${attrs({ name: c.name, classname: c.classname ?? `chatbench.${suite.name}`, time: c.seconds === undefined ? '0' : c.seconds.toFixed(3) })}`;
    const o = c.outcome;
    const out = c.systemOut === undefined ? [] : [`      <system-out>${xmlText(c.systemOut)}</system-out>`];
    if (o.kind === 'passed') {
      lines.push(...(out.length === 0 ? [`${open}/>`] : [`${open}>`, ...out, '    </testcase>']));
    } else if (o.kind === 'skipped') {
      lines.push(`${open}>`, `      <skipped${attrs({ message: o.message })}/>`, ...out, '    </testcase>');
    } else {
      const body = o.detail === undefined ? '/>' : `>${xmlText(o.detail)}</${o.kind}>`;
      lines.push(`${open}>`, `      <${o.kind}${attrs({ message: o.message, type: o.type })}${body}`, ...out, '    </testcase>');
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
