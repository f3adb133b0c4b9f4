/**
 * The one escaper for XML and HTML (JUnit, the HTML report and its inline SVG): text can only
 * ever be text. The output is well-formed XML 1.0 as well as HTML, so a strict parser and a
 * browser read the same thing.
 */

// XML 1.0 allows tab, LF, CR and the code points from U+0020 on, except surrogates, U+FFFE and
// U+FFFF; HTML treats the same characters as parse errors. They become U+FFFD.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

/** Element content: markup characters escaped, CR kept as a reference (a parser would fold it into LF). */
export function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>\r]/g, (c) => ENTITIES[c] ?? c);
}

/** A double-quoted attribute value: as text, plus quotes, and tab/newline as references (not normalised to spaces). */
export function xmlAttr(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? c);
}
