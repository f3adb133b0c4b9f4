/**
 * Steps many cases share, over raw connections: subscribe and read the SUBACK, publish at any
 * QoS and complete its flow, wait for a PUBLISH on a topic (acknowledging it as a client must),
 * disconnect politely, and the one judgement of "the server must refuse this" both versions
 * use. Each returns what it saw; the case decides what that means for its statement.
 */
import type { IPublishPacket, ISubackPacket, ISubscription, Packet } from 'mqtt-packet';
import type { RawClient } from '../../runners/mqtt/raw/client.js';
import { describeRejection, observeRejection, type Rejection } from '../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from './context.js';

type QoS = 0 | 1 | 2;

/**
 * Packets that arrived while a step waited for another one: a retained PUBLISH before its
 * SUBACK (the server may send it first), a subscriber's own message before its PUBACK, the next
 * PUBLISH while a QoS 2 receive waits for PUBREL. The next read of that connection
 * (`receive`, `takeEarly`) gets them first, so no case misses a packet because it came early.
 */
const early = new WeakMap<RawClient, Packet[]>();

/** The packets kept for `client` (oldest first), handed over once. */
export function takeEarly(client: RawClient): Packet[] {
  const kept = early.get(client) ?? [];
  early.delete(client);
  return kept;
}

/** Puts packets back at the front of what `client` keeps (a reader that stopped early). */
export function keepEarly(client: RawClient, packets: readonly Packet[]): void {
  if (packets.length > 0) early.set(client, [...packets, ...(early.get(client) ?? [])]);
}

/** The next packet of type `cmd`, keeping what came before it; `why` says what ended the wait otherwise. */
export async function nextKeeping<C extends Packet['cmd']>(client: RawClient, cmd: C, timeoutMs = ANSWER_MS): Promise<{ packet: Extract<Packet, { cmd: C }> | undefined; why: string }> {
  const got = await client.nextOf(cmd, timeoutMs);
  if (got.skipped.length > 0) early.set(client, [...(early.get(client) ?? []), ...got.skipped]);
  if (!('ended' in got)) return { packet: got.packet, why: '' };
  const why = got.ended.kind === 'timeout' ? `no ${cmd.toUpperCase()} within ${timeoutMs} ms` : got.ended.kind === 'closed' ? 'the server closed the connection' : 'unparsable bytes';
  return { packet: undefined, why };
}

/** SUBSCRIBE to `filters` and the SUBACK (SetupFailed when none comes); anything sent before the SUBACK is kept. */
export async function subscribe(client: RawClient, filters: ISubscription[], properties?: Record<string, unknown>): Promise<ISubackPacket> {
  client.send({ cmd: 'subscribe', messageId: client.packetId(), subscriptions: filters, ...(properties ? { properties } : {}) });
  const got = await nextKeeping(client, 'suback');
  if (got.packet === undefined) throw new SetupFailed(`${client.label}: ${got.why}`);
  return got.packet;
}

/** The granted QoS (or failure code ≥ 0x80) of each filter, from a SUBACK of either version. */
export function grantedCodes(suback: ISubackPacket): number[] {
  return suback.granted.map((g) => (typeof g === "number" ? g : Number((g as { qos?: number }).qos)));
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  dup?: boolean;
  properties?: IPublishPacket['properties'];
}

/**
 * PUBLISH and complete the flow chatbench's side owes: QoS 1 waits for PUBACK; QoS 2 waits for
 * PUBREC, sends PUBREL, waits for PUBCOMP. Returns the acknowledgements seen (SetupFailed when
 * one does not come); whatever else arrives meanwhile is kept.
 */
export async function publish(client: RawClient, topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<Packet[]> {
  const qos = options.qos ?? 0;
  const messageId = qos > 0 ? client.packetId() : undefined;
  client.send({
    cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain: options.retain ?? false, dup: options.dup ?? false,
    ...(messageId !== undefined ? { messageId } : {}), ...(options.properties ? { properties: options.properties } : {}),
  });
  if (messageId === undefined) return [];
  const first = await nextKeeping(client, qos === 1 ? 'puback' : 'pubrec');
  if (first.packet === undefined) throw new SetupFailed(`${client.label}: ${first.why}`);
  if (qos === 1) return [first.packet];
  client.send({ cmd: 'pubrel', messageId });
  const comp = await nextKeeping(client, 'pubcomp');
  if (comp.packet === undefined) throw new SetupFailed(`${client.label}: ${comp.why}`);
  return [first.packet, comp.packet];
}

/**
 * The next PUBLISH the server sends (kept early packets first; other packets are kept),
 * acknowledged as a client must (PUBACK; PUBREC then PUBREL→PUBCOMP is left to the case when
 * `ack` is false). Undefined when none comes within `timeoutMs`.
 */
export async function receive(client: RawClient, timeoutMs = ANSWER_MS, ack = true): Promise<IPublishPacket | undefined> {
  const kept = takeEarly(client);
  const at = kept.findIndex((p) => p.cmd === 'publish');
  let p: IPublishPacket | undefined;
  if (at >= 0) {
    p = kept[at] as IPublishPacket;
    kept.splice(at, 1);
    keepEarly(client, kept);
  } else {
    keepEarly(client, kept);
    p = (await nextKeeping(client, 'publish', timeoutMs)).packet;
  }
  if (p === undefined) return undefined;
  if (ack && p.qos === 1 && p.messageId !== undefined) client.send({ cmd: 'puback', messageId: p.messageId });
  if (ack && p.qos === 2 && p.messageId !== undefined) {
    client.send({ cmd: 'pubrec', messageId: p.messageId });
    const rel = await nextKeeping(client, 'pubrel', timeoutMs);
    if (rel.packet !== undefined) client.send({ cmd: 'pubcomp', messageId: p.messageId });
  }
  return p;
}

/** Every PUBLISH that arrives within `windowMs` (acknowledged); for "nothing more arrives" checks. */
export async function receiveAll(client: RawClient, windowMs: number): Promise<IPublishPacket[]> {
  const deadline = performance.now() + windowMs;
  const out: IPublishPacket[] = [];
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return out;
    const p = await receive(client, left);
    if (p === undefined) return out;
    out.push(p);
  }
}

/** DISCONNECT (normal) and close: the clean goodbye after which no will may be sent. */
export function disconnect(client: RawClient): void {
  client.send({ cmd: 'disconnect' });
  client.end();
}

/**
 * Checks that the server refused what was just sent on `client` ([MQTT-4.8.0-1] in 3.1.1,
 * [MQTT-4.13.1-1] in 5.0, or the case's own statement): the connection closed within the wait
 * and nothing was answered as if the bytes were valid. In 5.0 a DISCONNECT / CONNACK before the
 * close must carry a reason code of 0x80 or more; sending one at all is a SHOULD, recorded as
 * the server's choice.
 */
export async function expectRefused(ctx: MqttCaseContext, client: RawClient, statement: string, what: string, timeoutMs = ANSWER_MS): Promise<Rejection> {
  const r = await observeRejection(client, timeoutMs);
  const observed = describeRejection(r);
  const answeredAsValid = r.answers.filter((p) => p.cmd !== 'pingresp' || what.includes('PINGREQ'));
  const badCode = (r.disconnectReason !== undefined && r.disconnectReason < 0x80) || (r.connackCode !== undefined && r.connackCode === 0);
  ctx.check(statement, r.closed && answeredAsValid.length === 0 && !badCode, `the server closes the connection after ${what}${ctx.level === 5 ? ' (a DISCONNECT or CONNACK first, if any, with a reason code ≥ 0x80)' : ''}`, observed);
  if (ctx.level === 5 && r.closed) {
    ctx.chose('MQTT-4.13.1-1', r.disconnectReason !== undefined || r.connackCode !== undefined ? `told the client why before closing: ${observed}` : 'closed without a DISCONNECT or CONNACK reason code');
  }
  return r;
}

/** How long a 5.0 session outlives its connection in the cases: long enough for a case, short enough to go by itself. */
export const SESSION_EXPIRY_S = 60;

/** CONNECT fields for a session that outlives its connection: Clean Session 0 (3.1.1); Clean Start 0 and a Session Expiry Interval (5.0). */
export function persistent(ctx: MqttCaseContext, clientId: string): { clientId: string; clean: false; properties?: { sessionExpiryInterval: number } } {
  return ctx.level === 5 ? { clientId, clean: false, properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : { clientId, clean: false };
}

/** After the case, ends the persistent session of `clientId`: a clean-start connection (5.0: Session Expiry 0) and a DISCONNECT. */
export function endSessionAfter(ctx: MqttCaseContext, clientId: string): void {
  ctx.cleanup(async () => {
    const { client } = await ctx.connect('session-ender', { clientId, clean: true });
    client.send({ cmd: 'disconnect' });
    client.end();
    await client.untilClosed(500);
  });
}
