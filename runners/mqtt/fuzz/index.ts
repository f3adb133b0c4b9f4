/**
 * The MQTT fuzz target: core's property loop (core/fuzz/loop.ts) bound to MQTT — sequences from
 * sequence.ts, executed and judged over raw connections (execute.ts), a canary for health — and
 * a replay's steps re-run through the very same executor, so `chatbench replay` judges exactly
 * as the fuzz did.
 */
import type { FuzzTarget } from '../../../core/fuzz/loop.js';
import type { CaseOutcome } from '../../../core/fuzz/loop.js';
import type { ReplayStep } from '../../../core/fuzz/replay.js';
import { urlCredentials } from '../../common/credentials.js';
import { parseEndpoint } from '../endpoint.js';
import type { ProtocolLevel } from '../raw/client.js';
import { runCanary } from './canary.js';
import { executeCase, stepsFromReplay, type ExecuteOptions, type FuzzStep } from './execute.js';
import { sequenceArb } from './sequence.js';

export interface MqttFuzzOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the server; user:password@ in it is the login every CONNECT carries. */
  url: string;
  version: ProtocolLevel;
  /** How long a valid packet's answer and a malformed packet's close are waited for. */
  answerTimeoutMs: number;
  /** How long the canary's round trip may take. */
  canaryTimeoutMs: number;
  /** How many connections a case spreads its steps over (default 2). */
  connections?: number;
  /** Most steps per case after the openings (default 8). */
  maxSteps?: number;
}

export const DEFAULT_ANSWER_TIMEOUT_MS = 500;
export const DEFAULT_CANARY_TIMEOUT_MS = 2_000;

function executeOptions(options: MqttFuzzOptions): ExecuteOptions {
  // A login in the URL (mqtt://user:pass@host) goes on every well-formed CONNECT, never into a replay.
  const login = urlCredentials(options.url);
  return {
    ...(login.username !== undefined || login.password !== undefined ? { login } : {}),
    endpoint: parseEndpoint(options.url),
    version: options.version,
    answerTimeoutMs: options.answerTimeoutMs,
    closeTimeoutMs: options.answerTimeoutMs,
    canaryTimeoutMs: options.canaryTimeoutMs,
  };
}

export function mqttFuzzTarget(options: MqttFuzzOptions): FuzzTarget<FuzzStep[]> {
  const execute = executeOptions(options);
  return {
    arbitrary: sequenceArb(options.version, { connections: options.connections ?? 2, ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }) }),
    execute: (steps) => executeCase(steps, execute),
    healthy: async () => (await runCanary(execute)).state === 'ok',
  };
}

/** Whether the server serves at all before anything is sent: false means unreachable or wedged. */
export async function mqttServerHealthy(options: MqttFuzzOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  const canary = await runCanary(executeOptions(options));
  return canary.state === 'ok' ? { ok: true } : { ok: false, message: canary.message };
}

/** Re-runs a replay's steps and judges them as the fuzz did. */
export function replayMqttCase(steps: readonly ReplayStep[], options: MqttFuzzOptions): Promise<CaseOutcome> {
  return executeCase(stepsFromReplay(steps), executeOptions(options));
}

/** "3.1.1" | "5" | "5.0" -> protocol level; undefined for anything else. */
export function protocolLevelOf(version: string): ProtocolLevel | undefined {
  return version === '3.1.1' || version === '4' ? 4 : version === '5' || version === '5.0' ? 5 : undefined;
}

export type { FuzzStep };
