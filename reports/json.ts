/** The JSON result file: the contract in core/result.ts, written atomically (temp file + rename), as every report file is. */
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../core/errors.js';
import type { RunResult } from '../core/result.js';

export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/**
 * Checks, before a run starts, that `path` can take an output file: not empty, not a folder,
 * its folder exists (created if missing) and is writable. Bad input (exit 2) otherwise.
 */
export async function prepareOutputFile(path: string, flag: string): Promise<void> {
  if (path.trim() === '') throw new InputError(`${flag} needs a file name`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(`${flag} ${path}: is a folder; give a file name, e.g. ${path.replace(/\/$/, '')}/result.json`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await access(dirname(path), constants.W_OK);
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** A reader never sees half a file, and a killed run leaves the last complete checkpoint. */
export async function writeJsonFile(path: string, result: RunResult): Promise<void> {
  await writeTextFile(path, renderJson(result));
}

/** Writes `text` atomically (temp file + rename), creating the folder: any report file. */
export async function writeTextFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
