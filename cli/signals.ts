/**
 * Ctrl-C (SIGINT) and SIGTERM during `chatbench run`. The first stops the run after the drain
 * and keeps what was measured. A second one while measuring quits at once (exit 3), saying
 * what stays on disk. Once measuring has finished, nothing quits before the result files are
 * written: a signal then only says so, since quitting would lose a complete measurement.
 */
import { ExitCode } from '../core/errors.js';
import { removePendingTempFiles } from './files.js';

export interface InterruptOptions {
  /** Human text on stderr (the status line is cleared first by the caller's function). */
  say(line: string): void;
  /** What a quit at once leaves behind, e.g. "the last checkpoint stays in r.json". */
  leftBehind(): string;
  /** What the first signal does, in words; default "stopping after the drain, keeping what was measured". */
  stopping?: string;
  /** Ends the process; injectable for tests. */
  exit?: (code: number) => never;
}

export class Interrupts {
  readonly controller = new AbortController();
  #measuring = true;
  readonly #handler = (signal: NodeJS.Signals): void => this.receive(signal);

  constructor(private readonly options: InterruptOptions) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  install(): void {
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  uninstall(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }

  /** The run has returned its result: from now on a signal never loses it. */
  measuringFinished(): void {
    this.#measuring = false;
  }

  receive(signal: NodeJS.Signals): void {
    const { say } = this.options;
    if (!this.#measuring) {
      say(`received ${signal}: measuring has finished; quitting once the result files are written`);
      return;
    }
    if (!this.controller.signal.aborted) {
      say(`\nreceived ${signal}: ${this.options.stopping ?? 'stopping after the drain, keeping what was measured'} (again to quit at once)`);
      this.controller.abort(signal);
      return;
    }
    say(`received ${signal} again: quitting now; ${this.options.leftBehind()}`);
    removePendingTempFiles();
    (this.options.exit ?? process.exit)(ExitCode.unreachable);
  }
}
