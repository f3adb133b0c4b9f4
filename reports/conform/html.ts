/**
 * The HTML report of a conformance run, self-contained like the run report (inline CSS, no
 * scripts, strict XML): the verdict, differences from the expectations, coverage per version,
 * then per version the cases grouped by spec section (statement IDs, verdict badges, expected vs
 * observed, the annotated hex of failing raw cases), timeouts and errors (chatbench's), skips
 * grouped by reason, and the server's SHOULD / MAY choices. Returns a string.
 */
import type { CaseVerdict, ConformResult } from '../../core/result/index.js';
import { conformStatus } from '../../core/result/index.js';
import { describeAbort, describeProtocol } from '../describe.js';
import { xmlText } from '../escape-xml.js';
import { HEX_LIMITS, HEX_STYLE, hexHtml } from '../hex.js';
import { finishedText, htmlDocument, machineText, pageHeader } from '../html/document.js';
import { el, table } from '../html/markup.js';
import {
  CHOICES_NOTE, NOT_THE_SERVERS, VERDICT_LABELS, byReason, caseName, casesWith, choicesOf, conformLabel, coveragePercent, describeConformTarget, differenceChange,
  differenceKind, evidenceBlocks, sectionOrder, totalsLine, coverageEntries,
} from './shared.js';

const BADGE_CLASS: Readonly<Record<CaseVerdict['verdict'], string>> = { pass: 'passed', fail: 'failed', skip: 'skipped', timeout: 'unfinished', error: 'unfinished' };

const STYLE = `
.badge.skipped { color: var(--muted); background: var(--soft); }
.badge.unfinished { color: var(--abort); background: var(--abort-bg); }
table.cases { width: 100%; }
table.cases td, table.cases th { text-align: left; white-space: normal; vertical-align: top; }
table.cases td:nth-child(4) { white-space: nowrap; }
.spec-section { margin-top: 18px; }
.failure { border-left: 4px solid var(--fail); background: var(--fail-bg); padding: 6px 12px; margin: 8px 0; border-radius: 4px; }
.failure table.expected td, .failure table.expected th { text-align: left; white-space: normal; }
${HEX_STYLE}`;

export function renderConformHtml(result: ConformResult): string {
  const label = conformLabel(result);
  const title = `chatbench conform ${label}: ${describeConformTarget(result)}`;
  const main = [
    ...expectationSection(result),
    coverageSection(result),
    ...result.versions.map((v) => versionSection(result, v)),
    ...reasonSections(result),
    ...choicesSection(result),
  ];
  return htmlDocument({
    title,
    toolVersion: result.tool.version,
    style: STYLE,
    header: pageHeader({
      heading: 'chatbench conformance', status: conformStatus(result), label, summary: totalsLine(result),
      aborted: result.aborted === null ? null : describeAbort(result.aborted), abortedTitle: 'Stopped early:', meta: meta(result),
    }),
    main,
    footer: `chatbench ${result.tool.version} · result schema ${result.schemaVersion} · statement IDs as the specification numbers them`,
  });
}

function meta(result: ConformResult): Array<[string, string]> {
  return [
    ['target', describeConformTarget(result)],
    ['versions', result.versions.join(', ')],
    ['run id', result.runId],
    ['started', result.startedAt],
    ['finished', finishedText(result.startedAt, result.finishedAt)],
    ['cases', result.casePattern === null ? 'all' : `matching ${result.casePattern}`],
    ['profile', result.profileFile ?? '-'],
    ['expectations', result.expectation?.file ?? '-'],
    ['machine', machineText(result.environment)],
  ];
}

function section(id: string, heading: string, children: readonly string[], className?: string): string {
  return el('section', { id, class: className, 'aria-labelledby': `${id}-h` }, [el('h2', { id: `${id}-h` }, heading), ...children]);
}

function expectationSection(result: ConformResult): string[] {
  const e = result.expectation;
  if (e === null) return [];
  const heading = `Differences from ${xmlText(e.file)}`;
  if (e.differences.length === 0) return [section('differences', heading, [el('p', { class: 'ok' }, 'None: every case as expected.')])];
  const rows = e.differences.map((d) => [el('span', { class: 'bad' }, xmlText(differenceKind(d))), el('code', {}, xmlText(caseName(d))), xmlText(differenceChange(d))]);
  return [section('differences', heading, [table(null, ['difference', 'case', 'change'], rows, 'cases')])];
}

function coverageSection(result: ConformResult): string {
  const rows = coverageEntries(result).map(([v, c]) => [xmlText(v), String(c.statements), String(c.testable), String(c.tested), xmlText(coveragePercent(c))]);
  const untested = coverageEntries(result).flatMap(([v, c]) => (c.untested.length === 0 ? [] : [
    el('p', { class: 'note muted' }, `${xmlText(`${v} untested:`)} ${c.untested.map((id) => el('code', {}, xmlText(id))).join(', ')}`),
  ]));
  return section('coverage', 'Coverage', [table(null, ['version', 'statements', 'testable', 'tested', 'coverage'], rows, 'coverage numeric'), ...untested]);
}

/** One version: its cases grouped by spec section, each section with its cases' verdicts, then its failures' evidence. */
function versionSection(result: ConformResult, version: string): string {
  const cases = result.cases.filter((c) => c.version === version);
  const sections = [...new Set(cases.map((c) => c.section))].sort(sectionOrder);
  const id = `v-${anchor(version)}`;
  return section(id, xmlText(describeProtocol({ protocol: result.target.protocol, protocolVersion: version })), sections.map((s) => {
    const inSection = cases.filter((c) => c.section === s);
    return el('div', { class: 'spec-section', id: `${id}-s-${anchor(s)}` }, [
      el('h3', {}, xmlText(`Section ${s}`)),
      table(null, ['case', 'statements', 'layer', 'verdict', 'detail'], inSection.map(caseRow), 'cases'),
      ...inSection.filter((c) => c.verdict === 'fail').map(failureBlock),
    ]);
  }), 'version');
}

function caseRow(c: CaseVerdict): string[] {
  const detail = c.verdict === 'fail'
    ? c.failures.map((f) => xmlText(`${f.statement}: observed ${f.observed}`)).join('<br/>')
    : c.verdict === 'timeout' || c.verdict === 'error' ? xmlText(`${c.reason ?? ''} (${NOT_THE_SERVERS[c.verdict]})`) : xmlText(c.reason ?? '');
  const choices = c.choices.map((ch) => el('span', { class: 'muted' }, xmlText(`${ch.statement}: chose ${ch.behaviour}`)));
  return [
    `${el('code', {}, xmlText(c.id))}<br/>${xmlText(c.title)}`,
    c.statements.map((s) => el('code', {}, xmlText(s))).join(' '),
    xmlText(c.layer),
    el('span', { class: `badge ${BADGE_CLASS[c.verdict]}` }, VERDICT_LABELS[c.verdict]),
    [detail, ...choices].filter((x) => x !== '').join('<br/>'),
  ];
}

/** A failing case: expected vs observed per statement, and the bytes both ways as annotated hex. */
function failureBlock(c: CaseVerdict): string {
  const rows = c.failures.map((f) => [el('code', {}, xmlText(f.statement)), xmlText(f.expected), xmlText(f.observed)]);
  return el('div', { class: 'failure', id: `case-${anchor(c.version)}-${anchor(c.id)}` }, [
    el('h4', {}, xmlText(`${caseName(c)}: ${c.title}`)),
    table(null, ['statement', 'expected', 'observed'], rows, 'expected'),
    ...evidenceBlocks(c).map((block) => hexHtml(block, HEX_LIMITS.html)),
  ]);
}

/** Timeouts and errors (chatbench's) and skips, one row per reason with its count. */
function reasonSections(result: ConformResult): string[] {
  const groups = (kinds: Array<CaseVerdict['verdict']>): string[][] => byReason(casesWith(result, ...kinds)).map((g) => [
    xmlText(g.reason), String(g.cases.length), g.cases.map((c) => el('code', {}, xmlText(caseName(c)))).join(', '),
  ]);
  const out: string[] = [];
  for (const kind of ['timeout', 'error'] as const) {
    const rows = groups([kind]);
    if (rows.length > 0) {
      out.push(section(`${kind}s`, kind === 'timeout' ? 'Timed out' : 'Errors', [el('p', { class: 'note warn' }, xmlText(`${NOT_THE_SERVERS[kind]}.`)), table(null, ['reason', 'cases', 'which'], rows, 'cases')]));
    }
  }
  const skipped = groups(['skip']);
  if (skipped.length > 0) out.push(section('skipped', 'Skipped', [table(null, ['reason', 'cases', 'which'], skipped, 'cases')]));
  return out;
}

function choicesSection(result: ConformResult): string[] {
  const choices = choicesOf(result);
  if (choices.length === 0) return [];
  const rows = choices.map((ch) => [xmlText(ch.version), el('code', {}, xmlText(ch.statement)), xmlText(ch.behaviour), el('code', {}, xmlText(ch.caseId))]);
  return [section('choices', 'Choices', [el('p', { class: 'note' }, xmlText(CHOICES_NOTE)), table(null, ['version', 'statement', 'behaviour', 'case'], rows, 'cases')])];
}

/** A fragment identifier from free text: letters, digits, "-", "." and "_" only. */
function anchor(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}
