/**
 * A run result with every chat-pattern figure (presence, retained, absences, takeover, faults)
 * and the delivery counts' excused / injected duplicates, made by hand on the committed run
 * (fixtures/results/v1-run.json) and checked against the zod schema, so the reports are tested
 * on figures a valid result can hold. `failing` adds the verdict's `pattern` reasons with the
 * counts that would give them.
 */
import { RunResult, type Reason, type ScenarioResult } from '../../core/result/index.js';
import { fixtureRun, latencyOf } from '../helpers/compare-fixtures.js';

/** The scenario of the committed run that gets the figures. */
export const PATTERN_SCENARIO = 'room';

/** The figures, as numbers tests look for in every format. */
export const FIG = {
  presence: { users: 120, watches: 360, expected: 720, delivered: 717, missing: 3, waitedMs: 5000 },
  wills: { abruptDrops: 10, expected: 30, delivered: 28, missing: 2, cleanDisconnects: 20, afterCleanDisconnect: 4, early: 1 },
  retained: { rooms: 4, joins: 8, current: 6, stale: 1, missing: 1 },
  absences: { absences: 30, graceful: 20, abrupt: 10, resumed: 27, notResumed: 2, stayedAway: 1, caughtUp: 25, notCaughtUp: 2, excused: 13 },
  takeover: { attempted: 7, oldClosed: 5, oldNotClosed: 2, newConnected: 7 },
  faults: { disconnects: 10, reconnects: 9, slowConsumers: 2, events: 60, timelineDropped: 4 },
  network: { delayMs: 20, jitterMs: 5, loss: 0.01, duplicate: 0.005, connections: 12, framesDelayed: 4321, dropped: 17, duplicated: 9 },
  delivery: { excused: 30, injectedDuplicates: 9 },
} as const;

/** The checks the failing variant's reasons name, with their counts. */
export const FAILED_CHECKS: ReadonlyArray<readonly [string, number]> = [
  ['presence-missing', FIG.presence.missing],
  ['will-missing', FIG.wills.missing],
  ['will-after-clean-disconnect', FIG.wills.afterCleanDisconnect],
  ['will-early', FIG.wills.early],
  ['retained-stale', FIG.retained.stale],
  ['retained-missing', FIG.retained.missing],
  ['not-caught-up', FIG.absences.notCaughtUp],
  ['takeover-not-closed', FIG.takeover.oldNotClosed],
];


function addFigures(s: ScenarioResult): void {
  s.presence = { ...FIG.presence, latency: latencyOf([[1200, 700], [4100, 17]]), wills: { ...FIG.wills } };
  s.retained = { ...FIG.retained, latency: latencyOf([[800, 6], [2500, 1]]) };
  s.absences = { ...FIG.absences, reconnectTime: latencyOf([[3000, 29]]), catchUp: latencyOf([[15_000, 20], [90_000, 5]]) };
  s.takeover = { ...FIG.takeover, reasonCodes: [{ code: 0x8e, count: 5 }] };
  const kinds = ['disconnect', 'reconnect', 'slow-consumer'] as const;
  s.faults = {
    timeline: [
      { kind: 'network', atMs: 0, users: [], detail: 'delay 20 ms ± 5 ms through the proxy' },
      ...Array.from({ length: FIG.faults.events - 1 }, (_, i) => ({ kind: kinds[i % 3] ?? 'disconnect', atMs: 100 * (i + 1), users: [`u${i}`], detail: `event-${i + 1}` })),
    ],
    timelineDropped: FIG.faults.timelineDropped,
    disconnects: FIG.faults.disconnects,
    reconnects: FIG.faults.reconnects,
    slowConsumers: FIG.faults.slowConsumers,
    network: { ...FIG.network },
  };
  s.delivery.excused = FIG.delivery.excused;
  s.delivery.injectedDuplicates = FIG.delivery.injectedDuplicates;
  s.delivery.duplicated += FIG.delivery.injectedDuplicates;
  for (const level of Object.values(s.delivery.byQos)) {
    if (level === undefined) continue;
    level.excused = FIG.delivery.excused;
    level.injectedDuplicates = FIG.delivery.injectedDuplicates;
    level.duplicated += FIG.delivery.injectedDuplicates;
  }
}

function patternReasons(): Reason[] {
  return FAILED_CHECKS.map(([check, count]) => ({ kind: 'pattern', check, count, message: `${check}: ${count} (the verdict's words)` }));
}

/** The committed run with every pattern figure on PATTERN_SCENARIO; `failing`: its checks failed too. */
export function withPatterns(failing = false): RunResult {
  const result = fixtureRun();
  const s = result.scenarios.find((x) => x.name === PATTERN_SCENARIO);
  if (s === undefined) throw new Error(`no scenario ${PATTERN_SCENARIO}`);
  addFigures(s);
  if (failing) {
    s.status = 'failed';
    s.reasons.push(...patternReasons());
  }
  // A valid result: the schema accepts every figure as written.
  return RunResult.parse(JSON.parse(JSON.stringify(result)));
}
