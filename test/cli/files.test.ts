/**
 * The CLI's file I/O: reading a saved result back (file-level problems named; parsing and
 * schema problems are core/result/read.ts's, tested in test/result/read.test.ts), checking an
 * output path before a run by really creating a file there, and atomic writes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../core/errors.js';
import type { RunResult } from '../../core/result/index.js';
import { renderJson } from '../../reports/index.js';
import { createFolderFor, prepareOutputFile, readResultFile, readResultFileOfKind, removePendingTempFiles, writeTextFile } from '../../cli/files.js';
import { tempDir } from '../helpers/cli.js';
import { measureRunResult } from '../helpers/results.js';

let real: RunResult;
let dir: string;
beforeAll(async () => {
  real = await measureRunResult();
  dir = tempDir();
});

function save(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The InputError (exit 2) that `run` rejects with. */
async function inputError(run: () => Promise<unknown>): Promise<InputError> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(ExitCode.badInput);
  return error as InputError;
}

describe('readResultFile', () => {
  it('reads back a result written by renderJson, equal to what was measured', async () => {
    expect(await readResultFile(save('real.json', renderJson(real)))).toEqual(real);
  });

  it('ignores fields it does not know (added in a later version of the same schemaVersion)', async () => {
    const read = await readResultFile(save('extra.json', { ...real, comment: 'added later' }));
    expect(read).toEqual(real);
    expect(read).not.toHaveProperty('comment');
  });

  it('names a missing file, a folder and invalid JSON', async () => {
    const missing = join(dir, 'nope.json');
    expect((await inputError(() => readResultFile(missing))).message).toBe(`cannot read result file ${missing}: no such file`);
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    expect((await inputError(() => readResultFile(folder))).message).toBe(`cannot read result file ${folder}: is a folder`);
    const truncated = save('truncated.json', renderJson(real).slice(0, 200));
    expect((await inputError(() => readResultFile(truncated))).message).toMatch(new RegExp(`^result file ${truncated} is not valid JSON: `));
    const array = save('array.json', '[1, 2]');
    expect((await inputError(() => readResultFile(array))).message).toBe(`result file ${array} is not a chatbench result: expected a JSON object, got an array`);
  });

  it('reads a file of one kind only when asked for that kind', async () => {
    const path = save('run.json', renderJson(real));
    expect((await readResultFileOfKind(path, 'run')).runId).toBe(real.runId);
    expect((await inputError(() => readResultFileOfKind(path, 'compare'))).message).toContain(`result file ${path} is a "run" result`);
  });
});

describe('prepareOutputFile', () => {
  it('accepts a new file, an existing file and a path under folders still to be made inside the current directory, creating nothing', async () => {
    const before = readdirSync(dir);
    await prepareOutputFile(join(dir, 'new.json'), '--json');
    await prepareOutputFile(save('existing.json', '{}'), '--json');
    await prepareOutputFile(join(dir, 'not', 'yet', 'there.json'), '--json', { cwd: dir });
    expect(readdirSync(dir)).toEqual([...before, 'existing.json'].sort());
  });

  it('refuses a missing folder outside the current directory (a typo more likely than a wish), even under a writable one', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    expect((await inputError(() => prepareOutputFile(join(dir, 'missing', 'x.json'), '--json', { cwd: elsewhere }))).message)
      .toBe(`--json ${dir}/missing/x.json: folder ${dir}/missing does not exist; create it first (chatbench makes missing folders only inside the current directory)`);
    expect((await inputError(() => prepareOutputFile('/nonexistent/dir/x.json', '--json', { cwd: dir }))).message).toMatch(/^--json \/nonexistent\/dir\/x\.json: folder \/nonexistent\/dir does not exist; create it first/);
  });

  it('creates the missing folders of a path and names the topmost one it made', async () => {
    expect(await createFolderFor(join(dir, 'made', 'deeper', 'x.json'))).toBe(join(dir, 'made'));
    expect(readdirSync(join(dir, 'made'))).toEqual(['deeper']);
    expect(await createFolderFor(join(dir, 'made', 'deeper', 'y.json'))).toBeUndefined();
  });

  it('suggests a file name of the kind asked for when given a folder', async () => {
    expect((await inputError(() => prepareOutputFile(`${dir}/`, '--html', { example: 'report.html' }))).message).toBe(`--html ${dir}/: is a folder; give a file name, e.g. ${dir}/report.html`);
  });

  it('refuses no name, a folder, a device, a path under a file and a folder that takes no files', async () => {
    expect((await inputError(() => prepareOutputFile(' ', '--json'))).message).toBe('--json needs a file name');
    expect((await inputError(() => prepareOutputFile(dir, '--html'))).message).toBe(`--html ${dir}: is a folder; give a file name, e.g. ${dir}/result.json`);
    expect((await inputError(() => prepareOutputFile('/dev/null', '--junit'))).message).toBe('--junit /dev/null: is not a regular file; give a file name');
    const file = save('README.md', '# readme');
    expect((await inputError(() => prepareOutputFile(join(file, 'x.json'), '--json'))).message).toBe(`--json ${file}/x.json: ${file} is a file, not a folder`);
    expect((await inputError(() => prepareOutputFile('/proc/x.json', '--json'))).message).toBe('--json /proc/x.json: cannot create a file in /proc (the folder does not take new files)');
  });

});

describe('writeTextFile', () => {
  it('writes atomically through a temp file, creating folders, and leaves no temp file behind', async () => {
    const path = join(dir, 'w', 'out.txt');
    await writeTextFile(path, 'one');
    await writeTextFile(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'w'))).toEqual(['out.txt']);
  });

  it('removes a temp file still being written when the process must quit at once', async () => {
    const folder = join(dir, 'quit');
    const temps = (): string[] => (existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.tmp')) : []);
    const writing = writeTextFile(join(folder, 'big.json'), 'x'.repeat(50_000_000));
    for (let i = 0; i < 2000 && temps().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(temps()).toHaveLength(1); // caught while writing (50 MB take a while)
    removePendingTempFiles();
    // Synchronously after: the write's own rename cannot have run in between.
    expect(temps()).toEqual([]);
    await writing.catch(() => undefined);
  });
});
