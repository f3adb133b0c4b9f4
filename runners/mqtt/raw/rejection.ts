/**
 * What a server did after it was sent something it must reject (a malformed packet, a protocol
 * error): the one observation conformance cases and the fuzz oracle both judge.
 *
 * MQTT 3.1.1 requires the server to close the connection [MQTT-4.8.0-1]; MQTT 5.0 too
 * [MQTT-4.13.1-1], where a DISCONNECT (or, for a bad CONNECT, a CONNACK) with a reason code of
 * 0x80 or more SHOULD come first. Anything else the server sends meanwhile is an answer, as if the
 * bytes had been valid.
 */
import type { Packet } from 'mqtt-packet';
import type { RawClient } from './client.js';

export interface Rejection {
  /** The server closed the connection within the wait. */
  closed: boolean;
  /** How long chatbench waited when it did not close. */
  waitedMs: number;
  /** Reason code of a DISCONNECT (5.0) the server sent first, if any. */
  disconnectReason: number | undefined;
  /** Return / reason code of a CONNACK sent first, if any (a rejected CONNECT). */
  connackCode: number | undefined;
  /** Every other packet the server sent before closing: answers to bytes it should have refused. */
  answers: Packet[];
  /** The server's bytes could not be parsed. */
  unparsable: boolean;
}

/**
 * Waits up to `timeoutMs` for the server to close the connection, noting what it sent first.
 * `stopEarly(packet)`: stop waiting when it returns true (the verdict is already decided, e.g. the
 * fuzzer seeing an answer); the Rejection then says "kept the connection open" for the time waited.
 */
export async function observeRejection(client: RawClient, timeoutMs: number, stopEarly?: (p: Packet) => boolean): Promise<Rejection> {
  const { end, packets, unparsable } = stopEarly === undefined ? await client.untilClosed(timeoutMs) : await untilClosedOr(client, timeoutMs, stopEarly);
  let disconnectReason: number | undefined;
  let connackCode: number | undefined;
  const answers: Packet[] = [];
  for (const p of packets) {
    if (p.cmd === 'disconnect') disconnectReason = p.reasonCode ?? 0;
    else if (p.cmd === 'connack') connackCode = p.reasonCode ?? p.returnCode ?? 0;
    else answers.push(p);
  }
  return { closed: end.kind === 'closed', waitedMs: end.kind === 'timeout' ? end.waitedMs : 0, disconnectReason, connackCode, answers, unparsable };
}

/** client.untilClosed, ending early at the first packet `stop` picks. */
async function untilClosedOr(client: RawClient, timeoutMs: number, stop: (p: Packet) => boolean): ReturnType<RawClient['untilClosed']> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  const packets: Packet[] = [];
  let unparsable = false;
  for (;;) {
    const ev = await client.next(Math.max(0, deadline - performance.now()));
    if (ev.kind === 'packet') {
      packets.push(ev.packet);
      if (stop(ev.packet)) return { end: { kind: 'timeout', waitedMs: Math.round(performance.now() - started) }, packets, unparsable };
    } else if (ev.kind === 'unparsable') unparsable = true;
    else return { end: ev.kind === 'timeout' ? { kind: 'timeout', waitedMs: timeoutMs } : ev, packets, unparsable };
  }
}

/** "closed the connection", "sent DISCONNECT 0x81 and closed", "kept the connection open for 2000 ms": for evidence. */
export function describeRejection(r: Rejection): string {
  const parts: string[] = [];
  if (r.answers.length > 0) parts.push(`answered with ${r.answers.map((p) => (p.cmd === 'suback' ? `SUBACK ${p.granted.length === 0 ? 'with no codes' : p.granted.map((g) => hexCode(Number(typeof g === 'number' ? g : (g as { qos?: number }).qos))).join(' ')}` : p.cmd.toUpperCase())).join(', ')}`);
  if (r.connackCode !== undefined) parts.push(`sent CONNACK ${hexCode(r.connackCode)}`);
  if (r.disconnectReason !== undefined) parts.push(`sent DISCONNECT ${hexCode(r.disconnectReason)}`);
  if (r.unparsable) parts.push('sent bytes that do not parse as MQTT');
  parts.push(r.closed ? 'closed the connection' : `kept the connection open for ${r.waitedMs} ms`);
  return parts.join(', then ');
}

export function hexCode(code: number): string {
  return `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}
