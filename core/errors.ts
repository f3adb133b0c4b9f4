/**
 * Typed errors. Library code throws these; only the CLI maps them to an exit code.
 *
 * Exit codes, the same for every command:
 *   0 all good
 *   1 a check failed (threshold breached, delivery guarantee violated, conformance failure)
 *   2 bad input (flags, YAML, file)
 *   3 the target could not be reached or the run was aborted
 */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  unreachable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class ChatbenchError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** One problem in an input file, pointing at the place it was found (1-based line and column). */
export interface InputIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path into the document, e.g. `scenarios[1].rate`; empty for syntax errors. */
  path: string;
  message: string;
}

export function formatIssue(issue: InputIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Bad flags, a bad scenario file, a missing file: exit 2. Carries every issue found, not just the first. */
export class InputError extends ChatbenchError {
  readonly issues: readonly InputIssue[];
  constructor(message: string, issues: readonly InputIssue[] = []) {
    super(issues.length ? `${message}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}` : message, ExitCode.badInput);
    this.issues = issues;
  }
}

/** The target could not be reached (connect refused, DNS, TLS handshake, timeout): exit 3. */
export class TargetUnreachableError extends ChatbenchError {
  readonly target: string;
  constructor(target: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach target ${target}: ${reason}`, ExitCode.unreachable, options);
    this.target = target;
  }
}

/** A phase did not finish in time, or the run was interrupted: exit 3. */
export class RunAbortedError extends ChatbenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.unreachable, options);
  }
}

/**
 * The machine running chatbench hit one of its own limits (open files, EMFILE/ENFILE): exit 2,
 * like a workload the loader refuses before the run — the target is not at fault, so it must
 * not read as "unreachable" (exit 3).
 */
export class LocalLimitError extends ChatbenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.badInput, options);
  }
}

/** Rejects with RunAbortedError when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RunAbortedError(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
