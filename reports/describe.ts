/**
 * The facts every report heads with, described once: the target, a workload, a status, how a
 * run stopped and which scenarios it never reached.
 */
import type { Aborted, RunResult, ScenarioResult, Target } from '../core/result/index.js';
import { describeProtocol } from '../core/result/index.js';
import { formatBytes, formatRate, plural } from './format.js';

// Core names protocols in its own messages too (compare's caveats): one wording for both.
export { describeProtocol };

/**
 * Where the run went: "embedded broker (mqtt://127.0.0.1:4242)" or the (redacted) URL.
 * `url` styles the URL for the markup at hand (a Markdown code span, say).
 */
export function describeWhere(t: Target, url: (text: string) => string = (text) => text): string {
  return t.embedded ? `embedded broker (${url(t.url)})` : url(t.url);
}

/**
 * A result's target, as every report heads with it: "MQTT 3.1.1 embedded broker
 * (mqtt://127.0.0.1:4242)". A target before a run is core/target.ts describeTargetSpec.
 */
export function describeResultTarget(t: Target): string {
  return `${describeProtocol(t)} ${describeWhere(t)}`;
}

/** The shape of a workload, as a scenario result or a comparison side carries it. */
export interface WorkloadShape {
  users: number;
  rooms: number;
  directPairs?: number;
  qos: number;
  payloadBytes: number;
  targetRate: number;
}

export function workloadOf(s: ScenarioResult): WorkloadShape {
  return { users: s.users, rooms: s.rooms, directPairs: s.spec.directPairs, qos: s.qos, payloadBytes: s.payloadBytes, targetRate: s.targetRate };
}

/**
 * "50 users, 5 rooms, QoS 1, 256 B at 500 msg/s": rooms and direct pairs named when there are
 * any ("4 users, 2 direct pairs, …" for direct messages only, never "0 rooms").
 */
export function describeWorkload(w: WorkloadShape): string {
  const pairs = w.directPairs ?? 0;
  const shape = [plural(w.users, 'user'), ...(w.rooms > 0 ? [plural(w.rooms, 'room')] : []), ...(pairs > 0 ? [plural(pairs, 'direct pair')] : [])].join(', ');
  return `${shape}, QoS ${w.qos}, ${formatBytes(w.payloadBytes)} at ${formatRate(w.targetRate)}`;
}

export type StatusLabel = 'PASS' | 'FAIL' | 'ABORTED';

/** A scenario's (or a run's) status as the reports write it. */
export function statusLabel(status: ScenarioResult['status']): StatusLabel {
  return status === 'passed' ? 'PASS' : status === 'failed' ? 'FAIL' : 'ABORTED';
}

/** "slow: interrupted by SIGINT", or the message alone when no scenario was running. */
export function describeAbort(a: Aborted): string {
  return a.scenario === null ? a.message : `${a.scenario}: ${a.message}`;
}

/** Scenarios the run set out to run but never finished measuring (it stopped before them). */
export function notRunScenarios(result: RunResult): string[] {
  const ran = new Set(result.scenarios.map((s) => s.name));
  return result.selected.filter((name) => !ran.has(name));
}

/**
 * Why a selected scenario has no result: the run stopped on it (`stoppedHere`, e.g. its target
 * could not be reached), or before it.
 */
export function notRunReason(result: RunResult, name: string): { stoppedHere: boolean; text: string } {
  const a = result.aborted;
  if (a !== null && a.scenario === name) return { stoppedHere: true, text: a.message };
  return { stoppedHere: false, text: `the run stopped before this scenario (${a === null ? 'no reason recorded' : describeAbort(a)})` };
}

/** "2 of 3 scenarios passed (1 not run)". */
export function passedSummary(result: RunResult): string {
  const passed = result.scenarios.filter((s) => s.status === 'passed').length;
  const total = Math.max(result.selected.length, result.scenarios.length);
  const notRun = notRunScenarios(result).length;
  return `${passed} of ${plural(total, 'scenario')} passed${notRun > 0 ? ` (${notRun} not run)` : ''}`;
}

/**
 * The idle phase's keep-alive cost, or null without one: "idle 60.0 s, 50 connections,
 * keep-alive 30 s: out 4 B, in 4 B per connection per minute".
 */
export function describeIdle(s: Pick<ScenarioResult, 'wire'>): string | null {
  const idle = s.wire.idle;
  if (idle === undefined) return null;
  const keepAlive = idle.keepAliveSeconds === null ? 'keep-alive not reported' : `keep-alive ${idle.keepAliveSeconds} s`;
  const rate = idle.perConnectionPerMinute;
  return `idle ${idle.seconds.toFixed(1)} s, ${plural(idle.connections, 'connection')}, ${keepAlive}: out ${formatBytes(rate.bytesOut)}, in ${formatBytes(rate.bytesIn)} per connection per minute`;
}

/** "server: prosody 0.12.3, started by chatbench for this run (CPU 0.24 s, peak memory 25.8 MiB)". */
export function describeServer(server: { name: string; version: string; cpuSeconds: number; peakRssBytes: number }): string {
  return `server: ${server.name} ${server.version}, started by chatbench for this run (CPU ${server.cpuSeconds.toFixed(2)} s, peak memory ${formatBytes(server.peakRssBytes)})`;
}
