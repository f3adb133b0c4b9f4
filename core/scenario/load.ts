/**
 * Scenario file -> ScenarioFile. Reads the YAML keeping source positions, validates and
 * normalises it (normalise.ts), and reports every problem at once as one InputError whose
 * issues point at line:column of the offending value (the key, for unknown keys; the
 * enclosing map, for missing keys).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, Scalar, isCollection, isMap, isNode, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode, Pair, YAMLError } from 'yaml';
import { InputError } from '../errors.js';
import { checkTargetUrl } from '../target.js';
import type { InputIssue } from '../errors.js';
import { formatPath } from './messages.js';
import type { IssuePath, PathIssue } from './messages.js';
import { normaliseScenarioData } from './normalise.js';
import type { ScenarioFile } from './types.js';

export interface LoadOptions {
  /** The command line's --target URL: replaces target.url (other target fields are kept). */
  target?: string | undefined;
  /** Command-line values for the target runner's fields (e.g. { mqttVersion: '3.1.1' } from --mqtt-version). */
  targetFields?: Readonly<Record<string, unknown>> | undefined;
  /** Folder for relative TLS paths; default: the scenario file's folder. */
  baseDir?: string | undefined;
}

export async function loadScenarioFile(path: string, opts: LoadOptions = {}): Promise<ScenarioFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(`cannot read scenario file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The digest of the bytes as read, whatever decoding makes of them.
  return { ...parseScenarioText(bytes.toString('utf8'), path, opts), digest: sha256Hex(bytes) };
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Errors that leave a document whose content still means what the author wrote. */
const RECOVERABLE = new Set(['DUPLICATE_KEY']);

export function parseScenarioText(text: string, file: string, opts: LoadOptions = {}): ScenarioFile {
  if (opts.target !== undefined) {
    const checked = checkTargetUrl(opts.target);
    if (!checked.ok) throw new InputError(`invalid --target: ${checked.error}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => clampedPosition(text, lineCounter, offset);
  const unterminated = unterminatedTokens(doc, text);
  const issues: InputIssue[] = doc.errors.map((error) => {
    const duplicate = error.code === 'DUPLICATE_KEY' ? pairAt(doc, error.pos[0]) : undefined;
    if (duplicate) return { file, ...position(error.pos[0]), path: formatPath(duplicate.path), message: `duplicate key "${duplicate.key}"` };
    return { file, ...position(unterminated(error) ?? error.pos[0]), path: '', message: error.message };
  });

  let result: ScenarioFile | undefined;
  // Problems with what --target or a runner flag gave: no line of the file is at fault.
  const flagProblems: string[] = [];
  if (doc.errors.every((error) => RECOVERABLE.has(error.code))) {
    if (doc.contents === null) {
      issues.push({ file, line: 1, column: 1, path: '', message: 'the file is empty: expected a map with a "scenarios" list' });
    } else {
      const converted = toData(doc);
      if ('error' in converted) {
        issues.push({ file, line: 1, column: 1, path: '', message: converted.error });
      } else {
        const baseDir = opts.baseDir ?? dirname(resolve(file));
        const { value, issues: found } = normaliseScenarioData(converted.data, { target: opts.target, targetFields: opts.targetFields, baseDir });
        for (const issue of found) {
          if (issue.commandLine !== undefined) flagProblems.push(`invalid ${flagFor(issue.commandLine)}: ${issue.message}`);
          else issues.push({ file, ...position(offsetOf(doc, issue)), path: formatPath(issue.path), message: issue.message });
        }
        if (value) result = { file, digest: sha256Hex(text), ...value };
      }
    }
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new InputError([...flagProblems, `invalid scenario file ${file}`].join('\n'), issues);
  }
  if (flagProblems.length > 0 || !result) throw new InputError(flagProblems.length > 0 ? flagProblems.join('\n') : `invalid scenario file ${file}`);
  return result;
}

/**
 * The flag that gave a command-line target value: --target for the URL; a runner field's flag
 * is its name in kebab case (mqttVersion: --mqtt-version), as cli/commands/run.ts names it.
 */
function flagFor(commandLine: string): string {
  return commandLine === 'url' ? '--target' : `--${commandLine.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * 1-based line:column of `offset`, never past the file: the parser reports errors at end of
 * input on the line after the last one, which does not exist; those go to the last character.
 */
export function clampedPosition(text: string, lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
  if (line <= lines.length) return { line, column: Math.max(1, Math.min(col, (lines[line - 1]?.length ?? 0) + 1)) };
  return { line: lines.length, column: Math.max(1, lines[lines.length - 1]?.length ?? 0) };
}

/**
 * For "Missing closing quote" and "must ... end with a ]/}" errors the parser knows only where
 * it gave up (often the end of the file, or the next line); the author needs the opening quote
 * or bracket. Returns a function giving that offset for such an error: the start of the quoted
 * scalar or flow collection of the matching kind that is left open where the error is, each
 * node used once (several collections can be left open at the same place; innermost first).
 */
function unterminatedTokens(doc: Document, text: string): (error: YAMLError) => number | undefined {
  const open: YamlNode[] = [];
  const closing = (node: YamlNode): string | undefined => {
    if (isScalar(node)) return node.type === Scalar.QUOTE_DOUBLE ? '"' : node.type === Scalar.QUOTE_SINGLE ? "'" : undefined;
    if (isCollection(node) && node.flow) return isSeq(node) ? ']' : '}';
    return undefined;
  };
  visit(doc, (_, node) => {
    if (!isNode(node) || !node.range) return;
    const close = closing(node);
    const [start, valueEnd] = node.range;
    if (close === undefined) return;
    const token = node.srcToken;
    const closed =
      token?.type === 'flow-collection'
        ? token.end.some((t) => t.source === close)
        : isClosedQuote(token && 'source' in token ? token.source : text.slice(start, valueEnd).trimEnd(), close);
    if (!closed) open.push(node);
  });
  open.sort((a, b) => (b.range?.[0] ?? 0) - (a.range?.[0] ?? 0));
  const used = new Set<YamlNode>();
  return (error) => {
    const expected = /^Missing closing (["'])quote/.exec(error.message)?.[1] ?? /end with an? ([\]}])/.exec(error.message)?.[1];
    if (expected === undefined) return undefined;
    const node = open.find((n) => !used.has(n) && closing(n) === expected && n.range?.[1] === error.pos[0]);
    if (!node?.range) return undefined;
    used.add(node);
    return node.range[0];
  };
}

/** Whether `source`, a quoted scalar as written, ends with its closing quote. */
function isClosedQuote(source: string, quote: string): boolean {
  const inner = source.slice(1);
  if (quote === '"') return /(?:^|[^\\])(?:\\\\)*"$/.test(inner); // not escaped as \"
  return /(?:^|[^'])(?:'')*'$/.test(inner); // '' is an escaped quote
}

/** The document as plain data, or the reason it has none (e.g. too many alias expansions). */
function toData(doc: Document): { data: unknown } | { error: string } {
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** Start offset of the node `issue` is about: the deepest node on its path that exists. */
export function offsetOf(doc: Document, issue: PathIssue): number {
  let node: unknown = doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  for (const [i, segment] of issue.path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p) === String(segment));
      if (!pair) break;
      const last = i === issue.path.length - 1;
      const empty = pair.value === null || (isScalar(pair.value) && pair.value.range?.[0] === pair.value.range?.[1]);
      if ((last && issue.at === 'key') || empty) {
        offset = (pair.key as YamlNode | null)?.range?.[0] ?? offset;
        break;
      }
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      break;
    }
    const range = (node as YamlNode | null | undefined)?.range;
    if (!range) break;
    offset = range[0];
  }
  return offset;
}

/** The key-value pair whose key starts at `offset`, with its path (for duplicate-key messages). */
function pairAt(doc: Document, offset: number): { key: string; path: IssuePath } | undefined {
  const walk = (node: unknown, path: IssuePath): { key: string; path: IssuePath } | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyText(pair);
        if ((pair.key as YamlNode | null)?.range?.[0] === offset) return { key, path: [...path, key] };
        const found = walk(pair.value, [...path, key]);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const found = walk(item, [...path, i]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}
