/**
 * The XMPP runner's pure parts: SCRAM-SHA-1 against RFC 5802's worked example, the streaming
 * parser across arbitrary chunk splits, XEP-0198 ack counting (wrap at 2^32, re-send after a
 * resume), the body codec, accounts, and the target fields' rules.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../../../core/target.js';
import '../../../runners/index.js';
import { accountSource } from '../../../runners/xmpp/accounts.js';
import { decodeBody, encodeBody } from '../../../runners/xmpp/payload.js';
import { chooseMechanism, plain, scramSha1 } from '../../../runners/xmpp/sasl.js';
import { StreamManagement } from '../../../runners/xmpp/sm.js';
import { xmppRunner, type XmppTargetFields } from '../../../runners/xmpp/target.js';
import { StreamParser, escapeXml, type XmlElement } from '../../../runners/xmpp/xml.js';

describe('SASL', () => {
  it('computes RFC 5802 §5\'s SCRAM-SHA-1 exchange (user / pencil) and checks the server signature', () => {
    const mech = scramSha1('user', 'pencil', 'fyko+d2lbbFgONRv9qkxdawL');
    expect(mech.initial().toString()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = mech.respond(Buffer.from('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
    expect(final.toString()).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(() => mech.verify(Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='))).not.toThrow();
    expect(() => mech.verify(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='))).toThrow(/server signature is wrong/);
  });

  it('refuses a server nonce that does not extend ours', () => {
    const mech = scramSha1('user', 'pencil', 'abc');
    expect(() => mech.respond(Buffer.from('r=xyz,s=QSXCR+Q6sek8bf92,i=4096'))).toThrow(/malformed/);
  });

  it('prefers SCRAM-SHA-1, offers PLAIN only where allowed', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'], 'a', 'b', true)?.name).toBe('SCRAM-SHA-1');
    expect(chooseMechanism(['PLAIN'], 'a', 'b', true)?.name).toBe('PLAIN');
    expect(chooseMechanism(['PLAIN'], 'a', 'b', false)).toBeUndefined();
    expect(plain('alice', 's3cret').initial()).toEqual(Buffer.from('\0alice\0s3cret'));
  });
});

describe('StreamParser', () => {
  const stream =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='1'>" +
    "<message from='r@c/u1' type='groupchat'><body>QUJD</body><delay xmlns='urn:xmpp:delay' stamp='x'/></message>" +
    "<a xmlns='urn:xmpp:sm:3' h='7'/><message><body>h\u00e9 &amp; &lt;ok&gt;</body></message></stream:stream>";

  it.each([1, 2, 3, 7, 64, 10_000])('hands over the same stanzas whatever the chunk size (%i bytes)', (size) => {
    const bytes = Buffer.from(stream, 'utf8');
    const got: XmlElement[] = [];
    let ended = false;
    const parser = new StreamParser({ onOpen: () => undefined, onElement: (el) => got.push(el), onEnd: () => { ended = true; }, onError: (err) => { throw err; } });
    for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
    expect(got.map((e) => e.name)).toEqual(['message', 'a', 'message']);
    expect(got[0]?.children.map((c) => c.name)).toEqual(['body', 'delay']);
    expect(got[0]?.children[0]?.text).toBe('QUJD');
    expect(got[1]?.attrs['h']).toBe('7');
    expect(got[2]?.children[0]?.text).toBe('h\u00e9 & <ok>');
    expect(ended).toBe(true);
  });

  it('reports broken XML once, as an error', () => {
    const errors: Error[] = [];
    const parser = new StreamParser({ onOpen: () => undefined, onElement: () => undefined, onEnd: () => undefined, onError: (e) => errors.push(e) });
    parser.write(Buffer.from("<stream:stream><message></presence><iq/>"));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/does not close/);
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`a&b<c>d'e"f`)).toBe('a&amp;b&lt;c&gt;d&apos;e&quot;f');
  });
});

describe('StreamManagement', () => {
  it('completes each acked send when an <a h> covers it, and keeps the rest for a resume', () => {
    const sm = new StreamManagement();
    const done: number[] = [];
    for (let i = 1; i <= 4; i++) sm.sent(`<m${i}/>`, { done: () => done.push(i), fail: () => undefined });
    sm.sent('<presence/>');
    expect(sm.ack(2)).toBe(2);
    expect(done).toEqual([1, 2]);
    expect(sm.unackedXml()).toEqual(['<m3/>', '<m4/>', '<presence/>']);
    expect(sm.ack(2)).toBe(0);
    sm.ack(5);
    expect(done).toEqual([1, 2, 3, 4]);
    expect(sm.pending).toBe(0);
  });

  it('counts h modulo 2^32', () => {
    const sm = new StreamManagement();
    // 2^32 - 1 stanzas acknowledged earlier, then two more sent: h wraps to 1.
    (sm as unknown as { acked: number; outbound: number }).acked = 2 ** 32 - 1;
    (sm as unknown as { acked: number; outbound: number }).outbound = 2 ** 32 - 1;
    let completed = 0;
    sm.sent('<x/>', { done: () => completed++, fail: () => undefined });
    sm.sent('<y/>', { done: () => completed++, fail: () => undefined });
    expect(sm.ack(1)).toBe(2);
    expect(completed).toBe(2);
  });

  it('fails waiting sends on a drop but keeps their stanzas for re-sending', () => {
    const sm = new StreamManagement();
    const failed: string[] = [];
    sm.sent('<m/>', { done: () => undefined, fail: (e) => failed.push(e.message) });
    sm.failWaiting(() => new Error('dropped'));
    expect(failed).toEqual(['dropped']);
    expect(sm.unackedXml()).toEqual(['<m/>']);
    sm.failAll(() => new Error('gone'));
    expect(failed).toEqual(['dropped']);
    expect(sm.unackedXml()).toEqual([]);
  });
});

describe('payload in <body>', () => {
  it('round-trips every byte value through base64', () => {
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    expect(decodeBody(encodeBody(bytes))).toEqual(Buffer.from(bytes));
    expect(decodeBody('hello')).toBeUndefined();
  });
});

describe('accounts', () => {
  it('takes file lines in order, registers fresh names per run, fills templates from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatbench-accounts-'));
    const file = join(dir, 'users');
    writeFileSync(file, '# bench accounts\nalice@localhost:pa:ss\nbob:pw\n');
    const fromFile = accountSource({ kind: 'file', file }, 'run1', {});
    expect(fromFile.accountFor('u0')).toEqual({ username: 'alice', password: 'pa:ss', register: false });
    expect(fromFile.accountFor('u1').username).toBe('bob');
    expect(() => fromFile.accountFor('u2')).toThrow(/has 2 accounts/);
    const reg = accountSource({ kind: 'register' }, 'RunX', {});
    expect(reg.accountFor('u3')).toMatchObject({ username: 'cb-runx-u3', register: true });
    expect(reg.registered()).toHaveLength(1);
    const tpl = accountSource({ kind: 'template', template: 'bench{n}', passwordEnv: 'PW' }, 'r', { PW: 'secret-{n}' });
    expect(tpl.accountFor('u7')).toEqual({ username: 'bench7', password: 'secret-7', register: false });
    expect(() => accountSource({ kind: 'template', template: 'b{n}', passwordEnv: 'NOPE' }, 'r', {})).toThrow(/NOPE/);
  });
});

describe('XMPP target fields', () => {
  // As the scenario loader does: each field through its schema first, then the runner's rules.
  const resolve = (url: string, fields: Record<string, unknown> = {}) =>
    resolveTarget({ url, ...xmppRunner.fields.parse(fields) }, { baseDir: '/scenarios' });

  it('defaults: domain from a host name (localhost for an address), MUC at conference.<domain>, registration, whitespace keep-alive', () => {
    const { target, issues } = resolve('xmpp://chat.example.com');
    expect(issues).toEqual([]);
    expect(target?.protocol).toBe('xmpp');
    const f = target?.fields as XmppTargetFields;
    expect(f).toMatchObject({ domain: 'chat.example.com', mucDomain: 'conference.chat.example.com', accounts: { kind: 'register' }, starttls: 'if-offered', keepAlive: { method: 'whitespace', intervalMs: 30_000 } });
    expect((resolve('xmpp://127.0.0.1:5222').target?.fields as XmppTargetFields).domain).toBe('localhost');
  });

  it('resolves an accounts file against the scenario folder and parses the keep-alive interval', () => {
    const f = resolve('xmpps://127.0.0.1', { accounts: { file: 'users.txt' }, keepAlive: { method: 'ping', interval: '5s' } }).target?.fields as XmppTargetFields;
    expect(f.accounts).toEqual({ kind: 'file', file: '/scenarios/users.txt' });
    expect(f.keepAlive).toEqual({ method: 'ping', intervalMs: 5000 });
  });

  it('refuses credentials in the URL, starttls on xmpps://, and MQTT fields', () => {
    expect(resolve('xmpp://u:p@127.0.0.1').issues.map((i) => i.path)).toEqual([['url']]);
    expect(resolve('xmpps://127.0.0.1', { starttls: 'never' }).issues.map((i) => i.path)).toEqual([['starttls']]);
    expect(resolveTarget({ url: 'xmpp://127.0.0.1', mqttVersion: '5.0' }, { baseDir: '/' }).issues[0]?.message).toMatch(/mqttVersion does not apply to xmpp targets/);
    expect(xmppRunner.fields.safeParse({ keepAlive: { interval: 'soon' } }).success).toBe(false);
  });
});
