/**
 * Topic names and filters (3.1.1 / 5.0 section 4.7): what '+' and '#' match, topics beginning
 * with '$' kept away from wildcards at the first level, names matched exactly as sent (case,
 * spaces, a leading '/'), and filters the server must refuse (misplaced wildcards, zero length,
 * U+0000).
 */
import type { ConformCase } from '../../../core/conform/case.js';
import { ANSWER_MS, type MqttCaseContext } from '../context.js';
import { expectRefused, grantedCodes } from '../steps.js';
import { describeCodes, describePublishes, frame, idField, inbox, noProperties, publish, publisher, QUIET_MS, subscribe, subscriber, utf8Field } from './pubsub-kit.js';

/** A SUBSCRIBE to `filter` (QoS 0) the server must refuse by closing the connection; built by hand so any filter goes. */
async function refusedFilter(ctx: MqttCaseContext, filter: string, statement: string, what: string): Promise<void> {
  const { client } = await ctx.connect('client');
  client.sendBytes(frame(0x82, idField(1), noProperties(ctx.level), utf8Field(filter), Buffer.from([0])));
  await expectRefused(ctx, client, statement, what);
}

/**
 * Publishes each topic (QoS 1) and checks what a subscriber to `filter` receives: every topic in
 * `match` arrives (`statement`), none of `miss` (`missStatement`; looked for a short while after the
 * last match came).
 */
async function checkMatching(ctx: MqttCaseContext, filter: string, match: string[], miss: string[], statement: string, missStatement: string, expected: string): Promise<void> {
  const sub = await subscriber(ctx, 'sub', [{ topic: filter, qos: 1 }]);
  const pub = await publisher(ctx);
  for (const topic of [...miss, ...match]) await publish(pub, topic, topic, { qos: 1 });
  const got = await inbox(sub.client, ANSWER_MS, { until: (ps) => match.every((t) => ps.some((p) => p.topic === t)) });
  const rest = await inbox(sub.client, QUIET_MS);
  const arrived = [...got.publishes, ...rest.publishes];
  const missing = match.filter((t) => !arrived.some((p) => p.topic === t));
  const extra = arrived.filter((p) => miss.includes(p.topic)).map((p) => p.topic);
  const shown = describePublishes(arrived, ANSWER_MS);
  ctx.check(statement, missing.length === 0, expected, missing.length ? `missing ${missing.join(', ')}; got ${shown}` : shown);
  ctx.check(missStatement, extra.length === 0, `nothing else delivered to "${filter}"`, extra.length ? `forwarded ${extra.join(', ')}` : shown);
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'topics.plus-matches-one-level',
    title: "'+' matches exactly one topic level, an empty one included",
    layer: 'raw',
    needs: ['wildcards', 'qos1'],
    statements: { '3.1.1': ['MQTT-4.7.1-3', 'MQTT-3.3.2-3'], '5': ['MQTT-4.7.1-2', 'MQTT-3.3.2-3'] },
    async run(ctx) {
      const t = ctx.topic('room');
      const plus = ctx.level === 5 ? 'MQTT-4.7.1-2' : 'MQTT-4.7.1-3';
      await checkMatching(ctx, `${t}/+/msg`, [`${t}/7/msg`, `${t}//msg`], [`${t}/7/8/msg`, `${t}/msg`, `${t}/7`], plus, 'MQTT-3.3.2-3', `"${t}/+/msg" matches ".../7/msg" and ".../(empty)/msg"`);
    },
  },
  {
    id: 'topics.hash-matches-subtree',
    title: "'#' matches its parent level and every level below",
    layer: 'raw',
    needs: ['wildcards', 'qos1'],
    statements: { '3.1.1': ['MQTT-4.7.1-2', 'MQTT-3.3.2-3'], '5': ['MQTT-4.7.1-1', 'MQTT-3.3.2-3'] },
    async run(ctx) {
      const t = ctx.topic('room');
      const hash = ctx.level === 5 ? 'MQTT-4.7.1-1' : 'MQTT-4.7.1-2';
      await checkMatching(ctx, `${t}/#`, [t, `${t}/a`, `${t}/a/b/c`], [`${t}x`, `${t}x/a`], hash, 'MQTT-3.3.2-3', `"${t}/#" matches "${t}" itself and everything below it`);
    },
  },
  {
    id: 'topics.names-match-exactly',
    title: 'Topic names match as sent: case, spaces and a leading "/" make different topics (no normalisation)',
    layer: 'raw',
    needs: ['qos1'],
    statements: { '3.1.1': ['MQTT-4.7.3-4'], '5': ['MQTT-4.7.3-4'] },
    async run(ctx) {
      const t = ctx.topic('Room 7');
      // Differing in case, spaces or a leading "/": other topics, never delivered to this filter.
      await checkMatching(ctx, t, [t], [t.toLowerCase(), t.toUpperCase(), `/${t}`, `${t} `, t.replace(' ', '')], 'MQTT-4.7.3-4', 'MQTT-4.7.3-4', `"${t}" (with a space) delivered to its exact subscription`);
    },
  },
  {
    id: 'topics.dollar-not-matched',
    title: "Filters starting with a wildcard do not match topic names starting with '$'",
    layer: 'raw',
    needs: ['wildcards', 'qos1'],
    statements: { '3.1.1': ['MQTT-4.7.2-1'], '5': ['MQTT-4.7.2-1'] },
    async run(ctx) {
      const dollar = `$cb/${ctx.topic('t')}`;
      const marker = ctx.topic('marker');
      // The exact subscription shows the server carries the '$' topic at all.
      const exact = await subscriber(ctx, 'exact', [{ topic: dollar, qos: 1 }]);
      if (exact.codes[0] === undefined || exact.codes[0] >= 0x80) ctx.skip(`the server refuses subscriptions to '$' topics (${describeCodes('SUBACK', exact.codes)}), so it cannot be checked`);
      const { client: wild } = await ctx.connect('wild');
      const codes = grantedCodes(await subscribe(wild, [{ topic: '#', qos: 1 }, { topic: `+/${ctx.topic('t')}`, qos: 1 }]));
      if (codes.some((c) => c >= 0x80)) ctx.skip(`the server refused the wildcard filters (${describeCodes('SUBACK', codes)})`);
      const pub = await publisher(ctx);
      pub.send({ cmd: 'publish', topic: dollar, payload: Buffer.from('$'), qos: 1, retain: false, dup: false, messageId: pub.packetId() });
      const accepted = await inbox(exact.client, ANSWER_MS, { until: (ps) => ps.some((p) => p.topic === dollar) });
      if (!accepted.publishes.some((p) => p.topic === dollar)) ctx.skip(`the server does not deliver client messages on '$' topics (${describePublishes(accepted.publishes, ANSWER_MS)}), so it cannot be checked`);
      await publish(pub, marker, 'marker', { qos: 1 });
      // '#' also sees every other case's traffic: only the '$' topic matters here.
      const got = await inbox(wild, ANSWER_MS, { until: (ps) => ps.some((p) => p.topic === marker) });
      const rest = await inbox(wild, QUIET_MS);
      const leaked = [...got.publishes, ...rest.publishes].filter((p) => p.topic === dollar);
      ctx.check('MQTT-4.7.2-1', leaked.length === 0, `"${dollar}" not delivered through "#" or "+/${ctx.topic('t')}"`, leaked.length ? describePublishes(leaked, ANSWER_MS) : `not delivered (marker ${got.publishes.some((p) => p.topic === marker) ? 'arrived' : 'did not arrive'})`);
    },
  },
  {
    id: 'topics.hash-misplaced-refused',
    title: "A filter with '#' anywhere but alone at the end is refused: the server closes the connection",
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.1-2'], '5': ['MQTT-4.7.1-1'] },
    async run(ctx) {
      await refusedFilter(ctx, `${ctx.topic('a')}/#/b`, ctx.level === 5 ? 'MQTT-4.7.1-1' : 'MQTT-4.7.1-2', "a SUBSCRIBE to a filter with '#' before its last level");
    },
  },
  {
    id: 'topics.plus-misplaced-refused',
    title: "A filter with '+' sharing a level with other characters is refused: the server closes the connection",
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.1-3'], '5': ['MQTT-4.7.1-2'] },
    async run(ctx) {
      await refusedFilter(ctx, `${ctx.topic('a')}/b+`, ctx.level === 5 ? 'MQTT-4.7.1-2' : 'MQTT-4.7.1-3', "a SUBSCRIBE to a filter with 'b+' as a level");
    },
  },
  {
    id: 'topics.empty-filter-refused',
    title: 'A zero-length topic filter is refused: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.3-1'], '5': ['MQTT-4.7.3-1'] },
    async run(ctx) {
      await refusedFilter(ctx, '', 'MQTT-4.7.3-1', 'a SUBSCRIBE to a zero-length filter');
    },
  },
  {
    id: 'topics.null-in-filter-refused',
    title: 'A topic filter holding U+0000 is refused: the server closes the connection',
    layer: 'raw',
    statements: { '3.1.1': ['MQTT-4.7.3-2'], '5': ['MQTT-4.7.3-2'] },
    async run(ctx) {
      await refusedFilter(ctx, `${ctx.topic('a')}\u0000b`, 'MQTT-4.7.3-2', 'a SUBSCRIBE to a filter holding U+0000');
    },
  },
];
