/**
 * The chat-pattern, edge-case and fault keys (pattern-fields.ts) resolved into the spec, with
 * the rules between them and the rest of the scenario: every time inside the send phase,
 * watchers and receivers fewer than users, one network fault at most, a persistent session
 * where absences expect queued messages, and options the target's protocol version lacks.
 */
import type { DriverFeature } from '../driver.js';
import { protocolName } from '../result/envelope.js';
import type { FieldAccess } from './audience.js';
import type { LimitContext } from './limits.js';
import type { IssuePath } from './messages.js';
import { PATTERN_DEFAULTS } from './pattern-fields.js';
import type { FaultSpec, OfflineSpec, PresenceSpec, ScenarioSpec, SessionSpec } from './types.js';
import { formatDuration } from './units.js';

/** The spec keys this module fills. */
export const PATTERN_KEYS = [
  'topics', 'receiveMaximum', 'maxInFlight', 'session', 'presence', 'retained', 'offline', 'takeover', 'faults',
] as const;
export type PatternOptions = Pick<ScenarioSpec, (typeof PATTERN_KEYS)[number]>;

export interface PatternInputs {
  users: number | undefined;
  /** The send phase's length: every fault and absence happens inside it. */
  durationMs: number | undefined;
  roomCount: number | undefined;
  lacks: LimitContext['lacks'];
}

/** The pattern keys of the spec (present only when asked for), or undefined when one was written invalid. */
export function resolvePatterns(access: FieldAccess, inputs: PatternInputs): PatternOptions | undefined {
  const { field, at, report } = access;
  const { users, durationMs } = inputs;
  const topics = field<ScenarioSpec['topics'] | null>(['topics'], null);
  const receiveMaximum = field<number | null>(['receiveMaximum'], null);
  const maxInFlight = field<number | null>(['maxInFlight'], null);
  const written = field<SessionSpec | null>(['session'], null);
  const presence = field<PresenceSpec | null>(['presence'], null);
  const retained = field<{ lateJoiners: number } | null>(['retained'], null);
  const offline = field<OfflineSpec | null>(['offline'], null);
  const takeover = field<{ share: number; atMs: number } | null>(['takeover'], null);
  const faults = field<FaultSpec[] | null>(['faults'], null);

  /** `at` (and `at + for`) must fall inside the send phase. */
  const inSendPhase = (path: IssuePath, what: string, atMs: number, forMs?: number) => {
    if (durationMs === undefined) return;
    if (atMs >= durationMs) {
      report(path, `${what} at ${formatDuration(atMs)} is not inside the send phase (${formatDuration(durationMs)}): it would never happen`);
    } else if (forMs !== undefined && atMs + forMs > durationMs) {
      report(path, `${what} from ${formatDuration(atMs)} for ${formatDuration(forMs)} ends after the send phase (${formatDuration(durationMs)})`);
    }
  };
  if (offline) inSendPhase(at(['offline']), 'offline', offline.atMs, offline.forMs);
  if (takeover) inSendPhase(at(['takeover']), 'takeover', takeover.atMs);
  /** A list item's path: the list's (in the scenario or defaults:) and its index. */
  const item = (i: number): IssuePath => [...at(['faults']), i];
  faults?.forEach((f, i) => {
    if (f.kind === 'disconnect') inSendPhase(item(i), 'the disconnect fault', f.atMs, f.forMs);
    if (f.kind === 'slow-consumer') {
      inSendPhase(item(i), 'the slowConsumer fault', f.atMs, f.forMs);
      if (users !== undefined && f.users > users) report(item(i), `slowConsumer.users (${f.users}) is more than users (${users})`);
    }
  });
  const second = faults?.findIndex((f, i) => f.kind === 'network' && faults.findIndex((g) => g.kind === 'network') < i) ?? -1;
  if (second >= 0) {
    report(item(second), 'a second network fault: one proxy runs between chatbench and the target; give delay, jitter, loss and duplicate in one');
  }
  if (users !== undefined && presence && presence.watchers >= users) {
    report(at(['presence']), `presence.watchers (${presence.watchers}) must be fewer than users (${users}): a user's watchers are other users`);
  }
  if (retained && inputs.roomCount === 0) {
    report(at(['retained']), 'retained needs rooms: a room\'s last message is what late joiners must see');
  }

  const session = sessionFor(written, offline, faults);
  const needs: [string[], string, DriverFeature, boolean][] = [
    [['receiveMaximum'], 'receiveMaximum', 'receive-maximum', receiveMaximum !== null && receiveMaximum !== undefined],
    [['session'], 'session.messageExpiry', 'message-expiry', session?.messageExpiryMs !== undefined],
    [['presence'], 'presence.willDelay', 'will-delay', presence?.willDelayMs !== undefined],
  ];
  const { lacks } = inputs;
  for (const [path, option, feature, asked] of needs) {
    const hint = lacks?.features.get(feature);
    if (!asked || hint === undefined || lacks === undefined) continue;
    const where = lacks.embedded ? ' (the embedded server)' : '';
    report(at(path), `${option} is not available on ${protocolName(lacks.protocol)} ${lacks.protocolVersion}${where}: ${hint}`);
  }

  if (
    topics === undefined || receiveMaximum === undefined || maxInFlight === undefined || session === undefined ||
    presence === undefined || retained === undefined || offline === undefined || takeover === undefined || faults === undefined
  ) {
    return undefined;
  }
  return {
    ...(topics === null || topics.style === 'plain' ? {} : { topics }),
    ...(receiveMaximum === null ? {} : { receiveMaximum }),
    ...(maxInFlight === null ? {} : { maxInFlight }),
    ...(session === null ? {} : { session }),
    ...(presence === null ? {} : { presence }),
    ...(retained === null ? {} : { retained }),
    ...(offline === null ? {} : { offline }),
    ...(takeover === null ? {} : { takeover }),
    ...(faults === null ? {} : { faults }),
  };
}

/**
 * The session as run: as written, else persistent when an absence expects the server to keep
 * what arrives meanwhile (offline, a disconnect that reconnects). `session: clean` stays clean:
 * then messages sent while a user is away are not owed. Null: clean, nothing to record.
 */
function sessionFor(written: SessionSpec | null | undefined, offline: OfflineSpec | null | undefined, faults: FaultSpec[] | null | undefined): SessionSpec | null | undefined {
  if (written === undefined) return undefined;
  if (written !== null) return written.persistent || written.messageExpiryMs !== undefined ? written : null;
  if (offline === undefined || faults === undefined) return undefined;
  const returns = offline !== null || (faults ?? []).some((f) => f.kind === 'disconnect' && f.reconnectWithinMs !== null);
  return returns ? { persistent: true, expiryMs: PATTERN_DEFAULTS.sessionExpiryMs } : null;
}

/** The pattern keys a spec holds, copied (for the result's record of the scenario as run). */
export function patternOptions(spec: ScenarioSpec): PatternOptions & Pick<ScenarioSpec, 'roomSizes' | 'randomPeers' | 'fanIn'> {
  const keys = [...PATTERN_KEYS, 'roomSizes', 'randomPeers', 'fanIn'] as const;
  const copy: Record<string, unknown> = {};
  for (const key of keys) if (spec[key] !== undefined) copy[key] = structuredClone(spec[key]);
  return copy as PatternOptions & Pick<ScenarioSpec, 'roomSizes' | 'randomPeers' | 'fanIn'>;
}
