/**
 * The in-flight cases (suites/mqtt/cases/inflight.ts) against Aedes (3.1.1), mosquitto 2.0.11
 * (3.1.1 and 5.0), a mosquitto with an ACL (so a PUBLISH can be refused with PUBREC 0x87) and
 * ejabberd's mod_mqtt (which here sends a persistent session one unacknowledged message at a time
 * and nothing new while a PUBREL awaits its PUBCOMP: both allowed),
 * each verdict as expected after reading it against the spec; then through a tamper proxy that
 * makes mosquitto break each rule, to show every case fails on the statement it checks.
 *
 * No non-conformity found by these cases: mosquitto, Aedes and ejabberd hold unacknowledged
 * messages across reconnects and re-send them in order; mosquitto and Aedes keep a QoS 2
 * identifier until PUBCOMP; all three send PUBREL as 0x62.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { cases } from '../../suites/mqtt/cases/inflight.js';
import { conformCases, describeVerdicts } from '../helpers/conform.js';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../helpers/ejabberd.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { expectFailOn, expectVerdicts, tampered } from './pubsub-verdicts.js';

const DENIED = { deniedTopic: 'denied/topic' };
let aedes: EmbeddedBroker;
let mosquitto: Mosquitto;
/** A mosquitto whose ACL lets anonymous clients write only under chatbench/: publishing to denied/topic is refused. */
let guarded: Mosquitto;
let aclDir: string;

beforeAll(async () => {
  aclDir = await mkdtemp(join(tmpdir(), 'chatbench-acl-'));
  await chmod(aclDir, 0o755); // mosquitto reads the file after dropping root for its own user
  const aclFile = join(aclDir, 'acl');
  await writeFile(aclFile, 'topic readwrite chatbench/#\ntopic read denied/#\n', { mode: 0o644 });
  [aedes, mosquitto, guarded] = await Promise.all([startEmbeddedBroker(), startMosquitto(), startMosquitto({ extraConfig: [`acl_file ${aclFile}`] })]);
});
afterAll(async () => {
  await Promise.all([aedes?.close(), mosquitto?.stop(), guarded?.stop()]);
  if (aclDir) await rm(aclDir, { recursive: true, force: true });
});

describe('in-flight cases on real brokers', () => {
  it('mosquitto 3.1.1: every case passes', async () => {
    await expectVerdicts(mosquitto.url, '3.1.1', cases, {});
  });

  it('mosquitto 5.0 without a denied topic: the refused-PUBREC case skips, saying why', async () => {
    const verdicts = await expectVerdicts(mosquitto.url, '5', cases, { 'qos.refused-pubrec-frees-id': 'skip' });
    expect(verdicts.find((v) => v.id === 'qos.refused-pubrec-frees-id')?.reason).toMatch(/deniedTopic/);
  });

  it('Aedes 3.1.1: every case passes', async () => {
    await expectVerdicts(aedes.url, '3.1.1', cases, {});
  });

  it('mosquitto 5.0 with an ACL-denied topic: PUBREC 0x87, then the same identifier is a new message', async () => {
    const { verdicts } = await conformCases(guarded.url, '5', (c) => cases.some((k) => k.id === c.id), DENIED);
    const shown = describeVerdicts(verdicts);
    expect(verdicts.map((v) => `${v.id}:${v.verdict}`).sort(), shown).toEqual(cases.map((c) => `${c.id}:pass`).sort());
  });
});

/** `p` with its fields replaced: a rewritten packet for the proxy to send instead. */
function edit<P extends Packet>(p: P, change: Partial<P>): (Packet | Buffer)[] {
  return [{ ...p, ...change } as Packet];
}

const text = (p: IPublishPacket): string => Buffer.from(p.payload).toString();

/** Each statement's failing case, and that nothing else failed with it. */
function expectOnlyFailures(v: Parameters<typeof expectFailOn>[0], statements: string[]): void {
  for (const s of statements) expectFailOn(v, s);
  expect([...new Set(v.failures.map((f) => f.statement))].sort(), describeVerdicts([v])).toEqual([...statements].sort());
}

describe('each case fails when mosquitto is made to break its rule', () => {
  it('a message forgotten after its first redelivery [MQTT-4.3.2-1] [MQTT-4.3.3-1]', async () => {
    const deliveries = new Map<string, number>();
    const v = await tampered(mosquitto.url, '3.1.1', 'qos.held-until-acknowledged', {
      toClient(p) {
        if (p.cmd !== 'publish') return undefined;
        const n = (deliveries.get(text(p)) ?? 0) + 1;
        deliveries.set(text(p), n);
        return n >= 3 ? [] : undefined; // the original and one redelivery go through; the second redelivery never comes
      },
    });
    expectOnlyFailures(v, ['MQTT-4.3.2-1', 'MQTT-4.3.3-1']);
    expect(v.failures[0]?.observed).toMatch(/no PUBLISH within/);
  });

  it('only the QoS 2 message forgotten after its first redelivery (5.0) [MQTT-4.3.3-3]', async () => {
    let twos = 0;
    const v = await tampered(mosquitto.url, '5', 'qos.held-until-acknowledged', { toClient: (p) => (p.cmd === 'publish' && text(p) === 'qos2' && ++twos >= 3 ? [] : undefined) });
    expectOnlyFailures(v, ['MQTT-4.3.3-3']);
  });

  it('a PUBLISH re-sent during the connection (5.0) [MQTT-4.4.0-1]', async () => {
    let sent = false;
    const v = await tampered(mosquitto.url, '5', 'qos.held-until-acknowledged', {
      toClient(p) {
        if (p.cmd !== 'publish' || text(p) !== 'qos1' || sent) return undefined;
        sent = true;
        return [p, { ...p, dup: true }];
      },
    });
    expectOnlyFailures(v, ['MQTT-4.4.0-1']);
    expect(v.failures[0]?.observed).toMatch(/PUBLISH .* DUP 1 .*payload "qos1"/);
  });

  it('messages sent again out of order after the reconnect [MQTT-4.6.0-6] [MQTT-4.6.0-5]', async () => {
    for (const [version, statement] of [['3.1.1', 'MQTT-4.6.0-6'], ['5', 'MQTT-4.6.0-5']] as const) {
      let held: Packet | undefined;
      const v = await tampered(mosquitto.url, version, 'qos.redelivery-order', {
        toClient(p) {
          if (p.cmd !== 'publish' || !p.dup) return undefined;
          if (text(p) === 'm1') {
            held = p;
            return [];
          }
          return text(p) === 'm2' && held !== undefined ? [p, held] : undefined;
        },
      });
      expectOnlyFailures(v, [statement]);
      expect(v.failures[0]?.observed).toMatch(/after the reconnect: .*"m0".*"m2".*"m1".*"m3"/);
    }
  });

  it('an identifier reused while its PUBREL awaits PUBCOMP [MQTT-2.3.1-4] [MQTT-2.2.1-4] [MQTT-4.3.3-5]', async () => {
    for (const [version, statements] of [['3.1.1', ['MQTT-2.3.1-4']], ['5', ['MQTT-2.2.1-4', 'MQTT-4.3.3-5']]] as const) {
      let held: number | undefined;
      const v = await tampered(mosquitto.url, version, 'qos.id-held-until-pubcomp', {
        toClient(p) {
          if (p.cmd !== 'publish') return undefined;
          if (text(p) === 'first') held = p.messageId;
          return text(p) === 'next2' && held !== undefined ? edit(p, { messageId: held }) : undefined;
        },
      });
      expectOnlyFailures(v, [...statements]);
    }
  });

  it('PUBREL sent with flags 0000 [MQTT-3.6.1-1]', async () => {
    const v = await tampered(mosquitto.url, '3.1.1', 'qos.ack-fixed-headers', {
      toClient: (p) => (p.cmd === 'pubrel' ? [Buffer.from([0x60, 0x02, (p.messageId ?? 0) >> 8, (p.messageId ?? 0) & 0xff])] : undefined),
    });
    expectOnlyFailures(v, ['MQTT-3.6.1-1']);
    expect(v.failures[0]?.observed).toBe('PUBREL first bytes 0x60');
  });

  it('PUBACK sent with a reserved flag set (5.0) [MQTT-2.1.3-1]', async () => {
    const v = await tampered(mosquitto.url, '5', 'qos.ack-fixed-headers', {
      toClient: (p) => (p.cmd === 'puback' ? [Buffer.from([0x41, 0x02, (p.messageId ?? 0) >> 8, (p.messageId ?? 0) & 0xff])] : undefined),
    });
    expectOnlyFailures(v, ['MQTT-2.1.3-1']);
  });

  it('a PUBLISH after PUBREC 0x87 taken as a repeat of the refused one [MQTT-4.3.3-9]', async () => {
    let recs = 0;
    const v = await tampered(guarded.url, '5', 'qos.refused-pubrec-frees-id', { toClient: (p) => (p.cmd === 'pubrec' && ++recs === 2 ? edit(p, { reasonCode: 0x87 }) : undefined) }, DENIED);
    expectOnlyFailures(v, ['MQTT-4.3.3-9']);
    expect(v.failures[0]?.observed).toMatch(/PUBREC 0x87 .* then PUBREC id 19745 0x87/);
  });

  it('the message after PUBREC 0x87 acknowledged but never delivered [MQTT-4.3.3-9]', async () => {
    const v = await tampered(guarded.url, '5', 'qos.refused-pubrec-frees-id', { toClient: (p) => (p.cmd === 'publish' && text(p) === 'new' ? [] : undefined) }, DENIED);
    expectOnlyFailures(v, ['MQTT-4.3.3-9']);
  });

  it('a server that accepts the denied PUBLISH (PUBREC 0x00): the case skips, it cannot be provoked', async () => {
    let recs = 0;
    const v = await tampered(guarded.url, '5', 'qos.refused-pubrec-frees-id', { toClient: (p) => (p.cmd === 'pubrec' && ++recs === 1 ? edit(p, { reasonCode: 0 }) : undefined) }, DENIED);
    expect(v.verdict, describeVerdicts([v])).toBe('skip');
    expect(v.reason).toMatch(/PUBREC 0x00/);
  });
});

describeWithEjabberd('in-flight cases on ejabberd (fewer messages in flight)', () => {
  let ejabberd: Ejabberd;
  beforeAll(async () => {
    ejabberd = await startEjabberd({ users: 1 });
  });
  afterAll(async () => {
    await ejabberd?.stop();
  });

  it('3.1.1 and 5.0: redelivery judged on what was in flight; no new PUBLISH while a PUBREL is open, so that case skips', async () => {
    const user = ejabberd.users[0];
    if (user === undefined) throw new Error('ejabberd started without a user');
    const profile = { username: user.username, password: user.password };
    for (const version of ['3.1.1', '5'] as const) {
      const { verdicts } = await conformCases(ejabberd.mqttUrl, version, (c) => cases.some((k) => k.id === c.id), profile);
      const shown = describeVerdicts(verdicts);
      const expected = cases
        .filter((c) => c.statements[version] !== undefined)
        .map((c) => `${c.id}:${c.id === 'qos.id-held-until-pubcomp' || c.id === 'qos.refused-pubrec-frees-id' ? 'skip' : 'pass'}`);
      expect(verdicts.map((v) => `${v.id}:${v.verdict}`).sort(), shown).toEqual(expected.sort());
      expect(verdicts.find((v) => v.id === 'qos.id-held-until-pubcomp')?.reason, shown).toMatch(/no new PUBLISH within 2000 ms while PUBREL \d+ awaited its PUBCOMP/);
    }
  });
});
