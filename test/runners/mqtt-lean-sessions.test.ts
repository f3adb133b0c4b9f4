/**
 * The lean client's persistent sessions, takeovers and 5.0 properties against a scripted server
 * (test/helpers/scripted-broker.ts) that says exactly what it has: CONNECT flags and properties
 * as the MQTT.js driver sends them; on a resume (Session Present 1) the unacknowledged PUBLISHes
 * re-sent with DUP=1 and the PUBRELs re-sent, in order, their identifiers never reused; an
 * incoming QoS 2 message answered with PUBREC before the drop not delivered again; the state
 * discarded at Session Present 0; a goodbye without keepSession ends the session on the server.
 */
import { describe, expect, it } from 'vitest';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { SendIncompleteError, type ConnectOptions, type Driver } from '../../core/driver.js';
import { encodePublish, messageExpiryProperty, TopicBytes } from '../../runners/mqtt/lean/codec.js';
import { sleep } from '../helpers/chat.js';
import type { ScriptOptions, ScriptedConnection } from '../helpers/scripted-broker.js';
import { of, scriptedSetup, type Version } from './mqtt-lean-scripted.js';

const { broker, lean } = scriptedSetup('keep', 500);
const KEEP = { persistent: true, resume: true, expirySeconds: 60 };
/** The chat PUBLISHes (to user inboxes), not the cleanup's empty retained ones. */
const chat = (conn: ScriptedConnection) => of(conn, 'publish').filter((p) => p.topic.includes('/user/'));

/** A CONNACK answer saying whether the server has the session: `present(n)` for the n-th connection (0-based). */
function connack(present: (n: number) => boolean, extra: (p: Packet, c: ScriptedConnection) => boolean | void = () => false): ScriptOptions {
  let n = 0;
  return {
    onPacket: (p, c) => {
      if (p.cmd === 'connect') {
        if (!p.clientId.startsWith('cb')) return false; // the cleanup's clients
        c.send({ cmd: 'connack', sessionPresent: present(n++), returnCode: 0, reasonCode: 0 });
        return true;
      }
      return extra(p, c);
    },
  };
}

async function user(d: Driver, name: string, extra: Partial<ConnectOptions> = {}) {
  const got: Buffer[] = [];
  const session = await d.connect({ user: name, directLevel: 2, timeoutMs: 2000, onMessage: (m) => got.push(Buffer.from(m.payload)), ...extra });
  return { session, got };
}

describe.each<Version>(['3.1.1', '5.0'])('lean persistent sessions, MQTT %s', (version) => {
  const v5 = version === '5.0';

  it('CONNECT asks as the MQTT.js driver does: a first persistent connect, then a resume', async () => {
    const b = await broker();
    const d = lean(b, version);
    const first = await user(d, 'ann', { session: { ...KEEP, resume: false } });
    await first.session.disconnect('graceful', { keepSession: true });
    await user(d, 'ann', { session: KEEP });
    const [a, r] = [of(b.connections[0]!, 'connect')[0], of(b.connections[1]!, 'connect')[0]];
    // 3.1.1: Clean Session 0 both times [MQTT-3.1.2-4]; 5.0: Clean Start 1 then 0, Session Expiry Interval 60.
    expect(a).toMatchObject({ clean: v5, ...(v5 ? { properties: { sessionExpiryInterval: 60 } } : {}) });
    expect(r).toMatchObject({ clean: false, ...(v5 ? { properties: { sessionExpiryInterval: 60 } } : {}) });
    if (!v5) expect(a?.properties).toBeUndefined();
    // The goodbye with keepSession: a plain DISCONNECT, no Session Expiry Interval 0.
    expect(of(b.connections[0]!, 'disconnect')[0]?.properties?.sessionExpiryInterval).toBeUndefined();
  });

  it('a resume re-sends the unacknowledged PUBLISH with DUP=1 and the PUBREL past PUBREC, in order; their identifiers are not reused while in flight', async () => {
    let held = 0;
    const b = await broker(connack((n) => n > 0, (p, c) => {
      if (c !== b.connections[0]) {
        // The resumed connection: the re-sent flows wait for the test to acknowledge them.
        return (p.cmd === 'publish' && p.dup) || p.cmd === 'pubrel';
      }
      if (p.cmd === 'pubrel') return true; // no PUBCOMP
      if (p.cmd !== 'publish' || !p.topic.includes('/user/')) return false;
      if (p.qos === 2) c.send({ cmd: 'pubrec', messageId: p.messageId ?? 0 });
      held++;
      return true; // the QoS 1 PUBLISH gets no PUBACK
    }));
    const d = lean(b, version);
    const ann = await user(d, 'ann', { session: { ...KEEP, resume: false } });
    const q1 = ann.session.sendToUser('bob', Buffer.from('one'), 1).catch((e: unknown) => e);
    const q2 = ann.session.sendToUser('bob', Buffer.from('two'), 2).catch((e: unknown) => e);
    await expect.poll(() => of(b.connections[0]!, 'pubrel').length).toBe(1);
    expect(held).toBe(2);
    const [p1, p2] = chat(b.connections[0]!);
    await ann.session.disconnect('abrupt');
    // The sends failed with their connection, as written: their deliveries stay owed.
    for (const failed of [await q1, await q2]) expect(failed).toMatchObject({ because: 'stopped-waiting', written: true });
    expect(await q1).toBeInstanceOf(SendIncompleteError);
    expect(await q2).toMatchObject({ awaiting: 'PUBCOMP' });

    const anomalies: unknown[] = [];
    const back = await user(d, 'ann', { session: KEEP, onAnomaly: (x) => void anomalies.push(x) });
    expect(back.session.resumed).toBe(true);
    const c2 = b.connections[1]!;
    await expect.poll(() => of(c2, 'pubrel').length).toBe(1);
    const replayed = c2.received.filter((p) => (p.cmd === 'publish' && p.topic.includes('/user/')) || p.cmd === 'pubrel');
    expect(replayed.map((p) => [p.cmd, p.messageId, p.cmd === 'publish' ? p.dup : undefined])).toEqual([
      ['publish', p1?.messageId, true],
      ['pubrel', p2?.messageId, undefined],
    ]);
    expect((replayed[0] as Packet & { cmd: 'publish' }).payload.toString()).toBe('one');
    // While the re-sent flows are open, new sends never take their identifiers [MQTT-2.3.1-2].
    await Promise.all(Array.from({ length: 5 }, (_, i) => back.session.sendToUser('bob', Buffer.from(`n${i}`), 1)));
    const fresh = chat(c2).filter((p) => !p.dup).map((p) => p.messageId);
    expect(fresh).toHaveLength(5);
    expect(fresh).not.toContain(p1?.messageId);
    expect(fresh).not.toContain(p2?.messageId);
    // A graceful goodbye waits for the re-sent flows to end on this connection.
    const bye = back.session.disconnect('graceful', { keepSession: true });
    await sleep(150);
    expect(of(c2, 'disconnect')).toHaveLength(0);
    c2.send({ cmd: 'puback', messageId: p1?.messageId ?? 0 });
    c2.send({ cmd: 'pubcomp', messageId: p2?.messageId ?? 0 });
    await bye;
    expect(of(c2, 'disconnect')).toHaveLength(1);
    expect(anomalies).toEqual([]); // the PUBACK and PUBCOMP end flows this connection knows it re-sent
    // Nothing is left to re-send: a third connection that resumes writes no PUBLISH or PUBREL of its own.
    await user(d, 'ann', { session: KEEP });
    await sleep(100);
    expect(b.connections[2]!.received.filter((p) => p.cmd === 'pubrel' || (p.cmd === 'publish' && p.topic.includes('/user/')))).toEqual([]);
  });

  it('Session Present 0: the kept state is discarded, nothing is re-sent [MQTT-3.2.2-5]', async () => {
    const b = await broker(connack(() => false, (p, c) => c === b.connections[0] && p.cmd === 'publish' && p.topic.includes('/user/')));
    const d = lean(b, version);
    const ann = await user(d, 'ann', { session: { ...KEEP, resume: false } });
    const lost = ann.session.sendToUser('bob', Buffer.from('held'), 1).catch((e: unknown) => e);
    await expect.poll(() => chat(b.connections[0]!).length).toBe(1);
    await ann.session.disconnect('abrupt');
    await lost;
    const back = await user(d, 'ann', { session: KEEP });
    expect(back.session.resumed).toBe(false);
    await back.session.sendToUser('bob', Buffer.from('new'), 1);
    expect(chat(b.connections[1]!).map((p) => [p.payload.toString(), p.dup])).toEqual([['new', false]]);
  });

  it('an incoming QoS 2 message answered with PUBREC before the drop is not delivered again when the resumed server re-sends it', async () => {
    const b = await broker(connack((n) => n > 0));
    const d = lean(b, version);
    const bob = await user(d, 'bob', { session: { ...KEEP, resume: false } });
    const c1 = b.connections[0]!;
    const topic = of(c1, 'subscribe')[0]?.subscriptions[0]?.topic ?? '';
    const publish = { cmd: 'publish', topic, payload: Buffer.from('once'), qos: 2, retain: false, dup: false, messageId: 9 } as const;
    c1.send(publish);
    await expect.poll(() => of(c1, 'pubrec').length).toBe(1);
    expect(bob.got.map(String)).toEqual(['once']); // delivered at its PUBLISH (§4.3.3 Method B)
    await bob.session.disconnect('abrupt');
    const back = await user(d, 'bob', { session: KEEP });
    const c2 = b.connections[1]!;
    c2.send({ ...publish, dup: true }); // as if the PUBREC had not reached the server
    await expect.poll(() => of(c2, 'pubrec').length).toBe(1);
    c2.send({ cmd: 'pubrel', messageId: 9 });
    await expect.poll(() => of(c2, 'pubcomp').map((p) => p.messageId)).toEqual([9]);
    expect(back.got).toEqual([]);
    // The flow is over: identifier 9 is a new message again.
    c2.send({ ...publish, payload: Buffer.from('again') });
    await expect.poll(() => back.got.map(String)).toEqual(['again']);
  });

  it('a QoS 1 message that arrives after a goodbye with the session kept is taken once, from the resumed session; without keepSession it is taken as it arrives', async () => {
    const late = (messageId: number, payload: string) => (p: Packet, c: ScriptedConnection) => {
      if (p.cmd !== 'disconnect') return false;
      const topic = of(c, 'subscribe')[0]?.subscriptions[0]?.topic ?? '';
      // In flight to the client when its DISCONNECT came: it can no longer be acknowledged.
      c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false, messageId });
      c.end();
      return true;
    };
    const b = await broker(connack((n) => n > 0, late(7, 'late')));
    const d = lean(b, version);
    const bob = await user(d, 'bob', { session: { ...KEEP, resume: false } });
    const c1 = b.connections[0]!;
    await bob.session.disconnect('graceful', { keepSession: true });
    expect(of(c1, 'puback')).toEqual([]);
    expect(bob.got).toEqual([]);
    const back = await user(d, 'bob', { session: KEEP });
    const c2 = b.connections[1]!;
    const topic = of(c1, 'subscribe')[0]?.subscriptions[0]?.topic ?? '';
    c2.send({ cmd: 'publish', topic, payload: Buffer.from('late'), qos: 1, retain: false, dup: true, messageId: 7 });
    await expect.poll(() => back.got.map(String)).toEqual(['late']);
    await expect.poll(() => of(c2, 'puback').map((p) => p.messageId)).toEqual([7]);

    // A goodbye that ends the session: the server will not send it again, so what arrived counts.
    const b2 = await broker(connack(() => false, late(8, 'last')));
    const carol = await user(lean(b2, version), 'carol', { session: { ...KEEP, resume: false } });
    await carol.session.disconnect('graceful');
    await expect.poll(() => carol.got.map(String)).toEqual(['last']);
  });

  it('what the resumed session delivers right behind CONNACK, in the same chunk, reaches the user', async () => {
    let topic = '';
    const b = await broker({
      onPacket: (p, c) => {
        if (p.cmd === 'subscribe') topic ||= p.subscriptions[0]?.topic ?? '';
        if (p.cmd !== 'connect' || b.connections.length < 2) return false;
        const settings = { protocolVersion: v5 ? 5 : 4 };
        const connackBytes = mqttPacket.generate({ cmd: 'connack', sessionPresent: true, returnCode: 0, reasonCode: 0 }, settings);
        const queued = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from('queued'), qos: 1, retain: false, dup: false, messageId: 5 }, settings);
        c.sendRaw(Buffer.concat([connackBytes, queued]));
        return true;
      },
    });
    const d = lean(b, version);
    const first = await user(d, 'bob', { session: { ...KEEP, resume: false } });
    await first.session.disconnect('abrupt');
    const back = await user(d, 'bob', { session: KEEP });
    expect(back.session.resumed).toBe(true);
    expect(back.got.map(String)).toEqual(['queued']);
    await expect.poll(() => of(b.connections[1]!, 'puback').map((p) => p.messageId)).toEqual([5]);
  });

  it('a goodbye without keepSession ends the session on the server: 5.0 Session Expiry 0 on DISCONNECT, 3.1.1 a clean connect after it', async () => {
    const b = await broker();
    const d = lean(b, version);
    const ann = await user(d, 'ann', { session: { ...KEEP, resume: false } });
    await ann.session.disconnect('graceful');
    const bye = of(b.connections[0]!, 'disconnect')[0];
    const clientId = of(b.connections[0]!, 'connect')[0]?.clientId;
    if (v5) {
      expect(bye?.properties?.sessionExpiryInterval).toBe(0);
      expect(b.connections).toHaveLength(1);
    } else {
      await expect.poll(() => b.connections.length).toBe(2);
      expect(of(b.connections[1]!, 'connect')[0]).toMatchObject({ clientId, clean: true });
    }
  });

  it('a takeover: the first connection, closed by the server, is reported with the evidence', async () => {
    const b = await broker({
      onPacket: (p, c) => {
        if (p.cmd !== 'connect' || b.connections.length < 2 || c !== b.connections[1]) return false;
        const first = b.connections[0]!;
        if (v5) first.send({ cmd: 'disconnect', reasonCode: 0x8e });
        first.end();
        return false;
      },
    });
    const d = lean(b, version);
    const ends: unknown[] = [];
    await user(d, 'tim', { onConnectionLost: (e) => void ends.push(e) });
    await user(d, 'tim', { takeover: true });
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]).toEqual(v5
      ? { by: 'server', cause: 'server sent DISCONNECT: session taken over (142)', code: 142 }
      : { by: 'server', cause: 'the server closed the connection after a second connection with its client id' });
  });
});

describe('lean persistent sessions, MQTT 5.0 limits', () => {
  it('re-sent PUBLISHes stay under the resumed server\'s Receive Maximum, in order, and new sends queue behind them [MQTT-3.3.4-7]', async () => {
    const b = await broker({
      onPacket: (p, c) => {
        if (p.cmd === 'connect' && p.clientId.startsWith('cb')) {
          const resumed = b.connections.length > 1;
          c.send({ cmd: 'connack', sessionPresent: resumed, reasonCode: 0, ...(resumed ? { properties: { receiveMaximum: 1 } } : {}) });
          return true;
        }
        // Nothing chatbench publishes to a user is acknowledged unless the test says so.
        return p.cmd === 'publish' && p.topic.includes('/user/');
      },
    });
    const d = lean(b, '5.0');
    const ann = await user(d, 'ann', { session: { ...KEEP, resume: false } });
    const lost = ['a', 'b', 'c'].map((m) => ann.session.sendToUser('bob', Buffer.from(m), 1).catch(() => undefined));
    await expect.poll(() => chat(b.connections[0]!).length).toBe(3);
    await ann.session.disconnect('abrupt');
    await Promise.all(lost);
    const back = await user(d, 'ann', { session: KEEP });
    const c2 = b.connections[1]!;
    const later = back.session.sendToUser('bob', Buffer.from('d'), 1);
    const seen = (): string[] => chat(c2).map((p) => `${p.payload.toString()}${p.dup ? '*' : ''}`);
    for (const [i, expected] of [['a*'], ['a*', 'b*'], ['a*', 'b*', 'c*'], ['a*', 'b*', 'c*', 'd']].entries()) {
      await expect.poll(seen).toEqual(expected);
      await sleep(50);
      expect(seen()).toEqual(expected); // one in flight at a time
      const p = chat(c2)[i]!;
      c2.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    }
    await later;
  });
});

describe('lean 5.0 properties', () => {
  it('CONNECT carries Receive Maximum and the will its Will Delay Interval; a clean user with a delayed will gets a session that long', async () => {
    const b = await broker();
    await user(lean(b, '5.0'), 'ann', { receiveMaximum: 7, will: { status: 'offline', tag: 'ann:1', delaySeconds: 3 } });
    const connect = of(b.connections[0]!, 'connect')[0];
    expect(connect).toMatchObject({ clean: true, properties: { receiveMaximum: 7, sessionExpiryInterval: 3 }, will: { qos: 1, retain: true, properties: { willDelayInterval: 3 } } });
    expect(JSON.parse(connect?.will?.payload.toString() ?? '')).toMatchObject({ status: 'offline', tag: 'ann:1' });
  });

  it('3.1.1 sends none of them, and the driver does not offer them', async () => {
    const b = await broker();
    const d = lean(b, '3.1.1');
    await user(d, 'ann', { receiveMaximum: 7, messageExpirySeconds: 5, will: { status: 'offline', tag: 'ann:1', delaySeconds: 3 } });
    const connect = of(b.connections[0]!, 'connect')[0];
    expect(connect?.properties).toBeUndefined();
    expect(connect?.will?.properties).toBeUndefined();
    expect([...(d.features ?? [])].sort()).toEqual(['persistent-session', 'presence-watch', 'retained', 'slow-consumer', 'takeover', 'will']);
  });

  it('Message Expiry Interval on every chat PUBLISH of the user, at every QoS; not on presence', async () => {
    const b = await broker();
    const ann = await user(lean(b, '5.0'), 'ann', { messageExpirySeconds: 30 });
    await ann.session.sendToUser('bob', Buffer.from('q0'), 0);
    await ann.session.sendToUser('bob', Buffer.from('q1'), 1);
    await ann.session.sendToRoom('r', Buffer.from('q2'), 2);
    await ann.session.setPresence('online');
    const conn = b.connections[0]!;
    await expect.poll(() => of(conn, 'publish').length).toBe(4);
    const sent = of(conn, 'publish').map((p) => [p.payload.toString(), p.properties?.messageExpiryInterval]);
    expect(sent).toEqual([['q0', 30], ['q1', 30], ['q2', 30], ['online', undefined]]);
  });

  it('encodePublish with properties reads back through mqtt-packet (property length, then the Four Byte Integer)', () => {
    const topic = new TopicBytes().get('a/b');
    const bytes = encodePublish(topic, Buffer.from('hi'), { qos: 1, retain: false, dup: true, messageId: 513, v5: true, properties: messageExpiryProperty(70_000) });
    // 0x3a: PUBLISH, DUP, QoS 1 | remaining 15 | topic 00 03 "a/b" | id 02 01 | props 05: 02 00 01 11 70 | "hi"
    expect([...bytes]).toEqual([0x3a, 15, 0, 3, 0x61, 0x2f, 0x62, 2, 1, 5, 2, 0, 1, 0x11, 0x70, 0x68, 0x69]);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const got: Packet[] = [];
    parser.on('packet', (p: Packet) => void got.push(p));
    parser.parse(bytes);
    expect(got[0]).toMatchObject({ cmd: 'publish', topic: 'a/b', messageId: 513, dup: true, qos: 1, properties: { messageExpiryInterval: 70_000 } });
  });
});
