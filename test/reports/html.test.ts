/**
 * The HTML report rendered from real results (embedded broker) and hand-made variants, read
 * back with the strict XML reader (the report is written to be well-formed XML as well as
 * HTML): self-contained, the console's figures, one latency chart per scenario whose points
 * follow the decoded HDR histogram, one throughput bar per second, hostile text as text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, valuesAtPercentiles } from '../../core/metrics/histogram.js';
import type { RunResult } from '../../core/result/index.js';
import { renderConsole } from '../../reports/console.js';
import { xmlText } from '../../reports/escape-xml.js';
import { formatBytes, formatCount, formatMicrosExact, formatPercentile } from '../../reports/format.js';
import { linearTicks, logTicks, niceCeil } from '../../reports/html/chart-parts.js';
import { CHART_PERCENTILES } from '../../reports/html/charts.js';
import { renderHtml } from '../../reports/html/page.js';
import {
  abortedVariant, censor, measureRunResult, misbehavingVariant, overloadVariant, OVERLOAD, passingVariant, scenario, TOOL_VERSION, unreachableVariant,
} from '../helpers/results.js';
import { parseXml, type XmlElement } from '../helpers/xml.js';

let real: RunResult;
beforeAll(async () => {
  real = await measureRunResult();
});

const DOCTYPE = '<!DOCTYPE html>\n';
function parse(html: string): XmlElement {
  expect(html.startsWith(DOCTYPE)).toBe(true);
  return parseXml(html.slice(DOCTYPE.length));
}
/** Every element below `root` (depth first) that matches. */
function find(root: XmlElement, match: (e: XmlElement) => boolean): XmlElement[] {
  return root.children.flatMap((c) => [...(match(c) ? [c] : []), ...find(c, match)]);
}
const byClass = (root: XmlElement, name: string, cls: string): XmlElement[] =>
  find(root, (e) => e.name === name && (e.attrs.class ?? '').split(' ').includes(cls));
/** The figure holding a section's throughput chart (its caption included). */
const throughputFigure = (sec: XmlElement): XmlElement => {
  const figure = byClass(sec, 'figure', 'chart').find((f) => byClass(f, 'svg', 'throughput-chart').length > 0);
  if (figure === undefined) throw new Error('no throughput chart');
  return figure;
};
/** Text content (own text first, then the children's: enough for cells and list items). */
const text = (e: XmlElement): string => e.text + e.children.map(text).join('');
function section(doc: XmlElement, name: string): XmlElement {
  const s = find(doc, (e) => e.name === 'section' && e.attrs['data-scenario'] === name)[0];
  if (s === undefined) throw new Error(`no section for ${name}`);
  return s;
}
const points = (line: XmlElement): Array<[number, number]> =>
  (line.attrs.points ?? '').split(' ').map((p) => p.split(',').map(Number) as [number, number]);
/** "200 µs", "1 ms", "2 s" (the axis labels) in µs. */
const parseTick = (label: string): number => {
  const [n = '', unit] = label.split(' ');
  return Number(n) * (unit === 's' ? 1e6 : unit === 'ms' ? 1e3 : 1);
};
/** The console's latency row of a scenario: [p50, p90, p99, p99.9, max, count]. */
function consoleLatency(result: RunResult, name: string): string[] {
  const single = { ...result, selected: [], scenarios: [scenario(result, name)] };
  const line = renderConsole(single).split('\n').find((l) => l.startsWith('  latency '));
  return line?.trim().split(/\s{2,}/).slice(1) ?? [];
}

describe('renderHtml', () => {
  it('is one well-formed, self-contained document with a title, a language and no external resources', () => {
    const html = renderHtml(real);
    const doc = parse(html);
    expect(doc.name).toBe('html');
    expect(doc.attrs.lang).toBe('en');
    const title = find(doc, (e) => e.name === 'title' && e.attrs.id === undefined)[0];
    expect(title?.text).toBe(`chatbench FAIL: embedded broker (${real.target.url})`);
    expect(find(doc, (e) => e.name === 'meta' && e.attrs.charset === 'utf-8')).toHaveLength(1);
    expect(find(doc, (e) => e.name === 'style')).toHaveLength(1);
    for (const bad of ['http://', 'https://', 'src=', 'url(', '@import', '<link', '<script', '<img', '<iframe']) expect(html).not.toContain(bad);
  });

  it('heads the report with the verdict, target, protocol, run and times', () => {
    const doc = parse(renderHtml(real));
    expect(text(find(doc, (e) => e.attrs.id === 'verdict')[0] as XmlElement)).toBe('FAIL');
    expect(find(doc, (e) => e.attrs.id === 'verdict')[0]?.attrs.class).toBe('badge failed');
    const meta = Object.fromEntries(find(doc, (e) => e.name === 'dt').map((dt, i) => [dt.text, find(doc, (e) => e.name === 'dd')[i]?.text]));
    expect(meta).toMatchObject({
      target: `embedded broker (${real.target.url})`,
      'run id': 'rpt',
      started: real.startedAt,
      tool: `chatbench ${TOOL_VERSION}`,
      TCP_NODELAY: 'on',
    });
    expect(meta.protocol).toMatch(/^MQTT 3\.1\.1, embedded broker/);
    expect(meta.finished).toMatch(new RegExp(`^${real.finishedAt} \\(\\d+\\.\\d s\\)$`));
    expect(text(doc)).toContain('1 of 3 scenarios passed');
    expect(byClass(doc, 'p', 'aborted')).toEqual([]);
    expect(text(find(parse(renderHtml(passingVariant(real))), (e) => e.attrs.id === 'verdict')[0] as XmlElement)).toBe('PASS');
  });

  it('has an overview row per scenario with the figures the console shows', () => {
    const doc = parse(renderHtml(real));
    const table = byClass(doc, 'table', 'overview')[0] as XmlElement;
    const head = find(table, (e) => e.name === 'th' && e.attrs.scope === 'col').map(text);
    expect(head).toEqual(['scenario', 'status', 'workload', 'sent', 'delivered/s',
      'p50', 'p99', 'p99.9', 'max', 'lost', 'undelivered', 'dup', 'reordered', 'violations']);
    const rows = find(table, (e) => e.name === 'tr').slice(1).map((tr) => tr.children.map(text));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['steady', 'PASS'], ['slow', 'FAIL'], ['lossy', 'FAIL']]);
    for (const [i, s] of real.scenarios.entries()) {
      const row = rows[i] as string[];
      const [p50, , p99, p999, max] = consoleLatency(real, s.name);
      expect(p99).toBe(formatPercentile(s.latency, 'p99'));
      expect(row.slice(5, 9)).toEqual([p50, p99, p999, max]);
      expect(row.slice(2, 5)).toEqual(['4 users, 1 room, QoS 1, 128 B at 400 msg/s', formatCount(s.throughput.sent), formatCount(s.throughput.deliveredPerSecond)]);
      expect(row.slice(9)).toEqual([s.delivery.lost, s.delivery.undelivered, s.delivery.duplicated, s.delivery.reordered, s.delivery.violations].map(formatCount));
    }
    expect(Number(rows[2]?.[9])).toBeGreaterThan(0);
  });

  it('draws one latency chart per scenario whose points follow the decoded histogram', () => {
    const doc = parse(renderHtml(real));
    for (const s of real.scenarios) {
      const charts = byClass(section(doc, s.name), 'svg', 'latency-chart');
      expect(charts).toHaveLength(1);
      const svg = charts[0] as XmlElement;
      expect(svg.attrs.role).toBe('img');
      const title = find(svg, (e) => e.name === 'title' && e.attrs.id === svg.attrs['aria-labelledby'])[0];
      expect(title?.text).toBe(`Latency percentile distribution: ${s.name}`);
      const ticks = find(svg, (e) => e.name === 'g' && e.attrs.class === 'y-axis').flatMap((g) => byClass(g, 'text', 'tick'));
      const xTicks = find(svg, (e) => e.name === 'g' && e.attrs.class === 'x-axis').flatMap((g) => byClass(g, 'text', 'tick')).map(text);
      expect(xTicks).toEqual(['0%', '90%', '99%', '99.9%', '99.99%']);
      const [t0, t1] = [ticks[0], ticks[ticks.length - 1]].map((t) => ({ us: parseTick(text(t as XmlElement)), y: Number(t?.attrs.y) - 4 }));
      expect(ticks.map((t) => text(t)).every((l) => / (µs|ms|s)$/.test(l))).toBe(true);
      // Where a latency sits on the log axis the labels describe.
      const yOf = (us: number): number => (t0?.y ?? 0) + (Math.log10(us / (t0?.us ?? 1)) / Math.log10((t1?.us ?? 1) / (t0?.us ?? 1))) * ((t1?.y ?? 0) - (t0?.y ?? 0));
      const lines = find(svg, (e) => e.name === 'polyline');
      expect(lines.map((l) => l.attrs['data-series'])).toEqual(['latency', 'service']);
      for (const [line, summary] of [[lines[0], s.latency], [lines[1], s.serviceTime]] as const) {
        const pts = points(line as XmlElement);
        // Over every owed delivery: percentile p is p × owed / arrived of what arrived, up to 100.
        const owed = summary.count + summary.censored;
        const shown = CHART_PERCENTILES.filter((p) => p * owed <= 100 * summary.count);
        expect(pts).toHaveLength(shown.length);
        if (summary.censored === 0) expect(shown).toEqual(CHART_PERCENTILES);
        const values = valuesAtPercentiles(decodeHistogram(summary.hdr), shown.map((p) => Math.min(100, (p * owed) / summary.count)));
        for (let i = 1; i < pts.length; i++) {
          expect(pts[i]?.[0]).toBeGreaterThan(pts[i - 1]?.[0] ?? Infinity);
          expect(pts[i]?.[1]).toBeLessThanOrEqual(pts[i - 1]?.[1] ?? -Infinity); // up the page = higher latency
        }
        for (const [i, v] of values.entries()) expect(Math.abs((pts[i]?.[1] ?? 0) - yOf(v))).toBeLessThan(0.2);
        if (summary.p99 !== null) expect(values[CHART_PERCENTILES.indexOf(99)]).toBe(summary.p99);
        else expect(shown).not.toContain(99);
      }
    }
  });

  it('draws one throughput bar per second of the window, as tall as its rate: a partial last second scaled to a rate and marked', () => {
    const copy = structuredClone(real);
    scenario(copy, 'slow').throughput = { ...scenario(copy, 'slow').throughput, series: [1200, 0, 300, 900, 450], durationSeconds: 4.5, deliveredPerSecond: 2850 / 4.5 };
    const doc = parse(renderHtml(copy));
    // Under load a scenario's deliveries may all land after its window: such a chart says so (tested below).
    for (const s of copy.scenarios.filter((x) => x.throughput.series.some((n) => n > 0))) {
      const svg = byClass(section(doc, s.name), 'svg', 'throughput-chart')[0] as XmlElement;
      const bars = byClass(svg, 'rect', 'bar');
      const { series, durationSeconds } = s.throughput;
      const drawn = bars.map((b) => Number(b.attrs['data-count']));
      expect(drawn).toEqual(series.slice(0, drawn.length));
      // Each bar's height follows its rate: its count over the part of a second it covers.
      const rates = drawn.map((n, i) => n / Math.min(1, durationSeconds - i));
      const top = Math.max(...rates);
      const tallest = Math.max(...bars.map((b) => Number(b.attrs.height)));
      expect(tallest).toBeGreaterThan(0);
      for (const [i, b] of bars.entries()) expect(Number(b.attrs.height) / tallest).toBeCloseTo((rates[i] ?? 0) / top, 2);
      expect(text(bars[0] as XmlElement)).toMatch(new RegExp(`^second 1: ${formatCount(series[0] ?? 0)} delivered`));
    }
    const slow = section(doc, 'slow');
    const bars = byClass(slow, 'rect', 'bar');
    expect(bars).toHaveLength(5);
    expect(Number(bars[4]?.attrs.width)).toBeCloseTo(Number(bars[0]?.attrs.width) / 2, 0);
    // 450 in half a second is 900/s: drawn as tall as the 900 of a whole second, and marked.
    expect(bars[4]?.attrs.height).toBe(bars[3]?.attrs.height);
    expect(bars[4]?.attrs.class).toBe('bar partial');
    expect(byClass(slow, 'rect', 'partial')).toHaveLength(1);
    expect(text(bars[4] as XmlElement)).toBe('second 5: 450 delivered in 0.5 s: 900/s');
    expect(text(bars[1] as XmlElement)).toBe('second 2: 0 delivered');
    expect(bars[1]?.attrs.height).toBe('0');
    expect(text(throughputFigure(slow))).toContain('The last bar (lighter) covers only 0.5 s and is drawn as its per-second rate (450 delivered).');
  });

  it('draws no slot for a few microseconds past the last whole second, and tells a short tail with deliveries in words', () => {
    const copy = structuredClone(real);
    const slow = scenario(copy, 'slow');
    slow.throughput = { ...slow.throughput, series: [1200, 1300, 1250, 1190, 0], durationSeconds: 4.000008 };
    scenario(copy, 'steady').throughput = { ...slow.throughput, series: [1200, 1300, 1250, 1190, 5], durationSeconds: 4.02 };
    const doc = parse(renderHtml(copy));
    for (const name of ['slow', 'steady']) {
      const figure = throughputFigure(section(doc, name));
      expect(byClass(figure, 'rect', 'bar').map((b) => b.attrs['data-count'])).toEqual(['1200', '1300', '1250', '1190']);
      expect(byClass(figure, 'rect', 'partial')).toEqual([]);
      // The x axis ends at the last drawn second: no empty slot after it.
      expect(find(figure, (e) => e.name === 'g' && e.attrs.class === 'x-axis').flatMap((g) => byClass(g, 'text', 'tick')).map(text).at(-1)).toBe('4');
      expect(text(figure)).not.toContain('partial second');
    }
    expect(text(throughputFigure(section(doc, 'slow')))).not.toContain('too short');
    expect(text(throughputFigure(section(doc, 'steady')))).toContain("The window's last 0.02 s (5 deliveries) is too short to draw as a rate.");
  });

  it('shows thresholds with verdicts and actuals, the reasons, and delivery per QoS marked allowed or violation', () => {
    const doc = parse(renderHtml(real));
    const slow = section(doc, 'slow');
    const rows = find(byClass(slow, 'table', 'thresholds')[0] as XmlElement, (e) => e.name === 'tr').slice(1).map((tr) => tr.children.map(text));
    const p99 = scenario(real, 'slow').thresholds[0]?.actual ?? NaN;
    expect(rows[0]).toEqual(['p99 < 1us', '✗ FAIL', formatMicrosExact(p99)]); // the table's unit, not 609,791 µs
    expect(rows[1]?.slice(0, 2)).toEqual(['deliveredPerSecond >= 1', scenario(real, 'slow').thresholds[1]?.passed ? '✓ PASS' : '✗ FAIL']);
    expect(text(byClass(slow, 'div', 'reasons')[0] as XmlElement)).toContain('p99 < 1us');

    const lossy = section(doc, 'lossy');
    const lost = scenario(real, 'lossy').delivery.lost;
    const reasons = find(byClass(lossy, 'div', 'reasons')[0] as XmlElement, (e) => e.name === 'li').map(text);
    expect(reasons).toEqual(scenario(real, 'lossy').reasons.map((r) => r.message));
    expect(reasons.join('\n')).toContain(`QoS 1 delivery guarantee violated: ${formatCount(lost)} lost`);
    const qos1 = find(byClass(lossy, 'table', 'delivery')[0] as XmlElement, (e) => e.name === 'tr')[1]?.children.map(text);
    expect(qos1?.[0]).toBe('QoS 1');
    expect(qos1?.[3]).toBe(`${formatCount(lost)} ✗ violation`);
    expect(qos1?.[4]).toBe(formatCount(scenario(real, 'lossy').delivery.byQos['1']?.undelivered ?? -1)); // undelivered: not a violation
    expect(qos1?.[5]).toBe('0 allowed'); // QoS 1 may duplicate
    expect(qos1?.[7]).toBe(formatCount(scenario(real, 'lossy').delivery.byQos['1']?.violations ?? -1));
    expect(byClass(section(doc, 'steady'), 'div', 'reasons')).toEqual([]);
    const steady = scenario(real, 'steady');
    const wire = Object.fromEntries(find(byClass(section(doc, 'steady'), 'table', 'wire')[0] as XmlElement, (e) => e.name === 'tr').slice(1).map((tr) => {
      const [label = '', ...cells] = tr.children.map(text);
      return [label, cells];
    }));
    expect(Object.keys(wire)).toEqual(['handshake', 'steady', 'total', 'steady per sent message', 'steady per delivered message']);
    // A room delivers each sent message to several members: per sent and per delivered differ.
    expect(wire['steady per sent message']).toEqual([formatBytes(steady.wire.phases.steady.bytesOut / steady.throughput.sent), formatBytes(steady.wire.phases.steady.bytesIn / steady.throughput.sent)]);
    expect(wire['steady per delivered message']).toEqual([formatBytes(steady.wire.phases.steady.bytesOut / steady.delivery.delivered), formatBytes(steady.wire.phases.steady.bytesIn / steady.delivery.delivered)]);
    expect(steady.delivery.delivered).toBeGreaterThan(steady.throughput.sent);
  });

  it('shows an aborted run, the aborted scenario and the ones never run', () => {
    const doc = parse(renderHtml(abortedVariant(real)));
    expect(text(find(doc, (e) => e.attrs.id === 'verdict')[0] as XmlElement)).toBe('ABORTED');
    const aborted = byClass(doc, 'p', 'aborted')[0] as XmlElement;
    expect([aborted.children[0]?.text, aborted.text]).toEqual(['Run aborted:', ' slow: interrupted by SIGINT']);
    expect(text(section(doc, 'slow'))).toContain('Why it was aborted');
    expect(section(doc, 'slow').attrs.class).toBe('scenario aborted');
    const lossy = section(doc, 'lossy');
    expect(lossy.attrs.class).toBe('scenario not-run');
    expect(text(lossy)).toContain('Not run: the run stopped before this scenario (slow: interrupted by SIGINT).');
    const row = find(byClass(doc, 'table', 'overview')[0] as XmlElement, (e) => e.name === 'tr').at(-1)?.children.map(text);
    expect(row).toEqual(['lossy', 'NOT RUN', ...Array<string>(12).fill('-')]);

    const unreachable = parse(renderHtml(unreachableVariant(real)));
    expect(text(section(unreachable, 'slow'))).toContain('Not run: cannot reach target mqtt://127.0.0.1:1: connection refused');
    expect(text(unreachable)).toContain('1 of 3 scenarios passed (2 not run)');
  });

  it('shows hostile names, reasons and URLs as text', () => {
    const copy = structuredClone(real);
    const s = scenario(copy, 'lossy');
    s.name = '<script>alert(1)</script>';
    s.reasons.push({ kind: 'protocol', anomaly: 'x', message: 'server said <script>alert("x")</script> & <img src=x onerror=alert(1)>\u0000' });
    s.thresholds[0] = { expression: 'lost < 1 && "x"', actual: 3, unit: '', censored: false, passed: false };
    copy.target.url = 'mqtt://h/"><script>alert(2)</script>';
    const html = renderHtml(copy);
    for (const bad of ['<script', '<img', 'onerror=alert(1)>']) expect(html).not.toContain(bad);
    const doc = parse(html);
    const section0 = section(doc, '<script>alert(1)</script>');
    expect(find(section0, (e) => e.name === 'li').map(text)).toContain('server said <script>alert("x")</script> & <img src=x onerror=alert(1)>\uFFFD');
    expect(text(find(section0, (e) => e.name === 'h2')[0] as XmlElement)).toContain('<script>alert(1)</script>');
    expect(find(section0, (e) => e.name === 'code').map(text)).toContain('lost < 1 && "x"');
    expect(find(doc, (e) => e.name === 'title')[0]?.text).toBe('chatbench FAIL: embedded broker (mqtt://h/"><script>alert(2)</script>)');
    expect(xmlText(`<a href="x">'&'</a>`)).toBe(`&lt;a href="x"&gt;'&amp;'&lt;/a&gt;`);
  });

  it('says so instead of drawing when nothing was measured or a histogram does not decode', () => {
    const copy = structuredClone(real);
    const s = scenario(copy, 'steady');
    s.latency = { ...s.latency, count: 0 };
    s.serviceTime = { ...s.serviceTime, count: 0 };
    s.throughput = { ...s.throughput, series: [] };
    scenario(copy, 'slow').latency.hdr = 'not a histogram';
    const doc = parse(renderHtml(copy));
    const steady = section(doc, 'steady');
    expect(find(steady, (e) => e.name === 'svg')).toEqual([]);
    expect(text(steady)).toContain('Latency percentile distribution: steady: no latency measured; no service time measured.');
    expect(text(steady)).toContain('no second of the measurement window was recorded');
    const slow = byClass(section(doc, 'slow'), 'svg', 'latency-chart')[0] as XmlElement;
    expect(find(slow, (e) => e.name === 'polyline').map((l) => l.attrs['data-series'])).toEqual(['service']);
    expect(text(section(doc, 'slow'))).toMatch(/latency: not an encoded HDR histogram/);
  });
});

describe('renderHtml: what never arrived, and who did what', () => {
  it('marks censored percentiles as "> waited" in the tables and draws them as a band above the wait, not as values', () => {
    const copy = overloadVariant(real);
    const s = scenario(copy, 'steady');
    const doc = parse(renderHtml(copy));
    const sec = section(doc, 'steady');
    const latencyRow = find(byClass(sec, 'table', 'latency')[0] as XmlElement, (e) => e.name === 'tr')[1]?.children.map(text);
    expect(latencyRow?.[0]).toBe('latency');
    expect(latencyRow?.slice(3, 6)).toEqual(['> 12.0 s', '> 12.0 s', '> 12.0 s']);
    expect(latencyRow?.slice(6)).toEqual([formatCount(s.latency.count), '500']);
    expect(byClass(sec, 'span', 'censored').length).toBeGreaterThanOrEqual(3);
    const overview = find(byClass(doc, 'table', 'overview')[0] as XmlElement, (e) => e.name === 'tr')[1]?.children.map(text);
    expect(overview?.slice(6, 9)).toEqual(['> 12.0 s', '> 12.0 s', '> 12.0 s']);
    expect(overview?.slice(9, 11)).toEqual(['0', '500']);

    const svg = byClass(sec, 'svg', 'latency-chart')[0] as XmlElement;
    const ticks = find(svg, (e) => e.name === 'g' && e.attrs.class === 'y-axis').flatMap((g) => byClass(g, 'text', 'tick'));
    const [t0, t1] = [ticks[0], ticks[ticks.length - 1]].map((t) => ({ us: parseTick(text(t as XmlElement)), y: Number(t?.attrs.y) - 4 }));
    const yOf = (us: number): number => (t0?.y ?? 0) + (Math.log10(us / (t0?.us ?? 1)) / Math.log10((t1?.us ?? 1) / (t0?.us ?? 1))) * ((t1?.y ?? 0) - (t0?.y ?? 0));
    const line = find(svg, (e) => e.name === 'polyline' && e.attrs['data-series'] === 'latency')[0] as XmlElement;
    const pts = points(line);
    const arrivedUpTo = (100 * s.latency.count) / (s.latency.count + OVERLOAD.undelivered);
    // The line stops where arrivals end: no censored percentile is drawn as a value.
    expect(pts).toHaveLength(CHART_PERCENTILES.filter((p) => p <= arrivedUpTo).length);
    expect(pts.length).toBeLessThan(CHART_PERCENTILES.length);
    const band = find(svg, (e) => e.name === 'g' && (e.attrs.class ?? '').split(' ').includes('censored') && e.attrs['data-series'] === 'latency')[0] as XmlElement;
    expect(band.attrs['data-censored']).toBe('500');
    expect(Number(band.attrs['data-waited'])).toBe(OVERLOAD.waitedMicros);
    const floor = byClass(band, 'line', 'censored-floor')[0] as XmlElement;
    expect(Math.abs(Number(floor.attrs.y1) - yOf(OVERLOAD.waitedMicros))).toBeLessThan(0.2);
    for (const [, y] of pts) expect(y).toBeGreaterThanOrEqual(Number(floor.attrs.y1)); // below the wait on the page
    const rect = byClass(band, 'rect', 'censored-band')[0] as XmlElement;
    expect(Number(rect.attrs.x)).toBeGreaterThanOrEqual((pts.at(-1)?.[0] ?? Infinity) - 0.1);
    expect(Number(rect.attrs.y) + Number(rect.attrs.height)).toBeCloseTo(Number(floor.attrs.y1), 0);
    expect(text(band)).toContain('> 12.0 s: never arrived');
    // Latency and service time count the same owed deliveries: told once, naming both.
    const latencyCaption = text(find(sec, (e) => e.name === 'figcaption')[0] as XmlElement);
    expect(latencyCaption).toContain('500 owed deliveries never arrived (latency and service time): every percentile past');
    expect(latencyCaption.split('never arrived')).toHaveLength(2);

    const delivery = find(byClass(sec, 'table', 'delivery')[0] as XmlElement, (e) => e.name === 'tr')[1]?.children.map(text);
    expect(delivery?.slice(3, 5)).toEqual(['0', '500']);
    expect(byClass(sec, 'p', 'drain').map(text)).toEqual(['drain: 12.0 s, ended because nothing arrived for 2 s (40,000 owed when it began, 500 still owed at its end)']);
    expect(text(sec)).toContain('500 undelivered: still outstanding when chatbench stopped waiting');
  });

  it('draws nothing but the band when nothing arrived at all', () => {
    const copy = structuredClone(real);
    const s = scenario(copy, 'steady');
    s.latency = censor({ ...s.latency, hdr: encodeHistogram(createLatencyHistogram()) }, 10, 3_000_000);
    expect([s.latency.count, s.latency.p50]).toEqual([0, null]);
    const svg = byClass(section(parse(renderHtml(copy)), 'steady'), 'svg', 'latency-chart')[0] as XmlElement;
    expect(find(svg, (e) => e.name === 'polyline').map((l) => l.attrs['data-series'])).toEqual(['service']);
    const rect = find(svg, (e) => e.name === 'rect' && e.attrs.class === 'censored-band')[0];
    expect(Number(rect?.attrs.x)).toBe(70); // from the first percentile on
  });

  it('lists downgrades with the granted level, who closed lost connections, unfinished sends and anomalies', () => {
    const sec = section(parse(renderHtml(misbehavingVariant(real))), 'steady');
    const rows = Object.fromEntries(find(byClass(sec, 'table', 'connections')[0] as XmlElement, (e) => e.name === 'tr').slice(1).map((tr) => tr.children.map(text)));
    expect(rows).toMatchObject({
      'lost mid-run': '3', 'lost: closed by the server': '1', 'lost: ended by the network': '0', 'lost: closed by chatbench': '2',
      'granted QoS 0 instead of 2': '20', 'granted QoS 1 instead of 2': '1', 'sends not completed': '13',
    });
    // Only downgrades that happened: no "granted below" row for a run without any (nor "below QoS 0").
    const plain = section(parse(renderHtml(real)), 'steady');
    expect(find(byClass(plain, 'table', 'connections')[0] as XmlElement, (e) => e.name === 'tr').map((tr) => text(tr.children[0] as XmlElement)).filter((l) => l.startsWith('granted'))).toEqual([]);
    expect(text(sec)).toContain('the server granted QoS 0 instead of 2 on 20 subscriptions: their deliveries are judged at QoS 0; exactly-once was not exercised on them');
    expect(find(byClass(sec, 'ul', 'lost-reasons')[0] as XmlElement, (e) => e.name === 'li').map(text)).toContain('u3: closed by the server: DISCONNECT: server busy (code 0x89)');
    expect(find(byClass(sec, 'ul', 'unfinished-sends')[0] as XmlElement, (e) => e.name === 'li').map(text)).toEqual([
      '12 sends got no PUBACK before the connection closed', '1 send got no PUBCOMP before chatbench stopped waiting',
    ]);
    expect(find(byClass(sec, 'ul', 'anomalies')[0] as XmlElement, (e) => e.name === 'li').map(text)).toEqual([
      'ack-flow (20 times): a QoS 2 PUBLISH was answered with PUBACK (no PUBREC); packets seen: PUBLISH qos2 → PUBACK',
    ]);
  });
});

describe('svg primitives', () => {
  it('picks 1/2/5 steps and decade ticks', () => {
    expect([0.3, 1, 3, 7, 11, 4500].map(niceCeil)).toEqual([0.5, 1, 5, 10, 20, 5000]);
    expect(linearTicks(4500)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(linearTicks(11_000)).toEqual([0, 2000, 4000, 6000, 8000, 10_000, 12_000]);
    expect(logTicks(100, 10_000)).toEqual([100, 200, 500, 1000, 2000, 5000, 10_000]);
    expect(logTicks(1, 1e6)).toEqual([1, 10, 100, 1000, 1e4, 1e5, 1e6]);
  });
});
