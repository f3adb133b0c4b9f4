/**
 * Every chat verb of the XMPP driver against one real server, registered inside the caller's
 * describe(): direct and room messages (binary payloads intact, the room's echo dropped),
 * levels (1 completes on the XEP-0198 ack, 2 is granted as 1), presence through rooms,
 * typing (XEP-0085), offline delivery marked by <delay>, and a XEP-0198 resume after an
 * abrupt drop.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SendIncompleteError, type Driver } from '../../../core/driver.js';
import { openTarget, targetFromUrl } from '../../../runners/index.js';
import type { XmppChatSession, ChatState } from '../../../runners/xmpp/session.js';
import { connectUser, samePayload, sleep, uniquePayload, type ChatUser } from '../../helpers/chat.js';

export interface XmppServer {
  url: string;
  fields: Record<string, unknown>;
  /** The server keeps a dropped stream for resumption (prosody smacks, ejabberd mod_stream_mgmt). */
  resumes: boolean;
}

/** A payload with every byte value, so base64 round trips are proven on bytes XML cannot carry raw. */
function binaryPayload(label: string): Buffer {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return Buffer.concat([uniquePayload(label, 48), all]);
}

export function defineXmppVerbs(server: () => XmppServer): void {
  let driver: Driver;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  const xmpp = (u: ChatUser): XmppChatSession => u.session as XmppChatSession;

  beforeAll(async () => {
    const { url, fields } = server();
    const handle = await openTarget(targetFromUrl(url, fields));
    expect(handle.info.protocol).toBe('xmpp');
    driver = handle.createDriver(`t${Date.now().toString(36)}`);
    const connect = (u: string) => connectUser(driver, u, { directLevel: 1, timeoutMs: 10_000 });
    [alice, bob, carol] = await Promise.all([connect('u0'), connect('u1'), connect('u2')]);
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('delivers a direct message as <message type="chat">, binary payload intact, level 1 from stream management', async () => {
    expect(alice.session.inboxLevel).toBe(1);
    const payload = binaryPayload('dm');
    await alice.session.sendToUser('u1', payload, 1);
    const got = await bob.inbox.waitFor(samePayload(payload), 5000);
    expect(got.source).toEqual({ kind: 'direct' });
    expect(got.level).toBe(1);
    expect(got.stored).toBeUndefined();
    expect(alice.session.wire().bytesOut).toBeGreaterThan(payload.length * 4 / 3);
  });

  it('joins rooms (level 2 granted as 1: XMPP has no exactly-once) and fans groupchat out to the others only', async () => {
    const granted = await Promise.all([alice, bob, carol].map((u) => u.session.joinRoom('r0', 2)));
    expect(granted).toEqual([1, 1, 1]);
    const payload = binaryPayload('room');
    await alice.session.sendToRoom('r0', payload, 1);
    const [b, c] = await Promise.all([bob.inbox.waitFor(samePayload(payload), 5000), carol.inbox.waitFor(samePayload(payload), 5000)]);
    expect(b.source).toEqual({ kind: 'room', room: 'r0' });
    expect(c.source).toEqual({ kind: 'room', room: 'r0' });
    await sleep(200);
    expect(alice.inbox.messages.some(samePayload(payload))).toBe(false);
  });

  it('sends level 0 without waiting; a level-1 send cut off before the server acknowledged fails naming the ack', async () => {
    const dave = await connectUser(driver, 'u3', { directLevel: 1, timeoutMs: 10_000 });
    const quick = dave.session.sendToUser('u1', uniquePayload('q0'), 0);
    const acked = dave.session.sendToUser('u1', uniquePayload('q1'), 1);
    await expect(quick).resolves.toBeUndefined();
    await dave.session.disconnect('abrupt');
    const err = await acked.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SendIncompleteError);
    expect((err as SendIncompleteError).awaiting).toBe('XEP-0198 <a/>');
  });

  it('announces presence to room occupants, and a typing chat state to a peer', async () => {
    const seen: [string, boolean, string | undefined][] = [];
    xmpp(bob).onPresence = (from, available, status) => seen.push([from, available, status]);
    const states: [string, ChatState][] = [];
    xmpp(bob).onChatState = (from, state) => states.push([from, state]);
    await carol.session.setPresence('away');
    await xmpp(alice).sendChatState('u1', 'composing');
    for (let i = 0; i < 50 && (states.length === 0 || !seen.some(([f]) => f === 'u2')); i++) await sleep(100);
    expect(seen).toContainEqual(['u2', true, 'away']);
    expect(states).toContainEqual(['u0', 'composing']);
  });

  it('keeps a message for a user who left, and hands it over on login marked as stored (<delay>)', async () => {
    await bob.session.disconnect('graceful');
    const payload = binaryPayload('offline');
    await alice.session.sendToUser('u1', payload, 1);
    bob = await connectUser(driver, 'u1', { directLevel: 1, timeoutMs: 10_000 });
    const got = await bob.inbox.waitFor(samePayload(payload), 5000);
    expect(got.stored).toBe(true);
  });

  it('resumes the stream after an abrupt drop (XEP-0198): what was queued meanwhile arrives', async () => {
    const session = xmpp(carol);
    if (!server().resumes) return;
    expect(session.resumable).toBe(true);
    await carol.session.disconnect('abrupt');
    const meanwhile = binaryPayload('while-away');
    await alice.session.sendToUser('u2', meanwhile, 1);
    const before = carol.session.wire().bytesIn;
    const { resent } = await session.resume();
    expect(resent).toBeGreaterThanOrEqual(0);
    await carol.inbox.waitFor(samePayload(meanwhile), 5000);
    const after = binaryPayload('after-resume');
    await carol.session.sendToUser('u0', after, 1);
    await alice.inbox.waitFor(samePayload(after), 5000);
    expect(carol.session.wire().bytesIn).toBeGreaterThan(before);
  });
}
