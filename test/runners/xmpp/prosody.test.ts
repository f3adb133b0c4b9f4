/**
 * The XMPP driver against a real prosody 0.12: every verb over plain TCP (accounts from a
 * file, SCRAM-SHA-1), over STARTTLS with the certificate verified (in-band registered accounts),
 * and over direct TLS (xmpps://); verification on by default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetUnreachableError } from '../../../core/errors.js';
import { openTarget, targetFromUrl } from '../../../runners/index.js';
import { connectUser } from '../../helpers/chat.js';
import { describeWithProsody, startProsody, type Prosody } from '../../helpers/prosody.js';
import { defineXmppVerbs } from './verbs-suite.js';

describeWithProsody('XMPP driver on prosody', () => {
  let prosody: Prosody;
  beforeAll(async () => {
    prosody = await startProsody({ users: 6 });
  }, 30_000);
  afterAll(async () => {
    await prosody?.stop();
  });

  describe('plain TCP, accounts from a file', () => {
    defineXmppVerbs(() => ({
      url: `xmpp://127.0.0.1:${prosody.port}`,
      fields: { accounts: { file: prosody.usersFile }, starttls: 'never' },
      resumes: true,
    }));
  });

  describe('STARTTLS with the certificate verified, accounts registered in-band', () => {
    defineXmppVerbs(() => ({
      url: `xmpp://127.0.0.1:${prosody.port}`,
      fields: { accounts: 'register', starttls: 'required', tls: { ca: prosody.caFile } },
      resumes: true,
    }));
  });

  describe('direct TLS (xmpps://)', () => {
    defineXmppVerbs(() => ({
      url: `xmpps://127.0.0.1:${prosody.tlsPort}`,
      fields: { accounts: { file: prosody.usersFile }, tls: { ca: prosody.caFile } },
      resumes: true,
    }));
  });

  it('keeps an idle connection alive with XEP-0199 pings, each answered by the server', async () => {
    const handle = await openTarget(targetFromUrl(`xmpp://127.0.0.1:${prosody.port}`, {
      accounts: { file: prosody.usersFile }, starttls: 'never', keepAlive: { method: 'ping', interval: 1000 }, // parsed form: ms
    }));
    const driver = handle.createDriver('pingcheck');
    let lost: string | undefined;
    const session = await driver.connect({
      user: 'u2', directLevel: 1, timeoutMs: 5000, onMessage: () => undefined, onConnectionLost: (end) => { lost = end.cause; },
    });
    expect(session.keepAliveSeconds).toBe(1);
    const before = session.wire();
    await new Promise((resolve) => setTimeout(resolve, 3_500)); // idle: nothing sent but the pings
    const after = session.wire();
    // At least two pings out (an <iq type='get'> with <ping xmlns='urn:xmpp:ping'/> is ~90 bytes) and
    // two answers in: whitespace keep-alive would move one byte out and nothing in.
    expect(after.bytesOut - before.bytesOut).toBeGreaterThanOrEqual(2 * 60);
    expect(after.bytesIn - before.bytesIn).toBeGreaterThanOrEqual(2 * 40);
    expect(lost).toBeUndefined();
    await driver.close();
  }, 20_000);

  it('verifies the server certificate by default: an unknown CA is an unreachable target', async () => {
    const handle = await openTarget(targetFromUrl(`xmpp://127.0.0.1:${prosody.port}`, { accounts: { file: prosody.usersFile } }));
    const driver = handle.createDriver('tlscheck');
    const err = await connectUser(driver, 'u0', { timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TargetUnreachableError);
    expect(String((err as Error).message)).toMatch(/TLS handshake: .*(self.signed|unable to verify|certificate)/i);
    await driver.close();
  });

  it('registers one account per user in-band and removes them when the driver closes (XEP-0077)', async () => {
    const handle = await openTarget(targetFromUrl(`xmpp://127.0.0.1:${prosody.port}`, { accounts: 'register', starttls: 'never' }));
    const driver = handle.createDriver('RegCheck');
    await Promise.all(['u0', 'u1'].map((u) => connectUser(driver, u, { timeoutMs: 5000 })));
    expect((await prosody.accounts()).filter((a) => a.startsWith('cb-regcheck-')).sort()).toEqual(['cb-regcheck-u0', 'cb-regcheck-u1']);
    await driver.close();
    expect((await prosody.accounts()).filter((a) => a.startsWith('cb-regcheck-'))).toEqual([]);
  });

  it('refuses a wrong password with the SASL condition', async () => {
    process.env.CB_XMPP_BAD = 'not-the-password';
    const handle = await openTarget(targetFromUrl(`xmpp://127.0.0.1:${prosody.port}`, { accounts: { template: 'user{n}', passwordEnv: 'CB_XMPP_BAD' }, starttls: 'never' }));
    const driver = handle.createDriver('badpass');
    const err = await connectUser(driver, 'u1', { timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/SASL: SCRAM-SHA-1 login of user1 failed: not-authorized/);
    await driver.close();
  });
});
