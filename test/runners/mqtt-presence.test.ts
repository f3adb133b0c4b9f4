/**
 * Presence, wills and retained rooms on the wire: a watcher gets the retained status on
 * watching, then every change and the will of an abrupt drop (never the will of a clean
 * goodbye), all through onPresence and never onMessage; 5.0 Will Delay holds the will back;
 * a retained room message reaches a late joiner flagged retained until clearRetained; close()
 * leaves nothing retained under the run's topics.
 */
import { describe, expect, it } from 'vitest';
import type { PresenceUpdate } from '../../core/driver.js';
import { retainedUnder } from '../helpers/mqtt-chat-suite.js';
import { samePayload, sleep, uniquePayload } from '../helpers/chat.js';
import { connectPattern, freshRunId, onBrokers, type PatternUser } from './mqtt-brokers.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { createLeanDriver } from '../../runners/mqtt/lean/driver.js';

function waitForPresence(user: PatternUser, match: (u: PresenceUpdate) => boolean, timeoutMs = 3000): Promise<PresenceUpdate> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const look = (): void => {
      const found = user.presence.find(match);
      if (found) return resolve(found);
      if (Date.now() > deadline) return reject(new Error(`no matching presence within ${timeoutMs} ms: ${JSON.stringify(user.presence)}`));
      setTimeout(look, 10);
    };
    look();
  });
}

describe.each([['MQTT.js', createMqttDriver], ['lean', createLeanDriver]] as const)('MQTT presence, wills and retained rooms (%s client)', (_client, createDriver) => {
  onBrokers(['3.1.1', '5.0'], (broker) => {
    it('a watcher gets the retained status, each stamped change and the will of an abrupt drop, outside onMessage', async () => {
      const d = broker.driver();
      const ann = await connectPattern(d, 'ann', { will: { status: 'offline', tag: 'ann:1' } });
      await ann.session.setPresence('online', { tag: 'ann:1', sentAt: 111 });
      const watcher = await connectPattern(d, 'wat');
      await watcher.session.watchPresence?.('ann');
      const first = await waitForPresence(watcher, () => true);
      expect(first).toMatchObject({ user: 'ann', status: 'online', tag: 'ann:1', sentAt: 111, will: false, retained: true });
      await ann.session.setPresence('away', { tag: 'ann:1', sentAt: 222 });
      const change = await waitForPresence(watcher, (u) => u.status === 'away');
      expect(change).toMatchObject({ user: 'ann', tag: 'ann:1', sentAt: 222, will: false, retained: false });
      await ann.session.disconnect('abrupt');
      const will = await waitForPresence(watcher, (u) => u.will);
      expect(will).toMatchObject({ user: 'ann', status: 'offline', tag: 'ann:1', will: true, retained: false });
      expect(will.sentAt).toBeUndefined();
      expect(watcher.presence).toHaveLength(3);
      expect(watcher.inbox.messages).toEqual([]);
    });

    it('no will after a clean goodbye; a late watcher sees the last status set', async () => {
      const d = broker.driver();
      const watcher = await connectPattern(d, 'wat');
      await watcher.session.watchPresence?.('ben');
      const ben = await connectPattern(d, 'ben', { will: { status: 'offline', tag: 'ben:1' } });
      await ben.session.setPresence('offline', { tag: 'ben:1', sentAt: 5 });
      await ben.session.disconnect('graceful');
      await waitForPresence(watcher, (u) => u.status === 'offline');
      await sleep(500);
      expect(watcher.presence.map((u) => u.will)).toEqual([false]);
      const late = await connectPattern(d, 'late');
      await late.session.watchPresence?.('ben');
      expect(await waitForPresence(late, () => true)).toMatchObject({ status: 'offline', will: false, retained: true, sentAt: 5 });
    });

    it('a retained room message reaches a late joiner flagged retained, until clearRetained', async () => {
      const d = broker.driver();
      const member = await connectPattern(d, 'mem');
      await member.session.joinRoom('lobby', 1);
      const sender = await connectPattern(d, 'snd');
      const older = uniquePayload('old');
      const last = uniquePayload('last');
      await sender.session.sendToRoom('lobby', older, 1, { retain: true });
      await sender.session.sendToRoom('lobby', last, 1, { retain: true });
      await member.inbox.waitFor(samePayload(last));
      expect(member.inbox.messages.map((m) => m.retained)).toEqual([undefined, undefined]); // forwarded live: RETAIN 0
      const late = await connectPattern(d, 'late');
      await late.session.joinRoom('lobby', 1);
      const got = await late.inbox.waitFor(samePayload(last));
      expect(got.retained).toBe(true);
      expect(got.source).toEqual({ kind: 'room', room: 'lobby' });
      await sleep(200);
      expect(late.inbox.messages).toHaveLength(1);
      await sender.session.clearRetained?.('lobby');
      const later = await connectPattern(d, 'later');
      await later.session.joinRoom('lobby', 1);
      await sleep(300);
      expect(later.inbox.messages).toEqual([]);
      expect(member.inbox.messages).toHaveLength(2); // the clear's empty PUBLISH is no chat message
    });

    it('close() clears every retained message the run left: presence, wills and retained rooms', async () => {
      const runId = freshRunId();
      const d = broker.driver({}, { runId });
      const ann = await connectPattern(d, 'ann', { will: { status: 'gone', tag: 'ann:1' } });
      const bob = await connectPattern(d, 'bob');
      await bob.session.setPresence('online', { tag: 'bob:1', sentAt: 1 });
      await bob.session.sendToRoom('hall', uniquePayload('r'), 1, { retain: true });
      await ann.session.disconnect('abrupt');
      const url = broker.target().url;
      await expect.poll(async () => (await retainedUnder(url, `chatbench/${runId}/#`)).size, { timeout: 3000 }).toBe(3);
      await d.close();
      expect((await retainedUnder(url, `chatbench/${runId}/#`)).size).toBe(0);
    });

    if (broker.version === '5.0') {
      it('5.0: the Will Delay Interval holds the will back after an abrupt drop', async () => {
        const d = broker.driver();
        const watcher = await connectPattern(d, 'wat');
        await watcher.session.watchPresence?.('dee');
        const dee = await connectPattern(d, 'dee', { will: { status: 'offline', tag: 'dee:1', delaySeconds: 2 } });
        const dropped = Date.now();
        await dee.session.disconnect('abrupt');
        await waitForPresence(watcher, (u) => u.will, 6000);
        // mosquitto checks will delays once a second: not before 1 s, allowing whole-second clocks.
        expect(Date.now() - dropped).toBeGreaterThanOrEqual(1000);
      });

      it('5.0: a delayed will keeps the session that long, so a user back within the delay resumes it and no will fires', async () => {
        const d = broker.driver();
        const watcher = await connectPattern(d, 'wat');
        await watcher.session.watchPresence?.('eve');
        const eve = await connectPattern(d, 'eve', { will: { status: 'offline', tag: 'eve:1', delaySeconds: 3 } });
        await eve.session.disconnect('abrupt');
        await sleep(300);
        const back = await connectPattern(d, 'eve', { session: { persistent: true, resume: true, expirySeconds: 10 } });
        expect(back.session.resumed).toBe(true);
        await sleep(3500);
        expect(watcher.presence).toEqual([]); // [MQTT-3.1.3-9]
      });
    }
  }, { createDriver });
});
