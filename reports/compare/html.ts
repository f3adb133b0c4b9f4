/**
 * A comparison as a self-contained HTML page (`chatbench compare --html`), in the frame every
 * HTML report shares (inline CSS, no scripts, strict XML): the verdict, both runs side by side,
 * the MQTT-vs-XMPP claims table when one side is each, then per scenario the metrics side by
 * side with the ratio current/baseline, the change and the verdict, regressed rows highlighted.
 * Returns a string.
 */
import type { Claim, CompareResult, ScenarioComparison } from '../../core/result/index.js';
import { describeResultTarget } from '../describe.js';
import { xmlText } from '../escape-xml.js';
import { htmlDocument, machineText, pageHeader } from '../html/document.js';
import { el, table } from '../html/markup.js';
import { CLAIM_COLUMNS, CLAIM_VERDICT_TEXT, CLAIMS_HEADING, claimCells, claimNote, claimsTally, formatRatio } from './claims.js';
import {
  describeRun, describeSide, distributionNote, laggedNote, missingScenarios, rowCells, rowsOf, rowVerdict, rulesLine, scenarioVerdict, summaryLine, VERDICT_TEXT,
  type Row,
} from './shared.js';

const STYLE = `
table.metrics, table.claims { width: 100%; }
table.claims th[scope="row"] { white-space: normal; text-align: left; min-width: 16em; }
table.claims td.note { white-space: normal; text-align: left; color: var(--muted); font-size: 12px; max-width: 32em; }
tr.regressed th, tr.regressed td, tr.not-supported th, tr.not-supported td { background: var(--fail-bg); color: var(--fail); }
tr.regressed th, tr.not-supported th { font-weight: 700; }
tr.improved th, tr.improved td, tr.supported th, tr.supported td { background: var(--pass-bg); }
tr.not-measured td.verdict, tr.not-judged td.verdict { color: var(--abort); }
ul.warnings { border-left: 4px solid var(--abort); background: var(--abort-bg); padding: 8px 12px 8px 28px; margin: 8px 0; border-radius: 4px; }
.side { margin: 2px 0; }
`;

/** "1.52×": current over baseline, when both are there and the baseline is not 0. */
function ratioOf(r: Row): string {
  return r.baseline === null || r.current === null || r.baseline === 0 ? '-' : formatRatio(r.current / r.baseline);
}

function warnings(list: readonly string[]): string {
  return list.length === 0 ? '' : el('ul', { class: 'warnings', role: 'note' }, list.map((w) => el('li', {}, xmlText(w))));
}

function claimsSection(claims: readonly Claim[]): string {
  // Built here rather than with table(): the verdict and note cells carry their own classes.
  const rows = claims.map((c) => {
    const [text, mqtt, xmpp, ratio] = claimCells(c);
    return el('tr', { class: `${c.verdict} claim-${c.id}` }, [
      el('th', { scope: 'row' }, xmlText(text)),
      ...[mqtt, xmpp, ratio].map((v) => el('td', {}, xmlText(v))),
      el('td', { class: 'verdict' }, xmlText(CLAIM_VERDICT_TEXT[c.verdict])),
      el('td', { class: 'note' }, xmlText(claimNote(c))),
    ]);
  });
  const head = el('thead', {}, el('tr', {}, [...CLAIM_COLUMNS, 'how measured'].map((h) => el('th', { scope: 'col' }, xmlText(h)))));
  return el('section', { id: 'claims', 'aria-labelledby': 'claims-h' }, [
    el('h2', { id: 'claims-h' }, xmlText(CLAIMS_HEADING)),
    el('p', { class: 'note' }, xmlText(`${claimsTally(claims)}. Each verdict comes from both results' numbers; a claim without a number on each side is not measured, and says why.`)),
    el('div', { class: 'scroll' }, el('table', { class: 'claims' }, [head, el('tbody', {}, rows)])),
  ]);
}

function scenarioSection(s: ScenarioComparison, index: number): string {
  const id = `scenario-${index}`;
  const verdict = scenarioVerdict(s);
  const badge = verdict === 'REGRESSED' ? 'failed' : 'passed';
  const rows = rowsOf(s);
  const cells = rows.map((r) => {
    const [label, baseline, current, change] = rowCells(r);
    return [xmlText(label), xmlText(baseline), xmlText(current), xmlText(ratioOf(r)), xmlText(change), xmlText(VERDICT_TEXT[rowVerdict(r)])];
  });
  const note = distributionNote(s);
  return el('section', { id, class: `scenario ${verdict.toLowerCase()}`, 'aria-labelledby': `${id}-h` }, [
    el('h2', { id: `${id}-h` }, [xmlText(`${s.name}${laggedNote(s)}`), el('span', { class: `badge ${badge}` }, verdict)]),
    el('p', { class: 'side' }, xmlText(`Baseline: ${describeSide(s.baseline)}`)),
    el('p', { class: 'side' }, xmlText(`Current: ${describeSide(s.current)}`)),
    warnings(s.warnings),
    el('div', { class: 'scroll' }, table(null, ['metric', 'baseline', 'current', 'current/baseline', 'change', 'verdict'], cells, 'metrics', (i) => rowVerdict(rows[i] as Row))),
    ...(note === null ? [] : [el('p', { class: 'note muted' }, xmlText(note))]),
  ]);
}

export function renderComparisonHtml(c: CompareResult): string {
  const label = c.regressed ? 'REGRESSED' : 'NO REGRESSION';
  const missing = missingScenarios(c);
  return htmlDocument({
    title: `chatbench compare ${label}: ${describeResultTarget(c.baseline.target)} vs ${describeResultTarget(c.current.target)}`,
    toolVersion: c.tool.version,
    style: STYLE,
    header: pageHeader({
      heading: 'chatbench compare',
      status: c.regressed ? 'failed' : 'passed',
      label,
      summary: summaryLine(c),
      aborted: null,
      meta: [
        ['baseline', describeResultTarget(c.baseline.target)],
        ['current', describeResultTarget(c.current.target)],
        ['baseline run', describeRun(c.baseline)],
        ['current run', describeRun(c.current)],
        ['rules', rulesLine(c) || '-'],
        ['compared on', machineText(c.environment)],
      ],
    }),
    main: [
      warnings(c.warnings),
      ...(c.claims === undefined ? [] : [claimsSection(c.claims)]),
      ...c.scenarios.map((s, i) => scenarioSection(s, i)),
      ...(missing === null ? [] : [el('section', { id: 'missing', class: 'scenario regressed' }, [
        el('h2', {}, [xmlText('Missing from the current run'), el('span', { class: 'badge failed' }, 'REGRESSED')]),
        el('p', {}, xmlText(missing)),
      ])]),
      ...(c.onlyInCurrent.length === 0 ? [] : [el('p', { class: 'muted' }, xmlText(`Only in current: ${c.onlyInCurrent.join(', ')}`))]),
    ],
    footer: `chatbench ${c.tool.version} · result schema ${c.schemaVersion} · a change counts only when it passes both the relative tolerance and the absolute floor`,
  });
}
