/**
 * A tampering proxy for tests: sits between a client and a real broker on 127.0.0.1, parses
 * the MQTT packets going each way and lets the test drop, rewrite or add packets — a real
 * broker made to break one rule on purpose, so a conformance case or the fuzz oracle can be
 * shown to fail when the rule is broken.
 *
 *   const proxy = await startTamperProxy(mosquitto.url, {
 *     toClient(packet) { if (packet.cmd === 'puback') return []; },   // swallow every PUBACK
 *   });
 *   ... connect to proxy.url ...
 *   await proxy.close();
 *
 * A hook returns undefined to pass the packet on unchanged, or the packets to send instead
 * (an empty list drops it; Buffers are sent as raw bytes). `toServer` sees the client's
 * packets; `onClientBytes` may refuse to forward malformed client bytes the parser cannot read
 * (return false to swallow them, e.g. a server that "ignores" malformed input).
 */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export type Replacement = (Packet | Buffer)[] | undefined;

export interface TamperHooks {
  toClient?: (packet: Packet, conn: TamperConnection) => Replacement;
  toServer?: (packet: Packet, conn: TamperConnection) => Replacement;
  /** Bytes from the client that do not parse; return false to swallow them instead of forwarding. */
  onUnparsable?: (bytes: Buffer, conn: TamperConnection) => boolean;
}

export interface TamperConnection {
  /** 4 or 5, from the client's CONNECT (4 until it is seen). */
  readonly version: number;
  readonly index: number;
  sendToClient(packet: Packet | Buffer): void;
  sendToServer(packet: Packet | Buffer): void;
}

export interface TamperProxy {
  url: string;
  close(): Promise<void>;
}

export async function startTamperProxy(brokerUrl: string, hooks: TamperHooks): Promise<TamperProxy> {
  const upstream = new URL(brokerUrl);
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((client) => {
    const broker = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
    client.setNoDelay(true);
    broker.setNoDelay(true);
    sockets.add(client).add(broker);
    let version = 4;
    const encode = (p: Packet | Buffer): Buffer => (Buffer.isBuffer(p) ? p : mqttPacket.generate(p, { protocolVersion: version }));
    const conn: TamperConnection = {
      get version() {
        return version;
      },
      index: count++,
      sendToClient: (p) => void client.write(encode(p)),
      sendToServer: (p) => void broker.write(encode(p)),
    };
    const fromClient = mqttPacket.parser({ protocolVersion: 4 });
    let fromBroker = mqttPacket.parser({ protocolVersion: 4 });
    let clientRaw = false;
    fromClient.on('packet', (p: Packet) => {
      if (p.cmd === 'connect' && p.protocolVersion === 5 && version !== 5) {
        version = 5;
        fromBroker = brokerParser();
      }
      const out = hooks.toServer?.(p, conn);
      for (const q of out ?? [p]) broker.write(encode(q));
    });
    fromClient.on('error', () => {
      clientRaw = true;
    });
    const brokerParser = (): ReturnType<typeof mqttPacket.parser> => {
      const parser = mqttPacket.parser({ protocolVersion: version });
      parser.on('packet', (p: Packet) => {
        const out = hooks.toClient?.(p, conn);
        for (const q of out ?? [p]) client.write(encode(q));
      });
      parser.on('error', () => undefined);
      return parser;
    };
    fromBroker = brokerParser();
    client.on('data', (chunk: Buffer) => {
      if (clientRaw) {
        // Once the client's bytes stop parsing, they go through as they are (unless swallowed).
        if (hooks.onUnparsable?.(chunk, conn) !== false) broker.write(chunk);
        return;
      }
      fromClient.parse(chunk);
      if (clientRaw && hooks.onUnparsable?.(chunk, conn) !== false) broker.write(chunk);
    });
    broker.on('data', (chunk: Buffer) => fromBroker.parse(chunk));
    const closeBoth = (): void => {
      client.destroy();
      broker.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    broker.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
