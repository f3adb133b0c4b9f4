/** The one part of ltx chatbench uses: its SAX-style streaming parser (ltx ships no types). */
declare module 'ltx/src/parsers/ltx.js' {
  import { EventEmitter } from 'node:events';
  export default class SaxLtx extends EventEmitter {
    write(data: string): void;
    end(data?: string): void;
    on(event: 'startElement', listener: (name: string, attrs: Record<string, string>) => void): this;
    on(event: 'endElement', listener: (name: string, selfClosing: boolean) => void): this;
    on(event: 'text', listener: (text: string) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }
}
