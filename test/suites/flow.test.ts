/**
 * The packet-identifier, flow-control, packet-size and WebSocket cases (suites/mqtt/cases/
 * flow.ts, websocket.ts) against Aedes (3.1.1) and mosquitto 2.0.11 (3.1.1 and 5.0, with a
 * WebSocket listener and `max_packet_size 30000`), each verdict as expected after reading it
 * against the spec; then cases through a tamper proxy that makes mosquitto break (or, once,
 * keep) one rule, to show each family's verdict follows the rule.
 *
 * Non-conformities found (checked against the spec text):
 * - mosquitto 2.0.11 acts on MQTT sent in a WebSocket text frame (delivers the PUBLISH, keeps the
 *   connection open) [MQTT-6.0.0-1], both versions.
 * - mosquitto 2.0.11 (5.0) answers the 21st unacknowledged QoS 2 PUBLISH with PUBREC although it
 *   announced Receive Maximum 20; 0x93 is a protocol error, so it must close [MQTT-4.13.1-1].
 * - mosquitto 2.0.11 (5.0) announces Maximum Packet Size 30000 but keeps the connection open after
 *   a 30001-byte PUBLISH (the size counts the fixed header; twice the size is refused with 0x95)
 *   [MQTT-4.13.1-1].
 */
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { cases } from '../../suites/mqtt/cases/flow.js';
import { packet, str, u16 } from '../../suites/mqtt/wire.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { expectFailOn, expectVerdicts, tampered, type Exception } from './pubsub-verdicts.js';

let aedes: EmbeddedBroker;
let mosquitto: Mosquitto;
let profile: Record<string, unknown>;

beforeAll(async () => {
  [aedes, mosquitto] = await Promise.all([startEmbeddedBroker(), startMosquitto({ websocket: true, extraConfig: ['max_packet_size 30000'] })]);
  profile = { websocketUrl: mosquitto.wsUrl };
});
afterAll(async () => {
  await Promise.all([aedes?.close(), mosquitto?.stop()]);
});

const textFrame: Record<string, Exception> = { 'websocket.text-frame-refused': { fail: ['MQTT-6.0.0-1'] } };
const noWebSocket: Record<string, Exception> = Object.fromEntries(cases.filter((c) => c.id.startsWith('websocket.')).map((c) => [c.id, 'skip']));

describe('identifier, flow-control, packet-size and WebSocket cases on real brokers', () => {
  it('mosquitto 3.1.1: identifiers right; MQTT in a WebSocket text frame acted on', async () => {
    await expectVerdicts(mosquitto.url, '3.1.1', cases, textFrame, profile);
  });

  it('mosquitto 5.0: back-pressure and the client’s packet size kept; its own Receive Maximum and packet size (at the boundary) not enforced', async () => {
    await expectVerdicts(mosquitto.url, '5', cases, {
      ...textFrame,
      'flow.client-exceeds-receive-maximum': { fail: ['MQTT-4.13.1-1'] },
      'flow.max-packet-size-boundary': { fail: ['MQTT-4.13.1-1'] },
    }, profile);
  });

  it('Aedes 3.1.1: identifiers right; no WebSocket listener, so those cases skip', async () => {
    await expectVerdicts(aedes.url, '3.1.1', cases, noWebSocket);
  });
});

type Publish = Extract<Packet, { cmd: 'publish' }>;

describe('each family follows its rule when the proxy changes what mosquitto does', () => {
  it('PUBACK with another identifier [MQTT-2.3.1-6]', async () => {
    const v = await tampered(mosquitto.url, '3.1.1', 'flow.puback-id', { toClient: (p) => (p.cmd === 'puback' ? [{ ...p, messageId: ((p.messageId ?? 0) % 65_535) + 1 }] : undefined) });
    expectFailOn(v, 'MQTT-2.3.1-6');
  });

  it('SUBACK with another identifier [MQTT-2.2.1-6]', async () => {
    const v = await tampered(mosquitto.url, '5', 'flow.suback-unsuback-ids', { toClient: (p) => (p.cmd === 'suback' ? [{ ...p, messageId: 1 }] : undefined) });
    expectFailOn(v, 'MQTT-2.2.1-6');
  });

  it('one identifier for every QoS 1 PUBLISH in flight [MQTT-2.2.1-4]', async () => {
    const v = await tampered(mosquitto.url, '5', 'flow.server-ids-distinct', { toClient: (p) => (p.cmd === 'publish' && p.qos === 1 ? [{ ...p, messageId: 1 }] : undefined) });
    expectFailOn(v, 'MQTT-2.2.1-4');
  });

  it('a packet identifier on a QoS 0 PUBLISH [MQTT-2.3.1-5]', async () => {
    // 3.1.1 PUBLISH QoS 0 with a stray identifier 00 01 between topic and payload.
    const withId = (p: Publish): Buffer => packet(0x30, str(p.topic), u16(1), Buffer.from(p.payload));
    const v = await tampered(mosquitto.url, '3.1.1', 'flow.qos0-no-id', { toClient: (p) => (p.cmd === 'publish' && p.qos === 0 ? [withId(p)] : undefined) });
    expectFailOn(v, 'MQTT-2.3.1-5');
  });

  it('the client’s Receive Maximum ignored [MQTT-3.3.4-9]: the proxy hides it from mosquitto', async () => {
    const v = await tampered(mosquitto.url, '5', 'flow.receive-maximum', { toServer: (p) => (p.cmd === 'connect' ? [{ ...p, properties: {} }] : undefined) });
    expectFailOn(v, 'MQTT-3.3.4-9');
  });

  it('no PINGRESP at the send quota [MQTT-3.3.4-10]', async () => {
    const v = await tampered(mosquitto.url, '5', 'flow.other-packets-at-quota', { toClient: (p) => (p.cmd === 'pingresp' ? [] : undefined) });
    expectFailOn(v, 'MQTT-3.3.4-10');
  });

  it('the client’s Maximum Packet Size ignored [MQTT-3.1.2-24]: the proxy hides it from mosquitto', async () => {
    const v = await tampered(mosquitto.url, '5', 'flow.max-packet-size-to-client', { toServer: (p) => (p.cmd === 'connect' ? [{ ...p, properties: {} }] : undefined) });
    expectFailOn(v, 'MQTT-3.1.2-24');
  });

  it('a server that enforces its Receive Maximum passes: the proxy answers the extra PUBLISH with DISCONNECT 0x93', async () => {
    let unacked = 0;
    const v = await tampered(mosquitto.url, '5', 'flow.client-exceeds-receive-maximum', {
      toServer: (p, conn) => {
        if (p.cmd !== 'publish' || p.qos !== 2 || ++unacked <= 20) return undefined;
        conn.sendToClient({ cmd: 'disconnect', reasonCode: 0x93 });
        return [{ cmd: 'disconnect' }];
      },
    });
    expect(v.verdict, JSON.stringify(v.failures)).toBe('pass');
  });
});
