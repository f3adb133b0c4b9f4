/**
 * The target's announced maximum (MQTT 5 CONNACK Maximum Packet Size [MQTT-3.2.2-15]) against
 * the scenario's payload, with a real mosquitto configured with `max_packet_size 1000`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.js';
import { SendIncompleteError, type ConnectionEnd } from '../../../core/driver.js';
import { createMqttDriver } from '../../../runners/mqtt/driver.js';
import { packetSizeError, publishBytes } from '../../../runners/mqtt/packet-size.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';

describe('publishBytes', () => {
  it('counts fixed header, topic, packet identifier, 5.0 properties and payload', () => {
    // 1 + 1 (remaining 2 + 1 + 2 + 1 + 10 = 16) + 16
    expect(publishBytes('t', 10, 1, true)).toBe(18);
    expect(publishBytes('t', 10, 0, false)).toBe(15);
    // remaining 2 + 1 + 2048 = 2051 needs 2 bytes of length
    expect(publishBytes('t', 2048, 0, false)).toBe(2054);
    expect(packetSizeError(undefined, 't', 2048, 1)).toBeUndefined();
    expect(packetSizeError(100, 't', 50, 1)).toBeUndefined();
  });
});

describeWithMosquitto('a 2 KiB payload against mosquitto with max_packet_size 1000', () => {
  let m: Mosquitto;
  beforeAll(async () => {
    m = await startMosquitto({ extraConfig: ['max_packet_size 1000'] });
  });
  afterAll(async () => {
    await m.stop();
  });

  it('MQTT 5: refused at connect as bad input (exit 2), naming both sizes, nothing sent', async () => {
    const driver = createMqttDriver({ url: m.url, mqttVersion: '5.0' }, { runId: 'maxpkt5' });
    const error = await driver.connect({ user: 'alice', directLevel: 1, onMessage: () => {}, timeoutMs: 5000, largestPayloadBytes: 2048 })
      .then(() => undefined, (e: unknown) => e);
    await driver.close();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    const needed = publishBytes('chatbench/maxpkt5/user/alice', 2048, 1, true);
    expect((error as Error).message).toBe(
      `the server announces a Maximum Packet Size of 1000 bytes (CONNACK); this scenario's messages need ${needed} bytes (payload 2048 + topic and headers): lower payload`,
    );
  });

  it('MQTT 5: a payload that fits connects as usual', async () => {
    const driver = createMqttDriver({ url: m.url, mqttVersion: '5.0' }, { runId: 'maxpkt5ok' });
    const session = await driver.connect({ user: 'alice', directLevel: 1, onMessage: () => {}, timeoutMs: 5000, largestPayloadBytes: 900 });
    await session.sendToUser('alice', new Uint8Array(900), 1);
    await driver.close();
  });

  // mosquitto closes with the oversized PUBLISH still unread, so its kernel answers with a reset,
  // not a FIN: the account says so; no max_packet_size hint, since 3.1.1 gives no evidence of one.
  it('MQTT 3.1.1 (no announcement): mosquitto drops the connection; the reset is reported as such', async () => {
    const driver = createMqttDriver({ url: m.url, mqttVersion: '3.1.1' }, { runId: 'maxpkt3' });
    const ends: ConnectionEnd[] = [];
    const session = await driver.connect({
      user: 'alice', directLevel: 1, onMessage: () => {}, timeoutMs: 5000, largestPayloadBytes: 2048, onConnectionLost: (e) => ends.push(e),
    });
    const error = await session.sendToUser('bob', new Uint8Array(2048), 1).then(() => undefined, (e: unknown) => e);
    await driver.close();
    expect(error).toBeInstanceOf(SendIncompleteError);
    const cause = 'connection reset (ECONNRESET), no DISCONNECT from the server';
    expect(ends).toEqual([{ by: 'network', cause }]);
    expect((error as Error).message).toContain(`no PUBACK before the connection closed (${cause})`);
  });
});
