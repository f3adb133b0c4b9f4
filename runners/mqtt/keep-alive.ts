/**
 * chatbench's own keep-alive timeout, made visible. MQTT.js sends PINGREQ after a keep-alive
 * of silence from the server and, when no PINGRESP follows within half a keep-alive more,
 * closes the connection itself — reporting only an 'error' ("Keepalive timeout") beside a
 * plain 'close' that reads like the server hanging up. Wrapping its timeout hook notes the
 * timeout as it happens, before MQTT.js fails the sends it holds, so every account of that
 * end names chatbench.
 */
import type { MqttClient } from 'mqtt';

export interface KeepAliveTimeout {
  /** The effective keep-alive: a 5.0 server may set its own in CONNACK [MQTT-3.2.2-21]. */
  keepAliveSeconds: number;
  /** From the last PINGREQ to the timeout. */
  waitedMs: number;
}

export function watchKeepAlive(client: MqttClient, onTimeout: (timeout: KeepAliveTimeout) => void): void {
  let pingSentAt: number | undefined;
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'pingreq') pingSentAt = Date.now();
  });
  const timeout = client.onKeepaliveTimeout.bind(client);
  client.onKeepaliveTimeout = () => {
    const keepAliveSeconds = client.keepalive;
    onTimeout({ keepAliveSeconds, waitedMs: pingSentAt === undefined ? keepAliveSeconds * 500 : Date.now() - pingSentAt });
    timeout();
  };
}
