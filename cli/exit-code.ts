/** The exit code a saved or fresh result stands for; the same mapping for `run` and `report`. */
import { ExitCode } from '../core/errors.js';
import { conformStatus, fuzzStatus, runStatus, type ChatbenchResult } from '../core/result/index.js';

/**
 * What the command that made the result exited with: a run 0 all passed, 1 a scenario failed,
 * 3 aborted; a comparison 1 when a scenario regressed, else 0; a conformance run and a fuzz run
 * as their status says (core/result/conform.ts, fuzz.ts).
 */
export function resultExitCode(result: ChatbenchResult): ExitCode {
  switch (result.kind) {
    case 'run':
      return statusCode(runStatus(result));
    case 'compare':
      return result.regressed ? ExitCode.checkFailed : ExitCode.ok;
    case 'conform':
      return statusCode(conformStatus(result));
    case 'fuzz':
      return statusCode(fuzzStatus(result));
  }
}

/** 0 passed, 1 failed, 3 aborted. */
function statusCode(status: 'passed' | 'failed' | 'aborted'): ExitCode {
  return status === 'passed' ? ExitCode.ok : status === 'failed' ? ExitCode.checkFailed : ExitCode.unreachable;
}
