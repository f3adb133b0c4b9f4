/**
 * The HTML report's stylesheet, inlined into every report: light and print-friendly, readable
 * at 1280 px, a dark variant for prefers-color-scheme: dark. System fonts only (no URLs).
 * Kept free of "<" and "&" so the page stays well-formed XML as well as HTML.
 */
export const HTML_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --abort: #9a6700; --abort-bg: #fff8c5;
  --latency: #0969da; --service: #bc4c00; --bar: #54aeff; --grid: #eaeef2;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --soft: #151b23;
    --pass: #3fb950; --pass-bg: #12261e; --fail: #f85149; --fail-bg: #2d1215; --abort: #d29922; --abort-bg: #272115;
    --latency: #4493f8; --service: #f0883e; --bar: #1f6feb; --grid: #21262d;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; padding: 24px 28px 40px; max-width: 1280px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 24px; margin: 0 0 6px; display: flex; align-items: center; gap: 12px; }
h2 { font-size: 19px; margin: 0 0 4px; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 14px; margin: 0 0 4px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
a { color: var(--latency); }
.muted { color: var(--muted); }
.summary { font-size: 15px; margin: 0 0 8px; }
.badge {
  display: inline-block; padding: 1px 9px; border-radius: 999px; border: 1px solid currentColor;
  font-size: 12px; font-weight: 700; letter-spacing: 0.03em; white-space: nowrap;
}
h1 .badge { font-size: 16px; padding: 2px 12px; }
.badge.passed { color: var(--pass); background: var(--pass-bg); }
.badge.failed { color: var(--fail); background: var(--fail-bg); }
.badge.aborted, .badge.not-run { color: var(--abort); background: var(--abort-bg); }
.ok { color: var(--pass); font-weight: 600; }
.bad { color: var(--fail); font-weight: 600; }
.warn { color: var(--abort); font-weight: 600; }
p.note { font-weight: 400; margin: 4px 0; max-width: 60em; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--border); border-radius: 4px; padding: 0 4px; }
.aborted, .reasons {
  border-left: 4px solid var(--abort); background: var(--abort-bg); padding: 8px 12px; margin: 8px 0; border-radius: 4px;
}
.scenario.failed .reasons { border-left-color: var(--fail); background: var(--fail-bg); }
.reasons ul { margin: 0; padding-left: 20px; }
dl.meta {
  display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 2px 24px; margin: 12px 0 0;
  padding: 10px 14px; background: var(--soft); border: 1px solid var(--border); border-radius: 6px;
}
dl.meta div { display: flex; gap: 8px; min-width: 0; }
dt { color: var(--muted); white-space: nowrap; }
dd { margin: 0; overflow-wrap: anywhere; }
main section { margin-top: 28px; padding-top: 16px; border-top: 1px solid var(--border); }
.workload { margin: 2px 0; font-weight: 600; }
.row { display: flex; flex-wrap: wrap; gap: 16px 24px; align-items: flex-start; margin-top: 12px; }
.block { flex: 0 1 auto; min-width: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--border); text-align: right; white-space: nowrap; }
th[scope="row"], thead th:first-child { text-align: left; }
thead th { font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--border); }
th[scope="row"] { font-weight: 500; }
table.thresholds td { text-align: left; }
tr.total th, tr.total td { font-weight: 600; border-top: 2px solid var(--border); }
table.overview { width: 100%; font-size: 13px; }
table.overview th, table.overview td { padding: 4px 5px; }
table.overview th[scope="row"] { white-space: normal; overflow-wrap: anywhere; min-width: 6em; max-width: 14em; }
table.overview td:nth-child(3) { white-space: normal; min-width: 9em; max-width: 15em; text-align: left; }
.charts figure { margin: 0; flex: 1 1 560px; max-width: 620px; }
figure.empty { padding: 16px; border: 1px dashed var(--border); border-radius: 6px; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 2px; }
svg { display: block; width: 100%; height: auto; max-width: 600px; font-size: 11px; }
svg text { fill: var(--fg); }
svg .tick { fill: var(--muted); }
svg .caption { font-size: 12px; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--grid); stroke-width: 1; }
svg .line { stroke-width: 2; fill: none; stroke-linejoin: round; }
svg .series-latency { stroke: var(--latency); }
svg .series-service { stroke: var(--service); stroke-dasharray: 6 3; }
svg .bar { fill: var(--bar); }
svg .bar.partial { fill-opacity: 0.45; stroke: var(--bar); stroke-dasharray: 3 2; }
svg .censored-band { fill: var(--fail); fill-opacity: 0.12; }
svg .censored-floor { stroke-width: 2; stroke-dasharray: 2 3; }
svg .mean { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 4 3; }
main section.pattern { margin-top: 16px; padding-top: 8px; border-top: 1px dashed var(--border); }
section.pattern h3 { margin: 0 0 4px; font-size: 15px; }
table.fault-timeline td { text-align: left; white-space: normal; overflow-wrap: anywhere; max-width: 24em; }
footer { margin-top: 32px; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  main section { break-inside: avoid-page; }
  .scenario { break-before: page; }
  figure, table { break-inside: avoid; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;
