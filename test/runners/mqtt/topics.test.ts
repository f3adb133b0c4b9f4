/**
 * The per-run namespace and client ids (runners/mqtt/topics.ts), and the short reasons
 * unreachable targets are reported with (runners/mqtt/connection.ts).
 */
import { describe, expect, it } from 'vitest';
import { describeConnackRefusal, describeFailure } from '../../../runners/mqtt/connection.js';
import { parseEndpoint } from '../../../runners/mqtt/endpoint.js';
import { cleanupClientIdFor, clientIdFor, runTopics } from '../../../runners/mqtt/topics.js';

describe('runTopics', () => {
  const t = runTopics('run-1');

  it('builds room, inbox and presence topics under chatbench/<runId>/', () => {
    expect(t.prefix).toBe('chatbench/run-1/');
    expect(t.room('lobby')).toBe('chatbench/run-1/room/lobby');
    expect(t.inbox('u7')).toBe('chatbench/run-1/user/u7');
    expect(t.presence('u7')).toBe('chatbench/run-1/presence/u7');
  });

  it('escapes level separators, wildcards and NUL so a name stays one topic level [MQTT-4.7.1]', () => {
    for (const name of ['a/b', '+', '#', 'x\u0000y', '100%', 'ünï cödé']) {
      const topic = t.room(name);
      expect(topic.split('/')).toHaveLength(4);
      expect(topic).not.toMatch(/[+#\u0000]/);
      expect(t.parse(topic)).toEqual({ kind: 'room', room: name });
    }
    expect(runTopics('a/b#').prefix).toBe('chatbench/a%2Fb%23/');
  });

  it('parses rooms and inboxes of its own run only', () => {
    expect(t.parse('chatbench/run-1/user/bob')).toEqual({ kind: 'direct' });
    expect(t.parse('chatbench/run-2/room/lobby')).toBeNull();
    expect(t.parse('chatbench/run-1/presence/bob')).toBeNull();
    expect(t.parse('chatbench/run-1/room/a/b')).toBeNull();
    expect(t.parse('chatbench/run-1/room/%E0%A4%A')).toBeNull();
    expect(() => t.room('')).toThrow(/empty/);
  });
});

describe('client ids', () => {
  it('are 1..23 characters of 0-9a-zA-Z that every 3.1.1 server accepts [MQTT-3.1.3-5]', () => {
    const runs = ['r', '2024-01-01T00:00:00Z-a-very-long-run-identifier'];
    const users = ['u0', 'u12345', 'averyveryverylongusername', 'ünï/+#', 'u'.repeat(13)];
    for (const run of runs) {
      for (const user of users) expect(clientIdFor(run, user)).toMatch(/^[0-9A-Za-z]{1,23}$/);
    }
    expect(cleanupClientIdFor(runs[1] ?? '')).toMatch(/^cc[0-9a-f]{14}$/);
  });

  it('differ per user and per run, and keep short alphanumeric user names readable', () => {
    expect(clientIdFor('run', 'u1')).toMatch(/^cb[0-9a-f]{8}u1$/);
    const ids = new Set(['u1', 'u2', 'u10', 'a/b', 'a+b'].map((u) => clientIdFor('run', u)));
    expect(ids.size).toBe(5);
    expect(clientIdFor('run-a', 'u1')).not.toBe(clientIdFor('run-b', 'u1'));
  });
});

describe('target URLs', () => {
  it('mask credentials for display (the one redactor in core) and keep the rest as written', () => {
    expect(parseEndpoint('mqtts://bob:s3cret@broker.example:8883').display).toBe('mqtts://bob:***@broker.example:8883');
    expect(parseEndpoint('ws://bob@127.0.0.1:9001/mqtt?x=1').display).toBe('ws://***@127.0.0.1:9001/mqtt?x=1');
    expect(parseEndpoint('mqtt://127.0.0.1').display).toBe('mqtt://127.0.0.1');
  });

  it('default the port per scheme and keep the WebSocket path', () => {
    expect(parseEndpoint('mqtt://h')).toMatchObject({ host: 'h', port: 1883, secure: false, websocket: false });
    expect(parseEndpoint('mqtts://h')).toMatchObject({ port: 8883, secure: true });
    expect(parseEndpoint('wss://[::1]/mqtt?a=1')).toMatchObject({ host: '::1', port: 443, path: '/mqtt?a=1', websocket: true });
  });
});

describe('unreachable reasons', () => {
  const errno = (code: string, extra: object = {}): Error => Object.assign(new Error(`x ${code}`), { code, ...extra });

  it('are short and name what failed', () => {
    expect(describeFailure({ phase: 'tcp', error: errno('ECONNREFUSED', { address: '127.0.0.1', port: 1 }) }))
      .toBe('connection refused (ECONNREFUSED 127.0.0.1:1)');
    expect(describeFailure({ phase: 'tcp', error: errno('ENOTFOUND', { hostname: 'nope.invalid' }) }))
      .toBe('host not found (ENOTFOUND nope.invalid)');
    expect(describeFailure({ phase: 'tls', error: new Error('self-signed certificate in certificate chain') }))
      .toBe('TLS: self-signed certificate in certificate chain');
    expect(describeFailure({ phase: 'websocket', error: new Error('Unexpected server response: 404') }))
      .toBe('WebSocket: Unexpected server response: 404');
  });

  it('name CONNACK refusals by the spec, for 3.1.1 return codes and 5.0 reason codes', () => {
    expect(describeConnackRefusal(5, false)).toBe('CONNACK: not authorized (5)');
    expect(describeConnackRefusal(0x86, false)).toBe('CONNACK: bad user name or password (134)');
    expect(describeConnackRefusal(0x84, true)).toMatch(/^CONNACK: unsupported protocol version \(132\); the embedded broker/);
  });
});
