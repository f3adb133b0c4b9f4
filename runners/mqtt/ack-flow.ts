/**
 * The acknowledgement flow of outgoing PUBLISHes, followed on the wire (MQTT.js's
 * 'packetsend' / 'packetreceive'), for two jobs MQTT.js does not do:
 *
 *   - say which acknowledgement a send that never completed was waiting for: PUBACK (QoS 1,
 *     [MQTT-4.3.2]), PUBREC or, once PUBREC came, PUBCOMP (QoS 2, [MQTT-4.3.3]);
 *   - notice a server that breaks the flow. MQTT.js completes a QoS 2 send on a PUBACK or a
 *     PUBCOMP without PUBREC (its ack handler accepts any of PUBACK/PUBREC/PUBCOMP for a
 *     PUBLISH), and ignores acknowledgements for ids nothing waits on. Each is reported as an
 *     anomaly with the packet types seen, so a QoS 2 run that was not exactly-once says so.
 *
 * MQTT.js still settles the send as it always does (a PUBACK completes it): the anomaly is
 * the record that the flow was not the one asked for. State is one small entry per packet
 * identifier in flight (at most 65,535), dropped when the flow completes or the connection ends.
 */
import type { Packet } from 'mqtt-packet';
import type { ProtocolAnomaly } from '../../core/driver.js';

/** An acknowledgement an outgoing PUBLISH can be waiting for. */
export type AwaitedAck = 'PUBACK' | 'PUBREC' | 'PUBCOMP';

/** Where a QoS 1/2 PUBLISH is in its flow: sent; PUBREC received; PUBREL sent (QoS 2). */
type Stage = 'published' | 'recorded' | 'released';

interface Flow {
  qos: 1 | 2;
  stage: Stage;
}

/** The packets each stage has already seen after the PUBLISH, for an anomaly's `seen`. */
const TRAIL: Record<Stage, readonly string[]> = { published: [], recorded: ['PUBREC'], released: ['PUBREC', 'PUBREL'] };

const ACK_FLOW_ANOMALY = 'ack-flow';

/**
 * Acknowledgement codes with the top bit set are failures: SUBACK 0x80 in 3.1.1 [MQTT-3.9.3], any
 * reason code >= 0x80 in 5.0; a PUBACK/PUBREC one ends the flow with a refusal [MQTT-3.4.2.1], [MQTT-3.5.2.1].
 */
export const FAILURE_CODE = 0x80;

export class AckFlow {
  readonly #flows = new Map<number, Flow>();

  constructor(private readonly report: (anomaly: ProtocolAnomaly) => void) {}

  /** A packet MQTT.js wrote. */
  sent(packet: Packet): void {
    if (packet.cmd === 'publish' && packet.qos > 0 && packet.messageId !== undefined) {
      this.#flows.set(packet.messageId, { qos: packet.qos as 1 | 2, stage: 'published' });
    } else if (packet.cmd === 'pubrel' && packet.messageId !== undefined) {
      const flow = this.#flows.get(packet.messageId);
      if (flow) flow.stage = 'released';
    }
  }

  /** A packet from the server; reports an anomaly when it does not fit the flow of its id. */
  received(packet: Packet): void {
    if (packet.cmd !== 'puback' && packet.cmd !== 'pubrec' && packet.cmd !== 'pubcomp') return;
    const id = packet.messageId ?? 0;
    const type = packet.cmd.toUpperCase();
    const flow = this.#flows.get(id);
    if (flow === undefined) {
      this.anomaly(`${type} for packet identifier ${id}, which no PUBLISH of this connection is waiting on`, [type]);
      return;
    }
    const seen = [`PUBLISH qos${flow.qos}`, ...TRAIL[flow.stage], type];
    const refused = (packet.reasonCode ?? 0) >= FAILURE_CODE;
    switch (packet.cmd) {
      case 'puback':
        // [MQTT-4.3.3]: a QoS 2 PUBLISH is answered with PUBREC, never PUBACK.
        if (flow.qos === 2) this.anomaly(`QoS 2 PUBLISH (packet identifier ${id}) answered with PUBACK, not PUBREC: the send completed at QoS 1, not exactly once`, seen);
        this.#flows.delete(id);
        return;
      case 'pubrec':
        if (flow.qos === 1) {
          // [MQTT-4.3.2]: a QoS 1 PUBLISH is answered with PUBACK.
          this.anomaly(`QoS 1 PUBLISH (packet identifier ${id}) answered with PUBREC, not PUBACK`, seen);
        } else if (flow.stage !== 'published') {
          return; // a repeated PUBREC is answered with PUBREL again; nothing was lost
        }
        if (refused) this.#flows.delete(id);
        else flow.stage = 'recorded';
        return;
      case 'pubcomp':
        // [MQTT-4.3.3]: PUBCOMP answers the client's PUBREL, which only follows a PUBREC.
        // (A QoS 1 flow that already went wrong with a PUBREC was reported then.)
        if (flow.qos === 1 && flow.stage === 'published') this.anomaly(`QoS 1 PUBLISH (packet identifier ${id}) answered with PUBCOMP, not PUBACK`, seen);
        else if (flow.stage === 'published') this.anomaly(`QoS 2 PUBLISH (packet identifier ${id}) answered with PUBCOMP before any PUBREC: the send was not exchanged exactly once`, seen);
        this.#flows.delete(id);
        return;
    }
  }

  /** What a send at `qos` with this packet identifier still waits for (undefined id: never written). */
  awaiting(messageId: number | undefined, qos: 1 | 2): AwaitedAck {
    if (qos === 1) return 'PUBACK';
    const stage = messageId === undefined ? undefined : this.#flows.get(messageId)?.stage;
    return stage === 'recorded' || stage === 'released' ? 'PUBCOMP' : 'PUBREC';
  }

  /**
   * The connection ended. A persistent session's unfinished flows are replayed by MQTT.js on the
   * next connection and acknowledged before that connection's session starts (its 'connect').
   */
  clear(): void {
    this.#flows.clear();
  }

  private anomaly(detail: string, seen: string[]): void {
    this.report({ kind: ACK_FLOW_ANOMALY, detail, seen });
  }
}
