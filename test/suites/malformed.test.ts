/**
 * The malformed-input and UTF-8 cases (suites/mqtt/cases/malformed.ts) against Aedes (3.1.1)
 * and mosquitto 2.0.11 (3.1.1 and 5.0), each verdict as expected after reading it against the
 * spec; then cases run through a tamper proxy that makes mosquitto break one rule, to show
 * each family fails when its rule is broken.
 *
 * Non-conformities found (checked against the spec text):
 * - mosquitto 2.0.11 ignores reserved fixed-header flags on PUBACK (42 02 00 01), PUBREC
 *   (51 02 00 01, answered with PUBREL), PUBCOMP (78 02 00 01) and PINGREQ (c4 00, answered with
 *   PINGRESP) and keeps the connection open [MQTT-2.2.2-2] (3.1.1), [MQTT-2.1.3-1] →
 *   [MQTT-4.13.1-1] (5.0). SUBSCRIBE, UNSUBSCRIBE, PUBREL and CONNECT flags are checked.
 * - Aedes accepts ill-formed UTF-8 in topic names and filters (U+0000, ED A0 80, C0 AF, FF),
 *   answering PUBACK / SUBACK [MQTT-1.5.3-1] [MQTT-1.5.3-2], and packet identifier 0 on PUBLISH,
 *   SUBSCRIBE and UNSUBSCRIBE [MQTT-2.3.1-1] → [MQTT-4.8.0-1].
 */
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { cases } from '../../suites/mqtt/cases/malformed.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { expectFailOn, expectVerdicts, tampered, type Exception } from './pubsub-verdicts.js';

let aedes: EmbeddedBroker;
let mosquitto: Mosquitto;

beforeAll(async () => {
  [aedes, mosquitto] = await Promise.all([startEmbeddedBroker(), startMosquitto()]);
});
afterAll(async () => {
  await Promise.all([aedes?.close(), mosquitto?.stop()]);
});

const mosquittoFlags = (statements: string[]): Record<string, Exception> =>
  Object.fromEntries(['puback', 'pubrec', 'pubcomp', 'pingreq'].map((t) => [`malformed.flags-${t}`, { fail: statements }]));

describe('malformed input and UTF-8 cases on real brokers', () => {
  it('mosquitto 3.1.1: reserved flags ignored on PUBACK, PUBREC, PUBCOMP and PINGREQ; everything else refused or carried as required', async () => {
    await expectVerdicts(mosquitto.url, '3.1.1', cases, mosquittoFlags(['MQTT-2.2.2-2']));
  });

  it('mosquitto 5.0: the same four flag checks missing; every other malformed packet closed', async () => {
    await expectVerdicts(mosquitto.url, '5', cases, mosquittoFlags(['MQTT-4.13.1-1']));
  });

  it('Aedes 3.1.1: ill-formed UTF-8 and packet identifier 0 accepted', async () => {
    await expectVerdicts(aedes.url, '3.1.1', cases, {
      'malformed.utf8-null-in-topic': { fail: ['MQTT-1.5.3-2'] },
      'malformed.utf8-surrogate-in-topic': { fail: ['MQTT-1.5.3-1'] },
      'malformed.utf8-surrogate-in-filter': { fail: ['MQTT-1.5.3-1'] },
      'malformed.utf8-overlong-in-topic': { fail: ['MQTT-1.5.3-1'] },
      'malformed.utf8-invalid-byte-in-topic': { fail: ['MQTT-1.5.3-1'] },
      'malformed.packet-id-zero-publish': { fail: ['MQTT-4.8.0-1'] },
      'malformed.packet-id-zero-subscribe': { fail: ['MQTT-4.8.0-1'] },
      'malformed.packet-id-zero-unsubscribe': { fail: ['MQTT-4.8.0-1'] },
    });
  });
});

/** `p` with its fields replaced: a rewritten packet for the proxy to send instead. */
function edit<P extends Packet>(p: P, change: Partial<P>): (Packet | Buffer)[] {
  return [{ ...p, ...change } as Packet];
}

const swallowUnparsable = { onUnparsable: () => false };

describe('each family fails when mosquitto is made to break its rule', () => {
  it('U+0000 accepted [MQTT-1.5.3-2]: the proxy cleans the topic before mosquitto sees it', async () => {
    const v = await tampered(mosquitto.url, '3.1.1', 'malformed.utf8-null-in-topic', { toServer: (p) => (p.cmd === 'publish' ? edit(p, { topic: p.topic.replace(/\u0000/g, '_') }) : undefined) });
    expectFailOn(v, 'MQTT-1.5.3-2');
  });

  it('an unpaired surrogate accepted [MQTT-4.13.1-1]: the proxy swallows the PUBLISH and answers PUBACK itself', async () => {
    const v = await tampered(mosquitto.url, '5', 'malformed.utf8-surrogate-in-topic', {
      toServer: (p, conn) => (p.cmd === 'publish' && p.qos === 1 ? (conn.sendToClient({ cmd: 'puback', messageId: p.messageId ?? 0 }), []) : undefined),
    });
    expectFailOn(v, 'MQTT-4.13.1-1');
  });

  it('reserved SUBSCRIBE flags ignored [MQTT-2.2.2-2]: the proxy drops the bytes mqtt-packet cannot read', async () => {
    expectFailOn(await tampered(mosquitto.url, '3.1.1', 'malformed.flags-subscribe', swallowUnparsable), 'MQTT-2.2.2-2');
  });

  it('reserved packet type 0 ignored [MQTT-4.13.1-1]', async () => {
    expectFailOn(await tampered(mosquitto.url, '5', 'malformed.reserved-type-0', swallowUnparsable), 'MQTT-4.13.1-1');
  });

  it('packet identifier 0 accepted [MQTT-4.8.0-1]: the proxy gives it an identifier', async () => {
    const v = await tampered(mosquitto.url, '3.1.1', 'malformed.packet-id-zero-subscribe', { toServer: (p) => (p.cmd === 'subscribe' ? edit(p, { messageId: 9 }) : undefined) });
    expectFailOn(v, 'MQTT-4.8.0-1');
  });

  it('U+FEFF stripped [MQTT-1.5.4-3]', async () => {
    const v = await tampered(mosquitto.url, '5', 'malformed.utf8-bom-kept', { toClient: (p) => (p.cmd === 'publish' ? edit(p, { topic: p.topic.replace(/\uFEFF/g, '') }) : undefined) });
    expectFailOn(v, 'MQTT-1.5.4-3');
  });

  it('topics normalised to NFC [MQTT-4.7.3-4]', async () => {
    const v = await tampered(mosquitto.url, '3.1.1', 'malformed.utf8-no-normalisation', {
      toServer: (p) => (p.cmd === 'subscribe' ? edit(p, { subscriptions: p.subscriptions.map((s) => ({ ...s, topic: s.topic.normalize('NFC') })) }) : undefined),
    });
    expectFailOn(v, 'MQTT-4.7.3-4');
  });

  it('4-byte UTF-8 refused [MQTT-1.5.3-1]: the proxy closes the connection on an emoji topic', async () => {
    const v = await tampered(mosquitto.url, '3.1.1', 'malformed.utf8-emoji-accepted', { toServer: (p, conn) => (p.cmd === 'publish' && /\p{Extended_Pictographic}/u.test(p.topic) ? (conn.sendToServer({ cmd: 'disconnect' }), []) : undefined) });
    expectFailOn(v, 'MQTT-1.5.3-1');
  });
});
