/**
 * Where a local server's programs and config templates are: the binary (an environment
 * variable chosen by the user wins, else Debian's folder, else PATH), and the server's folder
 * under fixtures/. A server that is not installed is bad input (exit 2) naming its apt package.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/errors.js';

/** True when `path` is a file this process may execute. */
export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ProgramLookup {
  /** File name: "mosquitto". */
  name: string;
  /** Looked in first (Debian's place for it), before PATH. */
  dirs: readonly string[];
  /** An environment variable naming the binary: when set, only that one is used. */
  envVar?: string;
}

export function findProgram(lookup: ProgramLookup, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = lookup.envVar === undefined ? undefined : env[lookup.envVar];
  if (chosen) return executable(chosen) ? chosen : undefined;
  const dirs = [...lookup.dirs, ...(env['PATH'] ?? '').split(delimiter)];
  return dirs.filter(Boolean).map((dir) => join(dir, lookup.name)).find(executable);
}

/** Exit 2: "mosquitto is not installed (...): apt-get install -y mosquitto". */
export function notInstalled(server: string, lookup: ProgramLookup, aptPackage: string, env: NodeJS.ProcessEnv = process.env): InputError {
  const chosen = lookup.envVar === undefined ? undefined : env[lookup.envVar];
  const where = chosen ? `${lookup.envVar}=${chosen} is not an executable file` : `no ${lookup.name} in ${[...lookup.dirs, 'PATH'].join(', ')}`;
  return new InputError(`${server} is not installed (${where}): apt-get install -y ${aptPackage}`);
}

/**
 * fixtures/<name>/ of the chatbench package: found by walking up from this module, so it is the
 * same folder whether chatbench runs from its sources or from dist/.
 */
export function fixtureDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'fixtures', name);
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`chatbench's fixtures/${name} folder is missing from its installation`);
    dir = parent;
  }
}

/** A template from fixtures/<dir>/ with its {{NAME}} placeholders filled; one left over is a bug here. */
export function fillTemplate(dir: string, file: string, values: Readonly<Record<string, string>>): string {
  const text = readFileSync(join(fixtureDir(dir), file), 'utf8');
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (match, key: string) => values[key] ?? match);
  const left = /\{\{[A-Z_]+\}\}/.exec(filled);
  if (left) throw new Error(`fixtures/${dir}/${file}: no value for ${left[0]}`);
  return filled;
}
