/**
 * Delivery counts per level: what each level permits, the violations that implies, and the
 * sums across levels (a scenario's totals) and across trackers (workers or shards). The
 * per-(stream, receiver) counting that feeds them is tracker.ts.
 */
import { DELIVERY_LEVELS, type DeliveryLevel } from '../driver.js';
import type { Delivery, DeliveryCounts, LevelDelivery } from '../result/index.js';

type Allowance = LevelDelivery['allowed'];

/**
 * What each level permits. MQTT 3.1.1 / 5.0 §4.3.1 QoS 0 at most once (may lose),
 * §4.3.2 QoS 1 at least once (may duplicate), §4.3.3 QoS 2 exactly once (neither).
 * Reordering is never permitted: MQTT 3.1.1 §4.6 [MQTT-4.6.0-5] every topic is an Ordered
 * Topic by default and [MQTT-4.6.0-6] the server forwards per topic and QoS in the order it
 * received from a client (same rule in MQTT 5.0 §4.6); XMPP: RFC 6120 §10.1 in-order processing.
 */
export const DELIVERY_ALLOWANCE: Readonly<Record<DeliveryLevel, Allowance>> = {
  0: { lost: true, duplicated: false, reordered: false },
  1: { lost: false, duplicated: true, reordered: false },
  2: { lost: false, duplicated: false, reordered: false },
};

export function emptyCounts(): DeliveryCounts {
  return { expected: 0, delivered: 0, lost: 0, undelivered: 0, duplicated: 0, reordered: 0 };
}

function addCounts(into: DeliveryCounts, c: DeliveryCounts): void {
  into.expected += c.expected;
  into.delivered += c.delivered;
  into.lost += c.lost;
  into.undelivered += c.undelivered;
  into.duplicated += c.duplicated;
  into.reordered += c.reordered;
  // Optional: present only where something was excused.
  if (c.excused !== undefined) into.excused = (into.excused ?? 0) + c.excused;
  if (c.injectedDuplicates !== undefined) into.injectedDuplicates = (into.injectedDuplicates ?? 0) + c.injectedDuplicates;
}

/** What of each kind breaks the level's allowance. Copies chatbench's own fault proxy made are not the server's doing. */
export function violationsByKind(allowed: Allowance, c: DeliveryCounts): { lost: number; duplicated: number; reordered: number } {
  return {
    lost: allowed.lost ? 0 : c.lost,
    duplicated: allowed.duplicated ? 0 : c.duplicated - (c.injectedDuplicates ?? 0),
    reordered: allowed.reordered ? 0 : c.reordered,
  };
}

/** Counts at one level, with the allowance and the violations it implies. */
export function levelDelivery(level: DeliveryLevel, c: DeliveryCounts): LevelDelivery {
  const allowed = DELIVERY_ALLOWANCE[level];
  const v = violationsByKind(allowed, c);
  return { ...c, allowed: { ...allowed }, violations: v.lost + v.duplicated + v.reordered };
}

/** The per-level counts as a Delivery: each level with its allowance, and the totals. */
export function deliveryFromLevels(perLevel: ReadonlyMap<DeliveryLevel, DeliveryCounts>, sendErrors: number): Delivery {
  const total = emptyCounts();
  const byQos: Delivery['byQos'] = {};
  let violations = 0;
  for (const level of DELIVERY_LEVELS) {
    const c = perLevel.get(level);
    if (c === undefined) continue;
    const ld = levelDelivery(level, c);
    byQos[level] = ld;
    addCounts(total, c);
    violations += ld.violations;
  }
  return { ...total, violations, sendErrors, byQos };
}

/** Sum Delivery results of workers or shards that tracked disjoint (stream, receiver) pairs. */
export function mergeDelivery(list: readonly Delivery[]): Delivery {
  const perLevel = new Map<DeliveryLevel, DeliveryCounts>();
  let sendErrors = 0;
  for (const d of list) {
    sendErrors += d.sendErrors;
    for (const level of DELIVERY_LEVELS) {
      const ld = d.byQos[level];
      if (ld === undefined) continue;
      let c = perLevel.get(level);
      if (c === undefined) perLevel.set(level, (c = emptyCounts()));
      addCounts(c, ld);
    }
  }
  return deliveryFromLevels(perLevel, sendErrors);
}
