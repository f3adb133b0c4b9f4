/**
 * Judgements the connection and session cases share: how a server must refuse a CONNECT that
 * breaks section 3.1 and what a 5.0 DISCONNECT from the server must look like. Each records
 * checks on the case's context; the case keeps the statement it is about.
 */
import type { IConnackPacket, Packet } from 'mqtt-packet';
import { describeRejection, hexCode, type Rejection } from '../../../runners/mqtt/raw/rejection.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ReasonCodes } from '../../../runners/mqtt/reason-codes.js';
import type { MqttCaseContext } from '../context.js';
import { expectRefused } from '../steps.js';

/** The return / reason code of a CONNACK of either version. */
export function connackCode(p: IConnackPacket): number {
  return p.reasonCode ?? p.returnCode ?? 0;
}

/** "CONNACK 0x00 (session present 1)" for evidence. */
export function describeConnack(p: IConnackPacket): string {
  return `CONNACK ${hexCode(connackCode(p))} (session present ${p.sessionPresent ? 1 : 0})`;
}

/**
 * The server was sent a CONNECT that breaks section 3.1 (`what`): it must close the connection
 * ([MQTT-3.1.4-1]; `statement` is the rule broken). 3.1.1 allows no CONNACK at all; 5.0 allows
 * a CONNACK of 0x80 or above first, and no DISCONNECT before a successful CONNACK [MQTT-3.14.0-1].
 */
export async function expectConnectRefused(ctx: MqttCaseContext, client: RawClient, statement: string, what: string): Promise<Rejection> {
  const r = await expectRefused(ctx, client, statement, what);
  const observed = describeRejection(r);
  if (ctx.level === 4) {
    // When the server did not even close, the check above already failed with what it sent.
    if (r.closed) ctx.check('MQTT-3.1.4-1', r.connackCode === undefined, `no CONNACK at all to ${what}`, observed);
  } else {
    ctx.check('MQTT-3.14.0-1', r.disconnectReason === undefined, 'no DISCONNECT before a CONNACK with a reason code below 0x80', observed);
  }
  return r;
}

/**
 * A DISCONNECT the server sent (5.0), among the packets it sent before closing: its reason code
 * is one of the Disconnect table [MQTT-3.14.2-1], it has no Session Expiry Interval
 * [MQTT-3.14.2-2], nothing follows it [MQTT-3.14.4-1] and the connection closes [MQTT-3.14.4-2].
 * Returns its reason code, or undefined when the server sent none.
 */
export function checkServerDisconnect(ctx: MqttCaseContext, packets: readonly Packet[], closed: boolean): number | undefined {
  const at = packets.findIndex((p) => p.cmd === 'disconnect');
  const d = packets[at];
  if (d === undefined || d.cmd !== 'disconnect') return undefined;
  const code = d.reasonCode ?? 0;
  const after = packets.slice(at + 1).map((p) => p.cmd.toUpperCase());
  ctx.check('MQTT-3.14.2-1', (ReasonCodes.disconnect as readonly number[]).includes(code), 'a DISCONNECT reason code from the Disconnect Reason Code table', `DISCONNECT ${hexCode(code)}`);
  ctx.check('MQTT-3.14.2-2', d.properties?.sessionExpiryInterval === undefined, 'no Session Expiry Interval in a DISCONNECT from the server', `Session Expiry Interval ${d.properties?.sessionExpiryInterval}`);
  ctx.check('MQTT-3.14.4-1', after.length === 0, 'nothing sent after the DISCONNECT', after.length === 0 ? 'nothing after it' : `then ${after.join(', ')}`);
  ctx.check('MQTT-3.14.4-2', closed, 'the connection closed after the DISCONNECT', closed ? 'closed' : 'the connection stayed open');
  return code;
}

/** Fixed header byte + remaining-length bytes + remaining length, from what mqtt-packet parsed. */
export function packetSize(p: Packet): number {
  const length = p.length ?? 0;
  return 1 + (length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4) + length;
}

/**
 * A packet from the server to a client that announced Maximum Packet Size `limit`: a packet
 * over the limit must have left out its Reason String (`reasonRule`) and User Properties
 * (`userRule`) [MQTT-3.2.2-19/20, 3.14.2-3/4, 3.15.2-2/3].
 */
export function checkLeftOut(ctx: MqttCaseContext, p: Packet, limit: number, reasonRule: string, userRule: string, described: string): void {
  const size = packetSize(p);
  const props = (p as { properties?: { reasonString?: string; userProperties?: unknown } }).properties;
  const name = p.cmd.toUpperCase();
  const observed = `${described} of ${size} bytes with properties ${JSON.stringify(props ?? {})}`;
  ctx.check(reasonRule, size <= limit || props?.reasonString === undefined, `no Reason String in a ${name} over ${limit} bytes`, observed);
  ctx.check(userRule, size <= limit || props?.userProperties === undefined, `no User Property in a ${name} over ${limit} bytes`, observed);
}
