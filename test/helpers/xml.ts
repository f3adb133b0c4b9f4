/**
 * A strict little XML reader for report tests: every byte must belong to a declaration,
 * a tag with double-quoted attributes, or text; tags must balance; entities must be the
 * five predefined ones or character references; characters XML 1.0 forbids are an error.
 * Returns the element tree with attribute values and text decoded.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const TOKEN = /<\?xml [^<>]*\?>|<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
const ATTR = /([A-Za-z_][\w.-]*)="([^"<]*)"/g;
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string): string {
  const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/.exec(raw);
  if (bad) throw new Error(`bare & at ${JSON.stringify(raw.slice(bad.index, bad.index + 12))}`);
  return raw.replace(/&(#x[\da-fA-F]+|#\d+|\w+);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : NAMED[e] ?? '');
}

export function parseXml(xml: string): XmlElement {
  const bad = NOT_XML_CHAR.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)?.toString(16)} is not allowed in XML 1.0`);
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < xml.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(xml);
    if (m === null) throw new Error(`not well-formed at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
    const [, close, name, attrText, selfClose, text] = m;
    const top = stack[stack.length - 1] as XmlElement;
    if (text !== undefined) {
      top.text += decode(text);
    } else if (name !== undefined && close) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else if (name !== undefined) {
      const attrs: Record<string, string> = {};
      for (const [, k = '', v = ''] of (attrText ?? '').matchAll(ATTR)) {
        if (k in attrs) throw new Error(`duplicate attribute ${k} on <${name}>`);
        attrs[k] = decode(v);
      }
      const el: XmlElement = { name, attrs, children: [], text: '' };
      top.children.push(el);
      if (!selfClose) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new Error('expected exactly one root element');
  return elements[0] as XmlElement;
}

/** Children named `name`. */
export function kids(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
