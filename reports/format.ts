/** Human formatting shared by the text reports: latencies with units, rates and bytes humanised. */
import type { RunResult, ScenarioResult, ThresholdVerdict } from '../core/result.js';

/** 850 -> "850 µs", 12_345 -> "12.3 ms", 2_500_000 -> "2.50 s". */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** 1234.5 -> "1,235"; 0.5 -> "0.5". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) < 10 && !Number.isInteger(n)) return n.toFixed(2);
  return Math.round(n).toLocaleString('en-US');
}

/** A threshold's measured value, exact enough to see why it failed: 999.98, 0.002139, 1,000. */
export function formatExact(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return String(Number(n.toPrecision(6)));
}

/** "1 room", "2 rooms", "1,500 users". */
export function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** Messages per second: "1,234 msg/s". */
export function formatRate(perSecond: number): string {
  return `${formatCount(perSecond)} msg/s`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${BYTE_UNITS[unit]}`;
}

/** Left-aligned first column, right-aligned others. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows
    .map((row) => indent + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** A scenario's status as the reports write it. */
export function statusLabel(status: ScenarioResult['status']): 'PASS' | 'FAIL' | 'ABORTED' {
  return status === 'passed' ? 'PASS' : status === 'failed' ? 'FAIL' : 'ABORTED';
}

/** "50 users, 5 rooms, QoS 1, 256 B at 500 msg/s" (direct pairs named when there are any). */
export function describeWorkload(s: ScenarioResult): string {
  const pairs = typeof s.spec['directPairs'] === 'number' ? s.spec['directPairs'] : 0;
  const shape = [plural(s.users, 'user'), plural(s.rooms, 'room'), ...(pairs > 0 ? [plural(pairs, 'direct pair')] : [])].join(', ');
  return `${shape}, QoS ${s.qos}, ${formatBytes(s.payloadBytes)} at ${formatRate(s.targetRate)}`;
}

/** A threshold's measured value in the expression's unit: "61.234 ms", or "nothing measured". */
export function formatThresholdValue(v: ThresholdVerdict): string {
  if (v.actual === null) return 'nothing measured';
  return `${formatExact(v.actual)}${v.unit ? ` ${v.unit === 'us' ? 'µs' : v.unit}` : ''}`;
}

/** The same with its label: "actual 61.234 ms", or "nothing measured". */
export function formatActual(v: ThresholdVerdict): string {
  return v.actual === null ? formatThresholdValue(v) : `actual ${formatThresholdValue(v)}`;
}

/** "2 of 3 scenarios passed (1 not run)". */
export function passedSummary(result: RunResult): string {
  const passed = result.scenarios.filter((s) => s.status === 'passed').length;
  const total = Math.max(result.selected.length, result.scenarios.length);
  const notRun = notRunScenarios(result).length;
  return `${passed} of ${total} scenarios passed${notRun > 0 ? ` (${notRun} not run)` : ''}`;
}

/** Scenarios the run set out to run but never finished measuring (it stopped before them). */
export function notRunScenarios(result: RunResult): string[] {
  const ran = new Set(result.scenarios.map((s) => s.name));
  return result.selected.filter((name) => !ran.has(name));
}
