/**
 * What a PUBLISH a session receives is: a watched user's presence (to onPresence), a cleared
 * retained message (dropped), or a chat message (to onMessage, flagged when the server sent it
 * as the retained one) — and the pattern settings a session carries beside plain chat.
 */
import type { IPublishPacket } from 'mqtt';
import type { DeliveryLevel, InboundHandler, PresenceUpdate } from '../../core/driver.js';
import { nowMicros } from '../../core/clock.js';
import type { EarlyMessage } from './connection.js';
import { parsePresence } from './presence.js';
import type { RunTopics } from './topics.js';

/** What a session needs beyond plain chat; absent parts mean a clean session without watches. */
export interface SessionExtras {
  /**
   * The server keeps this session after the connection ends (Clean Session 0, or a 5.0 Session
   * Expiry Interval): a goodbye without keepSession ends it.
   */
  persistent: boolean;
  /** CONNACK Session Present: this connection continued an earlier one's session. */
  resumed: boolean;
  /** 5.0 Message Expiry Interval on every chat PUBLISH, seconds. */
  messageExpirySeconds?: number | undefined;
  onPresence?: ((update: PresenceUpdate) => void) | undefined;
  /**
   * Presence topic -> watched user, the driver's per-user map: a resumed session still holds the
   * subscriptions, so its presence messages must still be recognised.
   */
  watched: Map<string, string>;
  /** Messages MQTT.js emitted before this session existed (connection.ts takeEarlyMessages). */
  early: EarlyMessage[];
  /** Ends the session on the server from a fresh clean connection; resolves true when done. */
  endServerSession(): Promise<boolean>;
  /** A room topic now holds (true) or no longer holds (false) a retained message of this run. */
  onRetained(topic: string, held: boolean): void;
}

/** A clean session that watches no one and tracks nothing. */
export function cleanExtras(): SessionExtras {
  return { persistent: false, resumed: false, watched: new Map(), early: [], endServerSession: async () => true, onRetained: () => {} };
}

/** A handler for every PUBLISH MQTT.js emits on one connection. */
export function inboundRouter(
  topics: RunTopics,
  onMessage: InboundHandler,
  extras: Pick<SessionExtras, 'watched' | 'onPresence'>,
): (topic: string, payload: Buffer, packet: Pick<IPublishPacket, 'qos' | 'retain'>) => void {
  const { watched, onPresence } = extras;
  return (topic, payload, packet) => {
    const receivedAt = nowMicros();
    const level = packet.qos as DeliveryLevel;
    const watchedUser = watched.get(topic);
    if (watchedUser !== undefined) {
      const update = parsePresence(watchedUser, payload, { receivedAt, retained: packet.retain });
      if (update) onPresence?.(update);
      return;
    }
    // An empty room PUBLISH is a cleared retained message forwarded to members [MQTT-3.3.1-10]
    // (3.1.1; 5.0 section 3.3.1.3): never a chat message, which always carries its header.
    if (payload.length === 0) return;
    const source = topics.parse(topic);
    if (!source) return;
    // RETAIN is set only on what a new subscription was sent (3.1.1 [MQTT-3.3.1-8]; 5.0 without Retain As Published).
    onMessage({ payload, receivedAt, level, source, ...(packet.retain ? { retained: true } : {}) });
  };
}
