/**
 * The SUBSCRIBE / UNSUBSCRIBE, topic and shared-subscription cases (suites/mqtt/cases/subscribe.ts,
 * topics.ts, shared.ts) against Aedes (3.1.1) and mosquitto 2.0.11 (3.1.1 and 5.0), each verdict
 * as expected after reading it against the spec; then through a tamper proxy that makes
 * mosquitto break one rule, to show each family of cases fails when its rule is broken.
 *
 * Non-conformities found (checked against the spec text):
 * - mosquitto 2.0.11 (5.0) grants a shared subscription with No Local 1 (SUBACK 90 04 00 01 00 00),
 *   a Protocol Error it must close the connection on [MQTT-3.8.3-4].
 * - mosquitto 2.0.11 (5.0) grants "$share//filter" (empty ShareName) and "$share/group" (no filter)
 *   with 0x00 [MQTT-4.8.2-1] [MQTT-4.8.2-2]; it does refuse "+" or "#" in a ShareName.
 * - Aedes grants a filter holding U+0000 (SUBACK 90 03 00 01 00) and keeps the connection [MQTT-4.7.3-2].
 */
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { cases } from '../../suites/mqtt/cases/subscribe.js';
import { conformCases } from '../helpers/conform.js';
import { brokersForFile, edit, expectFailOn, expectVerdicts, tampered } from './pubsub-verdicts.js';

const brokers = brokersForFile();

describe('subscribe, topic and shared-subscription cases on real brokers', () => {
  it('mosquitto 3.1.1: every case passes (it supports wildcards: the no-wildcard case skips)', async () => {
    await expectVerdicts(brokers.mosquitto().url, '3.1.1', cases, { 'subscribe.no-wildcard-support': 'skip' });
  });

  it('mosquitto 5.0: No Local on a shared subscription and malformed share names are granted', async () => {
    const verdicts = await expectVerdicts(brokers.mosquitto().url, '5', cases, {
      'subscribe.no-local-shared-refused': { fail: ['MQTT-3.8.3-4'] },
      'shared.invalid-share-name-refused': { fail: ['MQTT-4.8.2-1', 'MQTT-4.8.2-2'] },
    });
    const observed = (id: string): string[] => verdicts.find((v) => v.id === id)?.failures.map((f) => f.observed) ?? [];
    expect(observed('subscribe.no-local-shared-refused')).toEqual([expect.stringMatching(/^answered with SUBACK 0x00, then kept the connection open/)]);
    expect(observed('shared.invalid-share-name-refused')).toEqual(['SUBACK codes 0x00', 'SUBACK codes 0x00']);
  });

  it('Aedes 3.1.1: a filter holding U+0000 is granted', async () => {
    await expectVerdicts(brokers.aedes().url, '3.1.1', cases, {
      'subscribe.no-wildcard-support': 'skip',
      'topics.null-in-filter-refused': { fail: ['MQTT-4.7.3-2'] },
    });
  });

  it('a server declared without wildcards fails when it grants them, passes when it refuses [MQTT-3.8.3-2]', async () => {
    const profile = { wildcardSubscriptionAvailable: false };
    const { verdicts } = await conformCases(brokers.mosquitto().url, '3.1.1', (c) => c.id === 'subscribe.no-wildcard-support', profile);
    expectFailOn(verdicts[0] ?? expect.fail('no verdict'), 'MQTT-3.8.3-2');
    const refusing = await tampered(brokers.mosquitto().url, '3.1.1', 'subscribe.no-wildcard-support', { toClient: (p) => (p.cmd === 'suback' ? edit(p, { granted: p.granted.map(() => 0x80) }) : undefined) }, profile);
    expect(refusing.verdict).toBe('pass');
  });
});

/** Filters of a SUBSCRIBE rewritten by `fn`. */
function rewriteFilters(fn: (topic: string) => string, options: { nl?: boolean } = {}): (p: Packet) => (Packet | Buffer)[] | undefined {
  return (p) => (p.cmd === 'subscribe' ? edit(p, { subscriptions: p.subscriptions.map((s) => ({ ...s, topic: fn(s.topic), ...options })) }) : undefined);
}

describe('each family fails when mosquitto is made to break its rule', () => {
  it('SUBACK codes out of order [MQTT-3.9.3-1]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'subscribe.suback', { toClient: (p) => (p.cmd === 'suback' ? edit(p, { granted: [...p.granted].reverse() as number[] }) : undefined) });
    expectFailOn(v, 'MQTT-3.9.3-1');
  });

  it('SUBACK with another packet identifier [MQTT-3.8.4-2]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'subscribe.suback', { toClient: (p) => (p.cmd === 'suback' ? edit(p, { messageId: (p.messageId ?? 0) + 1 }) : undefined) });
    expectFailOn(v, 'MQTT-3.8.4-2');
  });

  it('a SUBSCRIBE with wrong fixed-header flags ignored [MQTT-3.8.1-1]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'subscribe.reserved-flags', { onUnparsable: () => false });
    expectFailOn(v, 'MQTT-3.8.1-1');
  });

  it('No Local ignored [MQTT-3.8.3-3]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'subscribe.no-local', { toServer: rewriteFilters((t) => t, { nl: false }) });
    expectFailOn(v, 'MQTT-3.8.3-3');
  });

  it('Subscription Identifiers left off [MQTT-3.3.4-3]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'subscribe.overlapping-identifiers', { toClient: (p) => (p.cmd === 'publish' ? edit(p, { properties: {} }) : undefined) });
    expectFailOn(v, 'MQTT-3.3.4-3');
  });

  it('messages still delivered after UNSUBACK [MQTT-3.10.4-2]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'unsubscribe.stops-delivery', {
      toServer(p, conn) {
        if (p.cmd !== 'unsubscribe') return undefined;
        conn.sendToClient({ cmd: 'unsuback', messageId: p.messageId ?? 0, granted: p.unsubscriptions.map(() => 0) });
        return [];
      },
    });
    expectFailOn(v, 'MQTT-3.10.4-2');
  });

  it('UNSUBACK saying an existing subscription did not exist [MQTT-3.11.3-1]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'unsubscribe.unsuback', { toClient: (p) => (p.cmd === 'unsuback' ? edit(p, { granted: p.granted.map(() => 0x11) }) : undefined) });
    expectFailOn(v, 'MQTT-3.11.3-1');
  });

  it('an in-flight QoS 2 delivery dropped on UNSUBSCRIBE [MQTT-3.10.4-3]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'unsubscribe.inflight-completed', { toClient: (p) => (p.cmd === 'pubrel' ? [] : undefined) });
    expectFailOn(v, 'MQTT-3.10.4-3');
  });

  it("'+' not matching an empty level [MQTT-4.7.1-2]", async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'topics.plus-matches-one-level', { toClient: (p) => (p.cmd === 'publish' && p.topic.includes('//') ? [] : undefined) });
    expectFailOn(v, 'MQTT-4.7.1-2');
  });

  it("a '$' topic delivered through '#' [MQTT-4.7.2-1]", async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'topics.dollar-not-matched', { toServer: rewriteFilters((t) => (t === '#' ? '$cb/#' : t)) });
    expectFailOn(v, 'MQTT-4.7.2-1');
  });

  it("a misplaced '#' granted [MQTT-4.7.1-2]", async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'topics.hash-misplaced-refused', {
      toServer(p, conn) {
        if (p.cmd !== 'subscribe' || !p.subscriptions.some((s) => s.topic.includes('/#/'))) return undefined;
        conn.sendToClient({ cmd: 'suback', messageId: p.messageId ?? 0, granted: [0] });
        return [];
      },
    });
    expectFailOn(v, 'MQTT-4.7.1-2');
  });

  it('a shared subscription delivering each message to every member [MQTT-4.8.2-1]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'shared.one-member-each', { toServer: rewriteFilters((t) => t.replace(/^\$share\/[^/]+\//, '')) });
    expectFailOn(v, 'MQTT-4.8.2-1');
  });
});
