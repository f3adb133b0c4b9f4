/**
 * Pre-CONNACK diagnosis as pure functions: what the server's first bytes say when they cannot
 * begin an MQTT answer, the 3.1.1 hint on a refused MQTT 5 CONNECT, and EMFILE/ENFILE as a
 * local limit (exit 2), never an unreachable target.
 */
import { describe, expect, it } from 'vitest';
import { LocalLimitError } from '../../../core/errors.js';
import { describeConnackRefusal, describeNotMqtt } from '../../../runners/mqtt/connection.js';
import { localLimitError } from '../../../runners/mqtt/local-limit.js';

const errno = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('describeNotMqtt', () => {
  it('accepts what can start an answer to CONNECT: CONNACK, and AUTH on 5.0 only [MQTT-3.1.4-5]', () => {
    expect(describeNotMqtt(Buffer.from([0x20, 0x02, 0x00, 0x00]), 4)).toBeUndefined();
    expect(describeNotMqtt(Buffer.from([0xf0, 0x00]), 5)).toBeUndefined();
    expect(describeNotMqtt(Buffer.from([0xf0, 0x00]), 4)).toMatch(/^the server answered with bytes that are not MQTT \(f0 00: /);
    expect(describeNotMqtt(undefined, 5)).toBeUndefined();
  });

  it('names HTTP, TLS and anything else', () => {
    expect(describeNotMqtt(Buffer.from('HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n'), 5))
      .toBe('the server answered with HTTP, not MQTT ("HTTP/1.0 404 Not Found")');
    expect(describeNotMqtt(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]), 4))
      .toBe('the server answered with TLS, not plain MQTT: use mqtts:// (or wss://)');
    expect(describeNotMqtt(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), 4))
      .toBe('the server answered with bytes that are not MQTT (53 53 48 2d 32 2e 30 2d: "SSH-2.0-OpenSSH_")');
  });
});

describe('describeConnackRefusal', () => {
  it('suggests 3.1.1 when a remote server refuses the MQTT 5 protocol version', () => {
    expect(describeConnackRefusal(0x84, false, 5)).toBe('CONNACK: unsupported protocol version (132); a server that does not speak MQTT 5.0 does this: try --mqtt-version 3.1.1');
    expect(describeConnackRefusal(1, false, 5)).toMatch(/try --mqtt-version 3\.1\.1$/);
    expect(describeConnackRefusal(1, false, 4)).toBe('CONNACK: unacceptable protocol version (1)');
    expect(describeConnackRefusal(0x87, false, 5)).toBe('CONNACK: not authorized (135)');
  });
});

describe('localLimitError', () => {
  it('EMFILE and ENFILE are local limits with exit 2; other errors are not', () => {
    const emfile = localLimitError(errno('EMFILE'), 'cannot open a connection to mqtt://h:1');
    expect(emfile).toBeInstanceOf(LocalLimitError);
    expect(emfile?.exitCode).toBe(2);
    expect(emfile?.message).toMatch(/^cannot open a connection to mqtt:\/\/h:1: chatbench ran out of file descriptors \(EMFILE\): this process's open-file limit/);
    expect(localLimitError(errno('ENFILE'), 'x')?.message).toContain("the system's open-file table is reached");
    expect(localLimitError(errno('ECONNREFUSED'), 'x')).toBeUndefined();
    expect(localLimitError(new Error('no code'), 'x')).toBeUndefined();
  });
});
