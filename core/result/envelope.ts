/**
 * The envelope every result kind shares (run, conform, fuzz, compare): version, kind, tool,
 * run id, target, environment, timing and whether it stopped early.
 */
import { z } from 'zod';
import { Aborted } from './reasons.js';

export const RESULT_SCHEMA_VERSION = 2 as const;

export const Target = z.object({
  /** URL with credentials removed; embedded runs show the loopback URL of the in-process server. */
  url: z.string(),
  /** The protocol's registered name (core/target.ts): "mqtt", "xmpp". */
  protocol: z.string(),
  protocolVersion: z.string(),
  embedded: z.boolean(),
  tcpNoDelay: z.boolean(),
  /** True when chatbench started this server for the run (`--start`, `target: { start }`); absent otherwise. */
  started: z.boolean().optional(),
  /** How the runner mapped each chat verb and delivery level onto its protocol (absent for MQTT, whose levels are its own). */
  mapping: z.record(z.string(), z.string()).optional(),
});
export type Target = z.infer<typeof Target>;

/** "MQTT": how people read a protocol's registered name ("mqtt"). */
export function protocolName(protocol: string): string {
  return protocol.toUpperCase();
}

/** "MQTT 3.1.1": how every report and message names a target's protocol. */
export function describeProtocol(t: Pick<Target, 'protocol' | 'protocolVersion'>): string {
  return `${protocolName(t.protocol)} ${t.protocolVersion}`;
}

export const Environment = z.object({ node: z.string(), platform: z.string(), arch: z.string(), cpus: z.number() });
export type Environment = z.infer<typeof Environment>;

export const envelopeFields = {
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('chatbench'), version: z.string() }),
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Set when the work stopped early (signal, unreachable target, stall, phase timeout): what was measured is kept. */
  aborted: Aborted.nullable(),
  target: Target,
  environment: Environment,
};
