/**
 * Local limits met while connecting: a socket refused by the machine chatbench runs on
 * (EMFILE: this process's open-file limit; ENFILE: the whole system's), which says nothing
 * about the target and is reported as the local limit it is.
 */
import { LocalLimitError } from '../../core/errors.js';
import { openFileLimits } from '../../core/scenario/limits.js';

const LOCAL_CODES = new Set(['EMFILE', 'ENFILE']);

/**
 * This process's soft open-file limit (`ulimit -n`), read once when the first driver is made
 * (noteOpenFileLimit), not at import: `report` or `schema` never need it. Read before any socket
 * opens, because once the limit is hit reading /proc takes a file descriptor too and fails.
 * Node cannot change its own limit, so the value stays true for the process's life.
 */
let openFileLimit: number | undefined | null = null;

export function noteOpenFileLimit(): void {
  openFileLimit ??= openFileLimits()?.soft;
}

/** A LocalLimitError for an EMFILE/ENFILE socket error; undefined for any other error. */
export function localLimitError(error: Error, what: string): LocalLimitError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !LOCAL_CODES.has(code)) return undefined;
  const limit = openFileLimit ?? undefined;
  const which = code === 'EMFILE'
    ? `this process's open-file limit${limit === undefined ? '' : ` (ulimit -n is ${limit.toLocaleString('en-US')})`}`
    : "the system's open-file table";
  return new LocalLimitError(
    `${what}: chatbench ran out of file descriptors (${code}): ${which} is reached on this machine; `
      + 'the target was not at fault. Raise the limit (ulimit -n) or run fewer users.',
    { cause: error },
  );
}
