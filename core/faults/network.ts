/**
 * A scenario's `network` fault as the engine runs it: the proxy started through the target
 * handle before the driver is made (the driver connects `via` it), the deliveries the proxy
 * dropped or doubled routed to whoever measures the scenario, the result's figures, and the
 * proxy closed after the scenario.
 */
import type { InjectedDelivery, NetworkFault, NetworkFaultProxy, TargetHandle } from '../driver.js';
import { InputError } from '../errors.js';
import type { FaultFigures } from '../result/index.js';
import type { FaultSpec, ScenarioSpec } from '../scenario/types.js';
import { duration } from '../words.js';

type NetworkSpec = Extract<FaultSpec, { kind: 'network' }>;
export type NetworkFigures = NonNullable<FaultFigures['network']>;
type FaultEvent = FaultFigures['timeline'][number];

/** Injections reported before anyone measures are held (none is expected: no chat message is sent then), up to this many. */
const MAX_UNROUTED = 10_000;

export function networkFaultOf(spec: ScenarioSpec): NetworkSpec | undefined {
  return spec.faults?.find((f): f is NetworkSpec => f.kind === 'network');
}

/** Bad input (exit 2) before anything runs: a scenario asks for a network fault the target's runner cannot inject. */
export function refuseUnsupportedNetworkFaults(specs: readonly ScenarioSpec[], target: TargetHandle): void {
  const asking = specs.filter((s) => networkFaultOf(s) !== undefined).map((s) => `"${s.name}"`);
  if (asking.length === 0 || target.startNetworkFaults !== undefined) return;
  throw new InputError(
    `scenario ${asking.join(', ')} asks for a network fault, but chatbench cannot run its fault proxy in front of a ${target.info.protocol} target`,
  );
}

export class ScenarioNetworkFaults {
  #sink: ((event: InjectedDelivery) => void) | null = null;
  readonly #unrouted: InjectedDelivery[] = [];

  private constructor(
    readonly fault: NetworkFault,
    readonly proxy: NetworkFaultProxy,
  ) {}

  /** Starts the proxy for the scenario's network fault; null when it has none. InputError when the target cannot have one. */
  static async start(spec: ScenarioSpec, target: TargetHandle): Promise<ScenarioNetworkFaults | null> {
    const written = networkFaultOf(spec);
    if (written === undefined) return null;
    refuseUnsupportedNetworkFaults([spec], target);
    const fault: NetworkFault = {
      delayMs: written.delayMs, jitterMs: written.jitterMs, loss: written.loss, duplicate: written.duplicate, seed: spec.seed ?? 1,
    };
    let faults: ScenarioNetworkFaults | null = null;
    const held: InjectedDelivery[] = [];
    const proxy = await target.startNetworkFaults?.(fault, (event) => (faults === null ? held.push(event) : faults.#deliver(event)));
    if (proxy === undefined) throw new Error('unreachable: refused above');
    faults = new ScenarioNetworkFaults(fault, proxy);
    for (const event of held) faults.#deliver(event);
    return faults;
  }

  get via(): { host: string; port: number } {
    return this.proxy.via;
  }

  /** From now on injected deliveries go to `sink` (the scenario's recorder), those held first. */
  route(sink: (event: InjectedDelivery) => void): void {
    this.#sink = sink;
    for (const event of this.#unrouted.splice(0)) sink(event);
  }

  #deliver(event: InjectedDelivery): void {
    if (this.#sink !== null) this.#sink(event);
    else if (this.#unrouted.length < MAX_UNROUTED) this.#unrouted.push(event);
  }

  figures(): NetworkFigures {
    const { connections, framesDelayed, dropped, duplicated } = this.proxy.stats();
    const { delayMs, jitterMs, loss, duplicate } = this.fault;
    return { delayMs, jitterMs, loss, duplicate, connections, framesDelayed, dropped, duplicated };
  }

  /** The timeline's one entry for it: at 0, on every connection, for the whole scenario. */
  event(): FaultEvent {
    const { delayMs, jitterMs, loss, duplicate } = this.fault;
    const parts: string[] = [];
    if (delayMs > 0 || jitterMs > 0) parts.push(`delay ${duration(delayMs)}${jitterMs > 0 ? ` ± ${duration(jitterMs)}` : ''} on the server's bytes to every client`);
    if (loss > 0) parts.push(`${percent(loss)} of QoS 0 chat deliveries dropped`);
    if (duplicate > 0) parts.push(`${percent(duplicate)} of QoS 0 and 1 chat deliveries sent twice`);
    const what = parts.length > 0 ? parts.join(', ') : 'no delay, loss or duplication (bytes pass as they are)';
    return { kind: 'network', atMs: 0, users: [], detail: `fault proxy for the whole scenario, every connection: ${what}` };
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}

/** The scenario's fault figures with the network fault's added (its timeline event first: it hit at 0). */
export function withNetworkFault(faults: FaultFigures | undefined, network: ScenarioNetworkFaults | undefined): FaultFigures | undefined {
  if (network === undefined) return faults;
  const base: FaultFigures = faults ?? { timeline: [], timelineDropped: 0, disconnects: 0, reconnects: 0, slowConsumers: 0, network: null };
  return { ...base, timeline: [network.event(), ...base.timeline], network: network.figures() };
}

function percent(share: number): string {
  return `${Math.round(share * 10_000) / 100}%`;
}
