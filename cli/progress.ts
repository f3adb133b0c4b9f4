/**
 * What a run shows while it runs. On a terminal, one status line rewritten in place (carriage
 * return + clear line) instead of a scroll of lines; without one (CI), a plain line every 10 s
 * so a log shows the run is alive; with --quiet, nothing. Scenario starts and phases are
 * ordinary lines in both modes. Rendering happens when an engine event arrives (about once a
 * second from connecting to the end of the drain), never on a timer of its own, so it adds no
 * work to the send path. The engine's p99 so far is one percentile read of the live histogram
 * per event, not work per message.
 */
import type { EngineEvent } from '../core/engine/index.js';
import { parseDuration } from '../core/scenario/index.js';
import { formatCount, formatMicros, plural } from '../reports/format.js';
import type { Output } from './output.js';

type ProgressEvent = Extract<EngineEvent, { type: 'progress' }>;

/** How often a plain progress line is printed without a terminal. */
export const PLAIN_PROGRESS_EVERY_MS = 10_000;

/**
 * For tests only: CHATBENCH_PROGRESS_EVERY=200ms makes the plain line come that often, so a
 * test sees it without waiting 10 s. Anything that is not a positive duration is ignored.
 */
export function progressEveryMs(env: NodeJS.ProcessEnv): number {
  const text = env['CHATBENCH_PROGRESS_EVERY'];
  if (text === undefined) return PLAIN_PROGRESS_EVERY_MS;
  const parsed = parseDuration(text);
  return parsed.ok && parsed.value > 0 ? parsed.value : PLAIN_PROGRESS_EVERY_MS;
}

const CLEAR_LINE = '\r\u001b[2K';

export class ProgressDisplay {
  /** A status line is on screen without a newline (terminal mode). */
  #live = false;
  #lastLineAt: number | undefined;
  #previous: { elapsedMs: number; sent: number; delivered: number } | undefined;
  /** What the last progress event's elapsed time counted from: the interval and rates restart when it changes. */
  #clock: string | undefined;

  constructor(
    private readonly out: Output,
    private readonly mode: 'status' | 'lines' | 'off',
    private readonly everyMs = PLAIN_PROGRESS_EVERY_MS,
  ) {}

  handle(event: EngineEvent): void {
    if (this.mode === 'off') return;
    switch (event.type) {
      case 'scenario-start':
        this.#restart(undefined);
        this.line(`[${event.index + 1}/${event.total}] ${event.scenario}`);
        break;
      case 'phase':
        this.line(`  ${event.phase}: ${event.detail}`);
        break;
      case 'progress':
        this.#progress(event);
        break;
      case 'scenario-end':
        this.clear();
        break;
    }
  }

  /** An ordinary line: the status line, if any, is cleared first, and redrawn by the next event. */
  line(text: string): void {
    this.clear();
    this.out.err(text);
  }

  /** Rewrites the status line in place (terminal mode); `fuzz` shows its own text this way. */
  status(text: string): void {
    const width = this.out.columns;
    // Longer than the terminal, the line would wrap and \r would rewrite only its last row.
    this.out.errRaw(`${CLEAR_LINE}${width !== undefined && text.length >= width ? `${text.slice(0, width - 2)}…` : text}`);
    this.#live = true;
  }

  /** Removes the status line, so what follows starts on a clean line. */
  clear(): void {
    if (!this.#live) return;
    this.out.errRaw(CLEAR_LINE);
    this.#live = false;
  }

  #restart(clock: string | undefined): void {
    this.#previous = undefined;
    this.#lastLineAt = undefined;
    this.#clock = clock;
  }

  #progress(event: ProgressEvent): void {
    // Sending and draining count from the send start; each phase before them from its own start.
    const clock = sending(event) ? 'send' : event.phase;
    if (clock !== this.#clock) this.#restart(clock);
    const rates = this.#rates(event);
    if (this.mode === 'status') {
      this.status(progressText(event, rates));
      return;
    }
    const at = event.elapsedMs;
    if (this.#lastLineAt !== undefined ? at - this.#lastLineAt < this.everyMs : at < this.everyMs) return;
    this.#lastLineAt = at;
    this.out.err(`  ${progressText(event, rates)}`);
  }

  /** Sent and delivered per second since the previous event of this scenario. */
  #rates(event: ProgressEvent): Rates | undefined {
    const previous = this.#previous;
    this.#previous = { elapsedMs: event.elapsedMs, sent: event.sent, delivered: event.delivered };
    if (previous === undefined || event.elapsedMs <= previous.elapsedMs) return undefined;
    const seconds = (event.elapsedMs - previous.elapsedMs) / 1000;
    return { sent: (event.sent - previous.sent) / seconds, delivered: (event.delivered - previous.delivered) / seconds };
  }
}

interface Rates {
  sent: number;
  delivered: number;
}

/**
 * "small-room  send  0:06 / 0:10  4 users connected  sent 1,200 of 2,000 (200/s)  delivered
 * 3,600 (600/s)  p99 2.10 ms": phase, elapsed of total, users, counts with thousands
 * separators, rates when known, p99 when the event carries it.
 */
export function progressText(event: ProgressEvent, rates: Rates | undefined): string {
  if (!sending(event)) return earlyText(event);
  const rate = (perSecond: number | undefined): string => (perSecond === undefined ? '' : ` (${formatCount(Math.max(0, perSecond))}/s)`);
  const parts = [
    event.scenario,
    event.phase,
    `${clock(event.elapsedMs)} / ${clock(event.totalMs)}`,
    `${plural(event.connected, 'user')} connected`,
    `sent ${formatCount(event.sent)} of ${formatCount(event.planned)}${rate(rates?.sent)}`,
    `delivered ${formatCount(event.delivered)}${rate(rates?.delivered)}`,
  ];
  if (event.p99Micros !== undefined) parts.push(`p99 ${formatMicros(event.p99Micros)}`);
  return parts.join('  ');
}

/** Sending or draining: the phases with messages to count (the engine names no others "send"/"drain"). */
function sending(event: ProgressEvent): boolean {
  return event.phase === 'send' || event.phase === 'drain';
}

/**
 * Before sending: "big-room  connect  0:12 / 0:30  340 of 1,500 users connected" — time in the
 * phase (of its planned length when the engine knows it), users connected so far.
 */
function earlyText(event: ProgressEvent): string {
  const time = event.totalMs > 0 ? `${clock(event.elapsedMs)} / ${clock(event.totalMs)}` : clock(event.elapsedMs);
  const users =
    event.users !== undefined && event.connected < event.users
      ? `${formatCount(event.connected)} of ${plural(event.users, 'user')} connected`
      : `${plural(event.connected, 'user')} connected`;
  return [event.scenario, event.phase, time, users].join('  ');
}

/** 6_400 -> "0:06", 3_725_000 -> "1:02:05": elapsed time as a clock reads it. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
