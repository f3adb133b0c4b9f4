/**
 * A scripted, deliberately misbehaving MQTT server for tests: mqtt-packet's parser and
 * generator over node:net, on 127.0.0.1 and a free port. By default it behaves: CONNACK,
 * SUBACK granting what was asked, PUBACK / PUBREC / PUBCOMP, PINGRESP. The test's `onPacket`
 * sees every packet from the client first and, returning true, answers instead with
 * any packet, raw bytes, a FIN or a reset — the broken acknowledgement flows a real broker
 * never produces on purpose.
 *
 *   const broker = await startScriptedBroker({ onPacket(packet, conn) { ... } });
 *   ... broker.url ...
 *   await broker.close();
 */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface ScriptedConnection {
  /** Every packet the client sent on this connection, in order. */
  readonly received: Packet[];
  /** The protocol version the client's CONNECT asked for (4 = 3.1.1, 5 = 5.0). */
  readonly protocolVersion: number;
  send(packet: Packet): void;
  sendRaw(bytes: Buffer | string): void;
  /** Close with a FIN, no goodbye packet. */
  end(): void;
  /** Close with a TCP reset. */
  reset(): void;
  /** Stop / start reading from the client (a server that falls behind: the client's socket backs up). */
  pause(): void;
  resume(): void;
}

export interface ScriptOptions {
  /**
   * What a fresh connection gets before any packet: 'mqtt' (default) parses MQTT; a string
   * or buffer answers the client's first bytes (an HTTP server, say) and the socket ends
   * after it; 'close' hangs up at once.
   */
  greeting?: 'mqtt' | 'close' | string | Buffer;
  /** Called for every packet; return true when the packet was answered (skips the default answers). */
  onPacket?: (packet: Packet, conn: ScriptedConnection) => boolean | void;
  /** Answer CONNECT with this instead of a success CONNACK; 'none' sends nothing, 'close' hangs up. */
  connack?: 'ok' | 'none' | 'close';
}

export interface ScriptedBroker {
  url: string;
  port: number;
  /** Connections accepted so far, newest last. */
  readonly connections: ScriptedConnection[];
  close(): Promise<void>;
}

function connection(socket: net.Socket, options: ScriptOptions): ScriptedConnection {
  // mqtt-packet's parser reads its settings object on every packet: set the version from CONNECT.
  const settings: { protocolVersion: number } = { protocolVersion: 4 };
  const parser = mqttPacket.parser(settings);
  const conn: ScriptedConnection = {
    received: [],
    get protocolVersion() {
      return settings.protocolVersion;
    },
    send(packet) {
      if (!socket.destroyed) socket.write(mqttPacket.generate(packet, settings));
    },
    sendRaw(bytes) {
      if (!socket.destroyed) socket.write(bytes);
    },
    end() {
      socket.end();
    },
    reset() {
      socket.resetAndDestroy();
    },
    pause() {
      socket.pause();
    },
    resume() {
      socket.resume();
    },
  };
  parser.on('packet', (packet: Packet) => {
    if (packet.cmd === 'connect') settings.protocolVersion = packet.protocolVersion ?? 4;
    (conn.received as Packet[]).push(packet);
    if (options.onPacket?.(packet, conn)) return;
    answerByDefault(packet, conn, options);
  });
  parser.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  return conn;
}

/** A well-behaved server's answers to CONNECT, SUBSCRIBE, PUBLISH, PUBREL and PINGREQ. */
function answerByDefault(packet: Packet, conn: ScriptedConnection, options: ScriptOptions): void {
  switch (packet.cmd) {
    case 'connect':
      if (options.connack === 'none') return;
      if (options.connack === 'close') return conn.end();
      conn.send({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 });
      return;
    case 'subscribe':
      conn.send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
      return;
    case 'publish':
      if (packet.qos === 1) conn.send({ cmd: 'puback', messageId: packet.messageId ?? 0 });
      if (packet.qos === 2) conn.send({ cmd: 'pubrec', messageId: packet.messageId ?? 0 });
      return;
    case 'pubrel':
      conn.send({ cmd: 'pubcomp', messageId: packet.messageId ?? 0 });
      return;
    case 'pingreq':
      conn.send({ cmd: 'pingresp' });
      return;
    case 'disconnect':
      conn.end();
      return;
    default:
  }
}

export async function startScriptedBroker(options: ScriptOptions = {}): Promise<ScriptedBroker> {
  const connections: ScriptedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a client reset is part of the script, not a test failure
    const greeting = options.greeting ?? 'mqtt';
    if (greeting === 'close') return void socket.end();
    if (greeting !== 'mqtt') {
      socket.once('data', () => socket.end(greeting));
      return;
    }
    connections.push(connection(socket, options));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    connections,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
