/**
 * Which driver features a scenario's options need (Driver.features), checked before anything
 * connects: a scenario asking for what the protocol's driver cannot do is bad input (exit 2),
 * said with the option and the protocol, never a run that silently measures less.
 */
import type { Driver, DriverFeature } from '../driver.js';
import { InputError } from '../errors.js';
import type { ScenarioSpec } from '../scenario/types.js';

interface Need {
  /** The scenario option as the YAML writes it. */
  option: string;
  features: readonly DriverFeature[];
  /** What the features are, in words. */
  what: string;
}

/** One row per option that needs more than plain chat; add a row with each new option. */
const NEEDS: readonly ((spec: ScenarioSpec) => Need | null)[] = [
  (s) => (s.presence === undefined ? null : { option: 'presence', features: ['will', 'presence-watch'], what: 'wills and presence watches' }),
  (s) => ((s.presence?.willDelayMs ?? 0) > 0 ? { option: 'presence.willDelay', features: ['will-delay'], what: 'a will delay' } : null),
  (s) => (s.retained === undefined ? null : { option: 'retained', features: ['retained'], what: 'retained room messages' }),
  (s) => (s.session?.persistent === true ? { option: 'session', features: ['persistent-session'], what: 'persistent sessions' } : null),
  (s) => (s.session?.messageExpiryMs === undefined ? null : { option: 'session.messageExpiry', features: ['message-expiry'], what: 'a message expiry' }),
  (s) => (s.receiveMaximum === undefined ? null : { option: 'receiveMaximum', features: ['receive-maximum'], what: 'a receive maximum' }),
  (s) => (s.takeover === undefined ? null : { option: 'takeover', features: ['takeover'], what: 'a second device with the same identity' }),
  (s) => (s.faults?.some((f) => f.kind === 'slow-consumer') === true ? { option: 'faults (slow-consumer)', features: ['slow-consumer'], what: 'read pauses' } : null),
];

/** Every feature `spec` needs (DriverOptions.needs): a driver may set itself up for them. */
export function featuresNeeded(spec: ScenarioSpec): DriverFeature[] {
  return [...new Set(NEEDS.flatMap((need) => need(spec)?.features ?? []))];
}

/** Throws InputError naming every option of `spec` the driver cannot serve. */
export function requireFeatures(spec: ScenarioSpec, driver: Driver): void {
  const has = driver.features ?? new Set<DriverFeature>();
  const missing = NEEDS.map((need) => need(spec)).filter((n): n is Need => n !== null && n.features.some((f) => !has.has(f)));
  if (missing.length === 0) return;
  const protocol = `${driver.protocol} ${driver.protocolVersion}`;
  const lines = missing.map((n) => `option \`${n.option}\` needs ${n.what} (${n.features.filter((f) => !has.has(f)).join(', ')}), which the ${protocol} driver does not offer`);
  throw new InputError(`scenario "${spec.name}" cannot run on ${driver.displayTarget}:\n  ${lines.join('\n  ')}`);
}
