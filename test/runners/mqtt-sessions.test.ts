/**
 * Persistent sessions on the wire: a resumed session gets the QoS 1 messages queued while the
 * user was away; a session ended by a goodbye (or a clean connect) gets nothing; a QoS 2
 * message caught between PUBREC and PUBREL by an abrupt drop arrives exactly once after the
 * resume (the user's MQTT.js stores outlive the connection); 5.0 Message Expiry drops what
 * waited too long; close() leaves no session behind.
 */
import { describe, expect, it } from 'vitest';
import type { Driver } from '../../core/driver.js';
import { uniquePayload, samePayload, sleep } from '../helpers/chat.js';
import { connectPattern, freshRunId, mqttClientOf, onBrokers } from './mqtt-brokers.js';

const KEEP = { persistent: true, resume: true, expirySeconds: 60 };

async function sendAll(driver: Driver, to: string, count: number, level: 0 | 1 | 2, label: string): Promise<Buffer[]> {
  const sender = await connectPattern(driver, `s${label}`);
  const payloads = Array.from({ length: count }, () => uniquePayload(label));
  for (const p of payloads) await sender.session.sendToUser(to, p, level);
  return payloads;
}

describe('MQTT persistent sessions', () => {
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

    it('a QoS 2 message caught between PUBREC and PUBREL by an abrupt drop arrives exactly once after the resume', async () => {
      const d = broker.driver();
      const bob = await connectPattern(d, 'bob', { directLevel: 2, session: { ...KEEP, resume: false } });
      const client = mqttClientOf(bob.session);
      const pubrecSent = new Promise<void>((resolve) => {
        // Stop reading as the PUBLISH arrives: the server's PUBREL then never reaches this client.
        client.on('packetreceive', (p) => { if (p.cmd === 'publish') bob.session.pauseReads?.(30_000); });
        client.on('packetsend', (p) => { if (p.cmd === 'pubrec') resolve(); });
      });
      const sender = await connectPattern(d, 'alice');
      const payload = uniquePayload('x');
      await sender.session.sendToUser('bob', payload, 2);
      await pubrecSent;
      await sleep(200); // the PUBREC reaches the server, whose PUBREL waits unread in bob's socket
      expect(bob.inbox.messages).toEqual([]); // MQTT.js emits a QoS 2 message only at PUBREL
      await bob.session.disconnect('abrupt');
      const back = await connectPattern(d, 'bob', { directLevel: 2, session: KEEP });
      expect(back.session.resumed).toBe(true);
      await back.inbox.waitFor(samePayload(payload), 3000);
      await sleep(300);
      expect(back.inbox.messages.filter(samePayload(payload))).toHaveLength(1);
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
  });
});
