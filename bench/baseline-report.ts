/**
 * The README's claims table from the committed compare results: one row per claim, the MQTT and
 * XMPP figures and the verdict for each MQTT/XMPP pair side by side, then how each figure was
 * taken (or why it was not), and the commands that produced it. Pure text from data: the figures
 * and verdicts are core's (core/verdict/claims.ts), worded by reports/compare/claims.ts.
 */
import type { Claim } from '../core/result/index.js';
import { CLAIM_VERDICT_MARKDOWN, claimCells, claimNote } from '../reports/compare/claims.js';
import type { ClaimPair } from './baseline-plan.js';

/** The markers the README's generated block sits between; `npm run baselines` rewrites what is inside. */
export const README_BEGIN = '<!-- baselines:claims:begin (npm run baselines writes this block) -->';
export const README_END = '<!-- baselines:claims:end -->';

export interface PairClaims {
  pair: ClaimPair;
  claims: readonly Claim[];
}

/** A table cell: pipes and line breaks would end the cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/**
 * The table: a row per claim of the first pair (every pair tests the same claims, in the same
 * order), with each pair's MQTT figure, XMPP figure and verdict. A claim a pair lacks shows "-".
 */
export function claimsTable(pairs: readonly PairClaims[]): string {
  const first = pairs[0];
  if (first === undefined) return '';
  const head = ['claim', ...pairs.flatMap((p) => [`${p.pair.mqtt} (MQTT)`, `${p.pair.xmpp} (XMPP)`, 'verdict'])];
  const rows = first.claims.map((c) => {
    const cells = pairs.flatMap((p) => {
      const own = p.claims.find((o) => o.id === c.id);
      if (own === undefined) return ['-', '-', '-'];
      const [, mqtt, xmpp] = claimCells(own);
      return [mqtt, xmpp, CLAIM_VERDICT_MARKDOWN[own.verdict]];
    });
    return [c.claim, ...cells];
  });
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/**
 * How each claim's figures were taken, per pair: the reason and notes core recorded. The first
 * pair's in full; the others' only where they say something the first did not.
 */
export function claimNotes(pairs: readonly PairClaims[]): string {
  const out: string[] = [];
  const first = pairs[0];
  if (first === undefined) return '';
  for (const c of first.claims) {
    const own = claimNote(c);
    out.push(`- **${c.id}** (${first.pair.name}): ${cell(own)}`);
    for (const p of pairs.slice(1)) {
      const other = p.claims.find((o) => o.id === c.id);
      if (other !== undefined && claimNote(other) !== own) out.push(`  - ${p.pair.name}: ${cell(claimNote(other))}`);
    }
  }
  return out.join('\n');
}

/** What the README block says about where and how the figures were taken. */
export interface Provenance {
  measuredAt: string;
  machine: string;
  commands: readonly string[];
}

/** The whole generated README block, markers included. */
export function readmeBlock(pairs: readonly PairClaims[], provenance: Provenance): string {
  return [
    README_BEGIN,
    `Measured ${provenance.measuredAt} on ${provenance.machine}. Every server was started by chatbench (\`--start\`) on free loopback ports, one after another, with the settings in the table of local servers above.`,
    '',
    claimsTable(pairs),
    '',
    'How each figure was taken, or why it could not be:',
    '',
    claimNotes(pairs),
    '',
    'The commands (`npm run baselines` runs exactly these, in this order):',
    '',
    '```sh',
    ...provenance.commands,
    '```',
    README_END,
  ].join('\n');
}

/** The README with its generated block replaced; null when the markers are missing or out of order. */
export function replaceReadmeBlock(readme: string, block: string): string | null {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) return null;
  return `${readme.slice(0, begin)}${block}${readme.slice(end + README_END.length)}`;
}
