/**
 * The files a command writes besides its console output (--json, --junit, --markdown, --html),
 * shared by every command: each path is checked before any work starts (so a bad path costs
 * no run), then each file is rendered and written atomically, saying where it went.
 */
import { appendFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { ChatbenchResult, ResultKind } from '../core/result/index.js';
import { renderResult, reportFormats, type ReportFormat } from '../reports/index.js';
import type { FlagSpec } from './flags.js';
import { createFolderFor, prepareOutputFile, reasonOf, writeTextFile } from './files.js';
import type { Output } from './output.js';

/** One output file: the flag that asked for it, where, what it is in words, how to render it. */
export interface OutputFile<T> {
  flag: string;
  path: string;
  what: string;
  /** A good file name for it, suggested when the path given is a folder. */
  example?: string;
  render: (value: T) => string;
  /** Added to the end of the file instead of replacing it ($GITHUB_STEP_SUMMARY). */
  append?: boolean;
}

/** How a missing output folder is handled, for each command's --help. */
export const OUTPUT_FOLDERS_NOTE =
  'Output files: a missing folder is created (and said so) only inside the current directory; elsewhere create it first.';

/**
 * Checks that every output file can be written: bad input (exit 2) otherwise — including two
 * flags naming the same file, or one naming a file in `taken` (an input: the scenario file,
 * the result being read). Files are told apart by what they are on disk, so a symbolic link
 * or another spelling of an input's path is caught too.
 */
export async function prepareOutputs(files: readonly OutputFile<never>[], taken: ReadonlyMap<string, string> = new Map()): Promise<void> {
  const seen = new Map<string, string>();
  for (const [path, what] of taken) seen.set(await fileIdentity(path), what);
  for (const f of files) {
    const key = await fileIdentity(f.path);
    const other = seen.get(key);
    if (other !== undefined) throw new InputError(`${f.flag} ${f.path}: already taken by ${other}; give each its own file`);
    seen.set(key, f.flag);
    await prepareOutputFile(f.path, f.flag, f.example === undefined ? {} : { example: f.example });
  }
}

/** An existing file by device and inode (links and spellings agree); a new one by its absolute path. */
async function fileIdentity(path: string): Promise<string> {
  const found = await stat(path).catch(() => undefined);
  return found === undefined ? `path:${resolve(path)}` : `inode:${found.dev}:${found.ino}`;
}

/**
 * Makes the missing folders of the output files (prepareOutputs allowed them), saying so; called
 * once every input check has passed, so a refused run leaves no folder behind.
 */
export async function createOutputFolders(files: readonly OutputFile<never>[], out: Output): Promise<void> {
  for (const f of files) {
    const created = await createFolderFor(f.path).catch((error: unknown) => {
      throw new InputError(`could not create the folder of ${f.flag} ${f.path}: ${reasonOf(error)}`);
    });
    if (created !== undefined) out.err(`created folder ${relative('.', created) || created} for ${f.flag}`);
  }
}

/** Renders and writes each file atomically, saying where each went. */
export async function writeOutputs<T>(files: readonly OutputFile<T>[], value: T, out: Output): Promise<void> {
  await createOutputFolders(files, out);
  for (const f of files) {
    const text = f.render(value);
    await (f.append ? appendFile(f.path, `${text.trimEnd()}\n\n`) : writeTextFile(f.path, text)).catch((error: unknown) => {
      throw new InputError(`could not write the ${f.what} to ${f.path}: ${(error as Error).message}`);
    });
    out.err(`${f.what} ${f.append ? 'appended' : 'written'} to ${f.path}`);
  }
}

/** An output-file flag (`--json FILE`); `description` says what this command writes there. */
function fileFlag<const Name extends keyof ReportPaths>(name: Name, description: string) {
  return { name, type: 'string', value: 'FILE', description } as const satisfies FlagSpec;
}

/** --json FILE: the result as JSON (each command says which result). */
export const jsonFlag = (description: string) => fileFlag('json', description);
/** --markdown FILE: the result as Markdown. */
export const markdownFlag = (description: string) => fileFlag('markdown', description);
/** --html FILE: the result as a self-contained HTML page. */
export const htmlFlag = (description: string) => fileFlag('html', description);

/** The report-file flags of commands that render a run result (`run`, `report`). */
export const REPORT_FLAGS = [
  fileFlag('junit', 'write a JUnit XML report here (for CI test tabs)'),
  markdownFlag('write a Markdown summary here (for PR comments and CI job summaries)'),
  fileFlag('html', 'write a self-contained HTML report here'),
] as const;

export interface ReportPaths {
  json?: string | undefined;
  junit?: string | undefined;
  markdown?: string | undefined;
  html?: string | undefined;
}

/** The report files of a result; the JSON last, as it is the record. */
const RESULT_FILES: ReadonlyArray<{ key: keyof ReportPaths; format: ReportFormat; what: string; example: string }> = [
  { key: 'junit', format: 'junit', what: 'JUnit report', example: 'junit.xml' },
  { key: 'markdown', format: 'markdown', what: 'Markdown summary', example: 'summary.md' },
  { key: 'html', format: 'html', what: 'HTML report', example: 'report.html' },
  { key: 'json', format: 'json', what: 'result', example: 'result.json' },
];

/**
 * The result files asked for, each rendered through the reports' dispatch. When the kind of
 * result is known (a saved one), a format it has no report in is bad input before anything is
 * written. In a GitHub Actions step ($GITHUB_STEP_SUMMARY set) every command that writes a
 * result also appends its Markdown summary there, for kinds that have one.
 */
export function resultOutputs(paths: ReportPaths, kind?: ResultKind, env: NodeJS.ProcessEnv = process.env): OutputFile<ChatbenchResult>[] {
  const asked = RESULT_FILES.flatMap((f) => {
    const path = paths[f.key];
    return path === undefined ? [] : [{ flag: `--${f.key}`, path, what: f.what, example: f.example, format: f.format }];
  });
  if (kind !== undefined) {
    const formats = reportFormats(kind);
    const missing = asked.filter((f) => !formats.includes(f.format));
    if (missing.length > 0) {
      throw new InputError(`a "${kind}" result has no ${missing.map((f) => `${f.what} (${f.flag})`).join(', ')}; it renders as ${formats.join(', ')}`);
    }
  }
  const files: OutputFile<ChatbenchResult>[] = asked.map(({ flag, path, what, example, format }) => ({ flag, path, what, example, render: (result: ChatbenchResult) => renderResult(result, format) }));
  const summary = env['GITHUB_STEP_SUMMARY'];
  if (summary !== undefined && summary !== '' && (kind === undefined || reportFormats(kind).includes('markdown'))) {
    files.push({ flag: '$GITHUB_STEP_SUMMARY', path: summary, what: 'Markdown summary', append: true, render: (result) => renderResult(result, 'markdown') });
  }
  return files;
}
