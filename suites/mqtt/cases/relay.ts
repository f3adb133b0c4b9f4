/**
 * One message through the server, as the property cases need it: a subscriber, a publisher
 * sending a hand-built QoS 1 PUBLISH (wire.ts), and the forwarded PUBLISH as it crossed the
 * wire, so that properties can be compared byte for byte and in order.
 */
import { hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { receive, subscribe } from '../steps.js';
import { publishBytes, receivedFrames, splitPublish, type RawProperty } from '../wire.js';

export interface Relayed {
  /** The forwarded PUBLISH, split into topic, id, raw properties and payload. */
  forwarded: ReturnType<typeof splitPublish>;
  /** Why nothing was forwarded, for evidence. */
  missing: string;
  /** How the server refused the PUBLISH (PUBACK or DISCONNECT ≥ 0x80, or a close), if it did. */
  refusal: string | undefined;
}

/** Publishes `payload` with the property block `props` (bytes) at QoS 1 and reads what the subscriber got. */
export async function relay(ctx: MqttCaseContext, props: Buffer, payload: Buffer = Buffer.from(`relay-${ctx.caseId}`)): Promise<Relayed> {
  const topic = ctx.topic('t');
  const { client: sub } = await ctx.connect('subscriber');
  await subscribe(sub, [{ topic, qos: 1 }]);
  const { client: pub } = await ctx.connect('publisher');
  pub.sendBytes(publishBytes(5, { topic, qos: 1, messageId: pub.packetId(), props, payload }));
  const ack = await pub.nextOf('puback', ANSWER_MS);
  let refusal: string | undefined;
  if (ack.packet === undefined) {
    const disconnect = ack.skipped.find((p) => p.cmd === 'disconnect');
    const code = disconnect?.cmd === 'disconnect' ? disconnect.reasonCode : undefined;
    refusal = code !== undefined ? `DISCONNECT ${hexCode(code)}` : `no PUBACK (${ack.ended.kind === 'closed' ? 'the connection was closed' : ack.ended.kind})`;
  } else if ((ack.packet.reasonCode ?? 0) >= 0x80) {
    refusal = `PUBACK ${hexCode(ack.packet.reasonCode ?? 0)}`;
  }
  const got = refusal === undefined ? await receive(sub) : undefined;
  const frame = receivedFrames(sub)
    .map((f) => splitPublish(f, 5))
    .find((p) => p !== undefined && p.payload.equals(payload));
  const missing = refusal !== undefined ? `the server refused the PUBLISH: ${refusal}` : got === undefined ? `no PUBLISH reached the subscriber within ${ANSWER_MS} ms` : 'the forwarded PUBLISH could not be read as a PUBLISH';
  return { forwarded: frame, missing, refusal };
}

/** The raw value of the first property `id`, or undefined. */
export function valueOf(props: readonly RawProperty[], id: number): Buffer | undefined {
  return props.find((p) => p.id === id)?.value;
}
