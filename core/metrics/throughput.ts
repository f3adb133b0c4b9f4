/**
 * Throughput over the measurement window (after warm-up, until the last send): totals,
 * rates and a per-second series of deliveries. One counter per second, no samples kept.
 *
 * Window rules:
 * - deliveries before the window start (warm-up traffic) are ignored;
 * - deliveries at or after the window end (the drain) are left out of the rate and the
 *   series: in steady state the drain's deliveries match the warm-up messages delivered
 *   inside the window, so the windowed count is the steady-state rate. Delivery
 *   correctness (core/metrics/tracker.ts) still counts every message. Call closeWindow()
 *   when the last send goes out so that drain deliveries are cut off exactly; without it,
 *   summary(end) drops whole seconds after the end but cannot split the last partial
 *   second, whose bucket then also holds deliveries up to its second boundary.
 * - the series has one bucket per whole second from the window start; a trailing
 *   partial second gets its own bucket (its count, not scaled up).
 */
import { MICROS_PER_SECOND } from '../clock.js';
import type { Throughput } from '../result/index.js';

export class ThroughputMeter {
  readonly windowStartMicros: number;
  #sent = 0;
  #series: number[] = [];
  #endMicros = Number.POSITIVE_INFINITY;

  constructor(windowStartMicros: number) {
    if (!Number.isFinite(windowStartMicros)) throw new RangeError(`window start ${windowStartMicros} is not a time`);
    this.windowStartMicros = windowStartMicros;
  }

  /** `count` messages handed to the client inside the window. */
  sent(count = 1): void {
    this.#sent += count;
  }

  /** The window ends at `windowEndMicros`: later deliveries are ignored from now on. */
  closeWindow(windowEndMicros: number): void {
    if (!(windowEndMicros >= this.windowStartMicros)) {
      throw new RangeError(`window end ${windowEndMicros} is before its start ${this.windowStartMicros}`);
    }
    this.#endMicros = windowEndMicros;
  }

  /** One message delivered at `atMicros` (receive time, core/clock.ts). */
  delivered(atMicros: number): void {
    if (atMicros >= this.#endMicros) return; // the drain, after the window
    const offset = atMicros - this.windowStartMicros;
    if (!(offset >= 0)) return; // before the window (or NaN)
    const bucket = Math.floor(offset / MICROS_PER_SECOND);
    const series = this.#series;
    while (series.length <= bucket) series.push(0);
    series[bucket] = (series[bucket] as number) + 1;
  }

  /** Totals for the window [start, end); `windowEndMicros` defaults to the closeWindow() time. */
  summary(windowEndMicros: number = this.#endMicros): Throughput {
    const span = windowEndMicros - this.windowStartMicros;
    if (!(span >= 0) || !Number.isFinite(span)) {
      throw new RangeError(`window end ${windowEndMicros} is not a time at or after the start ${this.windowStartMicros} (closeWindow() or pass the end)`);
    }
    const durationSeconds = span / MICROS_PER_SECOND;
    const buckets = Math.ceil(durationSeconds);
    const series: number[] = [];
    let delivered = 0;
    for (let i = 0; i < buckets; i++) {
      const n = this.#series[i] ?? 0;
      series.push(n);
      delivered += n;
    }
    return {
      sent: this.#sent,
      delivered,
      durationSeconds,
      sentPerSecond: durationSeconds > 0 ? this.#sent / durationSeconds : 0,
      deliveredPerSecond: durationSeconds > 0 ? delivered / durationSeconds : 0,
      series,
    };
  }
}

/**
 * Sum throughput of workers or shards that measured the same window: totals add, series
 * add second by second (rates are summed per tick, never merged as histograms); the
 * duration is the longest window.
 */
export function mergeThroughput(list: readonly Throughput[]): Throughput {
  let sent = 0;
  let delivered = 0;
  let durationSeconds = 0;
  const series: number[] = [];
  for (const t of list) {
    sent += t.sent;
    delivered += t.delivered;
    durationSeconds = Math.max(durationSeconds, t.durationSeconds);
    t.series.forEach((n, i) => {
      series[i] = (series[i] ?? 0) + n;
    });
  }
  return {
    sent,
    delivered,
    durationSeconds,
    sentPerSecond: durationSeconds > 0 ? sent / durationSeconds : 0,
    deliveredPerSecond: durationSeconds > 0 ? delivered / durationSeconds : 0,
    series,
  };
}
