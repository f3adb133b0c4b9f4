/**
 * Numbers as the reports write them: latencies with units, counts with thousands separators,
 * rates and bytes humanised, singulars right. One place, so every report reads the same.
 */
import type { LatencySummary, PercentileKey } from '../core/result/index.js';
import type { MetricUnit } from '../core/verdict/metrics.js';
import { exactMicros, exactNumber } from '../core/words.js';

/** Counts in sentences, exact figures: one home in core (core/words.ts), named here as the reports call them. */
export { plural } from '../core/words.js';
export { exactNumber as formatExact, exactMicros as formatMicrosExact };

/** 850 -> "850 µs", 12_345 -> "12.3 ms", 2_500_000 -> "2.50 s", 12_000_000 -> "12.0 s". */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(us < 10_000_000 ? 2 : 1)} s`;
}

/**
 * A percentile of a latency summary: "-" when nothing was owed, "> 12.0 s" when it falls among
 * the deliveries that never arrived (null in the summary), never a small number for those.
 */
export function formatPercentile(l: LatencySummary, key: PercentileKey): string {
  if (l.count === 0 && l.censored === 0) return '-';
  const value = l[key];
  return value === null ? `> ${formatMicros(l.waited)}` : formatMicros(value);
}

/** 1234.5 -> "1,235"; 0.5 -> "0.50". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) < 10 && !Number.isInteger(n)) return n.toFixed(2);
  return Math.round(n).toLocaleString('en-US');
}

/** Messages per second: "1,234 msg/s". */
export function formatRate(perSecond: number): string {
  return `${formatCount(perSecond)} msg/s`;
}

/** Seconds with one decimal: "3.2 s". */
export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
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
  return unit === 0 ? `${Number(value.toFixed(1))} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${BYTE_UNITS[unit]}`;
}

/** A plain-text table: left-aligned first column, right-aligned others. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows
    .map((row) => indent + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/**
 * A metric's value in the unit the tables use for it (core/verdict/metrics.ts): "1.00 ms",
 * "4,500 msg/s", "0.05%", "3", "312.5 B". `exact` keeps the digits a threshold verdict needs.
 */
export function formatMetric(value: number, unit: MetricUnit, exact = false): string {
  switch (unit) {
    case 'us': return exact ? exactMicros(value) : formatMicros(value);
    case 'msg/s': return exact ? `${exactNumber(value)} msg/s` : formatRate(value);
    case 'ratio': return `${exact ? exactNumber(value * 100) : Number((value * 100).toPrecision(3))}%`;
    case 'count': return exact ? exactNumber(value) : formatCount(value);
    case 'bytes': return formatBytes(value);
  }
}
