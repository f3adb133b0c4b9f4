/**
 * The acknowledgement-flow tracker on its own: which acknowledgement a send waits for at each
 * stage, and every broken flow reported with the packet types seen ([MQTT-4.3.2], [MQTT-4.3.3]).
 */
import { describe, expect, it } from 'vitest';
import type { Packet } from 'mqtt-packet';
import type { ProtocolAnomaly } from '../../../core/driver.js';
import { AckFlow } from '../../../runners/mqtt/ack-flow.js';
import { connectionEnd } from '../../../runners/mqtt/close-reason.js';

const publish = (messageId: number, qos: 1 | 2): Packet => ({ cmd: 'publish', messageId, qos, topic: 't', payload: Buffer.alloc(0), retain: false, dup: false });
const ack = (cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number, reasonCode?: number): Packet =>
  ({ cmd, messageId, ...(reasonCode === undefined ? {} : { reasonCode }) }) as Packet;
const pubrel = (messageId: number): Packet => ({ cmd: 'pubrel', messageId });

function tracker(): { flow: AckFlow; seen: ProtocolAnomaly[] } {
  const seen: ProtocolAnomaly[] = [];
  return { flow: new AckFlow((a) => seen.push(a)), seen };
}

describe('AckFlow', () => {
  it('follows a correct QoS 2 flow: PUBREC, then PUBCOMP awaited, no anomaly', () => {
    const { flow, seen } = tracker();
    flow.sent(publish(7, 2));
    expect(flow.awaiting(7, 2)).toBe('PUBREC');
    flow.received(ack('pubrec', 7));
    expect(flow.awaiting(7, 2)).toBe('PUBCOMP');
    flow.sent(pubrel(7));
    expect(flow.awaiting(7, 2)).toBe('PUBCOMP');
    flow.received(ack('pubcomp', 7));
    flow.sent(publish(8, 1));
    expect(flow.awaiting(8, 1)).toBe('PUBACK');
    flow.received(ack('puback', 8));
    expect(seen).toEqual([]);
  });

  it('a send never written still waits for its first acknowledgement', () => {
    const { flow } = tracker();
    expect(flow.awaiting(undefined, 1)).toBe('PUBACK');
    expect(flow.awaiting(undefined, 2)).toBe('PUBREC');
  });

  it.each([
    ['QoS 2 answered with PUBACK', 2, ['puback'], ['PUBLISH qos2', 'PUBACK'], /answered with PUBACK, not PUBREC: the send completed at QoS 1, not exactly once/],
    ['QoS 2 answered with PUBCOMP before PUBREC', 2, ['pubcomp'], ['PUBLISH qos2', 'PUBCOMP'], /PUBCOMP before any PUBREC/],
    ['QoS 1 answered with PUBREC', 1, ['pubrec'], ['PUBLISH qos1', 'PUBREC'], /QoS 1 PUBLISH \(packet identifier 3\) answered with PUBREC/],
    ['QoS 1 answered with PUBCOMP', 1, ['pubcomp'], ['PUBLISH qos1', 'PUBCOMP'], /answered with PUBCOMP, not PUBACK/],
  ] as const)('%s is an ack-flow anomaly with the packets seen', (_name, qos, acks, seen, detail) => {
    const { flow, seen: anomalies } = tracker();
    flow.sent(publish(3, qos));
    for (const cmd of acks) flow.received(ack(cmd, 3));
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ kind: 'ack-flow', seen });
    expect(anomalies[0]?.detail).toMatch(detail);
  });

  it('an acknowledgement for an id nothing waits on is reported, also after its flow completed', () => {
    const { flow, seen } = tracker();
    flow.received(ack('puback', 42));
    flow.sent(publish(5, 1));
    flow.received(ack('puback', 5));
    flow.received(ack('puback', 5)); // a second PUBACK for a completed flow
    expect(seen.map((a) => a.seen)).toEqual([['PUBACK'], ['PUBACK']]);
    expect(seen[0]?.detail).toBe('PUBACK for packet identifier 42, which no PUBLISH of this connection is waiting on');
  });

  it('a refused PUBREC ends the flow; a repeated PUBREC is not an anomaly; clear() forgets every flow', () => {
    const { flow, seen } = tracker();
    flow.sent(publish(1, 2));
    flow.received(ack('pubrec', 1, 0x97));
    expect(flow.awaiting(1, 2)).toBe('PUBREC');
    flow.sent(publish(2, 2));
    flow.received(ack('pubrec', 2));
    flow.received(ack('pubrec', 2));
    expect(seen).toEqual([]);
    flow.clear();
    flow.received(ack('pubcomp', 2));
    expect(seen.map((a) => a.seen)).toEqual([['PUBCOMP']]);
  });
});

describe('connectionEnd', () => {
  const base = { protocolVersion: 5 as const, peerEnded: false };
  const reset = { phase: 'mqtt' as const, error: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) };

  it('names the party by the strongest evidence', () => {
    expect(connectionEnd({ ...base, serverDisconnect: 0x8b, failure: reset, peerEnded: true }))
      .toEqual({ by: 'server', cause: 'server sent DISCONNECT: server shutting down (139)', code: 139 });
    expect(connectionEnd({ ...base, keepAlive: { keepAliveSeconds: 30, waitedMs: 15_012 }, failure: reset }))
      .toEqual({ by: 'chatbench', cause: "chatbench's keep-alive timeout: no PINGRESP within 15 s of its PINGREQ (keep-alive 30 s)" });
    expect(connectionEnd({ ...base, disconnectTimerMs: 5000, peerEnded: true }).by).toBe('chatbench');
    expect(connectionEnd({ ...base, failure: reset, peerEnded: true }))
      .toEqual({ by: 'network', cause: 'connection reset (ECONNRESET), no DISCONNECT from the server' });
    // The FIN came first (transport.ts): the server closed; the client's earlier error stays as evidence.
    expect(connectionEnd({ ...base, peerEnded: true, clientError: new Error('x') }))
      .toEqual({ by: 'server', cause: "the server closed the connection without a DISCONNECT (after chatbench's client reported: x)" });
    // chatbench closed for a malformed packet; whatever the server did next is not the cause.
    expect(connectionEnd({ ...base, malformedPacket: new Error('Not supported'), clientError: new Error('Not supported') }))
      .toEqual({ by: 'chatbench', cause: "chatbench's client closed the connection: the server sent a malformed packet (Not supported)" });
    expect(connectionEnd({ protocolVersion: 4, peerEnded: true }))
      .toEqual({ by: 'server', cause: 'the server closed the connection' });
    expect(connectionEnd({ ...base, clientError: new Error('exceeding packets size publish') }))
      .toEqual({ by: 'chatbench', cause: "chatbench's client closed the connection: exceeding packets size publish" });
  });
});
