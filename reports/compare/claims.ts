/**
 * The MQTT-vs-XMPP claims of a comparison as table rows, shared by the console, Markdown and
 * HTML renderings: each figure in its unit ("≥" for a lower bound), the ratio, the verdict in
 * words. The verdicts are core's (core/verdict/claims.ts); this only words them.
 */
import type { Claim, ClaimUnit, ClaimVerdict } from '../../core/result/index.js';
import { formatBytes, formatCount, formatMicros, formatRate } from '../format.js';

/** A figure in its unit: "312 B", "8.0 B/min", "1.20 ms", "1,990 msg/s", "3", "0.42 ms CPU"; "-" when missing. */
export function formatClaimValue(value: number | null, unit: ClaimUnit, atLeast = false): string {
  if (value === null) return '-';
  const bound = atLeast ? '≥ ' : '';
  switch (unit) {
    case 'bytes': return `${bound}${formatBytes(value)}`;
    case 'bytes/min': return `${bound}${formatBytes(value)}/min`;
    case 'us': return `${bound}${formatMicros(value)}`;
    case 'msg/s': return `${bound}${formatRate(value)}`;
    case 'levels': return `${bound}${formatCount(value)}`;
    case 'cpu-ms': return `${bound}${value < 10 ? value.toFixed(3) : formatCount(value)} ms CPU`;
  }
}

/** MQTT's figure over XMPP's: "0.52×"; "-" without both. */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? '-' : `${Number(ratio.toPrecision(3))}×`;
}

export const CLAIM_VERDICT_TEXT: Readonly<Record<ClaimVerdict, string>> = {
  supported: '✓ supported', 'not-supported': '✗ not supported', 'not-measured': 'not measured',
};
export const CLAIM_VERDICT_MARKDOWN: Readonly<Record<ClaimVerdict, string>> = {
  supported: '✅ supported', 'not-supported': '❌ not supported', 'not-measured': '⚠️ not measured',
};

export const CLAIMS_HEADING = 'MQTT vs XMPP: the claims, measured';
export const CLAIM_COLUMNS = ['claim', 'MQTT', 'XMPP', 'MQTT/XMPP', 'verdict'] as const;

/** [claim, MQTT, XMPP, ratio] of a claim, as text. */
export function claimCells(c: Claim): [string, string, string, string] {
  return [c.claim, formatClaimValue(c.mqtt, c.unit, c.atLeast.mqtt), formatClaimValue(c.xmpp, c.unit, c.atLeast.xmpp), formatRatio(c.ratio)];
}

/** What the table's numbers are and why some are missing: "claim: reason (notes)". */
export function claimNote(c: Claim): string {
  return c.notes.length === 0 ? c.reason : `${c.reason} (${c.notes.join('; ')})`;
}

/** "3 supported, 1 not supported, 10 not measured". */
export function claimsTally(claims: readonly Claim[]): string {
  const count = (v: ClaimVerdict): number => claims.filter((c) => c.verdict === v).length;
  return `${count('supported')} supported, ${count('not-supported')} not supported, ${count('not-measured')} not measured`;
}
