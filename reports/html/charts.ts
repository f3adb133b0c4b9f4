/**
 * The HTML report's charts, as inline SVG: the latency percentile distribution of a scenario
 * (latency and service time, decoded from their HDR histograms, over every owed delivery: those
 * that never arrived are drawn as a marked band above how long they were waited for, never as
 * a small value) and its per-second delivered throughput. Each returns a <figure>; a chart with
 * nothing to draw says so in words.
 */
import { decodeHistogram, ninesPercentiles, percentileNines, valuesAtPercentiles } from '../../core/metrics/histogram.js';
import type { LatencySummary, ScenarioResult } from '../../core/result/index.js';
import { xmlText } from '../escape-xml.js';
import { formatCount, formatExact, formatMicros, plural } from '../format.js';
import {
  bar, decadeDomain, legendEntry, linearScale, linearTicks, logScale, logTicks, niceCeil, polyline, svgChart, xAxis, yAxis, type Plot,
} from './chart-parts.js';
import { el } from './markup.js';
/** The percentile chart's x axis runs to 99.99 % (four nines). */
const CHART_MAX_NINES = 4;
/** The percentiles plotted, 10 per nine from 0 to 99.99: every series' polyline has one point per entry. */
export const CHART_PERCENTILES: readonly number[] = ninesPercentiles(CHART_MAX_NINES, 10);
const NINES_LABELS = ['0%', '90%', '99%', '99.9%', '99.99%'];

const WIDTH = 600;
const HEIGHT = 300;
const PLOT: Plot = { left: 70, top: 30, width: WIDTH - 70 - 20, height: HEIGHT - 30 - 48 };

/** A tick label on a log latency axis: 1 µs, 20 µs, 5 ms, 1 s. */
function tickMicros(us: number): string {
  if (us < 1000) return `${formatExact(us)} µs`;
  if (us < 1_000_000) return `${formatExact(us / 1000)} ms`;
  return `${formatExact(us / 1_000_000)} s`;
}

interface Series {
  key: 'latency' | 'service';
  label: string;
  /** One value per chart percentile up to `arrivedUpTo`; the percentiles after it fall among the censored. */
  values: number[];
  /** The highest percentile (over every owed delivery) that an arrived delivery answers. */
  arrivedUpTo: number;
  censored: number;
  waited: number;
}

/**
 * The chart percentiles over arrived + censored deliveries: percentile p of all owed is
 * percentile p × owed / arrived of those that arrived, while that stays within 100.
 */
function decodeSeries(key: Series['key'], label: string, l: LatencySummary): Series | string {
  if (l.count === 0 && l.censored === 0) return `no ${label} measured`;
  const owed = l.count + l.censored;
  const arrivedUpTo = (100 * l.count) / owed;
  const shown = CHART_PERCENTILES.filter((p) => p <= arrivedUpTo);
  try {
    const h = decodeHistogram(l.hdr);
    const values = l.count === 0 ? [] : valuesAtPercentiles(h, shown.map((p) => Math.min(100, (p * owed) / l.count)));
    return { key, label, values, arrivedUpTo, censored: l.censored, waited: l.waited };
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  }
}

function figure(chart: string, caption: string): string {
  return el('figure', { class: 'chart' }, [chart, el('figcaption', {}, xmlText(caption))]);
}

function empty(className: string, title: string, why: string): string {
  return el('figure', { class: `chart ${className} empty` }, [el('p', { class: 'muted' }, xmlText(`${title}: ${why}.`))]);
}

/**
 * The censored part of a series: a shaded band from the percentile where arrivals end to the
 * right edge, standing on a dashed line at `waited` — "more than this", never a value.
 */
function censoredBand(sr: Series, x: (nines: number) => number, y: (us: number) => number): string {
  const from = x(Math.min(CHART_MAX_NINES, percentileNines(sr.arrivedUpTo)));
  const to = PLOT.left + PLOT.width;
  const at = y(sr.waited);
  const tooltip = `${plural(sr.censored, 'owed delivery', 'owed deliveries')} never arrived (${sr.label}): more than ${formatMicros(sr.waited)}, ` +
    `from the ${formatExact(Number(sr.arrivedUpTo.toPrecision(4)))}th percentile on`;
  return el('g', { class: `censored series-${sr.key}`, 'data-series': sr.key, 'data-censored': sr.censored, 'data-waited': sr.waited }, [
    el('rect', { class: 'censored-band', x: from, y: PLOT.top, width: Math.max(1, to - from), height: Math.max(0, at - PLOT.top) }, el('title', {}, xmlText(tooltip))),
    el('line', { class: `censored-floor series-${sr.key}`, x1: from, y1: at, x2: to, y2: at }, null),
    el('text', { class: 'legend', x: to - 4, y: at - 5, 'text-anchor': 'end' }, xmlText(`> ${formatMicros(sr.waited)}: never arrived`)),
  ]);
}

/**
 * What never arrived, once per distinct tail: latency and service time count the same owed
 * deliveries, so when their tails match one sentence names both.
 */
function censoredCaption(series: readonly Series[]): string {
  const groups = new Map<string, Series[]>();
  for (const sr of series) {
    const key = `${sr.censored}/${sr.waited}/${sr.arrivedUpTo}`;
    groups.set(key, [...(groups.get(key) ?? []), sr]);
  }
  return [...groups.values()].map((group) => {
    const sr = group[0] as Series;
    return ` ${plural(sr.censored, 'owed delivery', 'owed deliveries')} never arrived (${group.map((g) => g.label).join(' and ')}): ` +
      `every percentile past ${formatExact(Number(sr.arrivedUpTo.toPrecision(4)))}% is more than ${formatMicros(sr.waited)} (the shaded band).`;
  }).join('');
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

  const all = series.flatMap((sr) => [...sr.values, ...(sr.censored > 0 ? [sr.waited] : [])]);
  const [lo, hi] = decadeDomain(Math.max(1, Math.min(...all)), Math.max(...all));
  const x = linearScale(0, CHART_MAX_NINES, PLOT.left, PLOT.left + PLOT.width);
  const y = logScale(lo, hi, PLOT.top + PLOT.height, PLOT.top);
  const xTicks = NINES_LABELS.map((label, i) => ({ at: x(i), label }));
  const yTicks = logTicks(lo, hi).map((v) => ({ at: y(v), label: tickMicros(v) }));
  const lines = series.filter((sr) => sr.values.length > 0).map((sr) =>
    polyline(sr.values.map((v, i) => [x(percentileNines(CHART_PERCENTILES[i] ?? 0)), y(v)] as const), { class: `line series-${sr.key}`, 'data-series': sr.key }),
  );
  // A censored tail inside the plotted range (up to 99.99 %) is drawn; one beyond it is only told.
  const bands = series.filter((sr) => sr.censored > 0 && sr.arrivedUpTo < (CHART_PERCENTILES.at(-1) ?? 100)).map((sr) => censoredBand(sr, x, y));
  const legend = series.map((sr, i) => legendEntry(PLOT.left + 10 + i * 130, 18, `line series-${sr.key}`, sr.label));
  const p99 = (sr: Series): string => (sr.arrivedUpTo < 99 ? `> ${formatMicros(sr.waited)}` : tickMicros(sr.values[CHART_PERCENTILES.indexOf(99)] ?? 0));
  const desc = `Log-log plot of ${series.map((sr) => `${sr.label} (p99 ${p99(sr)})`).join(' and ')} from 0 to 99.99 percent; ` +
    `latency from ${tickMicros(lo)} to ${tickMicros(hi)}.`;
  const chart = svgChart({ id, width: WIDTH, height: HEIGHT, title, desc, className: 'latency-chart' }, [
    xAxis(PLOT, xTicks, 'percentile (log scale of nines)'),
    yAxis(PLOT, yTicks, 'latency (log scale)'),
    ...bands,
    ...lines,
    ...legend,
  ]);
  const censored = censoredCaption(series.filter((sr) => sr.censored > 0));
  // Past the percentile of the single highest latency, every percentile reads the maximum.
  const last = 100 * (1 - 1 / (s.latency.count + s.latency.censored));
  const flat = s.latency.censored === 0 && last < 99.99 ? ` With ${formatCount(s.latency.count)} latencies, every percentile above ${formatExact(Number(last.toPrecision(4)))}% reads the maximum.` : '';
  return figure(chart, `Latency (solid) and service time (dashed) by percentile, over every owed delivery.${censored}${flat}${notes.length > 0 ? ` ${notes.join('; ')}.` : ''}`);
}

/** A trailing part-second shorter than this is too short to draw as a rate: it is told in words. */
const MIN_PARTIAL_SECONDS = 0.1;

/**
 * Deliveries in each second of the measurement window, as rates: a last, partial second is
 * scaled to its per-second rate and marked (a raw count would look like a collapse), or, when
 * shorter than MIN_PARTIAL_SECONDS, left out and told in the caption.
 */
export function throughputChart(s: ScenarioResult, id: string): string {
  const t = s.throughput;
  const title = `Delivered messages per second: ${s.name}`;
  const lastSpan = t.durationSeconds - (t.series.length - 1);
  const partial = lastSpan > 0 && lastSpan < 1 - 1e-9;
  const skipped = partial && lastSpan < MIN_PARTIAL_SECONDS ? (t.series.at(-1) ?? 0) : null;
  const counts = skipped === null ? t.series : t.series.slice(0, -1);
  if (counts.length === 0) {
    const why = t.series.length === 0 ? 'no second of the measurement window was recorded' : `the measurement window lasted only ${formatExact(Number(lastSpan.toFixed(3)))} s`;
    return empty('throughput-chart', title, why);
  }

  const n = counts.length;
  const spanOf = (i: number): number => (partial && i === t.series.length - 1 ? lastSpan : 1);
  const rates = counts.map((count, i) => count / spanOf(i));
  const ticks = linearTicks(Math.max(1, ...rates, t.deliveredPerSecond));
  const max = ticks[ticks.length - 1] ?? 1;
  const x = linearScale(0, n, PLOT.left, PLOT.left + PLOT.width);
  const y = linearScale(0, max, PLOT.top + PLOT.height, PLOT.top);
  const step = Math.max(1, niceCeil(n / 12));
  const xTicks = Array.from({ length: Math.floor(n / step) + 1 }, (_, i) => ({ at: x(i * step), label: `${i * step}` }));
  const yTicks = ticks.map((v) => ({ at: y(v), label: formatCount(v) }));
  const band = x(1) - x(0);
  const bars = counts.map((count, i) => {
    const span = spanOf(i);
    const rate = rates[i] ?? 0;
    const scaled = span < 1 ? ` in ${formatExact(Number(span.toFixed(2)))} s: ${formatCount(rate)}/s` : '';
    return bar(x(i) + band * 0.1 * span, Math.max(1, band * 0.8 * span), y(rate), y(0), `second ${i + 1}: ${formatCount(count)} delivered${scaled}`, {
      class: span < 1 ? 'bar partial' : 'bar', 'data-second': i, 'data-count': count, 'data-rate': Number(rate.toFixed(3)),
    });
  });
  const mean = y(t.deliveredPerSecond);
  const meanLine = [
    el('line', { class: 'mean', x1: PLOT.left, y1: mean, x2: PLOT.left + PLOT.width, y2: mean }, null),
    el('text', { class: 'legend', x: PLOT.left + PLOT.width - 4, y: mean - 5, 'text-anchor': 'end' }, xmlText(`mean ${formatCount(t.deliveredPerSecond)} msg/s`)),
  ];
  const window = `${formatExact(Number(t.durationSeconds.toFixed(2)))} s`;
  const desc = `${plural(n, 'bar')}, one per second of the ${window} measurement window: ` +
    `from ${formatCount(Math.min(...rates))} to ${formatCount(Math.max(...rates))} deliveries a second, mean ${formatCount(t.deliveredPerSecond)}.`;
  const chart = svgChart({ id, width: WIDTH, height: HEIGHT, title, desc, className: 'throughput-chart' }, [
    yAxis(PLOT, yTicks, 'delivered per second'),
    xAxis(PLOT, xTicks, 'second of the measurement window'),
    ...bars,
    ...meanLine,
  ]);
  const lastWords = formatExact(Number(lastSpan.toFixed(2)));
  const tail = skipped !== null
    ? (skipped > 0 ? ` The window's last ${lastWords} s (${plural(skipped, 'delivery', 'deliveries')}) is too short to draw as a rate.` : '')
    : partial ? ` The last bar (lighter) covers only ${lastWords} s and is drawn as its per-second rate (${formatCount(counts.at(-1) ?? 0)} delivered).` : '';
  return figure(chart, `Delivered per second, ${formatCount(t.delivered)} in ${window} (mean dashed).${tail}`);
}
