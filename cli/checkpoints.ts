/**
 * Checkpoints of the --json result file during a run, written one after another (never two at
 * once, so an older one cannot land after a newer one). One that arrives while another is being
 * written waits; a newer one arriving meanwhile replaces it (each holds everything measured so
 * far), so a slow disk delays checkpoints but never piles them up. A checkpoint that cannot be
 * written is reported once; the run goes on and the final write decides.
 *
 * The JSON text is made in a worker thread (checkpoint-worker.ts), so a checkpoint taken while
 * messages are sent does not hold up the sends due meanwhile; what this thread still does per
 * checkpoint is hand over the running scenario and the envelope (scenarios already finished
 * crossed once) and write the text to disk asynchronously. Without a compiled worker script
 * (TypeScript sources never built), or once the worker failed, the text is made here.
 */
import { OffThread, workerScript } from '../core/off-thread.js';
import type { RunResult, ScenarioResult } from '../core/result/index.js';
import { renderJson } from '../reports/index.js';
import type { RenderCall, ScenarioRef } from './checkpoint-worker.js';
import { writeTextFile } from './files.js';
import type { Output } from './output.js';

export class Checkpoints {
  #queue: Promise<void> = Promise.resolve();
  /** The newest checkpoint not yet being written: replaced by a newer one, never written twice. */
  #waiting: RunResult | null = null;
  #warned = false;
  #written = 0;
  #renderer: OffThread<RenderCall, string> | null;
  /** The scenarios the worker holds (those of the last checkpoint it rendered), by key. */
  #held = new Map<ScenarioResult, number>();
  #nextKey = 0;

  constructor(readonly path: string, private readonly out: Output) {
    const script = workerScript(new URL('./checkpoint-worker.js', import.meta.url));
    this.#renderer = script === null ? null : new OffThread(script);
  }

  /** Resolves once the worker has loaded (or failed, or there is none): await it before sending. */
  ready(): Promise<void> {
    return this.#renderer?.ready ?? Promise.resolve();
  }

  /** Whether the JSON text is made in a worker thread. */
  get offThread(): boolean {
    return this.#renderer !== null;
  }

  /** Resolves when this checkpoint, or a newer one that replaced it, is on disk (or has failed). */
  write(partial: RunResult): Promise<void> {
    const queued = this.#waiting !== null;
    this.#waiting = partial;
    if (queued) return this.#queue;
    this.#queue = this.#queue.then(async () => {
      const newest = this.#waiting;
      this.#waiting = null;
      if (newest === null) return;
      await writeTextFile(this.path, await this.#render(newest));
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

  /** Resolves when every checkpoint asked for so far is on disk (or has failed); stops the worker. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#stopRenderer();
  }

  async #render(partial: RunResult): Promise<string> {
    const renderer = this.#renderer;
    if (renderer === null) return renderJson(partial);
    const held = new Map<ScenarioResult, number>();
    const scenarios = partial.scenarios.map((scenario): ScenarioRef => {
      const key = this.#held.get(scenario);
      held.set(scenario, key ?? this.#nextKey);
      return key !== undefined ? { key } : { key: this.#nextKey++, scenario };
    });
    // The worker keeps exactly the scenarios of the call it answers last.
    this.#held = held;
    try {
      return await renderer.call({ run: { ...partial, scenarios: [] }, scenarios });
    } catch {
      // Whatever the worker holds is unknown now: this and later checkpoints are made here.
      await this.#stopRenderer();
      return renderJson(partial);
    }
  }

  async #stopRenderer(): Promise<void> {
    const renderer = this.#renderer;
    this.#renderer = null;
    await renderer?.close();
  }
}
