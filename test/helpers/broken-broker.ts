/**
 * A deliberately broken MQTT 3.1.1 server, for proving the fuzzer finds bugs (a test fixture,
 * never shipped). For valid traffic it behaves: CONNECT/CONNACK, SUBSCRIBE/SUBACK (granting at
 * most QoS 1), UNSUBSCRIBE/UNSUBACK, PUBLISH routed to matching subscribers at QoS 0/1 with
 * PUBACK / PUBREC / PUBCOMP as due, PINGREQ/PINGRESP. It closes the connection on what it sees
 * as malformed: framing errors, a first packet other than CONNECT, a second CONNECT, wrong
 * fixed-header flags, packet identifier 0, strings that are not well-formed UTF-8 or hold U+0000
 * (any packet whose body does not re-encode to the same bytes).
 *
 * Planted defects, reachable only through malformed packets:
 * - SUBSCRIBE's reserved flag bits are ignored: a SUBSCRIBE with flags ≠ 0x2 is answered with a
 *   SUBACK instead of closing [MQTT-2.2.2-2] ("closes nothing");
 * - a PUBLISH whose topic holds a wildcard (+ or #) [MQTT-3.3.2-2] makes it stop processing every
 *   connection while the connection that sent it stays open; TCP connections are still accepted
 *   ("stops answering": a canary sees a hang). With `wildcard: 'crash'` it closes its listener
 *   and every connection instead, and stays down.
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

export interface BrokenBroker {
  url: string;
  port: number;
  /** Whether the listener is still open (false after the crash defect). */
  listening(): boolean;
  close(): Promise<void>;
}

export interface BrokenBrokerOptions {
  /** What a wildcard in a PUBLISH topic does: stall everything (default) or kill the server. */
  wildcard?: 'hang' | 'crash';
}

/** The flags each packet type's fixed header must carry (§2.2.2), PUBLISH aside. */
const REQUIRED_FLAGS: Readonly<Record<number, number>> = { 6: 0x2, 8: 0x2, 10: 0x2 };

interface Conn {
  socket: net.Socket;
  connected: boolean;
  filters: Map<string, number>;
  nextId: number;
  buffer: Buffer;
}

export async function startBrokenBroker(options: BrokenBrokerOptions = {}): Promise<BrokenBroker> {
  const conns = new Set<Conn>();
  let listening = true;
  /** The connection whose wildcard PUBLISH wedged the server, and what waits meanwhile. */
  let stalledBy: Conn | undefined;
  const waiting: (() => void)[] = [];

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const conn: Conn = { socket, connected: false, filters: new Map(), nextId: 1, buffer: Buffer.alloc(0) };
    conns.add(conn);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conns.delete(conn);
      if (stalledBy === conn) {
        stalledBy = undefined;
        for (const resume of waiting.splice(0)) resume();
      }
    });
    socket.on('data', (chunk: Buffer) => {
      const run = (): void => {
        conn.buffer = Buffer.concat([conn.buffer, chunk]);
        drain(conn);
      };
      if (stalledBy !== undefined) waiting.push(run);
      else run();
    });
  });

  function drain(conn: Conn): void {
    for (;;) {
      if (conn.socket.destroyed) return;
      if (stalledBy !== undefined) {
        // Wedged: what is left is handled once the server is unstuck.
        const rest = conn.buffer;
        conn.buffer = Buffer.alloc(0);
        waiting.push(() => {
          conn.buffer = Buffer.concat([rest, conn.buffer]);
          drain(conn);
        });
        return;
      }
      const framed = nextFrame(conn.buffer);
      if (framed === 'incomplete') return;
      if (framed === 'malformed') return void conn.socket.destroy();
      conn.buffer = conn.buffer.subarray(framed.frame.length);
      handleFrame(conn, framed.frame);
    }
  }

  function handleFrame(conn: Conn, frame: Buffer): void {
    const type = (frame[0] ?? 0) >> 4;
    const flags = (frame[0] ?? 0) & 0x0f;
    const required = REQUIRED_FLAGS[type] ?? 0;
    // Planted defect: SUBSCRIBE's flags are never looked at.
    if (type === 8) frame = Buffer.concat([Buffer.from([0x82]), frame.subarray(1)]);
    else if (type !== 3 && flags !== required) return void conn.socket.destroy();
    const packet = decode(frame);
    if (packet === undefined) return void conn.socket.destroy();
    if (!conn.connected && packet.cmd !== 'connect') return void conn.socket.destroy();
    switch (packet.cmd) {
      case 'connect':
        if (conn.connected || packet.protocolId !== 'MQTT') return void conn.socket.destroy();
        if (packet.protocolVersion !== 4) {
          write(conn, { cmd: 'connack', returnCode: 1, sessionPresent: false });
          return void conn.socket.end();
        }
        conn.connected = true;
        return write(conn, { cmd: 'connack', returnCode: 0, sessionPresent: false });
      case 'subscribe': {
        if (packet.messageId === 0) return void conn.socket.destroy();
        const granted = packet.subscriptions.map((s) => {
          const qos = Math.min(s.qos, 1);
          conn.filters.set(s.topic, qos);
          return qos;
        });
        return write(conn, { cmd: 'suback', messageId: packet.messageId, granted });
      }
      case 'unsubscribe':
        if (packet.messageId === 0) return void conn.socket.destroy();
        for (const t of packet.unsubscriptions) conn.filters.delete(t);
        return write(conn, { cmd: 'unsuback', messageId: packet.messageId, granted: [] });
      case 'publish': {
        if (packet.qos > 0 && packet.messageId === 0) return void conn.socket.destroy();
        if (/[+#]/.test(packet.topic)) return wildcard(conn);
        if (packet.qos === 1) write(conn, { cmd: 'puback', messageId: packet.messageId });
        if (packet.qos === 2) write(conn, { cmd: 'pubrec', messageId: packet.messageId });
        return route(packet.topic, packet.payload, packet.qos);
      }
      case 'pubrel':
        return write(conn, { cmd: 'pubcomp', messageId: packet.messageId });
      case 'pingreq':
        return write(conn, { cmd: 'pingresp' });
      case 'disconnect':
        return void conn.socket.end();
      default:
        return undefined; // acknowledgements of deliveries: nothing to do
    }
  }

  function wildcard(conn: Conn): void {
    if (options.wildcard === 'crash') {
      listening = false;
      server.close();
      for (const c of conns) c.socket.destroy();
      return;
    }
    stalledBy = conn;
  }

  function route(topic: string, payload: Buffer | string, qos: number): void {
    for (const c of conns) {
      for (const [filter, granted] of c.filters) {
        if (!matches(filter, topic)) continue;
        const q = Math.min(qos, granted) as 0 | 1;
        const messageId = q === 1 ? c.nextId : undefined;
        if (q === 1) c.nextId = (c.nextId % 0xffff) + 1;
        write(c, { cmd: 'publish', topic, payload, qos: q, retain: false, dup: false, ...(messageId === undefined ? {} : { messageId }) });
        break;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    listening: () => listening,
    close: async () => {
      for (const c of conns) c.socket.destroy();
      if (listening) {
        listening = false;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

function write(conn: Conn, packet: Packet): void {
  if (!conn.socket.destroyed) conn.socket.write(mqttPacket.generate(packet, { protocolVersion: 4 }));
}

/** One whole packet from the front of `buffer`: Remaining Length in at most four bytes (§2.2.3). */
function nextFrame(buffer: Buffer): { frame: Buffer } | 'incomplete' | 'malformed' {
  let length = 0;
  for (let i = 1; i <= 4; i++) {
    const byte = buffer[i];
    if (byte === undefined) return 'incomplete';
    length += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) return buffer.length < 1 + i + length ? 'incomplete' : { frame: buffer.subarray(0, 1 + i + length) };
  }
  return 'malformed';
}

/** The packet a frame holds, or undefined when it does not parse or its body does not re-encode the same (bad UTF-8, U+0000, lengths that lie). */
function decode(frame: Buffer): Packet | undefined {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  let failed = false;
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', () => {
    failed = true;
  });
  parser.parse(frame);
  const packet = packets[0];
  if (failed || packets.length !== 1 || packet === undefined) return undefined;
  if (strings(packet).some((s) => s.includes('\u0000'))) return undefined;
  let again: Buffer;
  try {
    again = mqttPacket.generate(packet, { protocolVersion: 4 });
  } catch {
    return undefined;
  }
  return bodyOf(again).equals(bodyOf(frame)) ? packet : undefined;
}

function bodyOf(frame: Buffer): Buffer {
  let i = 1;
  while (((frame[i] ?? 0) & 0x80) !== 0) i++;
  return frame.subarray(i + 1);
}

function strings(p: Packet): string[] {
  switch (p.cmd) {
    case 'connect':
      return [p.clientId, p.username ?? '', p.will?.topic ?? ''];
    case 'publish':
      return [p.topic];
    case 'subscribe':
      return p.subscriptions.map((s) => s.topic);
    case 'unsubscribe':
      return p.unsubscriptions;
    default:
      return [];
  }
}

/** MQTT topic matching: + one level, # the rest. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
