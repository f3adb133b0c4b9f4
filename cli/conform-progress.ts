/**
 * What `chatbench conform` shows while it runs, on stderr: on a terminal a line per finished
 * case; without one (CI logs) a count every few seconds, so a log shows the run is alive
 * without a wall of lines; with --quiet nothing.
 */
import type { CaseVerdict } from '../core/result/index.js';
import type { Output } from './output.js';
import { progressEveryMs } from './progress.js';

/** How often the plain count is printed without a terminal (CHATBENCH_PROGRESS_EVERY overrides, for tests). */
const PLAIN_EVERY_MS = 5_000;

export class ConformProgress {
  #version = '';
  #planned = 0;
  #done = 0;
  #counts = { pass: 0, fail: 0, skip: 0, timeout: 0, error: 0 };
  #lastLineAt = performance.now();
  readonly #everyMs: number;

  constructor(
    private readonly out: Output,
    private readonly mode: 'cases' | 'counts' | 'off',
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#everyMs = env['CHATBENCH_PROGRESS_EVERY'] === undefined ? PLAIN_EVERY_MS : progressEveryMs(env);
  }

  version(version: string, planned: number, protocol: string): void {
    this.#version = version;
    this.#planned = planned;
    this.#done = 0;
    this.#counts = { pass: 0, fail: 0, skip: 0, timeout: 0, error: 0 };
    this.#lastLineAt = performance.now();
    if (this.mode !== 'off') this.out.err(`${protocol.toUpperCase()} ${version}: ${planned} case${planned === 1 ? '' : 's'}`);
  }

  verdict(v: CaseVerdict): void {
    this.#done += 1;
    this.#counts[v.verdict] += 1;
    if (this.mode === 'cases') {
      this.out.err(`  ${v.verdict.padEnd(7)} ${v.id}  ${Math.round(v.durationMs)} ms${v.verdict === 'skip' || v.verdict === 'timeout' ? `  (${v.reason ?? ''})` : ''}`);
      return;
    }
    if (this.mode === 'off') return;
    const now = performance.now();
    if (now - this.#lastLineAt < this.#everyMs) return;
    this.#lastLineAt = now;
    const c = this.#counts;
    const parts = [`${c.pass} pass`, `${c.fail} fail`, `${c.skip} skip`, ...(c.timeout > 0 ? [`${c.timeout} timeout`] : []), ...(c.error > 0 ? [`${c.error} error`] : [])];
    this.out.err(`  ${this.#version}: ${this.#done} of ${this.#planned} cases done (${parts.join(', ')})`);
  }
}
