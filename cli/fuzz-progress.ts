/**
 * What `chatbench fuzz` shows while it runs, on stderr: on a terminal one status line rewritten
 * in place (cases, pace, findings); without one (CI logs) a plain line every 10 s; with --quiet
 * nothing. Each finding is an ordinary line in both modes, as soon as it is shrunk. The status
 * line itself is drawn and cleared by the run's ProgressDisplay (cli/progress.ts).
 */
import type { LoopProgress } from '../core/fuzz/loop.js';
import { formatCount, plural } from '../reports/format.js';
import type { Output } from './output.js';
import { clock, PLAIN_PROGRESS_EVERY_MS, ProgressDisplay } from './progress.js';

export class FuzzProgress {
  readonly #display: ProgressDisplay;
  #lastLineAt = 0;

  constructor(
    out: Output,
    private readonly mode: 'status' | 'lines' | 'off',
    /** Cases planned, or null when bounded by time. */
    private readonly planned: number | null,
    private readonly everyMs = PLAIN_PROGRESS_EVERY_MS,
  ) {
    this.#display = new ProgressDisplay(out, mode, everyMs);
  }

  case(p: LoopProgress): void {
    if (this.mode === 'off') return;
    const of = this.planned === null ? '' : ` of ${formatCount(this.planned)}`;
    const pace = p.elapsedMs > 0 ? ` (${formatCount(p.casesRun / (p.elapsedMs / 1000))}/s)` : '';
    const text = `fuzz  ${clock(p.elapsedMs)}  ${formatCount(p.casesRun)}${of} cases${pace}  ${plural(p.findings, 'finding')}`;
    if (this.mode === 'status') return this.#display.status(text);
    if (p.elapsedMs - this.#lastLineAt < this.everyMs) return;
    this.#lastLineAt = p.elapsedMs;
    this.#display.line(`  ${text}`);
  }

  /** An ordinary line; the status line, if any, is cleared first and redrawn by the next case. */
  line(text: string): void {
    if (this.mode !== 'off') this.#display.line(text);
  }

  clear(): void {
    this.#display.clear();
  }
}
