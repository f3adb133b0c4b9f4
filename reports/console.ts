/**
 * The console summary: per scenario, traffic, latency percentiles with units (censored ones as
 * "> waited"), delivery per the protocol's rules with lost and undelivered told apart, how the
 * drain ended, downgrades, lost connections, unfinished sends, anomalies, a short block per chat
 * pattern the scenario has (presence, retained, absences, takeover, faults) and each threshold's
 * verdict. Returns a string; writes nothing.
 */
import type { LatencySummary, RunResult, ScenarioResult } from '../core/result/index.js';
import {
  DELIVERY_SCOPE, censoredNote, connectionLines, lagNote, deliveryCounts, describeAnomaly, downgradeLines, drainLine, lostNote, otherReasons, sendLines, thresholdActual,
  undeliveredNote, windowLine,
} from './accounts.js';
import { palette, type Palette } from './color.js';
import { describeAbort, describeIdle, describeResultTarget, describeServer, describeWorkload, passedSummary, statusLabel, workloadOf } from './describe.js';
import { formatBytes, formatCount, formatPercentile, plural, table } from './format.js';
import { describeFaultEvent, injectedNote, patternAccounts, unlistedEvents } from './patterns.js';

export interface ConsoleOptions {
  color: boolean;
}

export function renderConsole(result: RunResult, options: ConsoleOptions = { color: false }): string {
  const p = palette(options.color);
  const t = result.target;
  const out: string[] = [
    `${p.bold(`chatbench ${result.tool.version}`)} — ${describeResultTarget(t)}, run ${result.runId}, TCP_NODELAY ${t.tcpNoDelay ? 'on' : 'off'}`,
  ];
  if (result.server) out.push(describeServer(result.server));
  for (const s of result.scenarios) out.push('', ...scenarioLines(s, p));
  if (result.aborted !== null) out.push('', p.yellow(`Run aborted: ${describeAbort(result.aborted)}`));
  if (result.selected.length > 0 && result.scenarios.length > 0) out.push('', passedSummary(result));
  return `${out.join('\n')}\n`;
}

function statusText(status: ScenarioResult['status'], p: Palette): string {
  const colour = status === 'passed' ? p.green : status === 'failed' ? p.red : p.yellow;
  return colour(statusLabel(status));
}

function scenarioLines(s: ScenarioResult, p: Palette): string[] {
  const d = s.delivery;
  const out = [
    `${statusText(s.status, p)} ${p.bold(s.name)}  ${describeWorkload(workloadOf(s))}`,
    `  ${windowLine(s)}`,
    table([
      ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'],
      latencyRow('latency', s.latency),
      latencyRow('service time', s.serviceTime),
      latencyRow('schedule lag', s.scheduleLag),
      latencyRow('connect', s.connections.connectTime),
    ]),
  ];
  for (const note of [lagNote(s), censoredNote(s)]) if (note !== null) out.push(p.yellow(`  ${note}`));
  const counts = `  delivery (${DELIVERY_SCOPE}): ${deliveryCounts(d)}`;
  out.push(d.violations > 0 ? p.red(`${counts} — ${formatCount(d.violations)} violations`) : counts);
  for (const note of [lostNote(s), undeliveredNote(s)]) if (note !== null) out.push(p.yellow(`    ${note}`));
  const injected = injectedNote(d);
  if (injected !== null) out.push(`    ${injected}`);
  out.push(`  ${drainLine(s)}`);
  for (const line of downgradeLines(s)) out.push(p.yellow(`  ${line}`));
  const [lost, ...ends] = connectionLines(s);
  if (lost !== undefined) out.push(p.yellow(`  connections: ${lost}`), ...ends.map((e) => `    ${e}`));
  const sends = sendLines(s);
  if (sends.length > 0) out.push(p.yellow('  sends not completed:'), ...sends.map((line) => `    ${line}`));
  for (const a of s.anomalies) out.push(p.red(`  protocol anomaly: ${describeAnomaly(a)}`));
  out.push(`  wire: out ${formatBytes(s.wire.bytesOut)}, in ${formatBytes(s.wire.bytesIn)} (handshake out ${formatBytes(s.wire.phases.handshake.bytesOut)}, in ${formatBytes(s.wire.phases.handshake.bytesIn)})`);
  const idle = describeIdle(s);
  if (idle !== null) out.push(`  ${idle}`);
  out.push(...patternLines(s, p));
  for (const v of s.thresholds) out.push(`  ${v.passed ? p.green('✓') : p.red('✗')} ${v.expression}  (${thresholdActual(s, v)})`);
  for (const reason of otherReasons(s)) out.push(p.red(`  ! ${reason.message}`));
  return out;
}

/** Timeline events the console lists; the HTML report lists more. */
const CONSOLE_FAULT_EVENTS = 5;

/** A short block per pattern: its summary (red when the verdict failed one of its checks), and the first fault events. */
function patternLines(s: ScenarioResult, p: Palette): string[] {
  const out = patternAccounts(s).map((a) => `  ${a.failed ? p.red(a.summary) : a.summary}`);
  const f = s.faults;
  if (f !== undefined) {
    out.push(...f.timeline.slice(0, CONSOLE_FAULT_EVENTS).map((e) => `    ${describeFaultEvent(e)}`));
    const more = unlistedEvents(f, CONSOLE_FAULT_EVENTS);
    if (more > 0) out.push(`    … ${plural(more, 'more event')}`);
  }
  return out;
}

function latencyRow(label: string, l: LatencySummary): string[] {
  return [label, formatPercentile(l, 'p50'), formatPercentile(l, 'p90'), formatPercentile(l, 'p99'), formatPercentile(l, 'p999'), formatPercentile(l, 'max'), formatCount(l.count)];
}
