/** The exit code a saved or fresh result stands for; the same mapping for `run` and `report`. */
import { ExitCode } from '../core/errors.js';
import { runStatus, type ChatbenchResult } from '../core/result/index.js';

/**
 * What the command that made the result exited with: a run 0 all passed, 1 a scenario failed,
 * 3 aborted; a comparison 1 when a scenario regressed, else 0.
 */
export function resultExitCode(result: ChatbenchResult): ExitCode {
  switch (result.kind) {
    case 'run': {
      const status = runStatus(result);
      return status === 'passed' ? ExitCode.ok : status === 'failed' ? ExitCode.checkFailed : ExitCode.unreachable;
    }
    case 'compare':
      return result.regressed ? ExitCode.checkFailed : ExitCode.ok;
  }
}
