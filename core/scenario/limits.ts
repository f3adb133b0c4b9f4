/**
 * Workloads that cannot run are refused before the run (exit 2, like any invalid field), with
 * the reason, instead of dying minutes in with "JavaScript heap out of memory" or a packet the
 * protocol cannot encode:
 *
 * - absolute caps per field: one chatbench process does not go past them whatever the machine;
 * - the protocol's largest message (the target's runner declares it: core/target.ts limits);
 * - the machine: file descriptors (one per connection, two with the embedded server, whose
 *   end of each connection lives in this process too) against the soft open-file limit, and an
 *   estimate of the memory the scenario needs against what is available and the JS heap limit.
 *
 * The caller reports each issue at the field it names (normalise.ts points at line:column).
 */
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { protocolName } from '../result/envelope.js';
import { limitsFor, protocolOf } from '../target.js';
import { formatSize } from './units.js';
import type { DriverFeature } from '../driver.js';
import type { ScenarioSpec, TargetSpec } from './types.js';

/** What the machine running chatbench offers. Tests inject their own; readMachine() reads the real one. */
export interface MachineFacts {
  totalMemoryBytes: number;
  /** Memory the kernel says is available for new work (MemAvailable on Linux). */
  availableMemoryBytes: number;
  /** V8's old-space limit: past it the process dies with "JavaScript heap out of memory". */
  heapLimitBytes: number;
  /** `ulimit -n` (soft) and its ceiling (hard); undefined when the platform does not say. */
  openFiles: { soft: number; hard: number } | undefined;
}

export interface LimitContext {
  /** The target's protocol and its largest payload; undefined when the target is not known (the check is skipped). */
  protocol: { name: string; maxPayloadBytes: number } | undefined;
  /** The embedded server runs in this process: both ends of every connection count here. */
  embedded: boolean;
  machine: MachineFacts;
  /** Features the target's protocol version lacks, with a hint each (core/target.ts ProtocolLimits.lacks); undefined: unknown. */
  lacks?: { protocol: string; protocolVersion: string; embedded: boolean; features: ReadonlyMap<DriverFeature, string> } | undefined;
}

/**
 * What scenarios are checked against on `target` (null: the embedded server, which runs in this
 * process; undefined: a target that did not resolve, whose protocol is unknown).
 */
export function limitContextFor(target: TargetSpec | null | undefined, machine: MachineFacts = readMachine()): LimitContext {
  const limits = target === undefined ? undefined : limitsFor(target);
  const name = target === undefined ? undefined : protocolOf(target);
  const lacks = target === undefined || name === undefined ? undefined : limits?.lacks?.(target);
  return {
    protocol: limits && name !== undefined ? { name, maxPayloadBytes: limits.maxPayloadBytes } : undefined,
    embedded: target === null,
    machine,
    lacks: lacks && name !== undefined ? { protocol: name, embedded: target === null, ...lacks } : undefined,
  };
}

/** A problem with one field, as its path inside a scenario (e.g. ["rooms", "members"]). */
export interface LimitIssue {
  field: readonly string[];
  message: string;
}

/**
 * Caps no machine lifts: one process drives every connection and every send on one event loop.
 * (rooms.members is bounded by users; directPairs by users / 2.)
 */
export const ABSOLUTE_CAPS = {
  users: 1_000_000,
  roomCount: 1_000_000,
  /** Messages per second: past this the pacer only falls behind (schedule lag), so the run measures chatbench. */
  rate: 1_000_000,
} as const;

/**
 * Rough costs, measured on Node 20 with MQTT.js 5 and Aedes 1 (heap and RSS growth after GC for
 * 2,000–4,000 connected, subscribed users; plan + delivery tracker for a room of 1,000–2,000):
 * a client connection ~16 KB heap / ~30 KB resident; the embedded server's end adds ~8 KB heap /
 * ~18 KB resident; each (stream, receiver) pair ~152 B heap. Rounded up: an estimate, not a bound.
 */
const COST = {
  connectionHeap: 16 * 1024,
  connectionMemory: 32 * 1024,
  embeddedConnectionHeap: 8 * 1024,
  embeddedConnectionMemory: 20 * 1024,
  memberPairHeap: 160,
  /** stdio, the scenario and result files, the embedded server's listener, DNS, the worker pool. */
  fileDescriptorSlack: 64,
} as const;

type Workload = Pick<ScenarioSpec, 'users' | 'rooms' | 'directPairs' | 'rate' | 'payloadBytes' | 'roomSizes' | 'randomPeers' | 'fanIn'>;

export interface WorkloadNeeds {
  connections: number;
  fileDescriptors: number;
  /** (stream, receiver) pairs: every room member receives every other member's stream. */
  memberPairs: number;
  heapBytes: number;
  /** Resident memory, by what it is for (payloads live outside the JS heap). */
  memory: { connections: number; memberPairs: number; inFlight: number };
  memoryBytes: number;
}

/**
 * What a scenario needs from the machine, by the costs above. One second of sends is counted
 * as in flight (the client holds a payload until the server acknowledges it): a rough figure
 * for a server that keeps up, so a heavy payload × rate shows up before the run.
 */
export function estimateNeeds(spec: Workload, embedded: boolean): WorkloadNeeds {
  const { users, rate, payloadBytes } = spec;
  const memberPairs = streamReceivers(spec);
  const heapBytes = users * (COST.connectionHeap + (embedded ? COST.embeddedConnectionHeap : 0)) + memberPairs * COST.memberPairHeap;
  const memory = {
    connections: users * (COST.connectionMemory + (embedded ? COST.embeddedConnectionMemory : 0)),
    memberPairs: memberPairs * COST.memberPairHeap,
    inFlight: Math.max(1, rate) * payloadBytes,
  };
  const memoryBytes = memory.connections + memory.memberPairs + memory.inFlight;
  return { connections: users, fileDescriptors: users * (embedded ? 2 : 1) + COST.fileDescriptorSlack, memberPairs, heapBytes, memory, memoryBytes };
}

/** (stream, receiver) pairs of the plan (core/engine/plan.ts): rooms by size, direct pairs, random peers, fan-in. */
export function streamReceivers(spec: Workload): number {
  const groups = spec.roomSizes ?? [spec.rooms];
  const inRooms = groups.reduce((sum, g) => sum + (g.members >= 2 ? g.count * g.members * (g.members - 1) : 0), 0);
  const fanIn = spec.fanIn === undefined ? 0 : spec.users - spec.fanIn.receivers;
  return inRooms + 2 * spec.directPairs + spec.users * (spec.randomPeers ?? 0) + fanIn;
}

/** Every reason `spec` cannot run here; empty when it can. */
export function checkWorkload(spec: Workload, context: LimitContext): LimitIssue[] {
  const issues: LimitIssue[] = [];
  const cap = (field: readonly string[], what: string, value: number, max: number, why: string) => {
    if (value > max) issues.push({ field, message: `${what} (${count(value)}) is more than ${why} (at most ${count(max)})` });
  };
  cap(['users'], 'users', spec.users, ABSOLUTE_CAPS.users, 'one chatbench process can connect');
  cap(['rooms', 'count'], 'rooms.count', spec.rooms.count, ABSOLUTE_CAPS.roomCount, 'one chatbench process can plan');
  cap(['rate'], 'rate', spec.rate, ABSOLUTE_CAPS.rate, 'one chatbench process can send per second');

  const { protocol } = context;
  if (protocol && spec.payloadBytes > protocol.maxPayloadBytes) {
    issues.push({
      field: ['payload'],
      message: `payload (${size(spec.payloadBytes)}) is more than one ${protocolName(protocol.name)} message can carry: `
        + `at most ${count(protocol.maxPayloadBytes)} bytes (the protocol's largest packet, less its headers)`,
    });
  }
  // Past an absolute or protocol cap the estimates only repeat the same news with bigger numbers.
  if (issues.length > 0) return issues;
  issues.push(...machineIssues(spec, context));
  return issues;
}

function machineIssues(spec: Workload, { embedded, machine }: LimitContext): LimitIssue[] {
  const needs = estimateNeeds(spec, embedded);
  const issues: LimitIssue[] = [];
  const files = machine.openFiles;
  if (files && needs.fileDescriptors > files.soft) {
    const whose = embedded ? ' to the embedded server (both ends run in this process)' : '';
    const raise = needs.fileDescriptors > files.hard
      ? `the hard limit is ${count(files.hard)} too: raise it (limits.conf, systemd LimitNOFILE) or run fewer users`
      : `raise it with ulimit -n ${suggestedLimit(needs.fileDescriptors, files.hard)}`;
    issues.push({
      field: ['users'],
      message: `${count(needs.connections)} connections${whose} need ${count(needs.fileDescriptors)} file descriptors; `
        + `ulimit -n is ${count(files.soft)} (${raise})`,
    });
  }
  const { memory } = needs;
  const parts = `${count(needs.connections)} connections (${bytes(memory.connections)}), `
    + `${count(needs.memberPairs)} member pairs (${bytes(memory.memberPairs)}) `
    + `and one second of ${formatSize(spec.payloadBytes)} sends in flight (${bytes(memory.inFlight)})`;
  if (needs.memoryBytes > machine.availableMemoryBytes) {
    // Point at what costs most: the connections, the rooms' member pairs (quadratic in members), or payload × rate.
    const top = Math.max(memory.connections, memory.memberPairs, memory.inFlight);
    const [field, advice] = top === memory.inFlight
      ? [['payload'], 'lower the payload or the rate']
      : top === memory.memberPairs
        ? [spec.rooms.count > 0 ? ['rooms', 'members'] : ['directPairs'], 'use smaller rooms or shard the run']
        : [['users'], 'run fewer users or shard the run'];
    issues.push({
      field,
      message: `${parts} need about ${bytes(needs.memoryBytes)} of memory; this machine has ${bytes(machine.availableMemoryBytes)} `
        + `available (${bytes(machine.totalMemoryBytes)} in all): ${advice}`,
    });
  } else if (needs.heapBytes > machine.heapLimitBytes) {
    const field = memory.memberPairs > memory.connections ? (spec.rooms.count > 0 ? ['rooms', 'members'] : ['directPairs']) : ['users'];
    issues.push({
      field,
      message: `${count(needs.connections)} connections and ${count(needs.memberPairs)} member pairs need about ${bytes(needs.heapBytes)} `
        + `of JavaScript heap; the heap limit is ${bytes(machine.heapLimitBytes)} `
        + `(raise it with NODE_OPTIONS=--max-old-space-size=${Math.ceil((needs.heapBytes * 1.25) / 2 ** 20)}, or run fewer users)`,
    });
  }
  return issues;
}

/** A round `ulimit -n` value that covers `needed` (65,536 at least), within the hard limit. */
function suggestedLimit(needed: number, hard: number): number {
  return Math.min(hard, Math.max(65_536, 2 ** Math.ceil(Math.log2(needed))));
}

/** The machine chatbench runs on, now. */
function readMachine(): MachineFacts {
  return { totalMemoryBytes: totalmem(), availableMemoryBytes: freemem(), heapLimitBytes: getHeapStatistics().heap_size_limit, openFiles: openFileLimits() };
}

/** Soft and hard "Max open files" from /proc/self/limits (Linux); undefined elsewhere or when unlimited. */
export function openFileLimits(text: string | undefined = readProcLimits()): { soft: number; hard: number } | undefined {
  const line = text?.split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line?.slice('Max open files'.length).trim().split(/\s+/) ?? []).map(Number);
  return soft !== undefined && hard !== undefined && Number.isInteger(soft) && Number.isInteger(hard) ? { soft, hard } : undefined;
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

const count = (n: number): string => n.toLocaleString('en-US');
/** 268435456 -> "256MiB = 268,435,456 bytes": the size as written, and exactly. */
const size = (n: number): string => `${formatSize(n)} = ${count(n)} bytes`;
/** Approximate sizes for estimates: "1.5 GiB". */
function bytes(n: number): string {
  const units = [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const;
  for (const [unit, factor] of units) if (n >= factor) return `${Number((n / factor).toPrecision(3))} ${unit}`;
  return `${n} B`;
}
