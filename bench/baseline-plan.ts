/**
 * What `npm run baselines` runs, as data: one `chatbench run --start …` per local server for the
 * default scenarios (the committed baselines) and for the claims workloads, then one `chatbench
 * compare` per MQTT/XMPP pair. Paths are relative to the repository root, so the commands the
 * README shows are the ones that ran.
 */
import { startFlags, type LocalTarget } from './local-targets.js';

export interface PlanPaths {
  /** The default scenarios: "scenarios.yaml". */
  scenarios: string;
  /** The claims workloads: "fixtures/baselines/claims.yaml". */
  claims: string;
  /** Where results go: "fixtures/baselines". */
  outDir: string;
}

export const DEFAULT_PATHS: PlanPaths = { scenarios: 'scenarios.yaml', claims: 'fixtures/baselines/claims.yaml', outDir: 'fixtures/baselines' };

export interface PlannedRun {
  target: LocalTarget;
  kind: 'baseline' | 'claims';
  json: string;
  /** chatbench's arguments (after the binary). */
  args: string[];
}

/** Baseline runs first (every server), then the claims runs: the committed baselines come soonest. */
export function plannedRuns(targets: readonly LocalTarget[], paths: PlanPaths = DEFAULT_PATHS): PlannedRun[] {
  const run = (target: LocalTarget, kind: PlannedRun['kind']): PlannedRun => {
    const json = kind === 'baseline' ? `${paths.outDir}/${target.name}.json` : `${paths.outDir}/claims/${target.name}.json`;
    const file = kind === 'baseline' ? paths.scenarios : paths.claims;
    return { target, kind, json, args: ['run', file, ...startFlags(target), '--json', json, '--quiet'] };
  };
  return [...targets.map((t) => run(t, 'baseline')), ...targets.map((t) => run(t, 'claims'))];
}

/** An MQTT result and an XMPP result compared for the claims; the first pair is the fairest. */
export interface ClaimPair {
  name: string;
  /** Column heading: "ejabberd (one server, both protocols)". */
  label: string;
  mqtt: string;
  xmpp: string;
}

export const CLAIM_PAIRS: readonly ClaimPair[] = [
  { name: 'ejabberd', label: 'ejabberd 23.01, one server for both', mqtt: 'ejabberd-mqtt', xmpp: 'ejabberd-xmpp' },
  { name: 'mosquitto-prosody', label: 'mosquitto 2.0 vs prosody 0.12', mqtt: 'mosquitto', xmpp: 'prosody' },
];

export interface PlannedCompare {
  pair: ClaimPair;
  json: string;
  args: string[];
}

/** The compares whose two sides are both among the targets run, over the claims results. */
export function plannedCompares(targets: readonly LocalTarget[], paths: PlanPaths = DEFAULT_PATHS, pairs: readonly ClaimPair[] = CLAIM_PAIRS): PlannedCompare[] {
  const ran = new Set(targets.map((t) => t.name));
  return pairs.filter((p) => ran.has(p.mqtt) && ran.has(p.xmpp)).map((pair) => {
    const json = `${paths.outDir}/claims-${pair.name}.json`;
    return { pair, json, args: ['compare', `${paths.outDir}/claims/${pair.mqtt}.json`, `${paths.outDir}/claims/${pair.xmpp}.json`, '--json', json, '--quiet'] };
  });
}

/** A command line as a person types it: `npx chatbench run scenarios.yaml --start …` (arguments quoted only when needed). */
export function commandLine(args: readonly string[]): string {
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['npx', 'chatbench', ...args.map(quote)].join(' ');
}

/**
 * Whether a chatbench exit code is a measurement: 0 (all passed) or 1 (a threshold or guarantee
 * failed — prosody missing the typing burst's p99 is a finding, not a broken run). 2 and 3 mean
 * bad input or an unreachable / aborted target: nothing to commit.
 */
export function measured(exitCode: number | null): boolean {
  return exitCode === 0 || exitCode === 1;
}
