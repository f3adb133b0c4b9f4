/**
 * The HTML report of a fuzz run, self-contained like the run report (inline CSS, no scripts,
 * strict XML): the verdict, seed, the command that reproduces the run and its pace, then one
 * section per finding — kind, message, statement IDs, new or known, replay command, how it
 * shrank — with the shrunk steps and the server's answer as annotated hex dumps; then the known
 * findings not seen. Returns a string.
 */
import type { Finding, FuzzResult } from '../../core/result/index.js';
import { fuzzStatus, isNewFinding } from '../../core/result/index.js';
import { describeAbort } from '../describe.js';
import { xmlText } from '../escape-xml.js';
import { HEX_LIMITS, HEX_STYLE, hexHtml } from '../hex.js';
import { finishedText, htmlDocument, machineText, pageHeader } from '../html/document.js';
import { el } from '../html/markup.js';
import {
  MISSING_NOTE, describeFuzzTarget, findingTitle, findingsLine, fuzzLabel, knownTag, paceLine, receivedBlocks, replayCommand, reproduceCommand, shrinkLine, stepBlocks,
} from './shared.js';

const STYLE = `
section.finding.new { border-left: 4px solid var(--fail); padding-left: 12px; }
section.finding.known { border-left: 4px solid var(--abort); padding-left: 12px; }
.badge.known { color: var(--abort); background: var(--abort-bg); }
.badge.new { color: var(--fail); background: var(--fail-bg); }
pre.command { background: var(--soft); border: 1px solid var(--border); border-radius: 4px; padding: 6px 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
${HEX_STYLE}`;

export function renderFuzzHtml(result: FuzzResult): string {
  const label = fuzzLabel(result);
  const missing = result.expectation?.missing ?? [];
  return htmlDocument({
    title: `chatbench fuzz ${label}: ${describeFuzzTarget(result)}`,
    toolVersion: result.tool.version,
    style: STYLE,
    header: pageHeader({
      heading: 'chatbench fuzz', status: fuzzStatus(result), label, summary: `${paceLine(result)}, ${findingsLine(result)}`,
      aborted: result.aborted === null ? null : describeAbort(result.aborted), abortedTitle: 'Stopped early:', meta: meta(result),
    }),
    main: [
      el('section', { id: 'reproduce', 'aria-labelledby': 'reproduce-h' }, [
        el('h2', { id: 'reproduce-h' }, 'Reproduce this run'),
        el('pre', { class: 'command' }, el('code', {}, xmlText(reproduceCommand(result)))),
      ]),
      ...result.findings.map((f, i) => findingSection(result, f, i)),
      ...(missing.length === 0 ? [] : [el('section', { id: 'missing', 'aria-labelledby': 'missing-h' }, [
        el('h2', { id: 'missing-h' }, 'Known findings not seen'),
        el('p', { class: 'note' }, xmlText(MISSING_NOTE)),
        el('ul', {}, missing.map((m) => el('li', {}, el('code', {}, xmlText(m))))),
      ])]),
    ],
    footer: `chatbench ${result.tool.version} · result schema ${result.schemaVersion} · bytes as hex, 16 to a row, offsets in hex`,
  });
}

function meta(result: FuzzResult): Array<[string, string]> {
  return [
    ['target', describeFuzzTarget(result)],
    ['seed', String(result.seed)],
    ['run id', result.runId],
    ['started', result.startedAt],
    ['finished', finishedText(result.startedAt, result.finishedAt)],
    ['bound', result.runs !== null ? `${result.runs} runs` : result.timeLimitMs !== null ? `${result.timeLimitMs / 1000} s` : '-'],
    ['expectations', result.expectation?.file ?? '-'],
    ['tool', `${result.tool.name} ${result.tool.version}`],
    ['machine', machineText(result.environment)],
  ];
}

function findingSection(result: FuzzResult, f: Finding, index: number): string {
  const id = `finding-${index}`;
  const tag = knownTag(f);
  const replay = replayCommand(result, f);
  const statements = f.verdict.statements.map((s) => el('code', {}, xmlText(s))).join(' ');
  // Term, then markup.
  const facts: Array<[string, string]> = [
    ['statements', statements === '' ? '-' : statements],
    ['fingerprint', el('code', {}, xmlText(f.fingerprint))],
    ['shrinking', xmlText(shrinkLine(f))],
    ['replay file', f.replayPath === null ? 'not written (no --replay-dir)' : el('code', {}, xmlText(f.replayPath))],
  ];
  return el('section', { id, class: `finding ${isNewFinding(f) ? 'new' : 'known'}`, 'aria-labelledby': `${id}-h` }, [
    el('h2', { id: `${id}-h` }, [
      xmlText(`Finding ${index + 1}: ${f.verdict.kind}`),
      ...(tag === null ? [] : [el('span', { class: `badge ${tag.toLowerCase()}` }, tag)]),
    ]),
    el('p', {}, xmlText(findingTitle(f))),
    el('dl', { class: 'meta' }, facts.map(([k, v]) => el('div', {}, [el('dt', {}, k), el('dd', {}, v)]))),
    ...(replay === null ? [] : [el('pre', { class: 'command' }, el('code', {}, xmlText(replay)))]),
    el('h3', {}, 'Sent (shrunk)'),
    ...stepBlocks(f).map((b) => hexHtml(b, HEX_LIMITS.html)),
    el('h3', {}, 'Received'),
    ...(f.received.length === 0 ? [el('p', { class: 'muted' }, 'Nothing.')] : receivedBlocks(f).map((b) => hexHtml(b, HEX_LIMITS.html))),
  ]);
}
