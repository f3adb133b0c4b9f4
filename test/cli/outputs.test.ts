/**
 * Output paths as a new user types them, through the real binary: an output never overwrites
 * an input (the scenario file, however it is spelt), a missing folder is made only inside the
 * current directory and said so, a folder given as a file gets a name of its kind suggested,
 * and --quiet prints the summary with nothing above it.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL, runCli, scenarioFile, tempDir } from '../helpers/cli.js';

describe('output files', () => {
  it('refuses (exit 2) an output path that is the scenario file — same path, another spelling, or a link to it — leaving it untouched', async () => {
    const file = scenarioFile(SMALL);
    const dir = dirname(file);
    const link = join(dir, 'link.yaml');
    symlinkSync(file, link);
    const before = readFileSync(file, 'utf8');
    const relative = `./${basename(file)}`;
    const cases = [['--json', file], ['--html', relative], ['--markdown', link]] as const;
    for (const [flag, path] of cases) {
      const r = await runCli(['run', file, flag, path], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${flag} ${path}: already taken by the scenario file; give each its own file`);
      expect(r.stderr).not.toContain('embedded broker'); // refused before the run
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a missing folder outside the current directory, creating nothing; makes one inside it and says so', async () => {
    const cwd = tempDir();
    const outside = join(tempDir(), 'not', 'there');
    const refused = await runCli(['run', scenarioFile(SMALL), '--json', join(outside, 'r.json')], { cwd });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`--json ${outside}/r.json: folder ${outside} does not exist; create it first (chatbench makes missing folders only inside the current directory)`);
    expect(existsSync(join(outside, '..'))).toBe(false);

    const made = await runCli(['run', scenarioFile(SMALL), '--quiet', '--json', 'results/today/r.json', '--junit', 'results/junit.xml'], { cwd });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain('created folder results for --junit');
    expect(made.stderr).toContain('created folder results/today for --json');
    expect(JSON.parse(readFileSync(join(cwd, 'results', 'today', 'r.json'), 'utf8'))).toMatchObject({ kind: 'run' });
    // --quiet: the summary is the first thing printed, with no blank line above it.
    expect(made.stderr.split('\n')[0]).toMatch(/^created folder /);
    expect(made.stderr).not.toMatch(/^\s*\n/);
  });

  it('--quiet output starts with the summary, not a blank line', async () => {
    const r = await runCli(['run', scenarioFile(SMALL), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^chatbench \S+ — /);
  });

  it('given a folder, suggests a file name of the kind the flag writes', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'out'));
    const folder = join(dir, 'out');
    const expected = { '--json': 'result.json', '--junit': 'junit.xml', '--markdown': 'summary.md', '--html': 'report.html' };
    const runs = await Promise.all(Object.keys(expected).map((flag) => runCli(['run', scenarioFile(SMALL), flag, `${folder}/`])));
    Object.entries(expected).forEach(([flag, name], i) => {
      expect(runs[i]?.code).toBe(2);
      expect(runs[i]?.stderr).toContain(`${flag} ${folder}/: is a folder; give a file name, e.g. ${folder}/${name}`);
    });
  });
});
