/**
 * The HTML report's charts, as inline SVG: the latency percentile distribution of a scenario
 * (latency and service time, decoded from their HDR histograms) and its per-second delivered
 * throughput. Each returns a <figure>; a chart with nothing to draw says so in words.
 */
import { decodeHistogram, ninesPercentiles, percentileNines, valuesAtPercentiles } from '../core/metrics/histogram.js';
import type { LatencySummary, ScenarioResult } from '../core/result.js';
import { formatCount, formatExact } from './format.js';
import {
  bar, decadeDomain, el, esc, legendEntry, linearScale, linearTicks, logScale, logTicks, niceCeil, polyline, svgChart, xAxis, yAxis, type Plot,
} from './svg.js';

/** The percentile chart's x axis runs to 99.99 % (four nines). */
export const CHART_MAX_NINES = 4;
/** The percentiles plotted, 10 per nine from 0 to 99.99: every series' polyline has one point per entry. */
export const CHART_PERCENTILES: readonly number[] = ninesPercentiles(CHART_MAX_NINES, 10);
const NINES_LABELS = ['0%', '90%', '99%', '99.9%', '99.99%'];

const WIDTH = 600;
const HEIGHT = 300;
const PLOT: Plot = { left: 70, top: 30, width: WIDTH - 70 - 20, height: HEIGHT - 30 - 48 };

/** A tick label on a log latency axis: 1 µs, 20 µs, 5 ms, 1 s. */
export function tickMicros(us: number): string {
  if (us < 1000) return `${formatExact(us)} µs`;
  if (us < 1_000_000) return `${formatExact(us / 1000)} ms`;
  return `${formatExact(us / 1_000_000)} s`;
}

interface Series {
  key: 'latency' | 'service';
  label: string;
  values: number[];
}

function decodeSeries(key: Series['key'], label: string, summary: LatencySummary): Series | string {
  if (summary.count === 0) return `no ${label} measured`;
  try {
    return { key, label, values: valuesAtPercentiles(decodeHistogram(summary.hdr), CHART_PERCENTILES) };
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  }
}

function figure(chart: string, caption: string): string {
  return el('figure', { class: 'chart' }, [chart, el('figcaption', {}, esc(caption))]);
}

function empty(className: string, title: string, why: string): string {
  return el('figure', { class: `chart ${className} empty` }, [el('p', { class: 'muted' }, esc(`${title}: ${why}.`))]);
}

/**
 * Latency against percentile, both on log scales (x in nines: 0, 90, 99, 99.9, 99.99 %),
 * for latency from the intended send time and for service time.
 */
export function latencyChart(s: ScenarioResult, id: string): string {
  const title = `Latency percentile distribution: ${s.name}`;
  const decoded = [decodeSeries('latency', 'latency', s.latency), decodeSeries('service', 'service time', s.serviceTime)];
  const series = decoded.filter((d): d is Series => typeof d !== 'string');
  const notes = decoded.filter((d): d is string => typeof d === 'string');
  if (series.length === 0) return empty('latency-chart', title, notes.join('; '));

  const all = series.flatMap((x) => x.values);
  const [lo, hi] = decadeDomain(Math.max(1, Math.min(...all)), Math.max(...all));
  const x = linearScale(0, CHART_MAX_NINES, PLOT.left, PLOT.left + PLOT.width);
  const y = logScale(lo, hi, PLOT.top + PLOT.height, PLOT.top);
  const xTicks = NINES_LABELS.map((label, i) => ({ at: x(i), label }));
  const yTicks = logTicks(lo, hi).map((v) => ({ at: y(v), label: tickMicros(v) }));
  const lines = series.map((sr) =>
    polyline(CHART_PERCENTILES.map((p, i) => [x(percentileNines(p)), y(sr.values[i] ?? 0)] as const), { class: `line series-${sr.key}`, 'data-series': sr.key }),
  );
  const legend = series.map((sr, i) => legendEntry(PLOT.left + 10 + i * 130, 18, `line series-${sr.key}`, sr.label));
  const p99 = (sr: Series): string => tickMicros(sr.values[CHART_PERCENTILES.indexOf(99)] ?? 0);
  const desc = `Log-log plot of ${series.map((sr) => `${sr.label} (p99 ${p99(sr)})`).join(' and ')} from 0 to 99.99 percent; ` +
    `latency from ${tickMicros(lo)} to ${tickMicros(hi)}.`;
  const chart = svgChart({ id, width: WIDTH, height: HEIGHT, title, desc, className: 'latency-chart' }, [
    xAxis(PLOT, xTicks, 'percentile (log scale of nines)'),
    yAxis(PLOT, yTicks, 'latency (log scale)'),
    ...lines,
    ...legend,
  ]);
  // Past the percentile of the single highest latency, every percentile reads the maximum.
  const last = 100 * (1 - 1 / s.latency.count);
  const flat = last < 99.99 ? ` With ${formatCount(s.latency.count)} latencies, every percentile above ${formatExact(Number(last.toPrecision(4)))}% reads the maximum.` : '';
  return figure(chart, `Latency (solid) and service time (dashed) by percentile.${flat}${notes.length > 0 ? ` ${notes.join('; ')}.` : ''}`);
}

/** Deliveries in each second of the measurement window; the last bar is narrower when its second was partial. */
export function throughputChart(s: ScenarioResult, id: string): string {
  const t = s.throughput;
  const title = `Delivered messages per second: ${s.name}`;
  if (t.series.length === 0) return empty('throughput-chart', title, 'no second of the measurement window was recorded');

  const n = t.series.length;
  const ticks = linearTicks(Math.max(1, ...t.series, t.deliveredPerSecond));
  const max = ticks[ticks.length - 1] ?? 1;
  const x = linearScale(0, n, PLOT.left, PLOT.left + PLOT.width);
  const y = linearScale(0, max, PLOT.top + PLOT.height, PLOT.top);
  const step = Math.max(1, niceCeil(n / 12));
  const xTicks = Array.from({ length: Math.floor(n / step) + 1 }, (_, i) => ({ at: x(i * step), label: `${i * step}` }));
  const yTicks = ticks.map((v) => ({ at: y(v), label: formatCount(v) }));
  const band = x(1) - x(0);
  const bars = t.series.map((count, i) => {
    const span = i === n - 1 ? Math.min(1, Math.max(0.05, t.durationSeconds - (n - 1))) : 1;
    const partial = span < 1 ? ` (partial: ${formatExact(span)} s)` : '';
    return bar(x(i) + band * 0.1 * span, Math.max(1, band * 0.8 * span), y(count), y(0), `second ${i + 1}: ${formatCount(count)} delivered${partial}`, {
      class: 'bar', 'data-second': i, 'data-count': count,
    });
  });
  const mean = y(t.deliveredPerSecond);
  const meanLine = [
    el('line', { class: 'mean', x1: PLOT.left, y1: mean, x2: PLOT.left + PLOT.width, y2: mean }, null),
    el('text', { class: 'legend', x: PLOT.left + PLOT.width - 4, y: mean - 5, 'text-anchor': 'end' }, esc(`mean ${formatCount(t.deliveredPerSecond)} msg/s`)),
  ];
  const desc = `${n} bars, one per second of the ${formatExact(Number(t.durationSeconds.toFixed(2)))} s measurement window: ` +
    `from ${formatCount(Math.min(...t.series))} to ${formatCount(Math.max(...t.series))} deliveries a second, mean ${formatCount(t.deliveredPerSecond)}.`;
  const chart = svgChart({ id, width: WIDTH, height: HEIGHT, title, desc, className: 'throughput-chart' }, [
    yAxis(PLOT, yTicks, 'delivered messages'),
    xAxis(PLOT, xTicks, 'second of the measurement window'),
    ...bars,
    ...meanLine,
  ]);
  const lastSpan = t.durationSeconds - (n - 1);
  const partial = lastSpan > 0 && lastSpan < 1 ? ` The last bar counts a partial second (${formatExact(Number(lastSpan.toFixed(2)))} s).` : '';
  return figure(chart, `Delivered per second, ${formatCount(t.delivered)} in ${formatExact(Number(t.durationSeconds.toFixed(2)))} s (mean dashed).${partial}`);
}
