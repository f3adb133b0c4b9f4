/**
 * The payload size of each message: fixed (payloadBytes, as always), or drawn per message from
 * the scenario's distribution with its seed, so two runs of one scenario send the same sizes.
 */
import type { ScenarioSpec, SizeDistribution } from '../scenario/types.js';
import { RANDOM_STREAM, seededRandom } from './random.js';

export function sizeDrawer(spec: ScenarioSpec): () => number {
  const sizes = spec.payloadSizes;
  if (sizes === undefined) return () => spec.payloadBytes;
  return drawFrom(sizes, seededRandom(spec.seed ?? 1, RANDOM_STREAM.sizes));
}

function drawFrom(sizes: SizeDistribution, random: () => number): () => number {
  if (sizes.kind === 'uniform') {
    const span = sizes.max - sizes.min + 1;
    return () => sizes.min + Math.floor(random() * span);
  }
  // Cumulative weights once; a draw is a walk over them (lists are short).
  const total = sizes.choices.reduce((sum, c) => sum + c.weight, 0);
  let running = 0;
  const bounds = sizes.choices.map((c) => (running += c.weight / total));
  const last = sizes.choices[sizes.choices.length - 1]?.bytes ?? 0;
  return () => {
    const u = random();
    for (let i = 0; i < bounds.length; i++) if (u < (bounds[i] as number)) return (sizes.choices[i] as { bytes: number }).bytes;
    return last; // rounding left u above the last bound
  };
}
