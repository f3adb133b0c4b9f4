/**
 * `chatbench report RESULT.json`: re-renders a saved result without re-running — the console
 * summary, and JUnit / Markdown / HTML / JSON files on request — and exits as the run did, so CI
 * can gate on a saved result. `writeReports` writes the same files for `run`.
 */
import { resolve } from 'node:path';
import { ExitCode, InputError } from '../../core/errors.js';
import { runStatus, type RunResult } from '../../core/result.js';
import { prepareOutputFile, readResultFile, renderConsole, renderHtml, renderJson, renderJunit, renderMarkdown, writeTextFile } from '../../reports/index.js';
import { usageLine, type CommandSpec, type FlagSpec, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';

/** The report-file flags, shared by `run` and `report`. */
export const REPORT_FLAGS: readonly FlagSpec[] = [
  { name: 'junit', type: 'string', value: 'FILE', description: 'write a JUnit XML report here (one test suite per scenario)' },
  { name: 'markdown', type: 'string', value: 'FILE', description: 'write a Markdown summary here (for PR comments and CI job summaries)' },
  { name: 'html', type: 'string', value: 'FILE', description: 'write a self-contained HTML report here' },
];

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'Re-render a saved result (console, JUnit, Markdown, HTML) without re-running; exits as the run did.',
  args: 'RESULT.json',
  maxPositionals: 1,
  flags: [
    ...REPORT_FLAGS,
    { name: 'json', type: 'string', value: 'FILE', description: 'write the result JSON here (validated and re-serialised)' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'do not print the summary' },
  ],
  notes: [
    'RESULT.json is a file written by chatbench run --json.',
    'Exit codes: 0 every scenario passed; 1 a scenario failed; 2 bad input (flags, a missing or',
    '            invalid result file); 3 the run was aborted — the code the run itself exited with.',
  ],
};

export interface ReportPaths {
  junit?: string | undefined;
  markdown?: string | undefined;
  html?: string | undefined;
}

interface ReportFile {
  flag: string;
  path: string;
  what: string;
  render: (result: RunResult) => string;
}

function reportFiles(paths: ReportPaths & { json?: string | undefined }): ReportFile[] {
  const files: ReportFile[] = [];
  if (paths.junit !== undefined) files.push({ flag: '--junit', path: paths.junit, what: 'JUnit report', render: renderJunit });
  if (paths.markdown !== undefined) files.push({ flag: '--markdown', path: paths.markdown, what: 'Markdown summary', render: renderMarkdown });
  if (paths.html !== undefined) files.push({ flag: '--html', path: paths.html, what: 'HTML report', render: renderHtml });
  if (paths.json !== undefined) files.push({ flag: '--json', path: paths.json, what: 'result', render: renderJson });
  return files;
}

/**
 * Checks that every requested report file can be written (before a run starts): bad input,
 * exit 2, otherwise — including two flags naming the same file.
 */
export async function prepareReports(paths: ReportPaths & { json?: string | undefined }, taken: ReadonlyMap<string, string> = new Map()): Promise<void> {
  const seen = new Map([...taken].map(([path, what]) => [resolve(path), what]));
  for (const f of reportFiles(paths)) {
    const other = seen.get(resolve(f.path));
    if (other !== undefined) throw new InputError(`${f.flag} ${f.path}: already taken by ${other}; give each its own file`);
    seen.set(resolve(f.path), f.flag);
    await prepareOutputFile(f.path, f.flag);
  }
}

/** Writes the requested JUnit, Markdown and HTML files (and the JSON, when given) atomically, saying where each went. */
export async function writeReports(result: RunResult, paths: ReportPaths & { json?: string | undefined }, out: Output): Promise<void> {
  for (const f of reportFiles(paths)) {
    await writeTextFile(f.path, f.render(result)).catch((error: unknown) => {
      throw new InputError(`could not write the ${f.what} to ${f.path}: ${(error as Error).message}`);
    });
    out.err(`${f.what} written to ${f.path}`);
  }
}

/** The exit code a run with this result has: 0 all passed, 1 a scenario failed, 3 aborted. */
export function resultExitCode(result: RunResult): number {
  const status = runStatus(result);
  return status === 'passed' ? ExitCode.ok : status === 'failed' ? ExitCode.checkFailed : ExitCode.unreachable;
}

export async function runReport(args: ParsedArgs, out: Output): Promise<number> {
  const file = args.positionals[0];
  if (file === undefined) throw new InputError(`needs the result file to render (written by chatbench run --json FILE)\n\n${usageLine(reportCommand)}`);
  const paths = {
    junit: args.values.junit as string | undefined,
    markdown: args.values.markdown as string | undefined,
    html: args.values.html as string | undefined,
    json: args.values.json as string | undefined,
  };
  const result = await readResultFile(file);
  // Never overwrite the result being rendered.
  await prepareReports(paths, new Map([[file, 'the result file being read']]));
  if (args.values.quiet !== true) out.err(renderConsole(result, { color: out.color }).trimEnd());
  await writeReports(result, paths, out);
  return resultExitCode(result);
}
