/**
 * A session's PUBLISHes (session.ts): QoS 0 sends settle once written (waiting for the socket
 * to drain when it backs up), QoS 1/2 sends on the server's PUBACK / PUBCOMP. Each QoS 1/2 send
 * is linked to the packet identifier MQTT.js gave it, so a send that did not complete names the
 * acknowledgement it was waiting for (ack-flow.ts); a failure reason code is a refusal.
 */
import type { IClientPublishOptions, MqttClient, Packet, PacketCallback } from 'mqtt';
import { SendIncompleteError, type ConnectionEnd, type DeliveryLevel } from '../../core/driver.js';
import type { AckFlow } from './ack-flow.js';
import { endPhrase, notConnected } from './close-reason.js';
import { reasonName } from './connection.js';
import type { Transport } from './transport.js';
import type { PendingVerbs } from './verbs.js';

/** What a publisher needs of its session: the connection, its verbs, and how it is ending. */
export interface PublishContext {
  user: string;
  client: MqttClient;
  transport: Transport;
  ackFlow: AckFlow;
  /** The session's verbs awaiting acknowledgement: a send is one of them. */
  verbs: PendingVerbs;
  /** True once chatbench gave up on the connection itself. */
  stoppedWaiting(): boolean;
  /** How the connection ends, as far as known now. */
  currentEnd(): ConnectionEnd;
}

/** What a PUBLISH carries besides topic, payload and QoS. */
export interface PublishFlags {
  /** RETAIN: the server keeps it as the topic's last message for later subscribers. */
  retain: boolean;
  /** 5.0 PUBLISH properties (Message Expiry Interval). */
  properties?: IClientPublishOptions['properties'];
}

/** A QoS 1/2 send MQTT.js holds; its packet identifier once the PUBLISH was written. */
interface PendingSend {
  messageId: number | undefined;
}

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

export class Publisher {
  /** QoS 1/2 sends in flight, by the callback MQTT.js keeps for them in `client.outgoing`. */
  private readonly sends = new Map<PacketCallback, PendingSend>();

  constructor(private readonly ctx: PublishContext) {}

  /** A packet went out: a QoS 1/2 PUBLISH gets linked to its send by packet identifier. */
  written(packet: Packet): void {
    if (packet.cmd !== 'publish' || packet.qos === 0 || packet.messageId === undefined) return;
    // MQTT.js keeps our callback under the packet identifier it chose: that links the two.
    const cb = this.ctx.client.outgoing[packet.messageId]?.cb as PacketCallback | undefined;
    const send = cb && this.sends.get(cb);
    if (send) send.messageId = packet.messageId;
  }

  /** The connection closed: the session's tracking has failed every send in flight. */
  clear(): void {
    this.sends.clear();
  }

  /** Publishes at `qos`; settles as the module header says, rejects with the send's own error. */
  publish(topic: string, data: Uint8Array, qos: DeliveryLevel, flags: PublishFlags): Promise<void> {
    const { client, transport, ackFlow } = this.ctx;
    const payload = asBuffer(data);
    const { retain, properties } = flags;
    const options: IClientPublishOptions = properties ? { qos, retain, properties } : { qos, retain };
    if (qos === 0) {
      return this.ctx.verbs.track<void>(this.ctx.verbs.lost(`PUBLISH ${topic} at QoS 0 not written`), (resolve) => {
        // No callback for MQTT.js: one shared 'drain' wait instead (Transport.whenWritable).
        client.publish(topic, payload, options);
        const backedUp = transport.whenWritable();
        if (backedUp) void backedUp.then(resolve);
        else resolve();
      });
    }
    const send: PendingSend = { messageId: undefined };
    const what = `${this.ctx.user}: PUBLISH to ${topic} at QoS ${qos}`;
    const incomplete = (end: ConnectionEnd, notSent: boolean): SendIncompleteError => {
      const awaiting = ackFlow.awaiting(send.messageId, qos);
      const because = this.ctx.stoppedWaiting() ? 'stopped-waiting' : 'connection-closed';
      const why = notSent ? `not sent: ${notConnected(end)}` : `no ${awaiting} ${endPhrase(end, this.ctx.stoppedWaiting())}`;
      return new SendIncompleteError(`${what}: ${why}`, awaiting, because, end.code, { written: !notSent });
    };
    return this.ctx.verbs.track<void>(incomplete, (resolve, reject) => {
      const done: PacketCallback = (err, packet) => {
        this.sends.delete(done);
        if (!err) return resolve();
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number') {
          // The server answered with a failure reason code [MQTT-3.4.2.1], [MQTT-3.5.2.1].
          const ack = packet?.cmd.toUpperCase() ?? ackFlow.awaiting(send.messageId, qos);
          return reject(new SendIncompleteError(`${what} refused: ${ack} ${reasonName(code)} (${code})`, ack, 'refused', code, { cause: err }));
        }
        // MQTT.js failed the send as it closed the connection (its keep-alive timeout, say).
        reject(incomplete(this.ctx.currentEnd(), false));
      };
      this.sends.set(done, send);
      client.publish(topic, payload, options, done);
    });
  }
}
