/**
 * The workloads `npm run bench:peers` measures every tool on (issue 11 item 1): fan-in (N
 * publishers to one subscriber) and a pair (one publisher, one subscriber), each at QoS 0 and
 * QoS 1, 64-byte messages. chatbench runs them as ordinary scenarios (`fanIn`), so every message
 * is tracked, time-stamped and judged as in any chat run; the peers get the same shape.
 */
import { parseScenarioText } from '../../core/scenario/index.js';
import type { ScenarioSpec, TargetSpec } from '../../core/scenario/types.js';

/** Publishers of a fan-in workload: the same for every tool. */
export const FAN_IN_PUBLISHERS = 8;
/** Message size for every tool: chatbench's payload is its 48-byte header and 16 bytes more. */
export const PAYLOAD_BYTES = 64;

export interface Workload {
  /** As printed in the ratio lines: "fan-in qos0". */
  name: string;
  qos: 0 | 1;
  publishers: number;
}

export const WORKLOADS: readonly Workload[] = [
  { name: 'fan-in qos0', qos: 0, publishers: FAN_IN_PUBLISHERS },
  { name: 'fan-in qos1', qos: 1, publishers: FAN_IN_PUBLISHERS },
  { name: 'pair qos0', qos: 0, publishers: 1 },
  { name: 'pair qos1', qos: 1, publishers: 1 },
];

/** "fan-in qos0" -> "fan-in-qos0": a name for topics, client ids and scenario names. */
export function slug(w: Workload): string {
  return w.name.replace(/\s+/g, '-');
}

/**
 * The topic the peers publish to: shaped like chatbench's inbox topic for the receiver
 * (`chatbench/<runId>/user/u0`), so the broker matches topics of the same length for every tool.
 */
export function peerTopic(w: Workload): string {
  return `chatbench/${slug(w).slice(0, 6)}/user/u0`;
}

/** The workloads named in a comma-separated list (all when absent); unknown names are an error. */
export function pickWorkloads(list: string | undefined): Workload[] {
  if (list === undefined || list.trim() === '') return [...WORKLOADS];
  const wanted = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = wanted.filter((n) => !WORKLOADS.some((w) => w.name === n || slug(w) === n));
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}: choose from ${WORKLOADS.map(slug).join(', ')}`);
  return WORKLOADS.filter((w) => wanted.includes(w.name) || wanted.includes(slug(w)));
}

/**
 * chatbench's scenario for a workload: users u1..uN write to u0's inbox (fan-in with one
 * receiver), at `rate` sends per second for `seconds`. Parsed like a scenario file, so every
 * default a `chatbench run` applies is applied here too.
 */
export function workloadScenario(
  w: Workload,
  target: { url: string },
  rate = 1000,
  seconds = 3,
): { target: TargetSpec; spec: ScenarioSpec } {
  const text = [
    'scenarios:',
    `  - name: ${slug(w)}`,
    `    description: ${w.publishers} publisher(s) to one subscriber, QoS ${w.qos}, ${PAYLOAD_BYTES}-byte messages (bench:peers).`,
    `    users: ${w.publishers + 1}`,
    '    rooms: { count: 0 }',
    '    fanIn: { receivers: 1 }',
    `    rate: ${rate}/s`,
    `    payload: ${PAYLOAD_BYTES}`,
    `    qos: ${w.qos}`,
    `    duration: ${seconds * 1000}ms`,
  ].join('\n');
  const file = parseScenarioText(`${text}\n`, `bench:peers ${w.name}`, { target: target.url });
  const spec = file.scenarios[0];
  if (spec === undefined || file.target === null) throw new Error(`bench:peers: the ${w.name} scenario did not parse`);
  return { target: file.target, spec };
}
