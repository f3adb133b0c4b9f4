/**
 * Message expiry (MQTT 5.0 3.3.2.3.3), the chat profile's "this message is stale after N
 * seconds": a forwarded message carries the lifetime it has left [MQTT-3.3.2-6], and a message
 * that expired while its subscriber was away is never delivered [MQTT-3.3.2-5]. Time has to
 * pass in the server for either to show: these are the only cases that let a clock run, and
 * only for as long as a one-second expiry needs.
 */
import type { ConformCase } from '../../../core/conform/case.js';
import { SetupFailed, type MqttCaseContext } from '../context.js';
import { endSessionAfter, publish, receive, subscribe } from '../steps.js';
import { clearRetainedAfter } from './pubsub-kit.js';

/** Long enough that two whole seconds pass in any server clock, whatever its rounding. */
const WAIT_MS = 2_100;

/** Lets `ms` pass, or less if the case's deadline comes first. */
function elapse(ctx: MqttCaseContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'properties.message-expiry-remaining',
    title: 'A message forwarded after waiting in the server carries the expiry interval it has left',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-6'] },
    needs: ['retain', 'qos1'],
    timeoutMs: 8_000,
    async run(ctx) {
      const topic = ctx.topic('stale');
      const sent = 30;
      const { client: pub } = await ctx.connect('publisher');
      clearRetainedAfter(ctx, topic);
      const started = performance.now();
      await publish(pub, topic, 'expires in 30 s', { qos: 1, retain: true, properties: { messageExpiryInterval: sent } });
      await elapse(ctx, WAIT_MS);
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 1 }]);
      const got = await receive(sub);
      const waited = (performance.now() - started) / 1000;
      ctx.require('MQTT-3.3.2-6', got !== undefined, 'the retained message is sent to the new subscriber', 'no PUBLISH arrived');
      const left = got?.properties?.messageExpiryInterval;
      // Whole seconds: at least floor(waited) have passed, and the server may round either way by one.
      const ok = left !== undefined && left <= sent - Math.floor(waited) + 1 && left < sent && left >= sent - Math.ceil(waited) - 1;
      ctx.check('MQTT-3.3.2-6', ok, `Message Expiry Interval ${sent} minus the ${waited.toFixed(1)} s the message waited (${sent - Math.ceil(waited)} to ${sent - Math.floor(waited)}, ±1 for rounding, below ${sent})`, left === undefined ? 'no Message Expiry Interval on the forwarded PUBLISH' : `Message Expiry Interval ${left}`);
    },
  },
  {
    id: 'properties.message-expiry-offline-drop',
    title: 'A message that expires while its subscriber is offline is not delivered when it returns; a lasting one is',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-5'] },
    needs: ['qos1'],
    timeoutMs: 8_000,
    async run(ctx) {
      const topic = ctx.topic('inbox');
      const away = { clean: false, properties: { sessionExpiryInterval: 60 } };
      const { client: first, clientId } = await ctx.connect('subscriber', away);
      endSessionAfter(ctx, clientId);
      await subscribe(first, [{ topic, qos: 1 }]);
      first.send({ cmd: 'disconnect' });
      first.end();
      await first.untilClosed(1_000);
      const { client: pub } = await ctx.connect('publisher');
      await publish(pub, topic, 'expires in 1 s', { qos: 1, properties: { messageExpiryInterval: 1 } });
      await publish(pub, topic, 'lasting', { qos: 1 });
      await elapse(ctx, WAIT_MS);
      const { client: back, connack } = await ctx.connect('returning', { clientId, clean: false, properties: { sessionExpiryInterval: 0 } });
      // Keeping the session is another statement's business; without it this one cannot be checked.
      if (!connack.sessionPresent) throw new SetupFailed('the server did not keep the session (Session Present 0 after 2 s of a 60 s Session Expiry Interval)');
      const seen: string[] = [];
      for (;;) {
        const p = await receive(back);
        if (p === undefined) break;
        seen.push(p.payload.toString());
        if (p.payload.toString() === 'lasting') break;
      }
      if (!seen.includes('lasting')) throw new SetupFailed(`the offline queue did not deliver the message without expiry (received ${JSON.stringify(seen)})`);
      ctx.check('MQTT-3.3.2-5', !seen.includes('expires in 1 s'), 'the message whose 1 s expiry passed while the subscriber was away is not delivered', `received ${JSON.stringify(seen)} (${WAIT_MS} ms after publishing)`);
    },
  },
];
