/**
 * Whether the scenario's PUBLISHes fit the Maximum Packet Size an MQTT 5 server announces in
 * CONNACK: the client MUST NOT send a packet larger than that [MQTT-3.2.2-15], and a server
 * that gets one disconnects (0x95). Better said once, before the run, as bad input (exit 2),
 * than as thousands of lost connections. A 3.1.1 server announces nothing.
 */
import { InputError } from '../../core/errors.js';

/** Bytes of MQTT's Variable Byte Integer for `n` (1 to 4) [MQTT-1.5.5]. */
function varIntBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** The size of a PUBLISH on the wire: fixed header, topic, packet identifier (QoS 1/2), properties (5.0), payload. */
export function publishBytes(topic: string, payloadBytes: number, qos: 0 | 1 | 2, v5: boolean): number {
  const remaining = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payloadBytes;
  return 1 + varIntBytes(remaining) + remaining;
}

/** InputError when a PUBLISH of `payloadBytes` to `topic` exceeds the announced maximum; undefined when it fits. */
export function packetSizeError(
  announced: number | undefined,
  topic: string,
  payloadBytes: number | undefined,
  qos: 0 | 1 | 2,
): InputError | undefined {
  if (announced === undefined || payloadBytes === undefined) return undefined;
  const needed = publishBytes(topic, payloadBytes, qos, true);
  if (needed <= announced) return undefined;
  return new InputError(
    `the server announces a Maximum Packet Size of ${announced} bytes (CONNACK); this scenario's messages need ${needed} bytes ` +
    `(payload ${payloadBytes} + topic and headers): lower payload`,
  );
}
