/**
 * Markup helpers for the whole HTML report (page, scenario sections, charts): elements with
 * escaped attributes, and tables. Pure functions returning strings; nothing here knows about
 * results.
 *
 * The markup is also well-formed XML (attributes double-quoted, empty elements closed with
 * "/>", only the predefined entities and character references), so it reads the same in a
 * browser and in a strict parser. Inline SVG in HTML needs no xmlns: the HTML parser puts <svg>
 * and its children in the SVG namespace. Text goes through the one XML escaper (escape-xml.ts).
 */
import { xmlAttr, xmlText } from '../escape-xml.js';

export type Attrs = Readonly<Record<string, string | number | undefined>>;

/** ` name="value"` for every defined attribute, values escaped. */
export function attrs(values: Attrs): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(typeof v === 'number' ? num(v) : v)}"`)
    .join('');
}

/** An element whose children are markup already; `null` children makes it empty ("/>"). */
export function el(name: string, attributes: Attrs, children: string | readonly string[] | null): string {
  if (children === null) return `<${name}${attrs(attributes)}/>`;
  return `<${name}${attrs(attributes)}>${typeof children === 'string' ? children : children.join('')}</${name}>`;
}

/** A coordinate, rounded to 0.1 px: "12.3", "40". */
export function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * A table: column headers, then rows whose first cell is the row's header. Cells are markup
 * (escape text before passing it); `rowClass` may class a row.
 */
export function table(caption: string | null, head: readonly string[], rows: ReadonlyArray<readonly string[]>, className = '', rowClass?: (i: number) => string | undefined): string {
  const body = rows.map((row, i) =>
    el('tr', { class: rowClass?.(i) }, row.map((cell, j) => (j === 0 ? el('th', { scope: 'row' }, cell) : el('td', {}, cell)))),
  );
  return el('table', { class: className || undefined }, [
    ...(caption === null ? [] : [el('caption', {}, xmlText(caption))]),
    el('thead', {}, el('tr', {}, head.map((cell) => el('th', { scope: 'col' }, cell)))),
    el('tbody', {}, body),
  ]);
}
