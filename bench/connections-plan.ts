/**
 * The pure half of `npm run bench:connections`: how many connections this machine can hold
 * (both processes' open-file limit, the ports of each source address), the scenario file that
 * asks for them, and the figures printed from its result.
 */
import { readFileSync } from 'node:fs';

/** File descriptors each process keeps besides its connections (stdio, listeners, the worker pool, the scenario file). */
export const FD_SLACK = 200;

export interface Sizing {
  requested: number;
  /** What is run: the request, or less when the open-file limit cannot hold it. */
  connections: number;
  sources: number;
  /** Why the run is smaller than asked, or uses more sources than asked; empty when neither. */
  notes: string[];
}

/** Linux's ephemeral port range (ip_local_port_range): the local ports one source address has towards one server port. */
export function portsPerAddress(text = readOr('/proc/sys/net/ipv4/ip_local_port_range', '32768 60999')): number {
  const [low = Number.NaN, high = Number.NaN] = text.trim().split(/\s+/).map(Number);
  return Number.isInteger(low) && Number.isInteger(high) && high >= low ? high - low + 1 : 28_232;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Fits the request to the machine: chatbench holds one descriptor per connection, and so does
 * mosquitto (it inherits the same limit from this process). Sources: enough that no address uses
 * more than half its ports (TIME_WAIT from earlier runs holds some), and at least the number asked.
 */
export function sizeRun(requested: number, askedSources: number | undefined, openFiles: { soft: number; hard: number } | undefined, ports: number): Sizing {
  const notes: string[] = [];
  let connections = requested;
  if (openFiles !== undefined && requested + FD_SLACK > openFiles.soft) {
    connections = Math.max(0, openFiles.soft - FD_SLACK);
    notes.push(
      `ulimit -n is ${n(openFiles.soft)} (hard ${n(openFiles.hard)}) and could not be raised for this process (raising the hard limit needs root with CAP_SYS_RESOURCE): `
        + `${n(requested)} connections need about ${n(requested + FD_SLACK)} descriptors in chatbench and as many in mosquitto; running ${n(connections)} instead, the most this machine can do`,
    );
  }
  const needed = Math.max(1, Math.ceil(connections / Math.max(1, Math.floor(ports / 2))));
  const sources = Math.max(askedSources ?? 4, needed);
  if (askedSources !== undefined && sources > askedSources) {
    notes.push(`--sources ${askedSources} gives ${n(askedSources * ports)} local ports at most; using ${sources} source addresses (${n(ports)} ports each)`);
  }
  return { requested, connections, sources, notes };
}

/**
 * The scenario as a scenario file: N users, one room of 2 (a scenario must deliver something:
 * two users exchange a few messages after the hold), the connection ramp and the source
 * addresses, and an idle phase that holds every connection open for `holdSeconds`.
 */
export function connectionsScenario(o: { connections: number; rate: number; sources: number; holdSeconds: number; timeoutSeconds: number }): string {
  return [
    'scenarios:',
    '  - name: connections',
    `    users: ${o.connections}`,
    '    rooms: { count: 1, members: 2 }',
    '    rate: 2/s',
    '    qos: 0',
    '    duration: 2s',
    '    warmup: 0s',
    '    drain: 1s',
    `    idle: ${o.holdSeconds}s`,
    `    connect: { rate: ${o.rate}/s, concurrency: ${Math.max(100, Math.ceil(o.rate / 4))}, timeout: ${o.timeoutSeconds}s, sourceAddresses: ${o.sources} }`,
    '',
  ].join('\n');
}

/** Resident set in bytes from the text of /proc/PID/status ("VmRSS:	  12345 kB"). */
export function rssFromStatus(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

export const n = (v: number): string => Math.round(v).toLocaleString('en-US');

/** µs -> "1.23 ms" / "850 µs". */
export function micros(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${Math.round(v)} µs`;
}

/** Bytes -> "12.3 MB"; per connection -> "18.4 KB". */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
export const kbEach = (bytes: number, count: number): string => (count > 0 ? `${(bytes / count / 1000).toFixed(1)} KB` : '-');
