/**
 * The console summary: per scenario, traffic, latency percentiles with units, delivery
 * correctness per QoS and each threshold's verdict. Returns a string; writes nothing.
 */
import type { RunResult, ScenarioResult } from '../core/result.js';
import { describeWorkload, formatActual, formatBytes, formatCount, formatMicros, formatRate, passedSummary, plural, statusLabel, table } from './format.js';

export interface ConsoleOptions {
  color: boolean;
}

const paint = (on: boolean, code: number) => (s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function renderConsole(result: RunResult, options: ConsoleOptions = { color: false }): string {
  const green = paint(options.color, 32);
  const red = paint(options.color, 31);
  const yellow = paint(options.color, 33);
  const bold = paint(options.color, 1);
  const statusText = (s: ScenarioResult['status']): string => (s === 'passed' ? green : s === 'failed' ? red : yellow)(statusLabel(s));

  const t = result.target;
  const out: string[] = [
    bold(`chatbench ${result.tool.version}`) +
      ` — ${t.protocol.toUpperCase()} ${t.protocolVersion} ${t.embedded ? `embedded broker (${t.url})` : t.url}, run ${result.runId}, TCP_NODELAY ${t.tcpNoDelay ? 'on' : 'off'}`,
  ];
  for (const s of result.scenarios) {
    out.push('', `${statusText(s.status)} ${bold(s.name)}  ${describeWorkload(s)}`);
    const th = s.throughput;
    out.push(`  sent ${formatCount(th.sent)} (${formatRate(th.sentPerSecond)})  delivered ${formatCount(th.delivered)} (${formatRate(th.deliveredPerSecond)}) over ${th.durationSeconds.toFixed(1)} s`);
    out.push(table([
      ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'],
      latencyRow('latency', s.latency),
      latencyRow('service time', s.serviceTime),
      latencyRow('schedule lag', s.scheduleLag),
      latencyRow('connect', s.connections.connectTime),
    ]));
    const d = s.delivery;
    const lossLine = `  delivery: expected ${formatCount(d.expected)}, delivered ${formatCount(d.delivered)}, lost ${formatCount(d.lost)}, duplicated ${formatCount(d.duplicated)}, reordered ${formatCount(d.reordered)}`;
    out.push(d.violations > 0 ? red(`${lossLine} — ${formatCount(d.violations)} violations`) : lossLine);
    if (d.sendErrors > 0) out.push(yellow(`  send errors: ${formatCount(d.sendErrors)}`));
    if (s.connections.downgraded > 0) {
      out.push(yellow(`  the server granted less than QoS ${s.qos} on ${plural(s.connections.downgraded, 'subscription')}: their deliveries are judged at the granted level`));
    }
    out.push(`  wire: out ${formatBytes(s.wire.bytesOut)}, in ${formatBytes(s.wire.bytesIn)} (handshake out ${formatBytes(s.wire.phases.handshake.bytesOut)}, in ${formatBytes(s.wire.phases.handshake.bytesIn)})`);
    for (const v of s.thresholds) out.push(`  ${v.passed ? green('✓') : red('✗')} ${v.expression}  (${formatActual(v)})`);
    for (const reason of s.reasons) if (!s.thresholds.some((v) => reason.includes(v.expression))) out.push(red(`  ! ${reason}`));
  }
  if (result.aborted !== null) out.push('', yellow(`Run aborted: ${result.aborted}`));
  if (result.selected.length > 0 && result.scenarios.length > 0) out.push('', passedSummary(result));
  return `${out.join('\n')}\n`;
}

function latencyRow(label: string, l: ScenarioResult['latency']): string[] {
  if (l.count === 0) return [label, '-', '-', '-', '-', '-', '0'];
  return [label, formatMicros(l.p50), formatMicros(l.p90), formatMicros(l.p99), formatMicros(l.p999), formatMicros(l.max), formatCount(l.count)];
}
