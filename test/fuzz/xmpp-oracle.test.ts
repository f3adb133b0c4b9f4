/**
 * The XMPP oracle, executor and canary against a small scripted XMPP server (a test fixture):
 * it logs anyone in with PLAIN, echoes messages to their sender and answers IQs — and, per
 * mode, treats an XML comment the way a good server does (stream error, close), delivers it
 * anyway (accepted-malformed), ignores it (not-closed), or stops serving everyone (hang).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { executeCase } from '../../runners/xmpp/fuzz/execute.js';
import { LOGIN_STEP } from '../../runners/xmpp/fuzz/login.js';
import type { XmppFuzzStep } from '../../runners/xmpp/fuzz/sequence.js';

type Mode = 'strict' | 'delivers' | 'ignores' | 'wedges';
const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s' from='localhost' version='1.0'>";

function scriptedServer(mode: Mode): Promise<{ port: number; close(): void }> {
  let wedged = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let authed = false;
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (wedged) return;
      if (text.includes('<!--')) {
        if (mode === 'strict') return void socket.end("<stream:error><restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
        if (mode === 'ignores') return;
        if (mode === 'wedges') return void (wedged = true);
      }
      if (text.includes('<stream:stream')) {
        socket.write(HEADER + (authed ? "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>" : "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"));
      }
      if (text.includes('<auth ')) {
        authed = true;
        socket.write("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
      }
      for (const m of text.matchAll(/<iq type='(?:get|set)' id='([^']+)'/g)) {
        socket.write(m[1] === 'bind' ? "<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>u@localhost/r</jid></bind></iq>" : `<iq type='result' id='${m[1]}'/>`);
      }
      for (const m of text.matchAll(/<message[^>]* id='([^']+)'>(?:<!--.*?-->)?<body>(.*?)<\/body>/g)) socket.write(`<message type='chat' id='${m[1]}'><body>${m[2]}</body></message>`);
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => { for (const s of sockets) s.destroy(); server.close(); } });
    });
  });
}

const login: XmppFuzzStep = { connection: 0, bytes: LOGIN_STEP, note: 'login', malformed: false, statements: [] };
const comment: XmppFuzzStep = { connection: 0, bytes: Buffer.from("<message type='chat' id='c0-1'><!-- a comment --><body>x</body></message>"), note: 'a comment inside a stanza', malformed: true, statements: ['RFC6120-11.1'] };
const ping: XmppFuzzStep = { connection: 0, bytes: Buffer.from("<iq type='get' id='c0-1'><ping xmlns='urn:xmpp:ping'/></iq>"), note: 'IQ get ping', malformed: false, statements: [] };
const hello: XmppFuzzStep = { connection: 0, bytes: Buffer.from("<message type='chat' id='c0-2'><body>a &amp; b</body></message>"), note: 'message to itself', malformed: false, statements: [] };

let stop: (() => void) | undefined;
afterEach(() => stop?.());

async function run(mode: Mode, steps: XmppFuzzStep[]) {
  const server = await scriptedServer(mode);
  stop = server.close;
  return executeCase(steps, { endpoint: { host: '127.0.0.1', port: server.port }, domain: 'localhost', account: { username: 'u', password: 'secret-pw' }, answerTimeoutMs: 300, canaryTimeoutMs: 500 });
}

describe('the XMPP fuzz oracle on a scripted server', () => {
  it('passes valid stanzas answered as they must be, and records the bytes with no password', async () => {
    const outcome = await run('strict', [login, ping, hello]);
    expect(outcome.verdict).toBeNull();
    expect(outcome.steps.map((s) => s.hex)).toEqual([LOGIN_STEP.toString('hex'), ping.bytes.toString('hex'), hello.bytes.toString('hex')]);
    const received = Buffer.from(outcome.received[0]?.hex ?? '', 'hex').toString();
    expect(received).toContain("<iq type='result' id='c0-1'/>");
    for (const s of outcome.steps) expect(Buffer.from(s.hex, 'hex').toString()).not.toContain('secret-pw');
  });

  it('passes a comment refused with a stream error', async () => {
    expect((await run('strict', [login, comment])).verdict).toBeNull();
  });

  it('calls a comment delivered as a message accepted-malformed, with the statement', async () => {
    const outcome = await run('delivers', [login, comment]);
    expect(outcome.verdict?.kind).toBe('accepted-malformed');
    expect(outcome.verdict?.statements).toEqual(['RFC6120-11.1']);
  });

  it('calls a comment ignored not-closed', async () => {
    expect((await run('ignores', [login, comment])).verdict?.kind).toBe('not-closed');
  });

  it('calls a server that stops serving after the comment a hang (the canary cannot log in)', async () => {
    const outcome = await run('wedges', [login, comment]);
    expect(outcome.verdict?.kind).toBe('hang');
    expect(outcome.verdict?.message).toMatch(/canary client could not log in/);
  });

  it('calls a server gone before the case a crash', async () => {
    const server = await scriptedServer('strict');
    server.close();
    const outcome = await executeCase([login, ping], { endpoint: { host: '127.0.0.1', port: server.port }, domain: 'localhost', account: { username: 'u', password: 'p' }, answerTimeoutMs: 300, canaryTimeoutMs: 500 });
    expect(outcome.verdict?.kind).toBe('crash');
  });
});
