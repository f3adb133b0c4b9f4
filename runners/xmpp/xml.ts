/**
 * The XML side of an XMPP stream: a streaming parser (ltx's SAX parser) that hands over each
 * top-level stanza as a small plain tree, and the escaping every outbound string goes
 * through. No DOM library: a stanza is `{ name, attrs, children, text }`, built once and read
 * by the session; outbound stanzas are strings (xml.ts escape + templates), never trees.
 */
import SaxLtx from 'ltx/src/parsers/ltx.js';
import { StringDecoder } from 'node:string_decoder';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside this element, concatenated. */
  text: string;
}

/** The first child named `name` (and in `xmlns`, when given; children inherit their parent's). */
export function child(el: XmlElement, name: string, xmlns?: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.name === name && (xmlns === undefined || (c.attrs['xmlns'] ?? el.attrs['xmlns']) === xmlns)) return c;
  }
  return undefined;
}

export function childText(el: XmlElement, name: string, xmlns?: string): string | undefined {
  return child(el, name, xmlns)?.text;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

/** Text or attribute value safe inside '...' or <x>...</x>. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>'"]/g, (c) => ESCAPES[c] ?? c);
}

export interface StreamParserEvents {
  /** The peer's <stream:stream> header. */
  onOpen(attrs: Record<string, string>): void;
  /** Each complete top-level element (stanza, <a/>, features, ...). */
  onElement(el: XmlElement): void;
  /** </stream:stream>. */
  onEnd(): void;
  /** The peer sent XML that does not parse. */
  onError(err: Error): void;
}

/**
 * One parser per stream (a restart after STARTTLS or SASL makes a new one, RFC 6120 §4.3.3).
 * Bytes go in as they arrive; a UTF-8 sequence split between chunks is kept for the next one.
 */
export class StreamParser {
  private readonly sax = new SaxLtx();
  private readonly decoder = new StringDecoder('utf8');
  private depth = 0;
  private stack: XmlElement[] = [];
  private failed = false;

  constructor(private readonly events: StreamParserEvents) {
    this.sax.on('startElement', (name, attrs) => this.start(name, attrs));
    this.sax.on('endElement', (name) => this.end(name));
    this.sax.on('text', (text) => {
      const top = this.stack[this.stack.length - 1];
      if (top) top.text += text;
    });
    this.sax.on('error', (err) => this.fail(err));
  }

  write(chunk: Buffer): void {
    if (this.failed) return;
    try {
      let text = this.decoder.write(chunk);
      if (this.prolog !== undefined) {
        text = this.skipDeclaration(this.prolog + text);
        if (text === '') return;
      }
      this.sax.write(text);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /**
   * Text seen before the stream header while it may still be the XML declaration. ltx's parser
   * loses a declaration split across writes (seen with 1- and 2-byte chunks), and TCP or TLS may
   * split anywhere: so the declaration is dropped here, whole, before ltx sees anything.
   */
  private prolog: string | undefined = '';

  private skipDeclaration(text: string): string {
    const start = text.trimStart();
    if (start.length < 2) {
      this.prolog = text;
      return '';
    }
    if (!start.startsWith('<?')) {
      this.prolog = undefined;
      return text;
    }
    const close = start.indexOf('?>');
    if (close < 0) {
      this.prolog = text;
      return '';
    }
    this.prolog = undefined;
    return start.slice(close + 2);
  }

  private start(name: string, attrs: Record<string, string>): void {
    this.depth++;
    if (this.depth === 1) {
      if (name !== 'stream:stream') return this.fail(new Error(`expected <stream:stream>, got <${name}>`));
      this.events.onOpen(attrs);
      return;
    }
    const el: XmlElement = { name, attrs, children: [], text: '' };
    this.stack[this.stack.length - 1]?.children.push(el);
    this.stack.push(el);
  }

  private end(name: string): void {
    this.depth--;
    if (this.depth === 0) {
      this.events.onEnd();
      return;
    }
    const el = this.stack.pop();
    if (el === undefined || el.name !== name) return this.fail(new Error(`</${name}> does not close <${el?.name ?? '?'}>`));
    if (this.stack.length === 0) this.events.onElement(el);
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.events.onError(err);
  }
}
