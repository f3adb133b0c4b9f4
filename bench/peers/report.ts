/**
 * bench:peers' printed report: per workload every tool's figure with the command that reproduces
 * it, the ratio lines (`ratio chatbench/<peer> <workload>: <number>`), and a summary of the goals.
 * Pure: results in, lines out.
 */
import {
  PEER_NAMES, cpuRatio, cpuRatioLine, goalLine, goalsFor, rateRatio, ratioLine,
  type Figure, type PeerName, type PeerResult,
} from './figures.js';
import type { Workload } from './workloads.js';

export interface ChatbenchLine {
  figure: Figure | null;
  /** Why there is no figure, or what the ceiling step measured (lag, losses). */
  detail: string;
  command: string;
}

export interface WorkloadResult {
  workload: Workload;
  chatbench: ChatbenchLine;
  peers: Partial<Record<PeerName, PeerResult>>;
}

const rate = (v: number): string => `${Math.round(v).toLocaleString('en-US')} msg/s`;
const cpu = (v: number | null): string => (v === null ? 'CPU not read' : `CPU ${(v * 1e6).toFixed(2)} µs/msg`);

function peerLines(name: PeerName, r: PeerResult): string[] {
  if (r.kind === 'unavailable') return [`  ${name}: ${r.reason}`, ...(r.command ? [`    command: ${r.command}`] : [])];
  const got = `${r.delivered.toLocaleString('en-US')} of ${r.expected.toLocaleString('en-US')} delivered${r.note ? `; ${r.note}` : ''}`;
  return [`  ${name}: ${rate(r.figure.deliveredPerSecond)} delivered, ${cpu(r.figure.cpuPerMessage)} (${got})`, `    command: ${r.command}`];
}

/** The ratios a workload's result gives, by printed name; null where a side has no figure. */
export function ratiosOf(r: WorkloadResult): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const peer of PEER_NAMES) {
    const p = r.peers[peer];
    out.set(`chatbench/${peer} ${r.workload.name}`, p === undefined ? null : rateRatio(r.chatbench.figure, p));
  }
  const c = r.peers['c-clients'];
  out.set(`chatbench/c-clients cpu-per-message ${r.workload.name}`, c === undefined ? null : cpuRatio(r.chatbench.figure, c));
  return out;
}

export function workloadLines(r: WorkloadResult): string[] {
  const w = r.workload;
  const lines = [`${w.name}: ${w.publishers} publisher${w.publishers > 1 ? 's' : ''} -> 1 subscriber, QoS ${w.qos}`];
  const cb = r.chatbench;
  lines.push(cb.figure === null
    ? `  chatbench: no rate stayed under the ceiling (${cb.detail})`
    : `  chatbench: ${rate(cb.figure.deliveredPerSecond)} delivered at its ceiling (${cb.detail}), ${cpu(cb.figure.cpuPerMessage)}`);
  lines.push(`    command: ${cb.command}`);
  for (const peer of PEER_NAMES) {
    const p = r.peers[peer];
    if (p !== undefined) lines.push(...peerLines(peer, p)); // --peers left it out
  }
  // Each ratio on its own line, only where both sides have a figure: never a made-up number.
  for (const peer of PEER_NAMES) {
    const p = r.peers[peer];
    const v = p === undefined ? null : rateRatio(cb.figure, p);
    if (v !== null) lines.push(ratioLine(peer, w.name, v));
  }
  const c = r.peers['c-clients'];
  const cpuV = c === undefined ? null : cpuRatio(cb.figure, c);
  if (cpuV !== null) lines.push(cpuRatioLine(w.name, cpuV));
  return lines;
}

export function summaryLines(results: readonly WorkloadResult[]): string[] {
  const ratios = new Map<string, number | null>();
  for (const r of results) for (const [k, v] of ratiosOf(r)) ratios.set(k, v);
  const goals = goalsFor(results.map((r) => r.workload)).map((g) => goalLine(g, ratios.get(g.ratio) ?? null));
  return ['summary (issue 11 item 1 goals):', ...goals.map((l) => `  ${l}`)];
}
