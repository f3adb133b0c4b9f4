/**
 * `npm run bench`: the per-message work chatbench adds to every send and every receive,
 * each measured beside a plain peer in the same run, so the ratio (not the machine) is
 * what to read:
 *
 *   header   binary 48-byte header encode + decode  vs  JSON.stringify / JSON.parse of the same fields
 *   tracker  DeliveryTracker.received (gaps only)    vs  a Map of Sets holding every seq seen
 *   latency  HDR recordMicros                         vs  pushing raw samples into an array
 *
 * Bounded: each task runs for about 300 ms. Prints ops/s and the ratio to the peer.
 */
import { Bench } from 'tinybench';
import { nowMicros } from '../core/clock.js';
import { createLatencyHistogram, decodeHeader, DeliveryTracker, encodeMessage, recordMicros, runTag } from '../core/metrics/index.js';

const PAYLOAD = 256;
const tag = runTag('bench1');

function headerPair(bench: Bench): [string, string] {
  let seq = 0;
  bench.add('header: chatbench binary', () => {
    const buf = encodeMessage({ runTag: tag, streamId: 7, seq: seq++, intendedSendMicros: nowMicros(), actualSendMicros: nowMicros() }, PAYLOAD);
    if (decodeHeader(buf, tag) === null) throw new Error('header did not round-trip');
  });
  const padding = 'x'.repeat(PAYLOAD - 120);
  bench.add('header: JSON peer', () => {
    const text = JSON.stringify({ run: 'bench1', stream: 7, seq: seq++, intended: nowMicros(), actual: nowMicros(), padding });
    const back = JSON.parse(Buffer.from(text).toString()) as { seq: number };
    if (typeof back.seq !== 'number') throw new Error('JSON did not round-trip');
  });
  return ['header: chatbench binary', 'header: JSON peer'];
}

function trackerPair(bench: Bench): [string, string] {
  const tracker = new DeliveryTracker();
  tracker.addStream(0, 1, ['r']);
  let next = 0;
  bench.add('tracker: chatbench gaps', () => {
    tracker.sent(0, next);
    tracker.received(0, 'r', next++);
  });
  const seen = new Map<string, Set<number>>();
  let n = 0;
  bench.add('tracker: Map-of-Sets peer', () => {
    const key = '0/r';
    let set = seen.get(key);
    if (set === undefined) seen.set(key, (set = new Set()));
    if (!set.has(n)) set.add(n);
    n++;
  });
  return ['tracker: chatbench gaps', 'tracker: Map-of-Sets peer'];
}

function latencyPair(bench: Bench): [string, string] {
  const h = createLatencyHistogram();
  let v = 1;
  bench.add('latency: HDR record', () => {
    recordMicros(h, (v = (v * 7919) % 250_000) + 1);
  });
  let samples: number[] = [];
  bench.add('latency: raw array peer', () => {
    samples.push((v = (v * 7919) % 250_000) + 1);
    if (samples.length > 5_000_000) samples = []; // keep the peer bounded
  });
  return ['latency: HDR record', 'latency: raw array peer'];
}

async function main(): Promise<void> {
  const bench = new Bench({ time: 300, warmupTime: 100 });
  const pairs = [headerPair(bench), trackerPair(bench), latencyPair(bench)];
  await bench.run();
  const opsPerSecond = (name: string): number => {
    const result = bench.getTask(name)?.result;
    if (result === undefined || !('throughput' in result)) throw new Error(`no result for ${name}`);
    return result.throughput.mean;
  };
  console.log(`chatbench hot-path benchmark (node ${process.version}, ${PAYLOAD}-byte payloads)\n`);
  for (const [ours, peer] of pairs) {
    const a = opsPerSecond(ours);
    const b = opsPerSecond(peer);
    console.log(`${ours.padEnd(28)} ${Math.round(a).toLocaleString('en-US').padStart(12)} ops/s`);
    console.log(`${peer.padEnd(28)} ${Math.round(b).toLocaleString('en-US').padStart(12)} ops/s   ratio ${(a / b).toFixed(2)}x\n`);
  }
}

await main();
