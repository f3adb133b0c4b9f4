/**
 * Tsung's figure for one workload (Debian's `tsung`, its ts_mqtt plugin): one subscriber session
 * and N publisher sessions (a `for` loop of publishes, no think time), on the same broker. Tsung
 * counts the PUBLISHes its subscribers received (`mqtt_server_published`) per stats interval,
 * set to 1 s here (the controller's `dumpstats_interval`, through ERL_ZFLAGS). Its delivered rate
 * is the count over the time from the first to the last interval with receipts — the first and
 * last second may be partly idle, so this leans towards Tsung, never against it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerResult } from './figures.js';
import { shellLine, spawnPeer } from './processes.js';
import { PAYLOAD_BYTES, peerTopic, type Workload } from './workloads.js';

export const TSUNG_MISSING = 'tsung: not installed (apt-get install tsung)';
const INTERVAL_MS = 1000;
/** QoS 1 publishes per Tsung connection: below the 16-bit packet ids it never wraps. */
export const TSUNG_MAX_IDS = 65_000;

/**
 * Publishes per Tsung publisher session. Tsung 1.7's ts_mqtt counts packet ids up from 1 and never
 * wraps them, so a connection's 65,536th QoS 1 PUBLISH goes out with an id that does not fit (id 0
 * is refused [MQTT-2.3.1-1]) and the broker drops the connection: QoS 1 stays under it.
 */
export function tsungPerPublisher(w: Workload, messages: number): number {
  const even = Math.max(1, Math.floor(messages / w.publishers));
  return w.qos > 0 ? Math.min(even, TSUNG_MAX_IDS) : even;
}

export function tsungInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v tsung'], { stdio: 'ignore' }).status === 0;
}

/** Per stats dump of tsung.log: its time (s) and how many PUBLISHes the subscribers got since the last. */
export function parseTsungLog(text: string): Array<{ at: number; received: number }> {
  const dumps: Array<{ at: number; received: number }> = [];
  for (const line of text.split('\n')) {
    const dump = /^# stats: dump at (\d+)/.exec(line);
    if (dump) dumps.push({ at: Number(dump[1]), received: 0 });
    const got = /^stats: mqtt_server_published (\d+) /.exec(line);
    const last = dumps[dumps.length - 1];
    if (got && last !== undefined) last.received = Number(got[1]);
  }
  return dumps;
}

/** Received in all, and the rate from the first to the last dump with receipts (null under two such dumps). */
export function tsungRate(dumps: ReadonlyArray<{ at: number; received: number }>): { received: number; perSecond: number | null } {
  const busy = dumps.filter((d) => d.received > 0);
  const received = busy.reduce((a, d) => a + d.received, 0);
  const first = busy[0];
  const last = busy[busy.length - 1];
  const span = first === undefined || last === undefined ? 0 : last.at - first.at;
  return { received, perSecond: span > 0 ? received / span : null };
}

/** The Tsung scenario: a subscriber, then the publishers a second later, each publishing perPublisher messages. */
export function tsungConfig(w: Workload, port: number, perPublisher: number, waitSeconds: number): string {
  const topic = peerTopic(w);
  const publisherUsers = Array.from({ length: w.publishers }, () => '    <user session="pub" start_time="1" unit="second"></user>').join('\n');
  return `<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="warning" version="1.0">
  <clients><client host="localhost" use_controller_vm="true" maxusers="1000"/></clients>
  <servers><server host="127.0.0.1" port="${port}" type="tcp"/></servers>
  <load>
    <user session="sub" start_time="0" unit="second"></user>
${publisherUsers}
  </load>
  <sessions>
    <session name="pub" probability="0" type="ts_mqtt">
      <request><mqtt type="connect" clean_start="true" keepalive="60"></mqtt></request>
      <for from="1" to="${perPublisher}" incr="1" var="i">
        <request><mqtt type="publish" topic="${topic}" qos="${w.qos}" retained="false">${'x'.repeat(PAYLOAD_BYTES)}</mqtt></request>
      </for>
      <request><mqtt type="disconnect"></mqtt></request>
    </session>
    <session name="sub" probability="0" type="ts_mqtt">
      <request><mqtt type="connect" clean_start="true" keepalive="60"></mqtt></request>
      <request><mqtt type="subscribe" topic="${topic}" qos="${w.qos}"></mqtt></request>
      <request><mqtt type="waitForMessages" timeout="${waitSeconds}"></mqtt></request>
      <request><mqtt type="disconnect"></mqtt></request>
    </session>
  </sessions>
</tsung>
`;
}

export async function runTsung(w: Workload, port: number, messages: number, signal: AbortSignal): Promise<PeerResult> {
  if (!tsungInstalled()) return { kind: 'unavailable', reason: 'not installed (apt-get install tsung)' };
  const perPublisher = tsungPerPublisher(w, messages);
  const expected = perPublisher * w.publishers;
  // The subscriber waits this long in all (Tsung has no "until N arrived"): room for 5,000 msg/s. A
  // slower Tsung still gets its rate from the intervals with receipts; the rest is reported missing.
  const waitSeconds = Math.ceil(expected / 5_000) + 10;
  const folder = await mkdtemp(join(tmpdir(), 'chatbench-tsung-'));
  const conf = join(folder, 'tsung.xml');
  const env = `ERL_ZFLAGS='-tsung_controller dumpstats_interval ${INTERVAL_MS}'`;
  const command = `${env} ${shellLine(['tsung', '-n', '-f', conf, '-l', join(folder, 'log'), 'start'])}  # ${conf} as bench/peers/tsung.ts writes it`;
  try {
    await writeFile(conf, tsungConfig(w, port, perPublisher, waitSeconds));
    const peer = spawnPeer('tsung', ['-n', '-f', conf, '-l', join(folder, 'log'), 'start'], {
      stdin: 'ignore',
      stdout: 'ignore',
      env: { ...process.env, ERL_ZFLAGS: `-tsung_controller dumpstats_interval ${INTERVAL_MS}` },
    });
    // Bounded: stopped by its PID well past the subscriber's wait, or on Ctrl-C.
    const stopAt = setTimeout(() => peer.stop(), (waitSeconds + 120) * 1000);
    signal.addEventListener('abort', peer.stop, { once: true });
    const end = await peer.done;
    clearTimeout(stopAt);
    signal.removeEventListener('abort', peer.stop);
    const [run] = await readdir(join(folder, 'log'));
    if (run === undefined) return { kind: 'unavailable', reason: `tsung wrote no log (exit ${end.code}): ${end.stderr.slice(-300)}`, command };
    const { received, perSecond } = tsungRate(parseTsungLog(await readFile(join(folder, 'log', run, 'tsung.log'), 'utf8')));
    if (perSecond === null) return { kind: 'unavailable', reason: `tsung's subscriber got ${received} of ${expected} within fewer than two stats intervals: no rate`, command };
    const missing = expected - received;
    return {
      kind: 'measured',
      figure: { deliveredPerSecond: perSecond, cpuPerMessage: end.cpuSeconds === null || received === 0 ? null : end.cpuSeconds / received },
      delivered: received,
      expected,
      command,
      note: `rate from Tsung's 1 s stats intervals; CPU includes the Erlang VM's start${missing > 0 ? `; ${missing} of ${expected} never reached its subscriber` : ''}`,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
