/**
 * The pure half of `npm run bench:peers`: what a peer's run measured, read from the peers' own
 * output (mosquitto_sub's receipt times, a /proc stat line), and the ratios and goals of issue 11
 * item 1 (`ratio chatbench/<peer> <workload>: <number>`). No processes, no clocks here.
 */

export type PeerName = 'c-clients' | 'mqttjs' | 'tsung';
export const PEER_NAMES: readonly PeerName[] = ['c-clients', 'mqttjs', 'tsung'];

/** One tool's figure for one workload: delivered msg/s and CPU seconds per delivered message. */
export interface Figure {
  /** Delivered messages per second (chatbench: at its ceiling; a peer: flat out). */
  deliveredPerSecond: number;
  /** CPU seconds (user + system, every process of the tool) per delivered message; null when not read. */
  cpuPerMessage: number | null;
}

/** A peer's run: measured, or why there is no figure (never a made-up number). */
export type PeerResult =
  | { kind: 'measured'; figure: Figure; delivered: number; expected: number; command: string; note?: string }
  | { kind: 'unavailable'; reason: string; command?: string };

/** Receipts as a subscriber saw them: how many, and the first and last receipt time (seconds). */
export interface Receipts {
  count: number;
  firstSeconds: number;
  lastSeconds: number;
}

/**
 * Receipt times from `mosquitto_sub -F %U` output: one line per message holding the Unix time
 * with nanoseconds ("1764661403.123456789"). The first `skip` lines are not counted (the
 * retained readiness probe). Lines that are not a time are ignored; null when none is left.
 */
export function parseReceiptTimes(text: string, skip = 0): Receipts | null {
  let seen = 0;
  let count = 0;
  let first = 0;
  let last = 0;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!/^\d+\.\d+$/.test(t)) continue;
    if (seen++ < skip) continue;
    const seconds = Number(t);
    if (count === 0) first = seconds;
    last = seconds;
    count++;
  }
  return count === 0 ? null : { count, firstSeconds: first, lastSeconds: last };
}

/** Delivered throughput as the brief defines it: count ÷ (last − first receipt); null under two receipts. */
export function receiptRate(r: Receipts): number | null {
  const span = r.lastSeconds - r.firstSeconds;
  return r.count < 2 || span <= 0 ? null : r.count / span;
}

/**
 * Fields of a /proc/PID/stat line by proc(5) number (1-based). The command name (field 2) is in
 * parentheses and may hold spaces and parentheses, so fields are counted from the last ")".
 */
function statField(stat: string, field: number): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0 || field < 3) return undefined;
  const value = Number(stat.slice(close + 1).trim().split(/\s+/)[field - 3]);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The CPU ticks of the children a process waited for: cutime + cstime (fields 16 and 17). A
 * shell that ran one client and waited for it reports exactly that client's CPU there.
 */
export function waitedChildTicks(stat: string): number | undefined {
  const cutime = statField(stat, 16);
  const cstime = statField(stat, 17);
  return cutime === undefined || cstime === undefined ? undefined : cutime + cstime;
}

/** How a chatbench figure compares with a peer's: > 1 means chatbench delivered more. */
export function rateRatio(chatbench: Figure | null, peer: PeerResult): number | null {
  if (chatbench === null || peer.kind !== 'measured' || !(peer.figure.deliveredPerSecond > 0)) return null;
  return chatbench.deliveredPerSecond / peer.figure.deliveredPerSecond;
}

/** chatbench's CPU per message over the peer's: < 1 means chatbench spent less. */
export function cpuRatio(chatbench: Figure | null, peer: PeerResult): number | null {
  const mine = chatbench?.cpuPerMessage ?? null;
  const theirs = peer.kind === 'measured' ? peer.figure.cpuPerMessage : null;
  return mine === null || theirs === null || !(theirs > 0) ? null : mine / theirs;
}

const twoPlaces = (v: number): string => v.toFixed(2);

/** The line: `ratio chatbench/c-clients fan-in qos0: 1.23`. */
export function ratioLine(peer: PeerName, workload: string, value: number): string {
  return `ratio chatbench/${peer} ${workload}: ${twoPlaces(value)}`;
}

export function cpuRatioLine(workload: string, value: number): string {
  return `ratio chatbench/c-clients cpu-per-message ${workload}: ${twoPlaces(value)}`;
}

/** One goal of issue 11 item 1: a printed ratio and the bound it must meet. */
export interface Goal {
  /** The ratio's name as printed after "ratio ", e.g. "chatbench/c-clients fan-in qos0". */
  ratio: string;
  kind: 'rate' | 'cpu';
  peer: PeerName;
  workload: string;
  /** rate: the ratio must be at least this; cpu: at most this. */
  bound: number;
}

const rateGoal = (peer: PeerName, workload: string, bound: number): Goal => ({ ratio: `chatbench/${peer} ${workload}`, kind: 'rate', peer, workload, bound });
const cpuGoal = (workload: string): Goal => ({ ratio: `chatbench/c-clients cpu-per-message ${workload}`, kind: 'cpu', peer: 'c-clients', workload, bound: 1.5 });

/** The goals for the workloads measured: QoS 0 fan-in against every peer, QoS 1 against the C clients, CPU everywhere. */
export function goalsFor(workloads: readonly { name: string; qos: number }[]): Goal[] {
  const goals: Goal[] = [];
  for (const w of workloads) {
    if (w.qos === 0 && w.name.startsWith('fan-in')) goals.push(rateGoal('c-clients', w.name, 1), rateGoal('mqttjs', w.name, 2), rateGoal('tsung', w.name, 3));
    if (w.qos === 1) goals.push(rateGoal('c-clients', w.name, 1));
  }
  for (const w of workloads) goals.push(cpuGoal(w.name));
  return goals;
}

export type GoalVerdict = 'holds' | 'misses' | 'not measured';

export function judgeGoal(goal: Goal, value: number | null): GoalVerdict {
  if (value === null) return 'not measured';
  return (goal.kind === 'rate' ? value >= goal.bound : value <= goal.bound) ? 'holds' : 'misses';
}

export function goalLine(goal: Goal, value: number | null): string {
  const want = goal.kind === 'rate' ? `>= ${goal.bound}` : `<= ${goal.bound}`;
  const got = value === null ? 'no figure' : twoPlaces(value);
  return `goal ${goal.ratio} ${want}: ${judgeGoal(goal, value)} (${got})`;
}
