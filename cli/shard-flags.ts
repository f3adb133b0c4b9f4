/**
 * The scale-out flags of `chatbench run`: `--shard i/n` (one slice of the run, e.g. on one of n
 * machines), `--run-id ID` (the shards of one run share it) and `--workers N` (n processes here).
 * Each parses to a typed value or is bad input (exit 2) saying what was expected.
 */
import { InputError } from '../core/errors.js';
import type { ShardSpec } from '../core/engine/shard.js';
import type { FlagSpec } from './flags.js';

export const SHARD_FLAGS = [
  { name: 'shard', type: 'string', value: 'I/N', description: 'run only slice I of N (0-based, e.g. 2/4): its rooms and pairs whole, each send at its single-run time' },
  { name: 'run-id', type: 'string', value: 'ID', description: 'the run id ([a-z0-9-], up to 32); give the shards of one run the same one' },
  { name: 'workers', type: 'string', value: 'N', description: 'run in N processes on this machine, one shard each, started together and merged exactly' },
] as const satisfies readonly FlagSpec[];

/** Far more than one machine needs; past it a typo (--shard 1/40000000) is the likelier story. */
const MAX_SHARDS = 100_000;
const MAX_WORKERS = 1_024;

export function parseShardFlag(value: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = match === null ? Number.NaN : Number(match[1]);
  const count = match === null ? Number.NaN : Number(match[2]);
  if (match === null || count < 1 || count > MAX_SHARDS) {
    throw new InputError(`--shard ${value}: expected I/N, the 0-based shard index and the shard count, e.g. --shard 2/4 (N from 1 to ${MAX_SHARDS})`);
  }
  if (index >= count) throw new InputError(`--shard ${value}: the index counts from 0, so shard ${index} of ${count} does not exist (0 to ${count - 1})`);
  return { index, count };
}

export function parseRunIdFlag(value: string): string {
  if (!/^[a-z0-9-]{1,32}$/.test(value)) {
    throw new InputError(`--run-id ${value}: expected 1 to 32 characters of a-z, 0-9 and "-" (the shards of one run share it)`);
  }
  return value;
}

export function parseWorkersFlag(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new InputError(`--workers ${value}: expected a whole number of processes from 1 to ${MAX_WORKERS}`);
  }
  return n;
}
