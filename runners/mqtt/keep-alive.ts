/**
 * chatbench's own keep-alive timeout: patient with a busy server, visible when it fires.
 *
 * MQTT.js sends PINGREQ a keep-alive after the server's last acknowledgement and, when no
 * PINGRESP follows within half a keep-alive more, closes the connection itself. Under a heavy
 * backlog the PINGRESP waits behind thousands of deliveries, so MQTT.js would close a
 * connection that is alive and busy. But the keep-alive binds the *client* to send within the
 * interval [MQTT-3.1.2-23]; closing on silence is the server's rule [MQTT-3.1.2-24]; how long
 * a client waits for PINGRESP is its own "reasonable amount of time" (§3.1.2.10, 3.1.1 and
 * 5.0 alike). So any byte from the server counts as proof of life: each time MQTT.js's timer
 * (ticking every half keep-alive) says "timeout", chatbench checks whether bytes arrived since
 * its last look (the PINGREQ, or the previous tick). If some did, the deadline moves on by
 * another tick; only a server silent for a whole half keep-alive is given up on.
 *
 * While it waits on, chatbench keeps its side of the keep-alive: a tick with nothing sent
 * since the previous one sends another PINGREQ ("the Client can send PINGREQ at any time",
 * §3.1.2.10), so its packets stay at most a keep-alive apart and the server has no cause to
 * close [MQTT-3.1.2-23].
 *
 * The timeout is noted as it happens, before MQTT.js fails the sends it holds, so every
 * account of that end names chatbench.
 */
import type { MqttClient } from 'mqtt';

export interface KeepAliveTimeout {
  /** The effective keep-alive: a 5.0 server may set its own in CONNACK [MQTT-3.2.2-21]. */
  keepAliveSeconds: number;
  /** From the oldest unanswered PINGREQ to the timeout. */
  waitedMs: number;
}

/** Bytes received from the server so far, counted below every layer MQTT.js reads through. */
export type BytesHeard = () => number;

export function watchKeepAlive(
  client: MqttClient,
  bytesHeard: BytesHeard,
  onTimeout: (timeout: KeepAliveTimeout) => void,
): void {
  /** When each unanswered PINGREQ went out, oldest first: PINGRESPs come back in order. */
  const unanswered: number[] = [];
  let bytesAtLastLook = bytesHeard();
  let sentSinceLastLook = false;
  /** True when the server sent anything since the previous call. */
  const heardSinceLastLook = (): boolean => {
    const bytes = bytesHeard();
    const heard = bytes !== bytesAtLastLook;
    bytesAtLastLook = bytes;
    return heard;
  };

  client.on('packetsend', (packet) => {
    sentSinceLastLook = true;
    if (packet.cmd !== 'pingreq') return;
    unanswered.push(Date.now());
    // The PINGRESP window starts here: bytes from before the PINGREQ prove nothing about it.
    heardSinceLastLook();
  });
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'pingresp') unanswered.shift();
  });
  client.on('connect', () => {
    unanswered.length = 0;
  });

  const giveUp = client.onKeepaliveTimeout.bind(client);
  client.onKeepaliveTimeout = () => {
    const quiet = !sentSinceLastLook;
    sentSinceLastLook = false;
    if (heardSinceLastLook()) {
      // Alive, its PINGRESP queued behind other traffic: wait one more tick.
      if (quiet && client.connected && !client.disconnecting) client.sendPing();
      return;
    }
    const keepAliveSeconds = client.keepalive;
    const now = Date.now();
    onTimeout({ keepAliveSeconds, waitedMs: now - (unanswered[0] ?? now - keepAliveSeconds * 500) });
    giveUp();
  };
}
