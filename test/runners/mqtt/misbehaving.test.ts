/**
 * The MQTT driver against a scripted server that breaks the rules on purpose
 * (test/helpers/scripted-broker.ts): broken acknowledgement flows, a server that never
 * acknowledges, closes, resets, says DISCONNECT, answers with HTTP, never answers PINGREQ.
 * Each asserts who ended the connection and why, what an unfinished send was waiting for and
 * why chatbench stopped expecting it, and the anomalies reported. All on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, openSync } from 'node:fs';
import type { Packet } from 'mqtt-packet';
import { SendIncompleteError, type ChatSession, type ConnectionEnd, type ProtocolAnomaly } from '../../../core/driver.js';
import { LocalLimitError, TargetUnreachableError } from '../../../core/errors.js';
import { createMqttDriver, type MqttDriverOptions } from '../../../runners/mqtt/driver.js';
import type { MqttChatSession } from '../../../runners/mqtt/session.js';
import { startScriptedBroker, type ScriptOptions, type ScriptedBroker } from '../../helpers/scripted-broker.js';

type Version = '3.1.1' | '5.0';

interface Connected {
  session: ChatSession;
  ends: ConnectionEnd[];
  anomalies: ProtocolAnomaly[];
  close(): Promise<void>;
}

const brokers: ScriptedBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function scripted(options: ScriptOptions): Promise<ScriptedBroker> {
  const broker = await startScriptedBroker(options);
  brokers.push(broker);
  return broker;
}

async function connect(broker: ScriptedBroker, mqttVersion: Version, opts: Partial<MqttDriverOptions> = {}): Promise<Connected> {
  const driver = createMqttDriver({ url: broker.url, mqttVersion }, { runId: 'scripted', ...opts });
  const ends: ConnectionEnd[] = [];
  const anomalies: ProtocolAnomaly[] = [];
  const session = await driver.connect({
    user: 'alice', directLevel: 0, onMessage: () => {}, timeoutMs: 2000,
    onConnectionLost: (end) => ends.push(end),
    onAnomaly: (anomaly) => anomalies.push(anomaly),
  });
  return { session, ends, anomalies, close: () => driver.close() };
}

function connectError(url: string, mqttVersion: Version, timeoutMs = 2000): Promise<unknown> {
  const driver = createMqttDriver({ url, mqttVersion }, { runId: 'scripted' });
  return driver.connect({ user: 'u', directLevel: 0, onMessage: () => {}, timeoutMs })
    .then(() => undefined, (e: unknown) => e)
    .finally(() => driver.close());
}

/**
 * Opens /dev/null until this process gets EMFILE (bounded by its own limit, at most 100,000),
 * for a real EMFILE on the next socket; returns the function that closes them all again.
 */
function exhaustFileDescriptors(): () => void {
  const fds: number[] = [];
  try {
    for (let i = 0; i < 100_000; i++) fds.push(openSync('/dev/null', 'r'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EMFILE') throw err;
  }
  return () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
}

const payload = Buffer.from('hello');
/**
 * A chat PUBLISH (room or inbox) of the connection under test; the driver's presence cleanup
 * at close() gets the server's default, well-behaved answers.
 */
const publishOf = (packet: Packet): (Packet & { cmd: 'publish' }) | undefined =>
  (packet.cmd === 'publish' && /\/(room|user)\//.test(packet.topic) ? packet : undefined);

async function incomplete(send: Promise<void>): Promise<SendIncompleteError> {
  const error = await send.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SendIncompleteError);
  return error as SendIncompleteError;
}

describe.each<Version>(['3.1.1', '5.0'])('MQTT %s against a misbehaving server', (version) => {
  it('a QoS 2 PUBLISH answered with PUBACK resolves (MQTT.js completes it) and is reported as an ack-flow anomaly', async () => {
    const broker = await scripted({
      onPacket: (p, conn) => {
        const pub = publishOf(p);
        if (pub?.qos === 2) conn.send({ cmd: 'puback', messageId: pub.messageId ?? 0 });
        return pub !== undefined;
      },
    });
    const c = await connect(broker, version);
    await c.session.sendToRoom('r', payload, 2);
    expect(c.anomalies).toEqual([{
      kind: 'ack-flow',
      detail: expect.stringMatching(/^QoS 2 PUBLISH \(packet identifier \d+\) answered with PUBACK, not PUBREC: the send completed at QoS 1, not exactly once$/) as string,
      seen: ['PUBLISH qos2', 'PUBACK'],
    }]);
    // The client never sent PUBREL: the exactly-once exchange did not happen.
    expect(broker.connections[0]?.received.map((p) => p.cmd)).not.toContain('pubrel');
    await c.close();
  });

  it('PUBREC for a QoS 1 PUBLISH, and a PUBACK for an id nothing waits on, are anomalies', async () => {
    const broker = await scripted({
      onPacket: (p, conn) => {
        const pub = publishOf(p);
        if (pub?.qos === 1) {
          conn.send({ cmd: 'puback', messageId: 999 });
          conn.send({ cmd: 'pubrec', messageId: pub.messageId ?? 0 });
        }
        return pub !== undefined;
      },
    });
    const c = await connect(broker, version);
    await c.session.sendToUser('bob', payload, 1);
    expect(c.anomalies.map((a) => a.seen)).toEqual([['PUBACK'], ['PUBLISH qos1', 'PUBREC']]);
    expect(c.anomalies[0]?.detail).toBe('PUBACK for packet identifier 999, which no PUBLISH of this connection is waiting on');
    await c.close();
  });

  it('a server that never acknowledges and closes the socket: awaiting PUBACK / PUBREC, connection-closed, by server', async () => {
    let publishes = 0;
    const broker = await scripted({
      onPacket: (p, conn) => {
        if (!publishOf(p)) return false;
        if (++publishes === 2) setTimeout(() => conn.end(), 50);
        return true;
      },
    });
    const c = await connect(broker, version);
    const [qos1, qos2] = await Promise.all([incomplete(c.session.sendToRoom('r', payload, 1)), incomplete(c.session.sendToRoom('r', payload, 2))]);
    const goodbye = version === '5.0' ? ' without a DISCONNECT' : '';
    const cause = `the server closed the connection${goodbye}`;
    expect(c.ends).toEqual([{ by: 'server', cause }]);
    expect([qos1.awaiting, qos1.because, qos2.awaiting, qos2.because]).toEqual(['PUBACK', 'connection-closed', 'PUBREC', 'connection-closed']);
    expect(qos1.message).toBe(`alice: PUBLISH to chatbench/scripted/room/r at QoS 1: no PUBACK before the connection closed (${cause})`);
    await c.close();
  });

  it('a QoS 2 send that got its PUBREC and then a reset awaits PUBCOMP; the end is the network', async () => {
    const broker = await scripted({
      onPacket: (p, conn) => {
        if (p.cmd !== 'pubrel') return false;
        setTimeout(() => conn.reset(), 20); // PUBREC came (default answer), PUBCOMP never does
        return true;
      },
    });
    const c = await connect(broker, version);
    const error = await incomplete(c.session.sendToUser('bob', payload, 2));
    expect([error.awaiting, error.because]).toEqual(['PUBCOMP', 'connection-closed']);
    expect(c.ends).toEqual([{ by: 'network', cause: 'connection reset (ECONNRESET), no DISCONNECT from the server' }]);
    expect(c.anomalies).toEqual([]);
    await c.close();
  });

  it("a send cut off by chatbench's own graceful-disconnect timer is stopped-waiting, and no connection is lost", async () => {
    const broker = await scripted({ onPacket: (p) => publishOf(p) !== undefined });
    const c = await connect(broker, version, { disconnectTimeoutMs: 200 });
    const send = incomplete(c.session.sendToRoom('r', payload, 1));
    await c.session.disconnect('graceful');
    const error = await send;
    expect([error.awaiting, error.because, error.written, error.mayBeDelivered]).toEqual(['PUBACK', 'stopped-waiting', true, true]);
    // A send asked for after the session ended never leaves chatbench: not written, not owed.
    const late = await incomplete(c.session.sendToRoom('r', payload, 1));
    expect([late.written, late.mayBeDelivered]).toEqual([false, false]);
    expect(error.message).toMatch(/no PUBACK before chatbench stopped waiting \(chatbench's disconnect timer: sends in flight were not acknowledged within 0\.2 s/);
    expect(c.ends).toEqual([]);
    await c.close();
  });

  it('a malformed packet from the server: chatbench closes first, so the FIN the server sends next is not "closed by the server"', async () => {
    // Packet type 0 is reserved in both versions: a Malformed Packet [MQTT-2.2.1], §2.1.2 (5.0).
    // The receiver MUST close the connection [MQTT-4.8.0-1] (5.0 §4.13.1); MQTT.js only reports it.
    const broker = await scripted({
      onPacket: (p, conn) => {
        if (!publishOf(p)) return false;
        conn.sendRaw(Buffer.from([0x00, 0x00]));
        setTimeout(() => conn.end(), 50); // the server then closes too
        return true;
      },
    });
    const c = await connect(broker, version);
    const error = await incomplete(c.session.sendToRoom('r', payload, 1));
    const cause = "chatbench's client closed the connection: the server sent a malformed packet (Not supported)";
    await expect.poll(() => c.ends.length).toBe(1);
    expect(c.ends).toEqual([{ by: 'chatbench', cause }]);
    expect(error.message).toBe(`alice: PUBLISH to chatbench/scripted/room/r at QoS 1: no PUBACK before the connection closed (${cause})`);
    await c.close();
  });

  it('the FIN that answers chatbench\'s own DISCONNECT does not make the end the server\'s', async () => {
    const broker = await scripted({}); // answers DISCONNECT with a FIN
    const c = await connect(broker, version);
    await c.session.disconnect('graceful');
    await expect.poll(() => (c.session as MqttChatSession).end).toBeDefined();
    expect((c.session as MqttChatSession).end?.by).toBe('chatbench');
    expect(c.ends).toEqual([]);
    await c.close();
  });

  it("a server that never answers PINGREQ: chatbench's keep-alive timeout ends it, by chatbench", async () => {
    const broker = await scripted({ onPacket: (p) => p.cmd === 'pingreq' || publishOf(p) !== undefined });
    const c = await connect(broker, version, { keepaliveSeconds: 1 });
    const error = await incomplete(c.session.sendToRoom('r', payload, 1));
    // MQTT.js fails its sends as it gives up; the socket's 'close' (and the lost report) follows.
    await expect.poll(() => c.ends.length).toBe(1);
    expect(c.ends[0]?.by).toBe('chatbench');
    // MQTT.js pings after 1 s of silence and gives up half a keep-alive later.
    expect(c.ends[0]?.cause).toMatch(/^chatbench's keep-alive timeout: no PINGRESP within 0\.[4-9] s of its PINGREQ \(keep-alive 1 s\)$/);
    expect([error.awaiting, error.because]).toEqual(['PUBACK', 'connection-closed']);
    expect(error.message).toContain("(chatbench's keep-alive timeout");
    expect(broker.connections[0]?.received.map((p) => p.cmd)).toContain('pingreq');
    await c.close();
  }, 10_000);
});

describe('MQTT 5.0 only', () => {
  it('a server DISCONNECT names its reason; the send it cut off carries the code', async () => {
    const broker = await scripted({
      onPacket: (p, conn) => {
        if (!publishOf(p)) return false;
        conn.send({ cmd: 'disconnect', reasonCode: 0x8b });
        conn.end();
        return true;
      },
    });
    const c = await connect(broker, '5.0');
    const error = await incomplete(c.session.sendToRoom('r', payload, 1));
    expect(c.ends).toEqual([{ by: 'server', cause: 'server sent DISCONNECT: server shutting down (139)', code: 139 }]);
    expect([error.awaiting, error.because, error.code]).toEqual(['PUBACK', 'connection-closed', 139]);
    await c.close();
  });

  it('a PUBACK with a failure reason code is refused, with the code', async () => {
    const broker = await scripted({
      onPacket: (p, conn) => {
        const pub = publishOf(p);
        if (pub) conn.send({ cmd: 'puback', messageId: pub.messageId ?? 0, reasonCode: 0x97 });
        return pub !== undefined;
      },
    });
    const c = await connect(broker, '5.0');
    const error = await incomplete(c.session.sendToRoom('r', payload, 1));
    expect([error.awaiting, error.because, error.code]).toEqual(['PUBACK', 'refused', 151]);
    expect(error.message).toBe('alice: PUBLISH to chatbench/scripted/room/r at QoS 1 refused: PUBACK quota exceeded (151)');
    expect(c.ends).toEqual([]);
    await c.close();
  });
});

describe('servers that cannot be spoken to', () => {
  it('an HTTP server on the port is reported as HTTP, not MQTT', async () => {
    const broker = await scripted({ greeting: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' });
    const error = await connectError(broker.url, '3.1.1');
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toBe(`cannot reach target ${broker.url}: the server answered with HTTP, not MQTT ("HTTP/1.1 400 Bad Request")`);
  });

  it('a server that closes an MQTT 5 CONNECT before CONNACK suggests 3.1.1; the same on 3.1.1 does not', async () => {
    const broker = await scripted({ connack: 'close' });
    const v5 = await connectError(broker.url, '5.0');
    expect((v5 as Error).message).toBe(
      `cannot reach target ${broker.url}: connection closed by the server before CONNACK; a server that does not speak MQTT 5.0 does this: try --mqtt-version 3.1.1`,
    );
    const v311 = await connectError(broker.url, '3.1.1');
    expect((v311 as Error).message).toBe(`cannot reach target ${broker.url}: connection closed by the server before CONNACK`);
  });

  it('EMFILE while connecting is the local open-file limit (exit 2), not an unreachable target', async () => {
    const broker = await scripted({});
    const release = exhaustFileDescriptors();
    let error: unknown;
    try {
      error = await connectError(broker.url, '3.1.1');
    } finally {
      release();
    }
    expect(error).toBeInstanceOf(LocalLimitError);
    expect((error as LocalLimitError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^cannot open a connection to mqtt:\/\/127\.0\.0\.1:\d+: chatbench ran out of file descriptors \(EMFILE\): this process's open-file limit \(ulimit -n is [\d,]+\) is reached on this machine; the target was not at fault/);
  });
});
