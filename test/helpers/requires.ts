/**
 * Suites that need a program from the machine (a real server, a browser): describe() when it
 * is there; otherwise a visibly skipped suite with the reason — except under CI=true, where a
 * missing program is a failure, not a skip.
 */
import { executable } from '../../runners/local/programs.js';
import { describe, it } from 'vitest';

/** True when `path` is a file this process may execute (chatbench's own check, which --start uses). */
export { executable };

export interface Requirement {
  /** What is needed, e.g. "mosquitto". */
  program: string;
  available: boolean;
  /** How to get it, e.g. "apt-get install -y mosquitto, or set CHATBENCH_MOSQUITTO". */
  install: string;
}

export function describeRequiring(requirement: Requirement, name: string, body: () => void): void {
  const { program, available, install } = requirement;
  if (available) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it(`needs ${program}`, () => {
        throw new Error(`${program} is required under CI=true (${install})`);
      });
    });
  } else {
    const reason = `${program} not installed (${install})`;
    console.warn(`skipping "${name}": ${reason}`);
    describe.skip(`${name} [skipped: ${reason}]`, body);
  }
}
