/**
 * The CLI's file I/O, in one place: reading a saved result, checking before a run that an
 * output path can take a file, and writing files atomically (temp file + rename, so a reader
 * never sees half a file and a killed run leaves the last complete checkpoint).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { ChatbenchResult, ResultKind } from '../core/result/index.js';
import { expectKind, parseResult } from '../core/result/read.js';

/** Reads a result file of any kind and version; anything wrong with it is bad input naming the file. */
export async function readResultFile(path: string): Promise<ChatbenchResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read result file ${path}: ${reasonOf(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`result file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseResult(data, path);
}

/** Reads a JSON file chatbench takes as input ("replay file"): unreadable or not JSON is bad input naming it. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${what} ${path}: ${reasonOf(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads a result file that must be of one kind, e.g. the run results `compare` takes. */
export async function readResultFileOfKind<K extends ResultKind>(path: string, kind: K): Promise<Extract<ChatbenchResult, { kind: K }>> {
  return expectKind(await readResultFile(path), kind, path);
}

/** Where an output file goes, and what a good name for it would be (for "give a file name, e.g. …"). */
export interface OutputFileCheck {
  /** e.g. "report.html" for --html. */
  example?: string;
  /** Missing folders are made only inside this one (default: the current directory). */
  cwd?: string;
}

/**
 * Checks, before any work starts, that `path` can take an output file: named, not a folder nor
 * a device, and its folder really takes a file: one is created and removed there, because a
 * permission check passes for root on /proc and cannot see a read-only mount. A folder that
 * does not exist yet is fine only inside the current directory (`results/today.json`): a
 * missing folder elsewhere is more likely a typo than a wish to create `/nonexistent/dir`.
 * Bad input (exit 2) otherwise. Creates nothing that stays: createFolderFor makes the
 * missing folders once every check has passed.
 */
export async function prepareOutputFile(path: string, flag: string, check: OutputFileCheck = {}): Promise<void> {
  if (path.trim() === '') throw new InputError(`${flag} needs a file name`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new InputError(`${flag} ${path}: is a folder; give a file name, e.g. ${join(path, check.example ?? 'result.json')}`);
  }
  if (existing !== undefined && !existing.isFile()) throw new InputError(`${flag} ${path}: is not a regular file; give a file name`);
  const parent = dirname(resolve(path));
  const folder = await nearestFolder(parent, flag, path);
  if (folder !== parent && !isInside(parent, check.cwd ?? process.cwd())) {
    throw new InputError(`${flag} ${path}: folder ${parent} does not exist; create it first (chatbench makes missing folders only inside the current directory)`);
  }
  const probe = join(folder, `.chatbench-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    // ENOENT on creating a file in a folder that exists: a virtual file system such as /proc.
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the folder does not take new files' : reasonOf(error);
    throw new InputError(`${flag} ${path}: cannot create a file in ${folder} (${why})`);
  }
  await unlink(probe);
}

/** Makes the missing folders of `path`; returns the topmost one it made, if any. */
export async function createFolderFor(path: string): Promise<string | undefined> {
  return mkdir(dirname(resolve(path)), { recursive: true });
}

function isInside(folder: string, root: string): boolean {
  const from = relative(resolve(root), folder);
  return from === '' || (!from.startsWith('..') && !isAbsolute(from));
}

/** The nearest existing ancestor of `folder` (itself included); a file in the way is bad input. */
async function nearestFolder(folder: string, flag: string, path: string): Promise<string> {
  for (let at = folder; ; at = dirname(at)) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : error));
    if (found instanceof Error) {
      if (found.code === 'ENOTDIR') continue; // a file further up: reported when the walk reaches it
      throw new InputError(`${flag} ${path}: cannot use folder ${at} (${reasonOf(found)})`);
    }
    if (found === undefined) {
      if (dirname(at) === at) throw new InputError(`${flag} ${path}: no folder to write in`);
      continue;
    }
    if (!found.isDirectory()) throw new InputError(`${flag} ${path}: ${at} is a file, not a folder`);
    return at;
  }
}

/** Temp files being written right now, so a process that must quit at once can remove them. */
const pending = new Set<string>();

/** Writes `text` to `path` atomically, creating its folder. */
export async function writeTextFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  pending.add(temp);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    pending.delete(temp);
  }
}

/** Removes half-written temp files; for a process about to exit while a write is under way. */
export function removePendingTempFiles(): void {
  for (const temp of pending) rmSync(temp, { force: true });
  pending.clear();
}

/** A file-system error in words a user acts on, with its code. */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a folder';
    case 'EACCES':
    case 'EPERM': return `permission denied, ${code}`;
    case 'EROFS': return 'read-only file system, EROFS';
    case 'ENOSPC': return 'no space left on the device, ENOSPC';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder, ENOTDIR';
    default: return code ?? (error as Error).message;
  }
}
