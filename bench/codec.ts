/**
 * `npm run bench:codec`: what it costs to encode and decode one chat message in each protocol,
 * the chatbench payload (48-byte header + padding) inside:
 *
 *   MQTT  mqtt-packet generate() of a QoS 1 PUBLISH on a chatbench room topic, then its
 *         streaming parser back to the payload bytes;
 *   XMPP  the payload base64-encoded into the <body> of a <message type="groupchat"> stanza
 *         built as an ltx element and serialised, then ltx.parse() back to the element, the
 *         body read and base64-decoded to the payload bytes.
 *
 * ltx is the XML toolkit under @xmpp/client's parser (@xmpp/xml). The stanza is a minimal one
 * (to, from, type, id, body): the XMPP driver (runners/xmpp/) was being written when this was,
 * so it does not import it; compare its stanza with this one when reading the ratio.
 *
 * Bounded: each task runs for about 300 ms per payload size ($CHATBENCH_BENCH_MS overrides it,
 * for tests). Prints ops/s, the encoded size and the ratio MQTT / XMPP.
 */
import { Bench } from 'tinybench';
import mqttPacket from 'mqtt-packet';
import { encodeMessage, runTag } from '../core/metrics/index.js';
import { runTopics } from '../runners/mqtt/topics.js';

const SIZES = [64, 256, 4096] as const;
const TIME_MS = Number(process.env['CHATBENCH_BENCH_MS'] ?? '') || 300;
const tag = runTag('bench1');
const topic = runTopics('bench1').room('r0');

/** The few ltx calls used here, typed at the edge (ltx ships no type declarations). */
interface LtxElement {
  toString(): string;
  getChildText(name: string): string | null;
}
interface Ltx {
  parse(xml: string): LtxElement;
  createElement(name: string, attrs: Record<string, string> | null, ...children: Array<LtxElement | string>): LtxElement;
}

/** A module name held in a variable: TypeScript leaves it unresolved, and the cast types it. */
async function loadLtx(): Promise<Ltx> {
  const name = 'ltx';
  return (await import(name)) as Ltx;
}

function payloadOf(size: number): Buffer {
  return encodeMessage({ runTag: tag, streamId: 7, seq: 1, intendedSendMicros: 1, actualSendMicros: 2 }, size);
}

/** Encode + decode of one PUBLISH; returns the encoded size. */
function mqttTask(bench: Bench, size: number): { name: string; bytes: number } {
  const payload = payloadOf(size);
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let got: Buffer | null = null;
  parser.on('packet', (packet) => {
    if (packet.cmd === 'publish') got = packet.payload as Buffer;
  });
  parser.on('error', (err) => { throw err; });
  let messageId = 0;
  const roundTrip = (): Buffer => {
    messageId = (messageId % 65_535) + 1;
    const wire = mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 1, messageId, retain: false, dup: false });
    got = null;
    parser.parse(wire);
    if (got === null || (got as Buffer).length !== size) throw new Error('MQTT did not round-trip');
    return wire;
  };
  const name = `MQTT ${size} B`;
  bench.add(name, () => { roundTrip(); });
  return { name, bytes: roundTrip().length };
}

/** Encode + decode of one groupchat stanza; returns the encoded size. */
function xmppTask(bench: Bench, ltx: Ltx, size: number): { name: string; bytes: number } {
  const payload = payloadOf(size);
  let id = 0;
  const roundTrip = (): string => {
    const stanza = ltx.createElement(
      'message', { to: 'r0@conference.localhost', from: 'u0@localhost/chatbench', type: 'groupchat', id: `m${++id}` },
      ltx.createElement('body', null, payload.toString('base64')),
    ).toString();
    const body = ltx.parse(stanza).getChildText('body');
    if (body === null || Buffer.from(body, 'base64').length !== size) throw new Error('XMPP did not round-trip');
    return stanza;
  };
  const name = `XMPP ${size} B`;
  bench.add(name, () => { roundTrip(); });
  return { name, bytes: Buffer.byteLength(roundTrip()) };
}

async function main(): Promise<void> {
  const ltx = await loadLtx();
  const bench = new Bench({ time: TIME_MS, warmupTime: Math.min(100, TIME_MS) });
  const pairs = SIZES.map((size) => [mqttTask(bench, size), xmppTask(bench, ltx, size)] as const);
  await bench.run();
  const opsPerSecond = (name: string): number => {
    const result = bench.getTask(name)?.result;
    if (result === undefined || !('throughput' in result)) throw new Error(`no result for ${name}`);
    return result.throughput.mean;
  };
  const ops = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(`chatbench codec benchmark (node ${process.version}): encode + decode of one chat message\n`);
  for (const [mqtt, xmpp] of pairs) {
    const [a, b] = [opsPerSecond(mqtt.name), opsPerSecond(xmpp.name)];
    console.log(`${mqtt.name.padEnd(12)} ${ops(a)} ops/s   ${String(mqtt.bytes).padStart(5)} bytes encoded`);
    console.log(`${xmpp.name.padEnd(12)} ${ops(b)} ops/s   ${String(xmpp.bytes).padStart(5)} bytes encoded   ratio MQTT/XMPP ${(a / b).toFixed(2)}x\n`);
  }
}

await main();
