/**
 * Topic aliases (MQTT 5.0 3.3.2.3.4): the server accepts every alias from 1 to the Topic Alias
 * Maximum it announced [MQTT-3.3.2-12]; alias 0 [MQTT-3.3.2-8] and aliases above the maximum
 * are protocol errors that close the connection [MQTT-4.13.1-1]; a mapping lives and dies with
 * its connection [MQTT-3.3.2-7]; and the server sends no alias the client did not allow
 * [MQTT-3.1.2-26] [MQTT-3.1.2-27] [MQTT-3.3.2-11].
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import { hexCode } from '../../../runners/mqtt/raw/rejection.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { expectRefused, receive, subscribe } from '../steps.js';
import { PROPERTY, properties, property, publishBytes, u16 } from '../wire.js';

/** A QoS 1 PUBLISH on `topic` ('' to use the alias alone) with Topic Alias `alias`. */
function aliased(client: RawClient, topic: string, alias: number, payload: string): void {
  client.sendBytes(publishBytes(5, { topic, qos: 1, messageId: client.packetId(), props: properties(property(PROPERTY.topicAlias, u16(alias))), payload }));
}

/** The PUBACK code for the last aliased PUBLISH, or what happened instead. */
async function acked(client: RawClient): Promise<{ ok: boolean; observed: string }> {
  const ack = await client.nextOf('puback', ANSWER_MS);
  if (ack.packet === undefined) return { ok: false, observed: ack.ended.kind === 'closed' ? `the connection was closed${ack.skipped.some((p) => p.cmd === 'disconnect') ? ' after a DISCONNECT' : ''}` : `no PUBACK within ${ANSWER_MS} ms` };
  const code = ack.packet.reasonCode ?? 0;
  return { ok: code < 0x80, observed: `PUBACK ${hexCode(code)}` };
}

/** Topic Alias values on the PUBLISH packets a subscriber got. */
function aliasesOf(ps: readonly IPublishPacket[]): number[] {
  return ps.map((p) => p.properties?.topicAlias).filter((a): a is number => a !== undefined);
}

/** Publishes `count` messages over 3 topics to a subscriber that announced `max` (undefined: none); returns what it got. */
async function serverAliases(ctx: MqttCaseContext, max: number | undefined): Promise<IPublishPacket[]> {
  const filter = `${ctx.topic('room')}/+`;
  const { client: sub } = await ctx.connect('subscriber', max === undefined ? {} : { properties: { topicAliasMaximum: max } });
  await subscribe(sub, [{ topic: filter, qos: 0 }]);
  const { client: pub } = await ctx.connect('publisher');
  const names = ['a', 'b', 'c', 'a', 'b', 'c', 'a'];
  for (const [i, n] of names.entries()) pub.send({ cmd: 'publish', topic: ctx.topic(`room/${n}`), payload: Buffer.from(`m${i}`), qos: 0, retain: false, dup: false });
  const got: IPublishPacket[] = [];
  while (got.length < names.length) {
    const p = await receive(sub);
    if (p === undefined) break;
    got.push(p);
  }
  return got;
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'properties.topic-alias-accepted',
    title: 'The server accepts Topic Alias 1 and its announced maximum, and maps an alias-only PUBLISH to its topic',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-12'] },
    needs: ['topic-alias', 'qos1'],
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const { client: pub } = await ctx.connect('publisher');
      for (const alias of [...new Set([1, ctx.caps.topicAliasMaximum])]) {
        aliased(pub, topic, alias, `set-${alias}`);
        const set = await acked(pub);
        ctx.require('MQTT-3.3.2-12', set.ok, `PUBLISH with topic and Topic Alias ${alias} (maximum ${ctx.caps.topicAliasMaximum}) accepted`, set.observed);
        aliased(pub, '', alias, `use-${alias}`);
        const use = await acked(pub);
        ctx.require('MQTT-3.3.2-12', use.ok, `PUBLISH with an empty topic and Topic Alias ${alias} accepted`, use.observed);
        const seen: string[] = [];
        for (;;) {
          const p = await receive(sub);
          if (p === undefined) break;
          seen.push(`${p.payload.toString()} on ${p.topic === topic ? 'the aliased topic' : JSON.stringify(p.topic)}`);
          if (p.payload.toString() === `use-${alias}`) break;
        }
        ctx.check('MQTT-3.3.2-12', seen.includes(`use-${alias} on the aliased topic`), `the alias-only message reaches the subscriber of the topic alias ${alias} stands for`, seen.length === 0 ? 'no PUBLISH arrived' : seen.join('; '));
      }
    },
  },
  {
    id: 'properties.topic-alias-zero-refused',
    title: 'Topic Alias 0 is a protocol error: the server closes the connection',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-8', 'MQTT-4.13.1-1', 'MQTT-4.13.2-1'] },
    async run(ctx) {
      const { client } = await ctx.connect('publisher');
      aliased(client, ctx.topic('t'), 0, 'alias 0');
      await expectRefused(ctx, client, 'MQTT-4.13.1-1', 'a PUBLISH with Topic Alias 0');
    },
  },
  {
    id: 'properties.topic-alias-above-max-refused',
    title: 'A Topic Alias above the announced maximum is a protocol error: the server closes the connection',
    layer: 'raw',
    statements: { '5': ['MQTT-4.13.1-1'] },
    async run(ctx) {
      // Topic Alias is a Two Byte Integer: above a maximum of 65,535 there is nothing to send.
      if (ctx.caps.topicAliasMaximum >= 65_535) ctx.skip('the server announces the largest Topic Alias Maximum (65,535): no alias above it can be written');
      const { client } = await ctx.connect('publisher');
      const alias = ctx.caps.topicAliasMaximum + 1;
      aliased(client, ctx.topic('t'), alias, 'too high');
      await expectRefused(ctx, client, 'MQTT-4.13.1-1', `a PUBLISH with Topic Alias ${alias} (maximum ${ctx.caps.topicAliasMaximum})`);
    },
  },
  {
    id: 'properties.topic-alias-per-connection',
    title: 'A Topic Alias set on one connection means nothing on the next: using it alone there is a protocol error',
    layer: 'raw',
    statements: { '5': ['MQTT-3.3.2-7', 'MQTT-4.13.1-1'] },
    needs: ['topic-alias', 'qos1'],
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client: sub } = await ctx.connect('subscriber');
      await subscribe(sub, [{ topic, qos: 0 }]);
      const { client: first, clientId } = await ctx.connect('first');
      aliased(first, topic, 1, 'set');
      const set = await acked(first);
      if (!set.ok) ctx.skip(`the server did not accept Topic Alias 1 on the first connection (${set.observed})`);
      first.send({ cmd: 'disconnect' });
      first.end();
      await first.untilClosed(1_000);
      const { client: second } = await ctx.connect('second', { clientId });
      aliased(second, '', 1, 'carried over');
      const r = await expectRefused(ctx, second, 'MQTT-3.3.2-7', 'a PUBLISH with an empty topic and Topic Alias 1 set only on an earlier connection');
      if (r.closed) return;
      const leaked = await receive(sub, 300);
      ctx.check('MQTT-3.3.2-7', leaked === undefined, 'no message published through the old mapping', `the subscriber got "${leaked?.payload.toString()}"`);
    },
  },
  {
    id: 'properties.no-server-alias-without-maximum',
    title: 'A client that announced no Topic Alias Maximum receives no Topic Alias',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-27'] },
    async run(ctx) {
      const got = await serverAliases(ctx, undefined);
      const aliases = aliasesOf(got);
      ctx.require('MQTT-3.1.2-27', got.length > 0, 'the messages arrive', 'no PUBLISH arrived');
      ctx.check('MQTT-3.1.2-27', aliases.length === 0, 'no PUBLISH carries a Topic Alias', `Topic Alias ${aliases.join(', ')} on ${aliases.length} of ${got.length} PUBLISH`);
    },
  },
  {
    id: 'properties.server-alias-within-maximum',
    title: 'A client that announced Topic Alias Maximum 2 receives no alias above 2 (and none is 0)',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-26', 'MQTT-3.3.2-11', 'MQTT-3.3.2-8'] },
    async run(ctx) {
      const got = await serverAliases(ctx, 2);
      const aliases = aliasesOf(got);
      ctx.require('MQTT-3.3.2-11', got.length > 0, 'the messages arrive', 'no PUBLISH arrived');
      if (aliases.length === 0) ctx.chose('MQTT-3.3.2-11', 'sent no Topic Alias (using them is optional)');
      for (const id of ['MQTT-3.1.2-26', 'MQTT-3.3.2-11']) ctx.check(id, aliases.every((a) => a <= 2), 'every Topic Alias the server sends is at most 2', `Topic Alias ${aliases.join(', ')}`);
      ctx.check('MQTT-3.3.2-8', aliases.every((a) => a !== 0), 'no Topic Alias 0', `Topic Alias ${aliases.join(', ')}`);
    },
  },
];
