/**
 * Persistent sessions on the wire, on both MQTT clients: a resumed session gets the QoS 1
 * messages queued while the user was away; a session ended by a goodbye (or a clean connect)
 * gets nothing; a QoS 2 message caught between PUBREC and PUBREL by an abrupt drop arrives
 * exactly once (the user's client-side state outlives the connection: MQTT.js's stores, the
 * lean client's kept flows); 5.0 Message Expiry drops what waited too long; close() leaves no
 * session behind.
 */
import { describe, expect, it } from 'vitest';
import type { ChatSession, Driver } from '../../core/driver.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';
import { createInbox, uniquePayload, samePayload, sleep } from '../helpers/chat.js';
import { connectPattern, freshRunId, mqttClientOf, onBrokers, type PatternUser } from './mqtt-brokers.js';

const KEEP = { persistent: true, resume: true, expirySeconds: 60 };

async function sendAll(driver: Driver, to: string, count: number, level: 0 | 1 | 2, label: string): Promise<Buffer[]> {
  const sender = await connectPattern(driver, `s${label}`);
  const payloads = Array.from({ length: count }, () => uniquePayload(label));
  for (const p of payloads) await sender.session.sendToUser(to, p, level);
  return payloads;
}

/**
 * Connects bob for QoS 2 and stops his reads as the PUBLISH arrives, so the server's PUBREL never
 * reaches this connection; resolves `pubrecSent` once his PUBREC is written. MQTT.js shows its
 * packets; the lean client delivers at the PUBLISH and writes its PUBREC in the same turn.
 */
async function bobStoppingAtPublish(d: Driver, client: string): Promise<{ bob: PatternUser; pubrecSent: Promise<void> }> {
  if (client === 'lean') {
    const inbox = createInbox();
    let session: ChatSession | undefined;
    let written: () => void = () => undefined;
    const pubrecSent = new Promise<void>((resolve) => { written = resolve; });
    session = (await connectPattern(d, 'bob', {
      directLevel: 2, session: { ...KEEP, resume: false },
      onMessage: (m) => {
        inbox.push(m);
        session?.pauseReads?.(30_000);
        setImmediate(written); // the PUBREC left with this turn's write
      },
    })).session;
    return { bob: { session, inbox, presence: [], ends: [] }, pubrecSent };
  }
  const bob = await connectPattern(d, 'bob', { directLevel: 2, session: { ...KEEP, resume: false } });
  const c = mqttClientOf(bob.session);
  const pubrecSent = new Promise<void>((resolve) => {
    c.on('packetreceive', (p) => { if (p.cmd === 'publish') bob.session.pauseReads?.(30_000); });
    c.on('packetsend', (p) => { if (p.cmd === 'pubrec') resolve(); });
  });
  return { bob, pubrecSent };
}

describe.each([['MQTT.js', createMqttDriver], ['lean', createLeanDriver]] as const)('MQTT persistent sessions (%s client)', (client, createDriver) => {
  onBrokers(['3.1.1', '5.0'], (broker) => {
    it('a resumed session gets the QoS 1 messages queued while away, in order', async () => {
      const d = broker.driver();
      const bob = await connectPattern(d, 'bob', { directLevel: 1, session: { ...KEEP, resume: false } });
      expect(bob.session.resumed).toBe(false);
      await bob.session.disconnect('graceful', { keepSession: true });
      const sent = await sendAll(d, 'bob', 3, 1, 'q');
      const back = await connectPattern(d, 'bob', { directLevel: 1, session: KEEP });
      expect(back.session.resumed).toBe(true);
      await back.inbox.waitFor(samePayload(sent[2] as Buffer), 3000);
      expect(back.inbox.messages.map((m) => Buffer.from(m.payload).toString())).toEqual(sent.map((p) => p.toString()));
      expect(back.inbox.messages.every((m) => m.level === 1 && m.retained === undefined)).toBe(true);
    });

    it.each([
      { name: 'a goodbye without keepSession ends the session: a persistent connect after it resumes nothing and gets nothing', leave: 'graceful', back: KEEP },
      { name: 'a clean connect after an abrupt drop discards the session and its queue', leave: 'abrupt', back: undefined },
    ] as const)('$name', async ({ leave, back }) => {
      const d = broker.driver();
      const bob = await connectPattern(d, 'bob', { directLevel: 1, session: { ...KEEP, resume: false } });
      await bob.session.disconnect(leave);
      await sleep(100);
      const [queued] = await sendAll(d, 'bob', 1, 1, leave);
      const again = await connectPattern(d, 'bob', { directLevel: 1, ...(back ? { session: back } : {}) });
      expect(again.session.resumed).toBe(false);
      await sleep(300);
      expect(again.inbox.messages.filter(samePayload(queued as Buffer))).toEqual([]);
    });

    it('a QoS 2 message caught between PUBREC and PUBREL by an abrupt drop arrives exactly once', async () => {
      const d = broker.driver();
      const { bob, pubrecSent } = await bobStoppingAtPublish(d, client);
      const sender = await connectPattern(d, 'alice');
      const payload = uniquePayload('x');
      await sender.session.sendToUser('bob', payload, 2);
      await pubrecSent;
      await sleep(200); // the PUBREC reaches the server, whose PUBREL waits unread in bob's socket
      // MQTT.js emits a QoS 2 message only at PUBREL (after the resume); the lean client at its PUBLISH (§4.3.3 Method B).
      expect(bob.inbox.messages.filter(samePayload(payload))).toHaveLength(client === 'lean' ? 1 : 0);
      await bob.session.disconnect('abrupt');
      const back = await connectPattern(d, 'bob', { directLevel: 2, session: KEEP });
      expect(back.session.resumed).toBe(true);
      if (client !== 'lean') await back.inbox.waitFor(samePayload(payload), 3000);
      await sleep(300);
      const both = [...bob.inbox.messages, ...back.inbox.messages];
      expect(both.filter(samePayload(payload))).toHaveLength(1);
    });

    it('close() ends the sessions left on the server: the same client ids resume nothing afterwards', async () => {
      const runId = freshRunId();
      const d = broker.driver({}, { runId });
      const bob = await connectPattern(d, 'bob', { directLevel: 1, session: { ...KEEP, resume: false } });
      await bob.session.disconnect('graceful', { keepSession: true });
      const carol = await connectPattern(d, 'carol', { directLevel: 1, session: { ...KEEP, resume: false } });
      await carol.session.disconnect('abrupt');
      await d.close();
      const again = broker.driver({}, { runId }); // same run id: same client ids
      for (const user of ['bob', 'carol']) {
        const probe = await connectPattern(again, user, { directLevel: 1, session: KEEP });
        expect(probe.session.resumed, user).toBe(false);
      }
    });

    if (broker.version === '5.0') {
      it('5.0: Message Expiry Interval on chat PUBLISHes drops what waited longer than that', async () => {
        const d = broker.driver();
        const bob = await connectPattern(d, 'bob', { directLevel: 1, session: { ...KEEP, resume: false } });
        await bob.session.disconnect('graceful', { keepSession: true });
        const quick = await connectPattern(d, 'quick', { messageExpirySeconds: 1 });
        const patient = await connectPattern(d, 'patient');
        const expiring = uniquePayload('exp');
        const lasting = uniquePayload('last');
        await quick.session.sendToUser('bob', expiring, 1);
        await patient.session.sendToUser('bob', lasting, 1);
        await sleep(2200);
        const back = await connectPattern(d, 'bob', { directLevel: 1, session: KEEP });
        await back.inbox.waitFor(samePayload(lasting), 3000);
        await sleep(200);
        expect(back.inbox.messages.filter(samePayload(expiring))).toEqual([]);
      });
    }
  }, { createDriver });
});
