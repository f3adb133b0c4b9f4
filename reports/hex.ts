/**
 * The annotated hex dump every report shows bytes with (conformance evidence, fuzz steps and
 * what the server sent back): blocks of bytes, each headed by what it is (direction, time,
 * connection, a note), written as rows of offset, hex bytes in two groups of eight, and an ASCII
 * column. One layout for the console, JUnit and HTML, so a byte is found at the same offset in
 * each. Bytes come from result files as hex text: text that is not hex is shown as it is and
 * said so, never guessed at.
 */
import { xmlText } from './escape-xml.js';
import { el } from './html/markup.js';
import { plural } from './format.js';

/** One chunk of bytes and what it is: "sent +12 ms", "connection 0 · PUBLISH with QoS 3". */
export interface HexBlock {
  label: string;
  hex: string;
}

export interface DumpRow {
  /** "0000", "0010": the offset of the row's first byte, hex. */
  offset: string;
  /** "10 0d 00 04 4d 51 54 54  04 02 00 3c": two groups of eight. */
  hex: string;
  /** "....MQTT...<": printable ASCII, a dot for every other byte. */
  ascii: string;
}

export interface Dump {
  rows: DumpRow[];
  /** Bytes left out past the limit (the result JSON holds them all). */
  omitted: number;
  /** The text was not hex: it is shown as it is. */
  notHex: string | null;
  bytes: number;
}

const ROW = 16;

/** The bytes of a hex string, or null when it is not an even run of hex digits. */
export function hexBytes(hex: string): Buffer | null {
  return /^(?:[0-9a-fA-F]{2})*$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

/** Rows of at most `limit` bytes of `hex` (16 to a row). */
export function dump(hex: string, limit: number): Dump {
  const bytes = hexBytes(hex);
  if (bytes === null) return { rows: [], omitted: 0, notHex: hex, bytes: 0 };
  const shown = bytes.subarray(0, limit);
  const rows: DumpRow[] = [];
  for (let at = 0; at < shown.length; at += ROW) {
    const row = [...shown.subarray(at, at + ROW)];
    const pairs = row.map((b) => b.toString(16).padStart(2, '0'));
    rows.push({
      offset: at.toString(16).padStart(4, '0'),
      hex: [pairs.slice(0, 8).join(' '), pairs.slice(8).join(' ')].filter((g) => g !== '').join('  '),
      ascii: row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''),
    });
  }
  return { rows, omitted: bytes.length - shown.length, notHex: null, bytes: bytes.length };
}

/** "(17 bytes)", "(no bytes)". */
function sizeNote(d: Dump): string {
  return d.notHex !== null ? '(not hex; shown as recorded)' : d.bytes === 0 ? '(no bytes)' : `(${plural(d.bytes, 'byte')})`;
}

function omittedNote(d: Dump): string {
  return `… ${plural(d.omitted, 'more byte')} not shown (the result JSON has them all)`;
}

/**
 * A block as text lines, for the console and JUnit:
 *   sent +0 ms (15 bytes)
 *     0000  10 0d 00 04 4d 51 54 54  04 02 00 3c 00 01 61  |....MQTT...<..a|
 */
export function hexText(block: HexBlock, limit: number, indent = ''): string[] {
  const d = dump(block.hex, limit);
  const width = ROW * 3;
  const lines = [`${indent}${block.label} ${sizeNote(d)}`];
  if (d.notHex !== null) lines.push(`${indent}  ${d.notHex}`);
  for (const r of d.rows) lines.push(`${indent}  ${r.offset}  ${r.hex.padEnd(width)} |${r.ascii}|`);
  if (d.omitted > 0) lines.push(`${indent}  ${omittedNote(d)}`);
  return lines;
}

/** A block as HTML: a captioned table of offset, hex and ASCII (styled by HEX_STYLE). */
export function hexHtml(block: HexBlock, limit: number): string {
  const d = dump(block.hex, limit);
  const rows = d.rows.map((r) => el('tr', {}, [el('th', { scope: 'row' }, r.offset), el('td', {}, r.hex), el('td', { class: 'ascii' }, xmlText(r.ascii))]));
  if (d.notHex !== null) rows.push(el('tr', {}, el('td', { colspan: 3, class: 'warn' }, xmlText(d.notHex))));
  if (d.omitted > 0) rows.push(el('tr', {}, el('td', { colspan: 3, class: 'muted' }, xmlText(omittedNote(d)))));
  return el('table', { class: 'hexdump' }, [
    el('caption', {}, `${xmlText(block.label)} ${el('span', { class: 'muted' }, xmlText(sizeNote(d)))}`),
    el('tbody', {}, rows),
  ]);
}

/** How much of each block the reports show: a console or CI log stays readable, an HTML page stays light. */
export const HEX_LIMITS = { console: 256, junit: 1024, html: 4096 } as const;

/** "sent +12 ms": an exchange's direction and time since its connection opened. */
export function exchangeLabel(dir: string, atMs: number): string {
  return `${dir} +${Math.round(atMs)} ms`;
}

/** The hex dump's look, added to the HTML report's stylesheet (no "<" or "&": the page stays XML). */
export const HEX_STYLE = `
table.hexdump { margin: 6px 0 10px; font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.hexdump caption { font: 600 12px system-ui, sans-serif; text-align: left; overflow-wrap: anywhere; }
table.hexdump th, table.hexdump td { text-align: left; padding: 0 10px 0 0; border: 0; white-space: pre; }
table.hexdump th[scope="row"] { color: var(--muted); font-weight: 400; }
table.hexdump td.ascii { color: var(--muted); }
table.hexdump td:nth-child(2) { min-width: 48ch; }
`;
