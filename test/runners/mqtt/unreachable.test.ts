/**
 * Targets that cannot be reached: nothing listening, a server that never answers, a server
 * that hangs up. Each must reject with TargetUnreachableError naming the target, quickly,
 * and leave no socket behind. All on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { InputError, TargetUnreachableError } from '../../../core/errors.js';
import type { MqttVersion } from '../../../runners/mqtt/endpoint.js';
import { createMqttDriver } from '../../../runners/mqtt/driver.js';
import { freePorts, startSilentServer } from '../../helpers/ports.js';

async function connectError(url: string, timeoutMs: number, mqttVersion: MqttVersion = '3.1.1'): Promise<{ error: unknown; ms: number }> {
  const driver = createMqttDriver({ url, mqttVersion, tls: { rejectUnauthorized: true } }, { runId: 'unreach' });
  const started = Date.now();
  try {
    const error = await driver.connect({ user: 'u', directLevel: 1, onMessage: () => {}, timeoutMs }).then(() => undefined, (e: unknown) => e);
    return { error, ms: Date.now() - started };
  } finally {
    await driver.close();
  }
}

describe('unreachable targets', () => {
  let closedPort: number;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  beforeAll(async () => {
    [closedPort = 0] = await freePorts(1);
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent.close();
  });

  it.each(['mqtt', 'mqtts', 'ws', 'wss'])('refused %s:// connection rejects at once with the reason', async (scheme) => {
    const url = `${scheme}://127.0.0.1:${closedPort}`;
    const { error, ms } = await connectError(url, 5000);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as TargetUnreachableError).target).toBe(url);
    expect((error as Error).message).toBe(
      `cannot reach target ${url}: connection refused (ECONNREFUSED 127.0.0.1:${closedPort})`,
    );
    expect(ms).toBeLessThan(1000);
  });

  it.each([
    ['mqtt', 'no CONNACK within 300 ms'],
    ['mqtts', 'TLS handshake not completed within 300 ms'],
    ['ws', 'WebSocket upgrade not completed within 300 ms'],
  ])('a silent %s:// server rejects after timeoutMs: %s', async (scheme, reason) => {
    const url = `${scheme}://127.0.0.1:${silent.port}`;
    const { error, ms } = await connectError(url, 300);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toBe(`cannot reach target ${url}: ${reason}`);
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(1500);
  });

  it('closes its socket to a silent server after giving up', async () => {
    let accepted = 0;
    let closed = 0;
    const server = net.createServer((s) => {
      accepted += 1;
      s.resume();
      s.once('close', () => void (closed += 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await connectError(`mqtt://127.0.0.1:${port}`, 200, '5.0');
    await new Promise((r) => setTimeout(r, 50));
    expect({ accepted, closed }).toEqual({ accepted: 1, closed: 1 });
    server.close();
  });

  it('a server that hangs up before CONNACK is unreachable, with that reason', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const { error, ms } = await connectError(`mqtt://127.0.0.1:${port}`, 3000);
    server.close();
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toMatch(/: (connection closed by the server before CONNACK|connection reset by the server \(ECONNRESET\))$/);
    expect(ms).toBeLessThan(1000);
  });
});

describe('bad target settings are input errors, found before any connect', () => {
  it('rejects an unknown URL scheme', () => {
    expect(() => createMqttDriver({ url: 'http://127.0.0.1:1', mqttVersion: '3.1.1' }, { runId: 'x' })).toThrow(InputError);
  });

  it('names a credentials variable that is not set, never its value', () => {
    const make = (): unknown => createMqttDriver(
      { url: 'mqtt://127.0.0.1:1', mqttVersion: '3.1.1', usernameEnv: 'CB_USER', passwordEnv: 'CB_NOT_SET' },
      { runId: 'x', env: { CB_USER: 'hunter2' } },
    );
    expect(make).toThrow(/CB_NOT_SET/);
    expect(make).not.toThrow(/hunter2/);
  });

  it('rejects a TLS file it cannot read', () => {
    expect(() => createMqttDriver(
      { url: 'mqtts://127.0.0.1:1', mqttVersion: '5.0', tls: { ca: '/nonexistent/ca.pem', rejectUnauthorized: true } },
      { runId: 'x' },
    )).toThrow(/cannot read TLS ca file \/nonexistent\/ca.pem/);
  });
});
