/**
 * Shared subscriptions (5.0 section 4.8.2): "$share/{ShareName}/{filter}" spreads the messages
 * of a filter over its members, one member per message, each at no more than the QoS granted to
 * it; malformed share names refused; a refused message not offered to another member; a QoS 2
 * delivery cut off by a broken connection finished with that member, never another. This is
 * how a chat backend spreads a room's traffic over workers.
 */
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { endSessionAfter, persistent } from '../steps.js';
import { deliveredTo, describeCodes, describePublish, describePublishes, inbox, payloadText, publish, publisher, publishMany, QUIET_MS, subscriber } from './pubsub-kit.js';

const MESSAGES = 10;

function shared(ctx: MqttCaseContext, group: string, topic: string): string {
  return `$share/${group}${ctx.runId.replace(/[^A-Za-z0-9]/g, '')}/${topic}`;
}

/**
 * Member a, alone in the group, receives a QoS 2 message and does not answer; member b joins;
 * a's connection drops. Returns the PUBLISH a got and what b received in the next moment.
 */
async function cutOffMidDelivery(ctx: MqttCaseContext, connect?: Partial<IConnectPacket>): Promise<{ first: IPublishPacket; toOther: IPublishPacket[] }> {
  const topic = ctx.topic('room');
  const filter = shared(ctx, 'workers', topic);
  const a = await subscriber(ctx, 'a', [{ topic: filter, qos: 2 }], connect ? { connect } : {});
  const first = await deliveredTo(ctx, a.client, topic, 'q2', { qos: 2 });
  const b = await subscriber(ctx, 'b', [{ topic: filter, qos: 2 }]);
  a.client.destroy();
  const toB = await inbox(b.client, QUIET_MS);
  return { first, toOther: toB.publishes.filter((p) => payloadText(p) === 'q2') };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'shared.one-member-each',
    title: 'Each message of a shared subscription reaches one member only, at no more than the QoS granted to that member',
    layer: 'raw',
    needs: ['shared-subscriptions', 'qos1'],
    statements: { '5': ['MQTT-4.8.2-1', 'MQTT-4.8.2-3'] },
    async run(ctx) {
      const topic = ctx.topic('room');
      const filter = shared(ctx, 'workers', topic);
      const a = await subscriber(ctx, 'a', [{ topic: filter, qos: 0 }]);
      const b = await subscriber(ctx, 'b', [{ topic: filter, qos: 1 }]);
      const granted = [a.codes[0] ?? 0x80, b.codes[0] ?? 0x80];
      ctx.require('MQTT-4.8.2-1', granted.every((c) => c < 0x80), `both members of "${filter}" granted`, `SUBACK codes ${granted.join(', ')}`);
      const payloads = Array.from({ length: MESSAGES }, (_, i) => `m${i}`);
      await publishMany(await publisher(ctx), topic, payloads, 1);
      // Both members read at once until all messages arrived between them, then a little longer for duplicates.
      const counts = [0, 0];
      const read = async (m: typeof a, i: number): Promise<IPublishPacket[]> => {
        const until = (ps: readonly IPublishPacket[]): boolean => {
          counts[i] = ps.length;
          return (counts[0] ?? 0) + (counts[1] ?? 0) >= MESSAGES;
        };
        const first = await inbox(m.client, ANSWER_MS, { until });
        return [...first.publishes, ...(await inbox(m.client, QUIET_MS)).publishes];
      };
      const [gotA, gotB] = await Promise.all([read(a, 0), read(b, 1)]);
      const count = (p: string): number => [...gotA, ...gotB].filter((x) => payloadText(x) === p).length;
      const wrong = payloads.filter((p) => count(p) !== 1);
      ctx.check('MQTT-4.8.2-1', wrong.length === 0, `each of the ${MESSAGES} messages delivered to exactly one member of the shared subscription`, wrong.length ? wrong.map((p) => `${p}: ${count(p)} copies`).join(', ') : 'each once');
      ctx.check('MQTT-4.8.2-3', gotA.every((p) => p.qos <= (granted[0] ?? 0)) && gotB.every((p) => p.qos <= (granted[1] ?? 0)), `member a at QoS ≤ ${granted[0]}, member b at QoS ≤ ${granted[1]}`, `a: ${describePublishes(gotA, 0)}; b: ${describePublishes(gotB, 0)}`);
      ctx.chose('MQTT-4.8.2-1', `spread ${gotA.length} / ${gotB.length} messages over the two members`);
    },
  },
  {
    id: 'shared.invalid-share-name-refused',
    title: "A shared filter with an empty ShareName, a '+' or '#' in it, or no topic filter after it is not granted",
    layer: 'raw',
    needs: ['shared-subscriptions'],
    statements: { '5': ['MQTT-4.8.2-1', 'MQTT-4.8.2-2'] },
    async run(ctx) {
      const topic = ctx.topic('room');
      const filters: [string, string][] = [
        [`$share//${topic}`, 'MQTT-4.8.2-1'],
        [`$share/a+b/${topic}`, 'MQTT-4.8.2-2'],
        [`$share/a#/${topic}`, 'MQTT-4.8.2-2'],
        ['$share/group', 'MQTT-4.8.2-2'],
      ];
      await Promise.all(
        filters.map(async ([filter, statement], i) => {
          const { client } = await ctx.connect(`c${i}`);
          client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0 }] });
          const got = await inbox(client, ANSWER_MS, { until: (_, others) => others.some((p) => p.cmd === 'suback') });
          const suback = got.others.find((p) => p.cmd === 'suback');
          const code = suback?.cmd === 'suback' ? Number(suback.granted[0]) : undefined;
          const refused = got.end === 'closed' || (code !== undefined && code >= 0x80);
          const observed = `${code !== undefined ? describeCodes('SUBACK', [code]) : 'no SUBACK'}${got.end === 'closed' ? ', connection closed' : ''}`;
          ctx.check(statement, refused, `"${filter}" refused: a SUBACK failure code (≥ 0x80) or the connection closed`, observed);
          if (refused) ctx.chose(statement, `"${filter}": ${observed}`);
        }),
      );
    },
  },
  {
    id: 'shared.refused-not-redelivered',
    title: 'A message a member refuses (PUBACK 0x80) is dropped, not offered to another member',
    layer: 'raw',
    needs: ['shared-subscriptions', 'qos1'],
    statements: { '5': ['MQTT-4.8.2-6'] },
    async run(ctx) {
      const topic = ctx.topic('room');
      const filter = shared(ctx, 'workers', topic);
      const refuser = await subscriber(ctx, 'refuser', [{ topic: filter, qos: 1 }]);
      const refused = (async () => {
        const got = await inbox(refuser.client, ANSWER_MS, { ack: false, until: (ps) => ps.length > 0 });
        for (const p of got.publishes) refuser.client.send({ cmd: 'puback', messageId: p.messageId ?? 0, reasonCode: 0x80 });
        return got.publishes;
      })();
      // The refuser is the only member when the message is published: it must be offered to it.
      await publish(await publisher(ctx), topic, 'refused', { qos: 1 });
      const taken = await refused;
      if (taken.length === 0) throw new SetupFailed('the only member of the shared subscription received nothing');
      const other = await subscriber(ctx, 'other', [{ topic: filter, qos: 1 }]);
      const got = await inbox(other.client, QUIET_MS);
      const again = await inbox(refuser.client, 0);
      const redelivered = [...got.publishes, ...again.publishes].filter((p) => payloadText(p) === 'refused');
      ctx.check('MQTT-4.8.2-6', redelivered.length === 0, 'the refused message is not sent to any member again', redelivered.length ? redelivered.map(describePublish).join('; ') : 'not sent again');
    },
  },
  {
    id: 'shared.qos2-completed-on-reconnect',
    title: 'A shared QoS 2 delivery cut off by a broken connection is completed with that member when it reconnects, not with another',
    layer: 'raw',
    needs: ['shared-subscriptions', 'qos2'],
    timeoutMs: 8_000,
    statements: { '5': ['MQTT-4.8.2-4'] },
    async run(ctx) {
      const clientId = ctx.clientId('a');
      endSessionAfter(ctx, clientId);
      const { first, toOther } = await cutOffMidDelivery(ctx, persistent(ctx, clientId));
      ctx.check('MQTT-4.8.2-4', toOther.length === 0, 'the message is not given to the other member', describePublishes(toOther, QUIET_MS));
      const { client: back } = await ctx.connect('a-again', persistent(ctx, clientId));
      const resent = await inbox(back, ANSWER_MS, { until: (ps) => ps.some((p) => payloadText(p) === 'q2') });
      const p = resent.publishes.find((x) => payloadText(x) === 'q2');
      ctx.check('MQTT-4.8.2-4', p !== undefined && p.messageId === first.messageId, `the PUBLISH sent again to the reconnected member with identifier ${first.messageId}`, p ? describePublish(p) : describePublishes(resent.publishes, ANSWER_MS));
    },
  },
  {
    id: 'shared.qos2-not-to-other-member',
    title: "When a member's session ends during a shared QoS 2 delivery, the message goes to no other member",
    layer: 'raw',
    needs: ['shared-subscriptions', 'qos2'],
    statements: { '5': ['MQTT-4.8.2-5'] },
    async run(ctx) {
      const { toOther } = await cutOffMidDelivery(ctx); // session expiry 0: a's session ends with its connection
      ctx.check('MQTT-4.8.2-5', toOther.length === 0, 'the message is not sent to the other member', describePublishes(toOther, QUIET_MS));
    },
  },
];
