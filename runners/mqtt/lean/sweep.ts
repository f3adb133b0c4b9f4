/**
 * Keep-alive for every lean connection of a driver from one timer, instead of one per
 * connection. Each tick, per connection:
 *
 *   - nothing written for a keep-alive (less one tick): PINGREQ, so the client's packets stay
 *     at most a keep-alive apart [MQTT-3.1.2-23];
 *   - a PINGREQ unanswered for half a keep-alive with no byte at all from the server meanwhile:
 *     chatbench gives up on the connection. Any byte counts as proof of life — under a backlog
 *     the PINGRESP waits behind deliveries, and how long a client waits is its own "reasonable
 *     amount of time" (§3.1.2.10), as keep-alive.ts argues for the MQTT.js client.
 */
import type { LeanClient } from './client.js';

const MAX_TICK_MS = 1_000;
const MIN_TICK_MS = 25;

export class KeepAliveSweep {
  readonly #clients = new Set<LeanClient>();
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(keepAliveSeconds: number) {
    this.#tickMs = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, (keepAliveSeconds * 1000) / 4));
  }

  add(client: LeanClient): void {
    this.#clients.add(client);
    if (this.#timer === undefined) {
      this.#timer = setInterval(this.#tick, this.#tickMs);
      this.#timer.unref(); // the sockets keep the process alive, not the sweep
    }
  }

  delete(client: LeanClient): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    const now = Date.now();
    for (const client of this.#clients) this.#check(client, now);
  };

  #check(client: LeanClient, now: number): void {
    if (client.closed) return void this.delete(client);
    const keepAliveMs = client.keepAliveSeconds * 1000;
    if (keepAliveMs <= 0) return; // keep-alive 0: switched off [MQTT-3.1.2-10]
    const bytesIn = client.transport.wire().bytesIn;
    if (bytesIn !== client.bytesAtLook) {
      client.bytesAtLook = bytesIn;
      client.heardAt = now;
    }
    const half = keepAliveMs / 2;
    if (client.pingAt !== 0 && now - client.pingAt >= half && now - client.heardAt >= half) {
      this.#clients.delete(client);
      client.handler.timedOut({ keepAliveSeconds: client.keepAliveSeconds, waitedMs: now - client.pingAt });
      return;
    }
    if (now - client.lastSentAt >= keepAliveMs - this.#tickMs) client.ping(now);
  }
}
