/**
 * The load-shape keys of a scenario (arrival, phases, think, payloadSizes, seed) resolved into
 * what the engine runs: the effective rate and duration every other rule reads (phases replace
 * rate and duration; think time sets the rate), the spec's shape fields, and the rules between
 * these keys. Split from normalise.ts, which lays defaults under the scenario and calls this.
 */
import type { IssuePath } from './messages.js';
import { pacingSpecOf, type PacingValue } from './pacing.js';
import type { ArrivalSpec, PacingSpec, PhaseSpec, SizeDistribution } from './types.js';

/** The accessors normalise.ts gives: a field's value (undefined: written invalid), where a key was written. */
export interface ShapeInputs {
  field: <T>(path: readonly string[], builtIn: T) => T | undefined;
  /** Whether the scenario itself (not defaults:) wrote the key with a valid value (an invalid one is reported already). */
  ownKey: (key: string) => boolean;
  /** Whether defaults: wrote the key, validly. */
  defaultKey: (key: string) => boolean;
  at: (...candidates: string[][]) => IssuePath;
  report: (path: IssuePath, message: string) => void;
  /** Sender streams of the plan (every room member with someone to hear it, both sides of each pair); undefined if unknown. */
  senders: number | undefined;
  defaults: { rate: number; durationMs: number; payloadBytes: number };
}

export interface Shape {
  rate: number | undefined;
  durationMs: number | undefined;
  payloadBytes: number | undefined;
  /** The spec's shape fields, present only when they change something (a spec without them runs as before). */
  extra: { arrival?: ArrivalSpec; pacing?: PacingSpec; phases?: PhaseSpec[]; thinkMs?: number; payloadSizes?: SizeDistribution; seed?: number } | undefined;
}

type PhaseInput = { duration: number; rate: number } | { duration: number; from: number; to: number };

export function resolveShape(inputs: ShapeInputs): Shape {
  const { field, at, report } = inputs;
  /** Two keys that say the same thing: an error when one map (the scenario, or defaults:) holds both. */
  const clash = (a: string, b: string, message: string) => {
    if ((inputs.ownKey(a) && inputs.ownKey(b)) || (inputs.defaultKey(a) && inputs.defaultKey(b) && !inputs.ownKey(a) && !inputs.ownKey(b))) report(at([a]), message);
  };
  const arrival = field<'constant' | 'poisson'>(['arrival'], 'constant');
  const pacing = field<PacingValue>(['pacing'], 'sleep');
  const phaseInputs = field<PhaseInput[] | null>(['phases'], null);
  const thinkMs = field<number | null>(['think'], null);
  const payloadSizes = field<SizeDistribution | null>(['payloadSizes'], null);
  const seed = field(['seed'], 1);
  const fixedPayload = field(['payload'], inputs.defaults.payloadBytes);

  clash('phases', 'rate', 'phases and rate both set: phases give the rate of each stretch (write rate: inside a phase)');
  clash('phases', 'duration', 'phases and duration both set: the send phase lasts as long as its phases together');
  clash('think', 'rate', 'think and rate both set: with think time every sender sends once per think, which sets the rate');
  clash('think', 'phases', 'think and phases both set: think time paces each sender itself; give one');
  clash('payloadSizes', 'payload', 'payloadSizes and payload both set: give one (payloadSizes draws a size per message)');
  if (thinkMs !== undefined && thinkMs !== null && arrival === 'poisson') {
    report(at(['arrival']), 'arrival: poisson and think both set: think time spaces each sender evenly from a random start; give one');
  }

  const phases = phaseInputs === undefined || phaseInputs === null ? phaseInputs : phaseInputs.map(toPhase);
  let rate = field(['rate'], inputs.defaults.rate);
  let durationMs = field(['duration'], inputs.defaults.durationMs);
  if (phases !== null) {
    // The peak is what limits (memory, the machine) must allow; the duration is the phases' sum.
    rate = phases === undefined ? undefined : Math.max(...phases.map((p) => Math.max(p.fromRate, p.toRate)));
    durationMs = phases === undefined ? undefined : phases.reduce((sum, p) => sum + p.durationMs, 0);
    if (rate === 0) {
      report(at(['phases']), 'every phase has rate 0: nothing would be sent');
      rate = undefined; // reported: the rules that read the rate would only repeat it
    }
  } else if (thinkMs !== null) {
    rate = thinkMs === undefined || inputs.senders === undefined ? undefined : (inputs.senders * 1_000) / thinkMs;
  }
  // With a distribution, payloadBytes is the largest size a draw can give: limits and buffers are sized by it.
  const payloadBytes = payloadSizes === undefined ? undefined : payloadSizes === null ? fixedPayload : largestSize(payloadSizes);

  if (arrival === undefined || pacing === undefined || phases === undefined || thinkMs === undefined || payloadSizes === undefined || seed === undefined) {
    return { rate, durationMs, payloadBytes, extra: undefined };
  }
  const draws = arrival === 'poisson' || thinkMs !== null || payloadSizes !== null;
  const pacingSpec = pacingSpecOf(pacing);
  return {
    rate,
    durationMs,
    payloadBytes,
    extra: {
      ...(arrival === 'poisson' ? { arrival: { kind: 'poisson' } } : {}),
      ...(pacingSpec === undefined ? {} : { pacing: pacingSpec }),
      ...(phases === null ? {} : { phases }),
      ...(thinkMs === null ? {} : { thinkMs }),
      ...(payloadSizes === null ? {} : { payloadSizes }),
      ...(draws ? { seed } : {}),
    },
  };
}

function toPhase(p: PhaseInput): PhaseSpec {
  return 'rate' in p ? { durationMs: p.duration, fromRate: p.rate, toRate: p.rate } : { durationMs: p.duration, fromRate: p.from, toRate: p.to };
}

function largestSize(sizes: SizeDistribution): number {
  return sizes.kind === 'uniform' ? sizes.max : Math.max(...sizes.choices.map((c) => c.bytes));
}
