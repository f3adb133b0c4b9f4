/**
 * The one escaper for GitHub-flavoured Markdown (the run summary and the comparison): free
 * text is shown as written, table cells stay cells, code spans stay code.
 */

/** Free text: Markdown punctuation backslash-escaped, line breaks as spaces. */
export function mdText(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>~&#!]/g, '\\$&');
}

/** A code span, for expressions and URLs; text holding a backtick or line break falls back to mdText(). */
export function mdCode(text: string): string {
  return /[`\r\n]/.test(text) || text === '' ? mdText(text) : `\`${text}\``;
}

/** A table row; `|` inside a cell is escaped so it cannot split the cell. Cells are Markdown already. */
export function mdRow(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}
