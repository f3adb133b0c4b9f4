/**
 * Chart primitives for the HTML report's inline SVG: scales, ticks, axes, a polyline, bars,
 * legend entries and an accessible <svg> wrapper. Pure functions returning markup.
 */
import { xmlText } from '../escape-xml.js';
import { el, num, type Attrs } from './markup.js';

export type Scale = (value: number) => number;

/** Maps [d0, d1] linearly onto [r0, r1] (a zero-width domain maps to r0). */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Maps [d0, d1] (both > 0) onto [r0, r1] on a log10 scale; values ≤ 0 map as d0. */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const lin = linearScale(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => lin(Math.log10(Math.max(v, d0)));
}

/** The smallest 1, 2 or 5 × 10^k at or above `v` (1 for v ≤ 0). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const decade = 10 ** Math.floor(Math.log10(v));
  const step = [1, 2, 5, 10].find((m) => m * decade >= v * (1 - 1e-12)) ?? 10;
  return step * decade;
}

/** Ticks from 0 on a 1/2/5 step, about `count` of them, the last at or above `max`: its domain. */
export function linearTicks(max: number, count = 6): number[] {
  const step = niceCeil(max / count);
  const ticks = [0];
  while ((ticks[ticks.length - 1] ?? 0) < max * (1 - 1e-9)) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** Whole decades spanning [lo, hi] (lo, hi > 0): at least one decade wide. */
export function decadeDomain(lo: number, hi: number): [number, number] {
  const from = 10 ** Math.floor(Math.log10(Math.max(lo, Number.MIN_VALUE)));
  let to = 10 ** Math.ceil(Math.log10(Math.max(hi, from)));
  if (to <= from) to = from * 10;
  return [from, to];
}

/** Ticks of a decade domain: every decade, plus 2× and 5× when it spans three decades or fewer. */
export function logTicks(from: number, to: number): number[] {
  const decades = Math.round(Math.log10(to / from));
  const ticks: number[] = [];
  for (let d = from; d <= to * (1 + 1e-9); d *= 10) {
    ticks.push(d);
    if (decades <= 3 && d * 10 <= to * (1 + 1e-9)) ticks.push(d * 2, d * 5);
  }
  return ticks.map((t) => Number(t.toPrecision(12)));
}

/** The plot area inside a chart, in SVG user units. */
export interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Tick {
  at: number;
  label: string;
}

/** The horizontal axis: baseline, tick marks, vertical grid lines, labels and a caption. */
export function xAxis(plot: Plot, ticks: readonly Tick[], caption: string): string {
  const base = plot.top + plot.height;
  const parts = [el('line', { class: 'axis', x1: plot.left, y1: base, x2: plot.left + plot.width, y2: base }, null)];
  for (const t of ticks) {
    parts.push(
      el('line', { class: 'grid', x1: t.at, y1: plot.top, x2: t.at, y2: base }, null),
      el('line', { class: 'axis', x1: t.at, y1: base, x2: t.at, y2: base + 4 }, null),
      el('text', { class: 'tick', x: t.at, y: base + 16, 'text-anchor': 'middle' }, xmlText(t.label)),
    );
  }
  parts.push(el('text', { class: 'caption', x: plot.left + plot.width / 2, y: base + 34, 'text-anchor': 'middle' }, xmlText(caption)));
  return el('g', { class: 'x-axis' }, parts);
}

/** The vertical axis: baseline, tick marks, horizontal grid lines, labels and a rotated caption. */
export function yAxis(plot: Plot, ticks: readonly Tick[], caption: string): string {
  const parts = [el('line', { class: 'axis', x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.top + plot.height }, null)];
  for (const t of ticks) {
    parts.push(
      el('line', { class: 'grid', x1: plot.left, y1: t.at, x2: plot.left + plot.width, y2: t.at }, null),
      el('line', { class: 'axis', x1: plot.left - 4, y1: t.at, x2: plot.left, y2: t.at }, null),
      el('text', { class: 'tick', x: plot.left - 7, y: t.at + 4, 'text-anchor': 'end' }, xmlText(t.label)),
    );
  }
  const cx = 14;
  const cy = plot.top + plot.height / 2;
  parts.push(el('text', { class: 'caption', x: cx, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 ${num(cx)} ${num(cy)})` }, xmlText(caption)));
  return el('g', { class: 'y-axis' }, parts);
}

/** A polyline through the points, in order. */
export function polyline(points: ReadonlyArray<readonly [number, number]>, attributes: Attrs): string {
  return el('polyline', { ...attributes, fill: 'none', points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ') }, null);
}

/** One bar standing on the baseline, with a tooltip. */
export function bar(x: number, width: number, top: number, baseline: number, tooltip: string, attributes: Attrs): string {
  return el('rect', { ...attributes, x, y: Math.min(top, baseline), width, height: Math.abs(baseline - top) }, el('title', {}, xmlText(tooltip)));
}

/** A legend entry: a short line in the series' class, then its label. */
export function legendEntry(x: number, y: number, className: string, label: string): string {
  return el('line', { class: className, x1: x, y1: y - 4, x2: x + 18, y2: y - 4 }, null) + el('text', { class: 'legend', x: x + 24, y }, xmlText(label));
}

/** An accessible chart: role img, a <title> (its name) and a <desc>. */
export function svgChart(opts: { id: string; width: number; height: number; title: string; desc: string; className: string }, body: readonly string[]): string {
  const titleId = `${opts.id}-title`;
  const descId = `${opts.id}-desc`;
  return el('svg', {
    id: opts.id, class: opts.className, role: 'img', width: opts.width, height: opts.height, viewBox: `0 0 ${opts.width} ${opts.height}`,
    'aria-labelledby': titleId, 'aria-describedby': descId,
  }, [el('title', { id: titleId }, xmlText(opts.title)), el('desc', { id: descId }, xmlText(opts.desc)), ...body]);
}
