/**
 * What went wrong during a scenario, counted and grouped as it happens (never a list per event,
 * so memory stays flat): sends the protocol did not complete, by what was missing and why
 * chatbench stopped expecting it; acknowledgement-flow anomalies the driver saw on the wire.
 */
import { SendIncompleteError, type ProtocolAnomaly } from '../driver.js';
import type { ScenarioResult } from '../result/index.js';

type Sends = ScenarioResult['sends'];
type Unfinished = Sends['unfinished'][number];
type Anomaly = ScenarioResult['anomalies'][number];

export class SendAccount {
  #failed = 0;
  readonly #groups = new Map<string, Unfinished>();

  /** A send rejected with `error`; drivers reject with SendIncompleteError (core/driver.ts). */
  record(error: unknown): void {
    this.#failed++;
    // Anything else is a driver that broke the contract: it said neither what was missing nor why.
    const { awaiting, because } = error instanceof SendIncompleteError
      ? error
      : { awaiting: 'completion', because: 'refused' as const };
    const key = `${awaiting}\u0000${because}`;
    const group = this.#groups.get(key);
    if (group === undefined) this.#groups.set(key, { awaiting, because, count: 1 });
    else group.count++;
  }

  get failed(): number {
    return this.#failed;
  }

  summary(): Sends {
    return { failed: this.#failed, unfinished: [...this.#groups.values()].map((g) => ({ ...g })) };
  }
}

export class AnomalyAccount {
  readonly #groups = new Map<string, Anomaly>();

  /** Grouped by kind and the packets seen; the first detail of each group is kept as its example. */
  record(anomaly: ProtocolAnomaly): void {
    const key = `${anomaly.kind}\u0000${anomaly.seen.join(' ')}`;
    const group = this.#groups.get(key);
    if (group === undefined) this.#groups.set(key, { kind: anomaly.kind, detail: anomaly.detail, seen: [...anomaly.seen], count: 1 });
    else group.count++;
  }

  summary(): Anomaly[] {
    return [...this.#groups.values()].map((g) => ({ ...g, seen: [...g.seen] }));
  }
}
