/**
 * Redelivery after a reconnect (3.1.1 and 5.0 sections 4.4, 3.3.1.1): a persistent subscriber
 * that drops before acknowledging a QoS 1 or 2 message gets it again, with its original packet
 * identifier and DUP 1, when it comes back; a message the client refused (5.0: PUBACK 0x80) is
 * never sent again. (A QoS 2 flow resumed with PUBREL: qos.pubrel-resent-after-reconnect.)
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { endSessionAfter, publish, receive, receiveAll } from '../steps.js';
import { describePublish, QUIET_MS } from './pubsub-kit.js';
import { resumed, sessionSubscribedTo } from './session-kit.js';

/** A persistent subscriber that received one PUBLISH at `qos` and has not acknowledged it yet. */
async function unacknowledged(ctx: MqttCaseContext, qos: 1 | 2): Promise<{ clientId: string; first: IPublishPacket; client: Awaited<ReturnType<typeof resumed>> }> {
  const clientId = ctx.clientId('sub');
  const topic = ctx.topic('inbox');
  endSessionAfter(ctx, clientId);
  await sessionSubscribedTo(ctx, clientId, topic, qos);
  const client = await resumed(ctx, 'receiver', clientId);
  const { client: pub } = await ctx.connect('publisher');
  await publish(pub, topic, `qos${qos} message`, { qos });
  const first = await receive(client, ANSWER_MS, false);
  if (first === undefined) throw new SetupFailed('the QoS message did not arrive the first time');
  return { clientId, first, client };
}

function describe(p: IPublishPacket | undefined): string {
  return p ? describePublish(p) : `no PUBLISH within ${ANSWER_MS} ms`;
}

function checkResent(ctx: MqttCaseContext, first: IPublishPacket, again: IPublishPacket | undefined): void {
  const observed = `first ${describe(first)}; after the reconnect ${describe(again)}`;
  ctx.check('MQTT-4.4.0-1', again !== undefined && again.messageId === first.messageId && again.payload.toString() === first.payload.toString(), 'the unacknowledged PUBLISH sent again with its original packet identifier', observed);
  ctx.check('MQTT-3.3.1-1', again === undefined || again.dup, 'DUP 1 on the PUBLISH sent again', observed);
}

/** An unacknowledged QoS `qos` message (no PUBACK / no PUBREC), the connection dropped: sent again after the reconnect. */
function redelivery(qos: 1 | 2): ConformCase<MqttCaseContext> {
  return {
    id: `session.redelivery-qos${qos}`,
    title: `An unacknowledged QoS ${qos} message is sent again after the reconnect, same packet identifier, DUP 1`,
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.4.0-1', 'MQTT-3.3.1-1'], '5': ['MQTT-4.4.0-1', 'MQTT-3.3.1-1'] },
    needs: [`qos${qos}`],
    async run(ctx) {
      const { clientId, first, client } = await unacknowledged(ctx, qos);
      client.destroy();
      const back = await resumed(ctx, 'back', clientId);
      checkResent(ctx, first, await receive(back));
    },
  };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  redelivery(1),
  redelivery(2),
  {
    id: 'session.refused-not-resent',
    title: 'A QoS 1 message the client answered with PUBACK 0x80 is not sent again after the reconnect',
    layer: 'raw',
    statements: { '5': ['MQTT-4.4.0-2'] },
    needs: ['qos1'],
    async run(ctx) {
      const { clientId, first, client } = await unacknowledged(ctx, 1);
      client.send({ cmd: 'puback', messageId: first.messageId ?? 0, reasonCode: 0x80 });
      // A PINGRESP after the PUBACK shows the server has read it before the drop.
      client.send({ cmd: 'pingreq' });
      await client.nextOf('pingresp', ANSWER_MS);
      client.destroy();
      const back = await resumed(ctx, 'back', clientId);
      const again = await receiveAll(back, QUIET_MS);
      ctx.check('MQTT-4.4.0-2', again.length === 0, 'the refused message not sent again', again.length === 0 ? `no PUBLISH within ${QUIET_MS} ms` : describe(again[0]));
    },
  },
];
