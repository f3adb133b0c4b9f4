/**
 * The MQTT 5.0 property cases (suites/mqtt/cases/properties.ts, expiry.ts, alias.ts) against
 * mosquitto 2.0.11, each verdict as expected after reading it against the spec (Aedes speaks
 * 3.1.1 only: none of them runs there); then cases run through a tamper proxy that makes
 * mosquitto break one rule, to show each family fails when its rule is broken.
 *
 * Non-conformity found (checked against the spec text): mosquitto 2.0.11 accepts a PUBLISH whose
 * Response Topic holds a wildcard ("…/reply/#") and answers PUBACK 0x10 instead of closing:
 * [MQTT-3.3.2-14] forbids it, a Protocol Error (1.2: data the protocol does not allow) with
 * reason code 0x82 defined, so the server must close [MQTT-4.13.1-1].
 */
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { cases } from '../../suites/mqtt/cases/properties.js';
import { conformCases } from '../helpers/conform.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { expectFailOn, expectVerdicts, tampered } from './pubsub-verdicts.js';

let aedes: EmbeddedBroker;
let mosquitto: Mosquitto;

beforeAll(async () => {
  [aedes, mosquitto] = await Promise.all([startEmbeddedBroker(), startMosquitto()]);
});
afterAll(async () => {
  await Promise.all([aedes?.close(), mosquitto?.stop()]);
});

describe('MQTT 5.0 property cases on real brokers', () => {
  it('mosquitto 5.0: properties forwarded unaltered, malformed ones refused, expiry and aliases as required; a wildcard Response Topic accepted', async () => {
    const verdicts = await expectVerdicts(mosquitto.url, '5', cases, { 'properties.response-topic-wildcard': { fail: ['MQTT-4.13.1-1'] } });
    const choice = verdicts.find((v) => v.id === 'properties.payload-format-invalid-payload')?.choices[0];
    expect(choice?.statement).toBe('MQTT-3.3.2-4');
  });

  it('they are 5.0 cases only: nothing runs on a 3.1.1 server', async () => {
    const ids = new Set(cases.map((c) => c.id));
    const { verdicts } = await conformCases(aedes.url, '3.1.1', (c) => ids.has(c.id));
    expect(verdicts).toEqual([]);
  });
});

/** `p` with its properties replaced: a rewritten packet for the proxy to send instead. */
function withProps(p: Packet, change: Record<string, unknown>): (Packet | Buffer)[] {
  const props = { ...('properties' in p ? p.properties : {}), ...change };
  for (const [k, v] of Object.entries(props)) if (v === undefined) delete (props as Record<string, unknown>)[k];
  return [{ ...p, properties: props } as Packet];
}

const toClientPublish = (change: (p: Extract<Packet, { cmd: 'publish' }>) => Record<string, unknown>) => ({
  toClient: (p: Packet) => (p.cmd === 'publish' ? withProps(p, change(p)) : undefined),
});

describe('each family fails when mosquitto is made to break its rule', () => {
  it('User Properties reordered [MQTT-3.3.2-18]', async () => {
    const v = await tampered(mosquitto.url, '5', 'properties.user-properties-forwarded', toClientPublish((p) => ({ userProperties: Object.fromEntries(Object.entries(p.properties?.userProperties ?? {}).reverse()) })));
    expectFailOn(v, 'MQTT-3.3.2-18');
    expect(v.failures.map((f) => f.statement)).not.toContain('MQTT-3.3.2-17');
  });

  it('Correlation Data altered [MQTT-3.3.2-16]', async () => {
    const v = await tampered(mosquitto.url, '5', 'properties.correlation-data-forwarded', toClientPublish(() => ({ correlationData: Buffer.from('changed') })));
    expectFailOn(v, 'MQTT-3.3.2-16');
  });

  it('Payload Format Indicator dropped [MQTT-3.3.2-4]', async () => {
    const v = await tampered(mosquitto.url, '5', 'properties.payload-format-forwarded', toClientPublish(() => ({ payloadFormatIndicator: undefined })));
    expectFailOn(v, 'MQTT-3.3.2-4');
  });

  it('the Message Expiry Interval forwarded as received, not as remaining [MQTT-3.3.2-6]', async () => {
    const v = await tampered(mosquitto.url, '5', 'properties.message-expiry-remaining', toClientPublish((p) => (p.properties?.messageExpiryInterval !== undefined ? { messageExpiryInterval: 30 } : {})));
    expectFailOn(v, 'MQTT-3.3.2-6');
  });

  it('Topic Alias 0 accepted [MQTT-4.13.1-1]: the proxy removes the alias before mosquitto sees it', async () => {
    const v = await tampered(mosquitto.url, '5', 'properties.topic-alias-zero-refused', { toServer: (p) => (p.cmd === 'publish' ? withProps(p, { topicAlias: undefined }) : undefined) });
    expectFailOn(v, 'MQTT-4.13.1-1');
  });

  it('a Topic Alias above the client’s maximum sent [MQTT-3.1.2-26]', async () => {
    const v = await tampered(mosquitto.url, '5', 'properties.server-alias-within-maximum', toClientPublish(() => ({ topicAlias: 5 })));
    expectFailOn(v, 'MQTT-3.1.2-26');
  });
});
