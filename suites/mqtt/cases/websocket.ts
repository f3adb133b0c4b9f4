/**
 * MQTT over WebSocket (3.1.1 and 5.0 chapter 6): the server selects the "mqtt" subprotocol
 * [MQTT-6.0.0-4], sends MQTT in binary frames and closes on any other data frame
 * [MQTT-6.0.0-1], and reads packets across frame boundaries [MQTT-6.0.0-2]. These cases need
 * frame-level control, so they drive `ws` directly rather than the raw client's stream, and keep
 * every frame (direction, binary or text, hex) as evidence.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import { WebSocket } from 'ws';
import type { ConformCase, Evidence } from '../../../core/conform/case.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { receive, subscribe } from '../steps.js';
import { publishBytes } from '../wire.js';

/** One WebSocket connection to the server's WebSocket listener, frame by frame. */
interface WsConnection {
  ws: WebSocket;
  /** Frames the server sent so far, with whether each was binary. */
  received: { binary: boolean; bytes: Buffer }[];
  /** The next MQTT packet the server sends, or undefined when none comes within `ms` (or it closed). */
  next(ms: number): Promise<Packet | undefined>;
  /** Resolves true once the server closes (or false after `ms`). */
  closed(ms: number): Promise<boolean>;
  send(bytes: Buffer, binary?: boolean): void;
}

async function openWs(ctx: MqttCaseContext, label: string): Promise<WsConnection> {
  const url = ctx.caps.websocketUrl;
  if (url === null) ctx.skip('no WebSocket URL');
  const exchanges: Evidence['exchanges'] = [];
  const opened = performance.now();
  const at = (): number => Math.round((performance.now() - opened) * 1000) / 1000;
  const ws = new WebSocket(url, 'mqtt', { perMessageDeflate: false });
  ctx.evidence(label, () => exchanges);
  ctx.cleanup(() => ws.terminate());
  const packets: Packet[] = [];
  let wake: (() => void) | undefined;
  let isClosed = false;
  let markClosed: () => void = () => undefined;
  const whenClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const parser = mqttPacket.parser({ protocolVersion: ctx.level });
  parser.on('packet', (p: Packet) => (packets.push(p), wake?.()));
  parser.on('error', () => undefined);
  const conn: WsConnection = {
    ws,
    received: [],
    async next(ms) {
      const deadline = performance.now() + ms;
      while (packets.length === 0 && !isClosed && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - performance.now());
          wake = () => (clearTimeout(timer), resolve());
        });
      }
      return packets.shift();
    },
    closed(ms) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
      return Promise.race([whenClosed.then(() => true), waited]).finally(() => clearTimeout(timer));
    },
    send(bytes, binary = true) {
      exchanges.push({ dir: 'sent', atMs: at(), hex: `${binary ? '' : 'text frame: '}${bytes.toString('hex')}` });
      ws.send(binary ? bytes : bytes.toString('latin1'), { binary });
    },
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const bytes = Buffer.from(data);
    conn.received.push({ binary: isBinary, bytes });
    exchanges.push({ dir: 'received', atMs: at(), hex: `${isBinary ? '' : 'text frame: '}${bytes.toString('hex')}` });
    parser.parse(bytes);
  });
  const onEnd = (): void => {
    isClosed = true;
    markClosed();
    wake?.();
  };
  ws.on('close', onEnd);
  ws.on('error', onEnd);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(new SetupFailed(`${label}: WebSocket ${url}: ${err.message}`)));
  });
  return conn;
}

/** CONNECT over the WebSocket (in one binary frame unless `split` says where to cut it) and a successful CONNACK. */
async function connectWs(ctx: MqttCaseContext, conn: WsConnection, split?: number): Promise<void> {
  const bytes = Buffer.from(mqttPacket.generate(ctx.connectPacket(ctx.clientId('ws')), { protocolVersion: ctx.level }));
  if (split === undefined) conn.send(bytes);
  else {
    conn.send(bytes.subarray(0, split));
    conn.send(bytes.subarray(split));
  }
  const ack = await conn.next(ANSWER_MS);
  const code = ack?.cmd === 'connack' ? (ack.reasonCode ?? ack.returnCode ?? 0) : undefined;
  if (code !== 0) throw new SetupFailed(`no successful CONNACK over WebSocket (${ack === undefined ? 'nothing' : ack.cmd} ${code ?? ''})`);
}

const both = (ids: string[]): Record<string, string[]> => ({ '3.1.1': ids, '5': ids });

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'websocket.subprotocol',
    title: "The WebSocket handshake selects the 'mqtt' subprotocol",
    layer: 'raw',
    statements: both(['MQTT-6.0.0-4']),
    needs: ['websocket'],
    async run(ctx) {
      const conn = await openWs(ctx, 'websocket');
      ctx.check('MQTT-6.0.0-4', conn.ws.protocol === 'mqtt', "Sec-WebSocket-Protocol: mqtt in the server's handshake", conn.ws.protocol === '' ? 'no subprotocol selected' : `subprotocol "${conn.ws.protocol}"`);
    },
  },
  {
    id: 'websocket.chat-binary-frames',
    title: 'A chat message over WebSocket reaches a TCP subscriber and back, and every server frame is binary',
    layer: 'raw',
    statements: both(['MQTT-6.0.0-1']),
    needs: ['websocket'],
    async run(ctx) {
      const topic = ctx.topic('room');
      const conn = await openWs(ctx, 'websocket');
      await connectWs(ctx, conn);
      const { client: tcp } = await ctx.connect('tcp');
      await subscribe(tcp, [{ topic, qos: 0 }]);
      conn.send(Buffer.from(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] }, { protocolVersion: ctx.level })));
      const suback = await conn.next(ANSWER_MS);
      if (suback?.cmd !== 'suback') throw new SetupFailed(`no SUBACK over WebSocket (${suback?.cmd ?? 'nothing'})`);
      conn.send(publishBytes(ctx.level, { topic, payload: 'hi from the browser' }));
      const atTcp = await receive(tcp);
      tcp.send({ cmd: 'publish', topic, payload: Buffer.from('hi from tcp'), qos: 0, retain: false, dup: false });
      const seen: string[] = [];
      for (let p = await conn.next(ANSWER_MS); p !== undefined; p = seen.includes('hi from tcp') ? undefined : await conn.next(ANSWER_MS)) {
        if (p.cmd === 'publish') seen.push(p.payload.toString());
      }
      if (atTcp?.payload.toString() !== 'hi from the browser' || !seen.includes('hi from tcp')) throw new SetupFailed(`the chat did not go through (TCP got ${atTcp ? `"${atTcp.payload.toString()}"` : 'nothing'}, WebSocket got ${JSON.stringify(seen)})`);
      const text = conn.received.filter((f) => !f.binary);
      ctx.check('MQTT-6.0.0-1', text.length === 0, 'every frame the server sends is a binary data frame', text.length === 0 ? `${conn.received.length} binary frames` : `${text.length} text frames: ${text.map((f) => f.bytes.toString('hex')).join(', ')}`);
    },
  },
  {
    id: 'websocket.text-frame-refused',
    title: 'MQTT sent in a text frame is refused: the server closes the connection and does not act on it',
    layer: 'raw',
    statements: both(['MQTT-6.0.0-1']),
    needs: ['websocket'],
    async run(ctx) {
      const topic = ctx.topic('t');
      const { client: tcp } = await ctx.connect('tcp');
      await subscribe(tcp, [{ topic, qos: 0 }]);
      const conn = await openWs(ctx, 'websocket');
      await connectWs(ctx, conn);
      // A PUBLISH whose bytes are all below 0x80 is valid UTF-8 text, so only the frame type is wrong.
      const bytes = publishBytes(ctx.level, { topic, payload: 'in a text frame' });
      if (bytes.some((b) => b >= 0x80)) throw new SetupFailed('the PUBLISH is not plain ASCII (topic too long)');
      conn.send(bytes, false);
      const closed = await conn.closed(ANSWER_MS);
      const delivered = await receive(tcp, 300);
      ctx.check('MQTT-6.0.0-1', closed, 'the server closes the connection after a text data frame', `the connection stayed open for ${ANSWER_MS} ms`);
      ctx.check('MQTT-6.0.0-1', delivered === undefined, 'the PUBLISH in the text frame is not delivered', `the subscriber got "${delivered?.payload.toString()}"`);
    },
  },
  {
    id: 'websocket.frame-boundaries',
    title: 'Packets are read across frame boundaries: a CONNECT in two frames, SUBSCRIBE and PINGREQ in one',
    layer: 'raw',
    statements: both(['MQTT-6.0.0-2']),
    needs: ['websocket'],
    async run(ctx) {
      const conn = await openWs(ctx, 'websocket');
      let connected = true;
      try {
        await connectWs(ctx, conn, 3);
      } catch {
        connected = false;
      }
      ctx.require('MQTT-6.0.0-2', connected, 'a CONNECT split over two frames (3 bytes, then the rest) is answered with CONNACK 0', 'no successful CONNACK');
      const sub = Buffer.from(mqttPacket.generate({ cmd: 'subscribe', messageId: 9, subscriptions: [{ topic: ctx.topic('t'), qos: 0 }] }, { protocolVersion: ctx.level }));
      conn.send(Buffer.concat([sub, Buffer.from([0xc0, 0x00])]));
      const answers = [await conn.next(ANSWER_MS), await conn.next(ANSWER_MS)].map((p) => p?.cmd ?? 'nothing');
      ctx.check('MQTT-6.0.0-2', answers.includes('suback') && answers.includes('pingresp'), 'SUBACK and PINGRESP for a SUBSCRIBE and a PINGREQ sent in one frame', `answers: ${answers.join(', ')}`);
    },
  },
];
