/**
 * Checkpoints of the --json result file during a run, written one after another (never two at
 * once, so an older one cannot land after a newer one). A checkpoint that cannot be written is
 * reported once; the run goes on and the final write decides.
 */
import type { RunResult } from '../core/result/index.js';
import { renderJson } from '../reports/index.js';
import { writeTextFile } from './files.js';
import type { Output } from './output.js';

export class Checkpoints {
  #queue: Promise<void> = Promise.resolve();
  #warned = false;
  #written = 0;

  constructor(readonly path: string, private readonly out: Output) {}

  write(partial: RunResult): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      await writeTextFile(this.path, renderJson(partial));
      this.#written++;
    }).catch((error: unknown) => {
      if (!this.#warned) this.out.err(`warning: could not write a checkpoint to ${this.path}: ${(error as Error).message}`);
      this.#warned = true;
    });
    return this.#queue;
  }

  /** How many checkpoints are on disk: the last one is what a run that quits at once leaves. */
  get written(): number {
    return this.#written;
  }

  /** Resolves when every checkpoint asked for so far is on disk (or has failed). */
  settled(): Promise<void> {
    return this.#queue;
  }
}
