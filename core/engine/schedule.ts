/**
 * When each send of a scenario is due, as an offset in µs from the first one, and which stream
 * sends it: the pacer fires send i at start + at(i) and latency is measured from that intended
 * time, whatever the shape.
 *
 * The rate over time is piecewise linear (one steady stretch at `rate` for `duration` when the
 * scenario has no phases); N(t) = ∫ rate counts the sends due by t. Send i is due at N⁻¹(xᵢ):
 *   constant  xᵢ = i                          (evenly spaced: i / rate on a steady stretch)
 *   poisson   xᵢ = E₁ + … + Eᵢ, Eₖ ~ Exp(1)    (seeded; a Poisson process of that rate, by time change)
 * Think time instead gives each sender stream its own start φₛ (seeded, in [0, think)) and a send
 * every think after it; sorted by φ, send i is stream order[i mod n] at φ + ⌊i / n⌋·think.
 * Each is capped by `messages`.
 */
import type { PhaseSpec, ScenarioSpec } from '../scenario/types.js';
import { count, duration, plural } from '../words.js';
import { RANDOM_STREAM, seededRandom } from './random.js';

export interface Schedule {
  /** Sends in the schedule. */
  readonly count: number;
  /** µs after the first send at which send i is due; non-decreasing in i. Called with i in non-decreasing order. */
  at(index: number): number;
  /** The plan's stream (by id) that makes send i; absent: round-robin, i mod streams. */
  stream?(index: number): number;
}

const MICROS_PER_MS = 1_000;

export function scheduleFor(spec: ScenarioSpec, senderStreams?: number): Schedule {
  const cap = (n: number) => (spec.messages === null ? n : Math.min(n, spec.messages));
  if (spec.thinkMs !== undefined) return thinkSchedule(spec.thinkMs, senderStreams ?? Math.round((spec.rate * spec.thinkMs) / 1_000), spec.durationMs, spec.seed ?? 1, cap);
  if (spec.phases === undefined && spec.arrival?.kind !== 'poisson') {
    // Today's schedule, computed as it always was: count rate × duration, send i at i / rate.
    const interval = 1_000_000 / spec.rate;
    return { count: cap(Math.floor((spec.rate * spec.durationMs) / 1000)), at: (i) => i * interval };
  }
  const curve = new RateCurve(spec.phases ?? [{ durationMs: spec.durationMs, fromRate: spec.rate, toRate: spec.rate }]);
  return spec.arrival?.kind === 'poisson' ? poissonSchedule(curve, spec.seed ?? 1, cap) : evenSchedule(curve, cap);
}

/** The send phase's line: how many messages, how they are spread, their size and level. */
export function sendPhaseDetail(spec: ScenarioSpec, planned: number): string {
  const pacing =
    spec.thinkMs !== undefined ? `one per sender every ${duration(spec.thinkMs)}` : spec.phases !== undefined ? `over ${plural(spec.phases.length, 'phase')}, peak ${count(spec.rate)}/s` : `at ${count(spec.rate)}/s`;
  const shape = `${spec.arrival?.kind === 'poisson' ? 'Poisson, ' : ''}${pacing}`;
  const size = spec.payloadSizes === undefined ? `${count(spec.payloadBytes)} B` : `up to ${count(spec.payloadBytes)} B (${spec.payloadSizes.kind})`;
  return `${plural(planned, 'message')} ${shape}, ${size}, QoS ${spec.qos}`;
}

/** N(t) and its inverse for a piecewise-linear rate. */
export class RateCurve {
  /** Per phase: start (µs), length (µs), rates in msg/µs, sends due before it. */
  readonly #pieces: { start: number; length: number; r0: number; slope: number; before: number }[] = [];
  readonly total: number;
  readonly lengthMicros: number;

  constructor(phases: readonly PhaseSpec[]) {
    let start = 0;
    let before = 0;
    for (const p of phases) {
      const length = p.durationMs * MICROS_PER_MS;
      const r0 = p.fromRate / 1_000_000;
      const r1 = p.toRate / 1_000_000;
      this.#pieces.push({ start, length, r0, slope: (r1 - r0) / length, before });
      start += length;
      before += ((r0 + r1) / 2) * length;
    }
    this.total = before;
    this.lengthMicros = start;
  }

  /** The time N(t) reaches x (x within 0..total; past it: the end). Linear: r0·τ + k·τ²/2 = j, τ = 2j / (r0 + √(r0² + 2kj)). */
  timeOf(x: number): number {
    if (x >= this.total) return this.lengthMicros;
    for (const p of this.#pieces) {
      const inPiece = ((2 * p.r0 + p.slope * p.length) / 2) * p.length;
      const j = x - p.before;
      if (j >= inPiece) continue;
      if (j <= 0) return p.start;
      const root = Math.sqrt(Math.max(0, p.r0 * p.r0 + 2 * p.slope * j));
      return p.start + Math.min(p.length, (2 * j) / (p.r0 + root));
    }
    return this.lengthMicros;
  }
}

/** Floors a count that should be whole without losing 100 to 99.99999999. */
const floorCount = (x: number) => Math.floor(x + 1e-9);

function evenSchedule(curve: RateCurve, cap: (n: number) => number): Schedule {
  return { count: cap(floorCount(curve.total)), at: (i) => curve.timeOf(i) };
}

function poissonSchedule(curve: RateCurve, seed: number, cap: (n: number) => number): Schedule {
  // x₀ = 0 (the send phase starts with a send, as in the other shapes), then unit exponential steps.
  const steps = () => {
    const random = seededRandom(seed, RANDOM_STREAM.arrivals);
    let x = 0;
    return (first: boolean) => (first ? x : (x += -Math.log(1 - random()))); // 1 - u is in (0, 1]
  };
  // The count: one pass over the process (nothing kept: memory stays flat).
  const counting = steps();
  let inside = 0;
  for (let x = counting(true); x < curve.total; x = counting(false)) inside++;
  // The schedule replays the same draws lazily, forward only.
  const next = steps();
  let index = 0;
  let current = next(true);
  const at = (i: number) => {
    if (i < index) throw new RangeError(`poisson schedule read backwards (${i} after ${index})`);
    for (; index < i; index++) current = next(false);
    return curve.timeOf(current);
  };
  return { count: cap(inside), at };
}

function thinkSchedule(thinkMs: number, streams: number, durationMs: number, seed: number, cap: (n: number) => number): Schedule {
  const think = thinkMs * MICROS_PER_MS;
  const random = seededRandom(seed, RANDOM_STREAM.thinkPhases);
  const phases = Array.from({ length: streams }, (_, s) => ({ s, phase: random() * think })).sort((a, b) => a.phase - b.phase);
  const length = durationMs * MICROS_PER_MS;
  // Whole rounds fit before the end; of the next round, the senders whose start falls inside it.
  const rounds = Math.floor(length / think);
  const count = streams * rounds + phases.filter((p) => p.phase + rounds * think < length).length;
  const slot = (i: number) => phases[i % streams] as { s: number; phase: number };
  return {
    count: cap(count),
    at: (i) => slot(i).phase + Math.floor(i / streams) * think,
    stream: (i) => slot(i).s,
  };
}
