/** Server CPU and peak memory from /proc (runners/local/usage.ts), and the start-request checks (runners/local/index.ts). */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import '../../runners/index.js';
import { checkStartRequest } from '../../runners/local/index.js';
import { cpuTicksFromStat, peakRssFromStatus, readUsage } from '../../runners/local/usage.js';

describe('reading /proc', () => {
  it('utime + stime are fields 14 and 15, counted after the last ")" of a command name with spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat = '4242 (beam (smp) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 30 0 100 2000000 3000';
    expect(cpuTicksFromStat(stat)).toBe(1234 + 567);
    expect(cpuTicksFromStat('garbage')).toBeUndefined();
  });

  it('peak resident memory is VmHWM in kB, turned into bytes', () => {
    expect(peakRssFromStatus('Name:\tmosquitto\nVmPeak:\t  20000 kB\nVmHWM:\t    8572 kB\nVmRSS:\t    8000 kB\n')).toBe(8572 * 1024);
    expect(peakRssFromStatus('Name:\tx\n')).toBeUndefined();
  });

  it('a busy process shows CPU seconds growing; a finished one reads as undefined', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end); setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    const first = readUsage(pid);
    await new Promise((r) => setTimeout(r, 600));
    const second = readUsage(pid);
    expect(second?.cpuSeconds).toBeGreaterThan(first?.cpuSeconds ?? Infinity);
    expect(second?.peakRssBytes).toBeGreaterThan(1024 * 1024);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(readUsage(pid)).toBeUndefined();
  });
});

describe('what --start accepts, checked before anything starts', () => {
  it('each server speaks its protocols, the first one by default', () => {
    expect(checkStartRequest('mosquitto', undefined)).toBe('mqtt');
    expect(checkStartRequest('ejabberd', undefined)).toBe('mqtt');
    expect(checkStartRequest('ejabberd', 'xmpp')).toBe('xmpp');
    expect(checkStartRequest('prosody', undefined)).toBe('xmpp');
  });

  it.each([
    ['openfire', undefined, 'cannot start "openfire": chatbench starts mosquitto, ejabberd or prosody'],
    ['mosquitto', 'xmpp', 'mosquitto serves mqtt, not xmpp'],
    ['prosody', 'mqtt', 'prosody serves xmpp, not mqtt'],
    ['ejabberd', 'amqp', 'ejabberd serves mqtt and xmpp, not amqp (--protocol mqtt|xmpp)'],
  ])('%s over %s: exit 2', (server, protocol, message) => {
    expect(() => checkStartRequest(server, protocol)).toThrow(InputError);
    expect(() => checkStartRequest(server, protocol)).toThrow(message);
  });
});
