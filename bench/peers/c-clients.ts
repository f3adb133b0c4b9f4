/**
 * The C clients' figure for one workload: `mosquitto_pub -l` fed from a line generator (`yes |
 * head`, as fast as the pipe takes them; one per publisher) into `mosquitto_sub -C <count> -F %U`,
 * whose receipt times give the delivered throughput (count ÷ (last − first receipt)). CPU is the
 * clients' own (utime + stime of every mosquitto_pub and mosquitto_sub, processes.ts); the line
 * generators are not charged — chatbench's payload generation is inside its own figure, so the
 * comparison leans towards the C clients, not away from them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseReceiptTimes, receiptRate, type PeerResult } from './figures.js';
import { shellLine, spawnPeer, type Peer } from './processes.js';
import { PAYLOAD_BYTES, peerTopic, slug, type Workload } from './workloads.js';

/** QoS 1 messages mosquitto_pub keeps unacknowledged (-M; its default is 20): the broker's own window. */
export const PUB_MAX_INFLIGHT = 1000;
/** With no new receipt for this long the subscriber is stopped and what it got is counted. */
const STALL_MS = 5_000;
const READY_MS = 10_000;

/** The line every publisher sends: PAYLOAD_BYTES characters (mosquitto_pub -l strips the newline). */
export const LINE = 'x'.repeat(PAYLOAD_BYTES);

export interface CClientsRun {
  workload: Workload;
  host: string;
  port: number;
  /** Messages in all, split evenly over the publishers. */
  messages: number;
  signal: AbortSignal;
  /** The broker's log so far: when messages went missing, its lines about the peers' clients say why. */
  brokerLog?: () => string;
}

/** The broker's log lines about this workload's peer clients disconnecting (evidence for what went missing). */
export function disconnectLines(log: string, w: Workload): string[] {
  const ids = `peers-pub-${slug(w)}-`;
  return log.split('\n').filter((l) => (l.includes(ids) || l.includes(`peers-sub-${slug(w)}`)) && /disconnect/i.test(l)).map((l) => l.trim());
}

function commandLines(r: CClientsRun, perPublisher: number, readyTopic: string, out: string): { sub: string[]; pub: string[]; text: string } {
  const { workload: w, host, port } = r;
  const common = ['-h', host, '-p', String(port), '-q', String(w.qos)];
  const total = perPublisher * w.publishers;
  const sub = [...common, '-t', peerTopic(w), '-t', readyTopic, '-C', String(total + 1), '-F', '%U', '-i', `peers-sub-${slug(w)}`];
  const pub = [...common, '-t', peerTopic(w), '-l', '-M', String(PUB_MAX_INFLIGHT)];
  const text = [
    `${shellLine(['mosquitto_pub', '-h', host, '-p', String(port), '-q', '1', '-t', readyTopic, '-r', '-m', 'ready'])};`,
    `${shellLine(['mosquitto_sub', ...sub])} > ${out} & sleep 1;`,
    `for i in $(seq ${w.publishers}); do (${generatorScript(perPublisher)}) | ${shellLine(['mosquitto_pub', ...pub])} & done  # end the sleeps once the subscriber exits`,
  ].join(' ');
  return { sub, pub, text };
}

/**
 * A publisher's input: its lines, then the pipe held open until bench:peers ends it. mosquitto_pub
 * 2.0's `-l` at QoS 1 can stop at end of input with messages still queued in the client (seen here:
 * 31,784 of 100,000 reached the subscriber, the broker noting the publisher "closed its
 * connection"), so input ends only once the subscriber has them all.
 */
export function generatorScript(lines: number): string {
  return `yes ${LINE} | head -n ${lines}; exec sleep 600`;
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

/** Runs a client to its end (the readiness probe's publisher). */
function runOnce(command: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  });
}

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

function brokerSays(r: CClientsRun, w: Workload): string {
  const lines = r.brokerLog === undefined ? [] : disconnectLines(r.brokerLog(), w);
  return lines.length === 0 ? '' : `; mosquitto logged: ${lines.slice(0, 3).join(' | ')}`;
}

export async function runCClients(r: CClientsRun): Promise<PeerResult> {
  const { workload: w } = r;
  const perPublisher = Math.max(1, Math.floor(r.messages / w.publishers));
  const expected = perPublisher * w.publishers;
  const readyTopic = `chatbench/peers/ready/${slug(w)}/${Date.now()}`;
  const out = join(tmpdir(), `chatbench-peers-${process.pid}-${slug(w)}.txt`);
  const { sub, pub, text } = commandLines(r, perPublisher, readyTopic, out);
  // The subscriber's readiness: a retained probe on a second topic reaches it once its SUBSCRIBE is in.
  if ((await runOnce('mosquitto_pub', ['-h', r.host, '-p', String(r.port), '-q', '1', '-t', readyTopic, '-r', '-m', 'ready'])) !== 0) {
    return { kind: 'unavailable', reason: 'mosquitto_pub could not publish the readiness probe', command: text };
  }
  const fd = openSync(out, 'w');
  const peers: Peer[] = [];
  const generators: ChildProcess[] = [];
  try {
    const subscriber = spawnPeer('mosquitto_sub', sub, { stdin: 'ignore', stdout: fd });
    peers.push(subscriber);
    for (const deadline = Date.now() + READY_MS; sizeOf(out) === 0 && Date.now() < deadline && !r.signal.aborted;) await sleep(20);
    if (sizeOf(out) === 0) return { kind: 'unavailable', reason: 'mosquitto_sub did not subscribe within 10 s', command: text };
    for (let i = 0; i < w.publishers; i++) {
      const generator = spawn('sh', ['-c', generatorScript(perPublisher)], { stdio: ['ignore', 'pipe', 'ignore'] });
      generators.push(generator);
      const publisher = spawnPeer('mosquitto_pub', [...pub, '-i', `peers-pub-${slug(w)}-${i}`], { stdin: generator.stdout ?? 'ignore', stdout: 'ignore' });
      peers.push(publisher);
      // The publisher holds the pipe now; our copy closed, a generator left writing to a dead publisher gets SIGPIPE.
      generator.stdout?.destroy();
    }
    // Bounded: the subscriber stops by itself at its count; stalled (a message dropped), it is stopped.
    let size = sizeOf(out);
    let grewAt = Date.now();
    while (subscriber.child.exitCode === null && subscriber.child.signalCode === null && !r.signal.aborted) {
      await Promise.race([subscriber.done, sleep(250)]);
      const now = sizeOf(out);
      if (now !== size) [size, grewAt] = [now, Date.now()];
      else if (Date.now() - grewAt > STALL_MS) subscriber.stop();
    }
    // Everything is in (or never will be): end the publishers' input, and they exit.
    for (const g of generators) stopChild(g);
    const ends = await Promise.all(peers.map(async (p) => {
      const stopAt = setTimeout(() => p.stop(), STALL_MS);
      const end = await p.done;
      clearTimeout(stopAt);
      return end;
    }));
    const receipts = parseReceiptTimes(readFileSync(out, 'utf8'), 1);
    const rate = receipts === null ? null : receiptRate(receipts);
    if (receipts === null || rate === null) return { kind: 'unavailable', reason: `mosquitto_sub received ${receipts?.count ?? 0} of ${expected}: no rate`, command: text };
    const cpu = ends.every((e) => e.cpuSeconds !== null) ? ends.reduce((a, e) => a + (e.cpuSeconds ?? 0), 0) : null;
    const missing = expected - receipts.count;
    return {
      kind: 'measured',
      figure: { deliveredPerSecond: rate, cpuPerMessage: cpu === null ? null : cpu / receipts.count },
      delivered: receipts.count,
      expected,
      command: text,
      ...(missing > 0 ? { note: `${missing} of ${expected} never reached mosquitto_sub${brokerSays(r, w)}` } : {}),
    };
  } finally {
    for (const g of generators) stopChild(g);
    for (const p of peers) p.stop();
    closeSync(fd);
    await rm(out, { force: true });
  }
}
