/**
 * MQTT's side of the `network` fault: the protocol-neutral proxy (core/faults/proxy.ts) with a
 * filter that frames MQTT packets and, on the way from the server to chatbench's clients, drops
 * some QoS 0 chat deliveries and sends some QoS 0 and 1 chat deliveries twice, by a seeded draw.
 * Each one is reported (InjectedDelivery) so delivery is judged with it in mind.
 *
 * What counts as a chat delivery: a PUBLISH whose payload carries a chatbench header, to a
 * connection whose user the CONNECT's client id names (topics.ts), that is not the user's own
 * message coming back (MQTT 3.1.1 has no No Local) and not a retained message sent because of a
 * new subscription [MQTT-3.3.1-9] (nobody's delivery is owed there). Anything else passes as is.
 *
 * Delay and jitter hold the server's bytes back (the delivery path; acknowledgements of the
 * client's sends travel it too, so every round trip grows by the delay): they act on bytes and
 * work on every transport. Loss and duplication need to read packets, so they are refused for
 * TLS and WebSocket targets, whose packets the proxy cannot see.
 */
import { nowMicros } from '../../core/clock.js';
import type { InjectedDelivery, NetworkFault, NetworkFaultProxy } from '../../core/driver.js';
import { seededRandom } from '../../core/engine/random.js';
import { InputError } from '../../core/errors.js';
import { startFaultProxy, type ProxyFilter } from '../../core/faults/proxy.js';
import { decodeHeader } from '../../core/metrics/header.js';
import type { Endpoint } from './endpoint.js';
import { publishLayout, readVarInt } from './fuzz/framing.js';
import { PacketFramer, PacketType, readConnect } from './packet-framer.js';
import { userOfClientId } from './topics.js';

/** Random streams of the fault's seed (the core proxy's jitter uses others). */
const DRAW_STREAM = { loss: 201, duplicate: 202 } as const;
/** PUBLISH flags (§3.3.1): DUP, QoS (two bits), RETAIN. */
const DUP = 0x08;
const RETAIN = 0x01;

interface Counts {
  dropped: number;
  duplicated: number;
}

interface Draws {
  loss: () => number;
  duplicate: () => number;
}

/** One proxied connection: who it belongs to, which chat streams are its own, what to do with each delivery. */
class MqttFaultFilter implements ProxyFilter {
  readonly #fromClient = new PacketFramer();
  readonly #fromServer = new PacketFramer();
  #level = 4;
  #receiver: string | null = null;
  /** Streams this connection's user publishes: their copies coming back are echoes, not deliveries. */
  readonly #own = new Set<number>();

  constructor(
    private readonly fault: NetworkFault,
    private readonly draws: Draws,
    private readonly counts: Counts,
    private readonly onInjected: (event: InjectedDelivery) => void,
  ) {}

  /** The client's bytes pass at once and unchanged; the proxy only reads who it is and what it publishes. */
  toServer(chunk: Buffer): Buffer {
    for (const packet of this.#fromClient.push(chunk)) {
      const type = (packet[0] as number) >> 4;
      if (type === PacketType.connect) {
        const connect = readConnect(packet);
        this.#level = connect?.level ?? 4;
        this.#receiver = connect === null ? null : userOfClientId(connect.clientId);
      } else if (type === PacketType.publish) {
        const stream = this.#chatStream(packet);
        if (stream !== null) this.#own.add(stream);
      }
    }
    return chunk;
  }

  toClient(chunk: Buffer): Buffer {
    if (this.#fromServer.broken) return chunk;
    const out: Buffer[] = [];
    for (const packet of this.#fromServer.push(chunk)) this.#deliver(packet, out);
    if (this.#fromServer.broken) out.push(this.#fromServer.takeRest());
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  #deliver(packet: Buffer, out: Buffer[]): void {
    const first = packet[0] as number;
    const qos = (first >> 1) & 0x03;
    const receiver = this.#receiver;
    if (first >> 4 !== PacketType.publish || qos > 1 || (first & RETAIN) !== 0 || receiver === null) {
      out.push(packet);
      return;
    }
    const payload = this.#payload(packet, qos);
    const header = payload === null ? null : decodeHeader(payload);
    if (payload === null || header === null || this.#own.has(header.streamId)) {
      out.push(packet);
      return;
    }
    // Both draws every time, so one decision does not shift the next delivery's draws.
    const lose = this.draws.loss() < this.fault.loss && qos === 0;
    const double = this.draws.duplicate() < this.fault.duplicate;
    if (lose) {
      this.counts.dropped++;
      this.onInjected({ action: 'dropped', receiver, payload, at: nowMicros() });
      return;
    }
    out.push(packet);
    if (!double) return;
    // A QoS 1 copy is a redelivery and says so [MQTT-3.3.1-1]; a QoS 0 copy keeps DUP 0 [MQTT-3.3.1-2].
    const copy = Buffer.from(packet);
    if (qos === 1) copy[0] = first | DUP;
    out.push(copy);
    this.counts.duplicated++;
    this.onInjected({ action: 'duplicated', receiver, payload, at: nowMicros() });
  }

  #chatStream(packet: Buffer): number | null {
    const payload = this.#payload(packet, ((packet[0] as number) >> 1) & 0x03);
    return payload === null ? null : (decodeHeader(payload)?.streamId ?? null);
  }

  /** A PUBLISH's payload, or null when its body does not read. */
  #payload(packet: Buffer, qos: number): Buffer | null {
    const remaining = readVarInt(packet, 1);
    if (remaining === null) return null;
    const body = packet.subarray(1 + remaining.size);
    try {
      const { payloadAt } = publishLayout(body, qos, this.#level === 5 ? 5 : 4);
      return payloadAt <= body.length ? body.subarray(payloadAt) : null;
    } catch {
      return null;
    }
  }
}

/** Loss and duplication read packets: only a plain TCP target shows them to the proxy. */
export function networkFaultRefusal(endpoint: Endpoint, fault: NetworkFault): string | null {
  if (fault.loss === 0 && fault.duplicate === 0) return null;
  if (!endpoint.secure && !endpoint.websocket) return null;
  const over = endpoint.websocket ? (endpoint.secure ? 'WebSocket frames inside TLS' : 'WebSocket frames') : 'TLS';
  return `a network fault with loss or duplicate needs a plain mqtt:// target: the proxy cannot see MQTT packets inside ${over} (${endpoint.display}); delay and jitter work on every transport`;
}

/** Starts the proxy in front of `endpoint`; InputError when the fault cannot be applied to its transport. */
export async function startMqttNetworkFaults(
  endpoint: Endpoint,
  fault: NetworkFault,
  onInjected: (event: InjectedDelivery) => void,
): Promise<NetworkFaultProxy> {
  const refusal = networkFaultRefusal(endpoint, fault);
  if (refusal !== null) throw new InputError(refusal);
  const counts: Counts = { dropped: 0, duplicated: 0 };
  const draws: Draws = { loss: seededRandom(fault.seed, DRAW_STREAM.loss), duplicate: seededRandom(fault.seed, DRAW_STREAM.duplicate) };
  const injects = fault.loss > 0 || fault.duplicate > 0;
  const proxy = await startFaultProxy({
    upstream: { host: endpoint.host, port: endpoint.port },
    toClient: { delayMs: fault.delayMs, jitterMs: fault.jitterMs },
    seed: fault.seed,
    ...(injects ? { filter: () => new MqttFaultFilter(fault, draws, counts, onInjected) } : {}),
  });
  return {
    via: proxy.via,
    stats: () => {
      const { connections, framesDelayed } = proxy.stats();
      return { connections, framesDelayed, dropped: counts.dropped, duplicated: counts.duplicated };
    },
    close: () => proxy.close(),
  };
}
