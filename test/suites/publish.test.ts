/**
 * The PUBLISH, QoS-flow and retained-message cases (suites/mqtt/cases/publish.ts, qos.ts,
 * retain.ts) against Aedes (3.1.1) and mosquitto 2.0.11 (3.1.1 and 5.0), each verdict as
 * expected after reading it against the spec; then the same cases through a tamper proxy that
 * makes mosquitto break one rule, to show each family of cases fails when its rule is broken.
 *
 * Non-conformities found (checked against the spec text):
 * - Aedes forwards the publisher's DUP 1 to subscribers [MQTT-3.3.1-3]: 3a… (PUBLISH QoS 1 DUP 1).
 * - Aedes accepts a PUBLISH whose topic holds U+0000 and keeps the connection open [MQTT-4.7.3-2].
 * mosquitto 2.0.11 passes every case here.
 */
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { cases } from '../../suites/mqtt/cases/publish.js';
import { describeVerdicts } from '../helpers/conform.js';
import type { TamperHooks } from '../helpers/tamper-proxy.js';
import { brokersForFile, edit, expectFailOn, expectVerdicts, tampered } from './pubsub-verdicts.js';

const brokers = brokersForFile();

describe('publish, QoS and retained cases on real brokers', () => {
  it('mosquitto 3.1.1: every case passes (no ACL-denied topic in the profile: that case skips)', async () => {
    await expectVerdicts(brokers.mosquitto().url, '3.1.1', cases, { 'publish.not-authorized': 'skip' });
  });

  it('mosquitto 5.0: every case passes', async () => {
    await expectVerdicts(brokers.mosquitto().url, '5', cases, {});
  });

  it('Aedes 3.1.1: DUP propagated and U+0000 in a topic name accepted', async () => {
    const verdicts = await expectVerdicts(brokers.aedes().url, '3.1.1', cases, {
      'publish.not-authorized': 'skip',
      'publish.dup-not-copied': { fail: ['MQTT-3.3.1-3'] },
      'publish.null-in-topic-refused': { fail: ['MQTT-4.7.3-2'] },
    });
    const dup = verdicts.find((v) => v.id === 'publish.dup-not-copied');
    expect(dup?.failures[0]?.observed).toMatch(/QoS 1 DUP 1/);
  });
});

/**
 * A server that keeps one QoS 1 / 2 message in flight per connection (3.1.1 section 4.6 allows it;
 * ejabberd does it): each next PUBLISH waits until the previous one is acknowledged.
 */
function oneInFlight(): TamperHooks {
  const waiting = new Map<number, Packet[]>();
  const inFlight = new Map<number, number>();
  return {
    toClient(p, conn) {
      if (p.cmd !== 'publish' || p.qos === 0) return undefined;
      if (inFlight.has(conn.index)) {
        waiting.set(conn.index, [...(waiting.get(conn.index) ?? []), p]);
        return [];
      }
      inFlight.set(conn.index, p.messageId ?? 0);
      return undefined;
    },
    toServer(p, conn) {
      const done = p.cmd === 'puback' || p.cmd === 'pubcomp' || (p.cmd === 'pubrec' && (p.reasonCode ?? 0) >= 0x80);
      if (!done || p.messageId !== inFlight.get(conn.index)) return undefined;
      inFlight.delete(conn.index);
      const next = waiting.get(conn.index)?.shift();
      if (next?.cmd === 'publish') {
        inFlight.set(conn.index, next.messageId ?? 0);
        setImmediate(() => conn.sendToClient(next));
      }
      return undefined;
    },
  };
}

describe('a server keeping one message in flight at a time is not failed for it', () => {
  it.each([
    ['3.1.1', 'qos.server-packet-ids'],
    ['5', 'qos.refused-ack-is-final'],
  ] as const)('%s %s passes', async (version, id) => {
    const v = await tampered(brokers.mosquitto().url, version, id, oneInFlight());
    expect(v.verdict, describeVerdicts([v])).toBe('pass');
  });
});

describe('each family fails when mosquitto is made to break its rule', () => {
  it('DUP copied from the publisher [MQTT-3.3.1-3]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'publish.dup-not-copied', { toClient: (p) => (p.cmd === 'publish' && p.qos > 0 ? edit(p, { dup: true }) : undefined) });
    expectFailOn(v, 'MQTT-3.3.1-3');
  });

  it('delivery above the granted QoS [MQTT-3.8.4-6]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'publish.qos-downgrade', { toClient: (p) => (p.cmd === 'publish' && p.qos === 1 ? edit(p, { qos: 2 }) : undefined) });
    expectFailOn(v, 'MQTT-3.8.4-6');
  });

  it('a PUBLISH with a wildcard in its topic name not refused [MQTT-3.3.2-2]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'publish.wildcard-topic-refused', { toServer: (p) => (p.cmd === 'publish' && /[+#]/.test(p.topic) ? [] : undefined) });
    expectFailOn(v, 'MQTT-3.3.2-2');
    expectFailOn(v, 'MQTT-4.7.1-1');
  });

  it('messages reordered [MQTT-4.6.0-5]', async () => {
    let held: Packet | undefined;
    const v = await tampered(brokers.mosquitto().url, '5', 'publish.order', {
      toClient(p) {
        if (p.cmd !== 'publish') return undefined;
        const text = Buffer.from(p.payload).toString();
        if (text === 'q1-03') {
          held = p;
          return [];
        }
        if (text === 'q1-04' && held !== undefined) return [p, held];
        return undefined;
      },
    });
    expectFailOn(v, 'MQTT-4.6.0-5');
  });

  it('PUBCOMP with the wrong identifier [MQTT-4.3.3-11]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'qos.qos2-receiver', { toClient: (p) => (p.cmd === 'pubcomp' ? edit(p, { messageId: (p.messageId ?? 0) + 1 }) : undefined) });
    expectFailOn(v, 'MQTT-4.3.3-11');
  });

  it('a repeated QoS 2 PUBLISH taken as a new message [MQTT-4.3.3-2]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'qos.qos2-no-duplicate', { toServer: (p) => (p.cmd === 'publish' && p.dup && p.qos === 2 ? edit(p, { messageId: 0x9999, dup: false }) : undefined) });
    expectFailOn(v, 'MQTT-4.3.3-2');
  });

  it('the server reusing a packet identifier in use [MQTT-2.3.1-4]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'qos.server-packet-ids', { toClient: (p) => (p.cmd === 'publish' && p.qos > 0 ? edit(p, { messageId: 1 }) : undefined) });
    expectFailOn(v, 'MQTT-2.3.1-4');
  });

  it('an unanswered PUBREL not re-sent after the reconnect [MQTT-4.4.0-1]', async () => {
    let pubrels = 0;
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'qos.pubrel-resent-after-reconnect', { toClient: (p) => (p.cmd === 'pubrel' && ++pubrels > 1 ? [] : undefined) });
    expectFailOn(v, 'MQTT-4.4.0-1');
  });

  it('a PUBLISH refused with PUBACK 0x80 re-sent after the reconnect [MQTT-4.4.0-2]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'qos.refused-ack-is-final', { toServer: (p) => (p.cmd === 'puback' && p.reasonCode === 0x80 ? [] : undefined) });
    expectFailOn(v, 'MQTT-4.4.0-2');
  });

  it('an expired QoS 2 message dropped after its PUBLISH was sent [MQTT-4.3.3-7]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'qos.qos2-sender-keeps-sent', { toClient: (p) => (p.cmd === 'pubrel' ? [] : undefined) });
    expectFailOn(v, 'MQTT-4.3.3-7');
  });

  it('an empty retained PUBLISH that does not clear the retained message [MQTT-3.3.1-6]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'retain.cleared-by-empty', { toServer: (p) => (p.cmd === 'publish' && p.retain && Buffer.from(p.payload).length === 0 ? edit(p, { retain: false }) : undefined) });
    expectFailOn(v, 'MQTT-3.3.1-6');
  });

  it('RETAIN 1 on a message forwarded to an existing subscription [MQTT-3.3.1-9]', async () => {
    const v = await tampered(brokers.mosquitto().url, '3.1.1', 'retain.flag-on-forward', { toClient: (p) => (p.cmd === 'publish' ? edit(p, { retain: true }) : undefined) });
    expectFailOn(v, 'MQTT-3.3.1-9');
  });

  it('a PUBACK whose Reason String exceeds the Maximum Packet Size [MQTT-3.4.2-2]', async () => {
    const v = await tampered(brokers.mosquitto().url, '5', 'publish.acks-within-maximum-packet-size', {
      toClient: (p) => (p.cmd === 'puback' ? edit(p, { reasonCode: p.reasonCode ?? 0, properties: { reasonString: 'x'.repeat(40) } }) : undefined),
    });
    expectFailOn(v, 'MQTT-3.4.2-2');
  });

  it('an unauthorised PUBLISH: PUBACK passes, silence fails [MQTT-3.3.5-2]', async () => {
    const profile = { deniedTopic: 'denied/topic' };
    const acked = await tampered(brokers.mosquitto().url, '3.1.1', 'publish.not-authorized', {
      toServer(p, conn) {
        if (p.cmd !== 'publish' || p.topic !== 'denied/topic') return undefined;
        conn.sendToClient({ cmd: 'puback', messageId: p.messageId ?? 0 });
        return [];
      },
    }, profile);
    expect(acked.verdict).toBe('pass');
    expect(acked.choices.map((c) => c.behaviour)).toEqual(['acknowledged the unauthorised PUBLISH with PUBACK']);
    const silent = await tampered(brokers.mosquitto().url, '3.1.1', 'publish.not-authorized', { toServer: (p) => (p.cmd === 'publish' && p.topic === 'denied/topic' ? [] : undefined) }, profile);
    expectFailOn(silent, 'MQTT-3.3.5-2');
  });
});
