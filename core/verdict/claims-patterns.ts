/**
 * The two claims about what a protocol keeps for users who were not there, read from the
 * pattern figures of the scenarios both results share:
 * - the room's last message for a late joiner (scenario option `retained`): MQTT's retained
 *   message; XMPP's MUC discussion history (XEP-0045), an extension to core XMPP;
 * - the messages sent while a user was away (scenario option `offline`, persistent sessions):
 *   MQTT's kept session; XMPP's offline storage (XEP-0160) or a XEP-0198 resumption.
 * Each compares how long the user waited for what it was owed (merged HDR p50), with what each
 * side delivered (counts) beside it: a side that left some without it waited "at least" that long.
 */
import type { ScenarioResult } from '../result/index.js';
import { SIDE_NAME, SIDES, exact, mergedPercentile, type Figure, type Pair, type Side } from './claim-figures.js';
import type { ClaimContext, Measurement } from './claims.js';

const names = (pairs: readonly Pair[]): string => pairs.map((p) => p.name).join(', ');

type Retained = NonNullable<ScenarioResult['retained']>;
type Absences = NonNullable<ScenarioResult['absences']>;

function sum<T>(items: readonly T[], pick: (t: T) => number): number {
  return items.reduce((n, t) => n + pick(t), 0);
}

/** Both sides' figures, or the first side without one said as missing (with the notes so far). */
function bothOrMissing(figures: Partial<Record<Side, Figure | null>>, missing: (side: Side) => string, notes: string[]): Record<Side, Figure> | Measurement {
  const absent = SIDES.find((side) => (figures[side] ?? null) === null);
  if (absent === undefined) return figures as Record<Side, Figure>;
  const have: Partial<Record<Side, Figure>> = {};
  for (const side of SIDES) if (figures[side]) have[side] = figures[side];
  return { kind: 'missing', why: missing(absent), figures: have, notes };
}

const isMeasurement = (x: Record<Side, Figure> | Measurement): x is Measurement => 'kind' in x;

export function retainedLastMessage(ctx: ClaimContext): Measurement {
  const pairs = ctx.pairs.filter((p) => (p.mqtt.retained?.joins ?? 0) > 0 && (p.xmpp.retained?.joins ?? 0) > 0);
  if (pairs.length === 0) {
    return { kind: 'missing', why: 'no shared scenario has late joiners on both sides: add `retained: { lateJoiners: 3 }` to a room scenario and run it on both' };
  }
  const of = (side: Side): Retained[] => pairs.map((p) => p[side].retained as Retained);
  const notes = SIDES.map((side) => {
    const r = of(side);
    return `${SIDE_NAME[side]}: ${sum(r, (x) => x.current)} of ${sum(r, (x) => x.joins)} late joiners got the room's last message (${sum(r, (x) => x.stale)} an older one, ${sum(r, (x) => x.missing)} none)`;
  });
  const mapping = ctx.runs.xmpp.target.mapping?.['retained'];
  if (mapping !== undefined) notes.push(`XMPP mapping: ${mapping}`);
  const got = bothOrMissing(
    { mqtt: mergedPercentile(of('mqtt').map((r) => r.latency), 'p50'), xmpp: mergedPercentile(of('xmpp').map((r) => r.latency), 'p50') },
    (side) => `no late joiner of the ${SIDE_NAME[side]} result was owed a last message (no room message reached the server at level 1 or more)`,
    notes,
  );
  if (isMeasurement(got)) return got;
  return {
    kind: 'measured', figures: got, notes,
    how: `time from a late joiner's join until the room's last message arrived, p50 (HDR, merged; joiners that got none count as slower), over ${names(pairs)}`,
  };
}

export function offlineDelivery(ctx: ClaimContext): Measurement {
  const kept = (s: ScenarioResult): boolean => s.spec.session?.persistent === true && (s.absences?.absences ?? 0) > 0;
  const pairs = ctx.pairs.filter((p) => kept(p.mqtt) && kept(p.xmpp));
  if (pairs.length === 0) {
    return { kind: 'missing', why: 'no shared scenario takes users away with their session kept on both sides: add `session: persistent` and `offline: { share: 50%, at: 500ms, for: 1s }` to a scenario and run it on both' };
  }
  const of = (side: Side): Absences[] => pairs.map((p) => p[side].absences as Absences);
  const notes = SIDES.map((side) => {
    const a = of(side);
    return `${SIDE_NAME[side]}: ${sum(a, (x) => x.caughtUp)} of ${sum(a, (x) => x.absences)} returning users caught up (${sum(a, (x) => x.resumed)} resumed their session, ${sum(a, (x) => x.notResumed)} started afresh; ${sum(a, (x) => x.excused)} deliveries not kept)`;
  });
  // Catching up fast means little if what came back was out of order, twice or missing: say so beside the time.
  for (const side of SIDES) {
    const d = pairs.map((p) => p[side].delivery);
    const faults = (['lost', 'duplicated', 'reordered'] as const).map((k) => [k, sum(d, (x) => x[k])] as const).filter(([, n]) => n > 0);
    if (faults.length > 0) notes.push(`${SIDE_NAME[side]} delivery in these scenarios: ${faults.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  }
  const mapping = ctx.runs.xmpp.target.mapping?.['persistentSession'];
  if (mapping !== undefined) notes.push(`XMPP mapping: ${mapping}`);
  const figure = (side: Side): Figure | null => {
    const a = of(side);
    const p50 = mergedPercentile(a.map((x) => x.catchUp), 'p50');
    if (p50 === null) return null;
    // Users that never caught up waited longer than any that did: the p50 over all is at least this.
    const behind = sum(a, (x) => x.notCaughtUp + x.stayedAway + x.notResumed);
    return behind > 0 ? { value: p50.value, atLeast: true } : exact(p50.value);
  };
  const got = bothOrMissing(
    { mqtt: figure('mqtt'), xmpp: figure('xmpp') },
    (side) => `no returning user of the ${SIDE_NAME[side]} result caught up on what was sent while it was away (${sum(of(side), (x) => x.resumed)} resumed a session)`,
    notes,
  );
  if (isMeasurement(got)) return got;
  return {
    kind: 'measured', figures: got, notes,
    how: `catch-up time p50 (from the reconnect asked until every message sent while the user was away arrived), over ${names(pairs)}`,
  };
}
