/**
 * Leaving the broker as it was: short-lived clients without a will that end persistent
 * sessions a run left behind and clear the retained messages it left (presence, retained
 * rooms). Every step is bounded; a target that is gone cannot be cleaned and is not an error.
 */
import { withTimeout } from '../../core/errors.js';
import { openClient, type ClientSettings } from './connection.js';

const CLEANUP_TIMEOUT_MS = 5000;

/** DISCONNECT and wait for the close; bounded by the caller's timeout of the connection itself. */
function goodbye(client: { end(force: boolean, cb: () => void): unknown }, force = false): Promise<void> {
  return new Promise<void>((resolve) => void client.end(force, () => resolve()));
}

/**
 * Ends the session of `clientId` on the server: a Clean Session (3.1.1) / Clean Start (5.0, and
 * no Session Expiry Interval, so 0) connect discards it (3.1.1 [MQTT-3.1.2-6], 5.0
 * [MQTT-3.1.2-4]), and the goodbye ends the new, empty one. True when that completed.
 */
export async function endSessionOnServer(settings: ClientSettings, clientId: string): Promise<boolean> {
  let opened;
  try {
    opened = await openClient(settings, { clientId, timeoutMs: CLEANUP_TIMEOUT_MS });
  } catch {
    return false;
  }
  return withTimeout(goodbye(opened.client), CLEANUP_TIMEOUT_MS, 'ending a session').then(
    () => true,
    () => {
      opened.transport.destroy();
      return false;
    },
  );
}

/**
 * Publishes an empty retained message [MQTT-3.3.1-10] (3.1.1; 5.0 [MQTT-3.3.1-6]) on each topic,
 * from one client with id `clientId` and no will.
 */
export async function clearRetainedTopics(settings: ClientSettings, clientId: string, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  let opened;
  try {
    opened = await openClient(settings, { clientId, timeoutMs: CLEANUP_TIMEOUT_MS });
  } catch {
    return; // the target is gone: nothing can be cleared, and close() must not fail for it
  }
  const { client } = opened;
  const clears = topics.map(
    (topic) => new Promise<void>((resolve) => {
      client.publish(topic, Buffer.alloc(0), { qos: 1, retain: true }, () => resolve());
    }),
  );
  const acked = await withTimeout(Promise.all(clears), CLEANUP_TIMEOUT_MS, 'clearing retained messages').then(() => true, () => false);
  await goodbye(client, !acked);
}
