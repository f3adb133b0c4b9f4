/**
 * ejabberd's MQTT (mod_mqtt in Debian's ejabberd 23.01) started by test/helpers/ejabberd.ts on
 * free loopback ports: MQTT 5.0 and 3.1.1 clients log in with the generated accounts,
 * subscribe, publish at QoS 1 and receive; a wrong password is refused; `chatbench run` of a
 * small scenario against it passes; a server that cannot start fails with its output. The
 * server is stopped by its PID at the end, leaving no process (and no epmd) behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RunResult } from '../../core/result/index.js';
import { runCli, scenarioFile, SMALL, tempDir } from '../helpers/cli.js';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../helpers/ejabberd.js';

/** PIDs of the epmd daemons running now (read from /proc: comm is the program name). */
function epmdPids(): Set<string> {
  const pids = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(join('/proc', entry, 'comm'), 'utf8').trim() === 'epmd') pids.add(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeWithEjabberd('ejabberd mod_mqtt', () => {
  let server: Ejabberd;
  let epmdBefore: Set<string>;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    epmdBefore = epmdPids();
    server = await startEjabberd({ users: 2 });
  }, 40_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await server?.stop();
  }, 20_000);

  async function connect(version: 4 | 5, user: number, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
    const account = server.users[user]!;
    const client = await connectAsync(server.mqttUrl, {
      protocolVersion: version,
      username: account.username,
      password: account.password,
      clientId: `cb-e2e-${version}-${user}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...extra,
    });
    clients.push(client);
    return client;
  }

  /** Subscribes `receiver`, publishes from `sender` at QoS 1 (awaiting PUBACK), returns what arrived. */
  async function roundTrip(receiver: MqttClient, sender: MqttClient, topic: string, text: string): Promise<{ topic: string; payload: string; qos: number }> {
    const granted = await receiver.subscribeAsync(topic, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const arrived = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
      receiver.once('message', (t, payload, packet) => resolve({ topic: t, payload: payload.toString(), qos: packet.qos }));
    });
    const acks: number[] = [];
    const onPacket = (packet: Packet): void => {
      if (packet.cmd === 'puback') acks.push(packet.messageId ?? -1);
    };
    sender.on('packetreceive', onPacket);
    const sent = await sender.publishAsync(topic, text, { qos: 1 });
    sender.off('packetreceive', onPacket);
    // MQTT.js settles a QoS 1 publish on its PUBACK: the one carrying the publish's packet id.
    expect(acks).toEqual([sent?.messageId]);
    return arrived;
  }

  it('gives each generated account a JID on localhost and loopback URLs', () => {
    expect(server.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(server.xmppPort).toBeGreaterThan(0);
    expect(server.users.map((u) => u.username)).toEqual(['user1@localhost', 'user2@localhost']);
    expect(new Set(server.users.map((u) => u.password)).size).toBe(2);
  });

  it('MQTT 5.0: logs in, subscribes, publishes at QoS 1 and receives', async () => {
    const receiver = await connect(5, 0);
    const sender = await connect(5, 1);
    const got = await roundTrip(receiver, sender, 'chatbench/e2e/v5/room', 'hello 5.0');
    expect(got).toEqual({ topic: 'chatbench/e2e/v5/room', payload: 'hello 5.0', qos: 1 });
    // The login went through the extauth user list, not an anonymous fallback.
    expect(server.log()).toMatch(/Accepted MQTT authentication for user1@localhost\/\S+ by external backend/);
  });

  it('MQTT 3.1.1: logs in, subscribes, publishes at QoS 1 and receives', async () => {
    const receiver = await connect(4, 1);
    const sender = await connect(4, 0);
    const got = await roundTrip(receiver, sender, 'chatbench/e2e/v311/room', 'hello 3.1.1');
    expect(got).toEqual({ topic: 'chatbench/e2e/v311/room', payload: 'hello 3.1.1', qos: 1 });
  });

  it('refuses a wrong password: CONNACK 0x87 (5.0) and return code 5 (3.1.1)', async () => {
    const wrong = { password: 'not-the-password' };
    // 5.0 §3.2.2.2 lets a server answer a failed login with 0x86 (Bad User Name or Password) or
    // 0x87 (Not authorized); mod_mqtt answers 0x87. 3.1.1 §3.2.2.3: return code 5 Not authorized.
    await expect(connect(5, 0, wrong)).rejects.toMatchObject({ code: 0x87 });
    await expect(connect(4, 0, wrong)).rejects.toMatchObject({ code: 5 });
  });

  it('chatbench run of a small scenario with credentials from the environment exits 0', async () => {
    const account = server.users[0]!;
    const yaml = `target:\n  url: ${server.mqttUrl}\n  mqttVersion: 5\n  usernameEnv: EJ_USER\n  passwordEnv: EJ_PASS\n${SMALL}`;
    const json = join(tempDir(), 'result.json');
    const r = await runCli(['run', scenarioFile(yaml), '--json', json, '--quiet'], {
      env: { EJ_USER: account.username, EJ_PASS: account.password },
      timeoutMs: 30_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const result = RunResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(result.target).toMatchObject({ url: server.mqttUrl, protocolVersion: '5.0', embedded: false });
    expect(result.scenarios[0]?.delivery).toMatchObject({ lost: 0, duplicated: 0 });
    expect(result.scenarios[0]?.delivery.delivered).toBeGreaterThan(0);
    // The password is only ever in the environment, never in the result.
    expect(readFileSync(json, 'utf8')).not.toContain(account.password);
  }, 40_000);

  it('a server that does not start: the error carries its output, and its folder is removed', async () => {
    // 23.01 refuses topic aliases above 65535 and exits before listening.
    const failed = await startEjabberd({ mqtt: { max_topic_aliases: 65_536 } }).then(
      () => new Error('ejabberd started with max_topic_aliases 65536'),
      (err: Error) => err,
    );
    expect(failed.message).toMatch(/^ejabberd exited \(code \d+\); output:\n/);
    expect(failed.message).toContain('max_topic_aliases: Expected integer from 0 to 65535, got: 65536');
    const folder = /Loading configuration from (\S+)\/ejabberd\.yml/.exec(failed.message)?.[1];
    expect(folder).toMatch(/chatbench-ejabberd-/);
    expect(existsSync(folder!)).toBe(false);
  }, 30_000);

  it('stops by PID: the VM is gone, the port closed, and no epmd was started', async () => {
    const { pid } = server;
    expect(alive(pid)).toBe(true);
    const started = [...epmdPids()].filter((p) => !epmdBefore.has(p));
    expect(started).toEqual([]);
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await server.stop();
    expect(alive(pid)).toBe(false);
    // Nothing accepts on the MQTT port any more (a refused connection, like a closed port).
    await expect(connectAsync(server.mqttUrl, { reconnectPeriod: 0, connectTimeout: 2_000 })).rejects.toThrow(/ECONNREFUSED/);
  }, 20_000);
});
