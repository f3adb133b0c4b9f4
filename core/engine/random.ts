/**
 * A seeded pseudo-random source for the load shapes (Poisson gaps, payload sizes): the same
 * seed gives the same draws on every machine, so a run's schedule can be reproduced and the
 * tests can check it exactly. mulberry32: 32-bit state, fast, and plenty for workload shaping
 * (not for anything secret).
 */

/** Uniform draws in [0, 1). `stream` separates independent uses of one seed (arrivals vs sizes). */
export function seededRandom(seed: number, stream: number): () => number {
  let state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Which draws use which stream of the scenario's seed. */
export const RANDOM_STREAM = { arrivals: 1, sizes: 2, thinkPhases: 3, absences: 4, faults: 5, takeover: 6, peers: 7 } as const;
