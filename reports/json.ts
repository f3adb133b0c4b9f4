/** The JSON result file: the contract in core/result.ts, written atomically (temp file + rename). */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunResult } from '../core/result.js';

export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** A reader never sees half a file, and a killed run leaves the last complete checkpoint. */
export async function writeJsonFile(path: string, result: RunResult): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, renderJson(result));
  await rename(temp, path);
}
