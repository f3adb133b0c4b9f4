/**
 * Helpers the publish / subscribe cases share (publish.ts, retain.ts, qos.ts, subscribe.ts,
 * topics.ts, shared.ts): a subscriber in one call, an inbox that reads everything a server
 * sends and answers as a well-behaved client would (so a QoS 2 flow never swallows the next
 * PUBLISH), the QoS 1 / 2 handshakes of a publisher sending many messages at once, and the
 * words evidence is written in.
 */
import type { IConnectPacket, IPublishPacket, ISubscription, Packet } from 'mqtt-packet';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { grantedCodes, keepEarly, nextKeeping, publish, subscribe, takeEarly, type PublishOptions } from '../steps.js';

export type QoS = 0 | 1 | 2;

/** A short window for "nothing (more) arrives" checks: long enough on loopback, short enough to keep the suite fast. */
export const QUIET_MS = 400;

export { hexCode };

export { nextKeeping, publish, subscribe } from '../steps.js';

/** A raw connection subscribed to `filters`, with the codes the SUBACK granted (in filter order). */
export async function subscriber(
  ctx: MqttCaseContext,
  label: string,
  filters: ISubscription[],
  options: { properties?: Record<string, unknown>; connect?: Partial<IConnectPacket> } = {},
): Promise<{ client: RawClient; codes: number[]; clientId: string }> {
  const { client, clientId } = await ctx.connect(label, options.connect);
  const suback = await subscribe(client, filters, options.properties);
  return { client, codes: grantedCodes(suback), clientId };
}

/** A raw connection that has done CONNECT / CONNACK, for publishing. */
export async function publisher(ctx: MqttCaseContext, label = 'publisher'): Promise<RawClient> {
  return (await ctx.connect(label)).client;
}

/** After the case, replace the retained message of `topic` with nothing (an empty retained PUBLISH). */
export function clearRetainedAfter(ctx: MqttCaseContext, topic: string): void {
  ctx.cleanup(async () => {
    const { client } = await ctx.connect('cleaner');
    await publish(client, topic, Buffer.alloc(0), { qos: 1, retain: true });
    client.send({ cmd: 'disconnect' });
    client.end();
  });
}

export interface Inbox {
  publishes: IPublishPacket[];
  /** Every other packet the server sent meanwhile (PUBREL, SUBACK, DISCONNECT, …). */
  others: Packet[];
  /** Why reading stopped: 'done' (the condition held), 'quiet' (the window passed), 'closed', 'unparsable'. */
  end: 'done' | 'quiet' | 'closed' | 'unparsable';
}

export interface InboxOptions {
  /** Answer PUBLISH with PUBACK / PUBREC and PUBREL with PUBCOMP (default true). */
  ack?: boolean;
  /** The answer to each PUBLISH instead of the usual one (a refusal, say); undefined sends nothing. */
  reply?: (publish: IPublishPacket) => Packet | undefined;
  /** Stop as soon as this holds for what arrived so far. */
  until?: (publishes: readonly IPublishPacket[], others: readonly Packet[]) => boolean;
}

/**
 * Reads every packet `client` receives for up to `windowMs` (or until `until` holds), answering
 * as a client must: PUBACK for QoS 1, PUBREC for QoS 2, PUBCOMP for a PUBREL.
 */
export async function inbox(client: RawClient, windowMs: number, options: InboxOptions = {}): Promise<Inbox> {
  const ack = options.ack ?? true;
  const out: Inbox = { publishes: [], others: [], end: 'quiet' };
  const deadline = performance.now() + windowMs;
  const kept = takeEarly(client);
  if (options.until?.(out.publishes, out.others)) return { ...out, end: 'done' };
  for (;;) {
    const left = deadline - performance.now();
    const ev = kept.length > 0 ? { kind: 'packet' as const, packet: kept.shift() as Packet } : left <= 0 ? undefined : await client.next(left);
    if (ev === undefined || ev.kind === 'timeout') return out;
    if (ev.kind === 'closed') return { ...out, end: 'closed' };
    if (ev.kind === 'unparsable') return { ...out, end: 'unparsable' };
    const p = ev.packet;
    if (p.cmd === 'publish') {
      out.publishes.push(p);
      const answer = options.reply?.(p);
      if (answer !== undefined) client.send(answer);
      else if (options.reply === undefined && ack && p.qos === 1 && p.messageId !== undefined) client.send({ cmd: 'puback', messageId: p.messageId });
      else if (options.reply === undefined && ack && p.qos === 2 && p.messageId !== undefined) client.send({ cmd: 'pubrec', messageId: p.messageId });
    } else {
      out.others.push(p);
      if (ack && p.cmd === 'pubrel') client.send({ cmd: 'pubcomp', messageId: p.messageId });
    }
    if (options.until?.(out.publishes, out.others)) {
      keepEarly(client, kept);
      return { ...out, end: 'done' };
    }
  }
}

/** Publishes `payload` on `topic` from a fresh connection and returns the PUBLISH `client` received (not acknowledged); SetupFailed when none came. */
export async function deliveredTo(ctx: MqttCaseContext, client: RawClient, topic: string, payload: string, options: PublishOptions): Promise<IPublishPacket> {
  await publish(await publisher(ctx), topic, payload, options);
  const got = await nextKeeping(client, 'publish');
  if (got.packet === undefined) throw new SetupFailed(`${client.label} received no PUBLISH (${got.why})`);
  return got.packet;
}

/** Waits (up to ANSWER_MS) for a PUBLISH on `topic` with `payload`, answering everything on the way. */
export async function awaitMessage(client: RawClient, topic: string, payload: string, timeoutMs = ANSWER_MS): Promise<{ found: IPublishPacket | undefined; inbox: Inbox }> {
  const is = (p: IPublishPacket): boolean => p.topic === topic && payloadText(p) === payload;
  const got = await inbox(client, timeoutMs, { until: (ps) => ps.some(is) });
  return { found: got.publishes.find(is), inbox: got };
}

/**
 * Sends every payload as a PUBLISH at `qos` without waiting in between (what makes ordering
 * observable), then completes each flow: PUBACK for QoS 1; PUBREC → PUBREL → PUBCOMP for QoS 2.
 * Returns how many flows completed.
 */
export async function publishMany(client: RawClient, topic: string, payloads: readonly string[], qos: QoS): Promise<number> {
  const pending = new Set<number>();
  for (const payload of payloads) {
    const messageId = qos > 0 ? client.packetId() : undefined;
    client.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false, ...(messageId !== undefined ? { messageId } : {}) });
    if (messageId !== undefined) pending.add(messageId);
  }
  let completed = qos === 0 ? payloads.length : 0;
  const deadline = performance.now() + ANSWER_MS;
  while (pending.size > 0) {
    const ev = await client.next(Math.max(0, deadline - performance.now()));
    if (ev.kind !== 'packet') break;
    const p = ev.packet;
    if (p.cmd === 'pubrec' && p.messageId !== undefined && pending.has(p.messageId)) client.send({ cmd: 'pubrel', messageId: p.messageId });
    if ((p.cmd === 'puback' && qos === 1) || (p.cmd === 'pubcomp' && qos === 2)) {
      if (p.messageId !== undefined && pending.delete(p.messageId)) completed++;
    }
  }
  return completed;
}

export function payloadText(p: IPublishPacket): string {
  return Buffer.isBuffer(p.payload) ? p.payload.toString('utf8') : String(p.payload);
}

/** `PUBLISH "a/b" QoS 1 DUP 0 RETAIN 0 id 3 payload "x"`: one packet as evidence reads it. */
export function describePublish(p: IPublishPacket): string {
  const ids = p.properties?.subscriptionIdentifier;
  const sub = ids === undefined ? '' : ` subscription identifier ${Array.isArray(ids) ? ids.join(',') : ids}`;
  return `PUBLISH "${p.topic}" QoS ${p.qos} DUP ${p.dup ? 1 : 0} RETAIN ${p.retain ? 1 : 0}${p.messageId !== undefined ? ` id ${p.messageId}` : ''}${sub} payload "${payloadText(p).slice(0, 40)}"`;
}

/** Every PUBLISH of a list for evidence, or "no PUBLISH within N ms". */
export function describePublishes(ps: readonly IPublishPacket[], windowMs: number): string {
  return ps.length === 0 ? `no PUBLISH within ${windowMs} ms` : ps.map(describePublish).join('; ');
}

/** "SUBACK codes 0x01, 0x80". */
export function describeCodes(what: string, codes: readonly number[]): string {
  return `${what} ${codes.length === 0 ? 'with no codes' : `codes ${codes.map(hexCode).join(', ')}`}`;
}

/** The reason code of an acknowledgement (5.0), 0 when the packet has none (3.1.1, or 5.0 success without a code). */
export function reasonOf(p: Packet): number {
  return 'reasonCode' in p && typeof p.reasonCode === 'number' ? p.reasonCode : 0;
}

/** Subscription identifiers on a forwarded PUBLISH (5.0), as a list. */
export function subscriptionIds(p: IPublishPacket): number[] {
  const ids = p.properties?.subscriptionIdentifier;
  return ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
}

/** Packets built by hand: suites/mqtt/wire.ts holds the encoders; these names are what the cases call them. */
export { packet as frame, str as utf8Field, u16 as idField } from '../wire.js';

/** An empty property block for 5.0 packets built by hand (nothing in 3.1.1). */
export function noProperties(level: 4 | 5): Buffer {
  return level === 5 ? Buffer.from([0]) : Buffer.alloc(0);
}
