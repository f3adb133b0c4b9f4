/**
 * What the session, redelivery and will cases share: a persistent subscriber in one call,
 * reconnecting to it, and the one kind of wait that is the point of a case (an expiry or a
 * delay passing). Persistent CONNECT fields and ending a session are steps (../steps.ts).
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { disconnect, persistent, publish, receive, subscribe } from '../steps.js';
import { describeConnack } from './observe.js';

/** Resolves after `ms`, or at once when the case's deadline passes: for waits that are the point of a case (expiry). */
export function elapse(ctx: MqttCaseContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A persistent session for `clientId` subscribed to `topic`, then disconnected politely. */
export async function sessionSubscribedTo(ctx: MqttCaseContext, clientId: string, topic: string, qos: 0 | 1 | 2 = 1): Promise<boolean> {
  const { client, connack } = await ctx.connect('first', persistent(ctx, clientId));
  await subscribe(client, [{ topic, qos }]);
  disconnect(client);
  await client.untilClosed(ANSWER_MS);
  return connack.sessionPresent;
}

/** The raw client of a persistent subscriber, reconnected; SetupFailed when the server lost the session. */
export async function resumed(ctx: MqttCaseContext, label: string, clientId: string): Promise<RawClient> {
  const { client, connack } = await ctx.connect(label, persistent(ctx, clientId));
  if (!connack.sessionPresent) throw new SetupFailed(`${label}: the session was not resumed (${describeConnack(connack)})`);
  return client;
}

/** A fresh connection publishes `text` on `topic`; what `receiver` gets next (undefined when nothing comes within ANSWER_MS). */
export async function deliver(ctx: MqttCaseContext, receiver: RawClient, topic: string, text: string, qos: 0 | 1 = 1): Promise<IPublishPacket | undefined> {
  const { client: pub } = await ctx.connect('publisher');
  await publish(pub, topic, text, { qos });
  return receive(receiver);
}
