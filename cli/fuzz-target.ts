/**
 * The server `chatbench fuzz` and `chatbench replay` send to, from their flags: --target (an
 * MQTT URL; fuzzing speaks MQTT only) or the embedded Aedes broker (MQTT 3.1.1), the protocol
 * version, and the waits. Everything is checked before any connection (bad input, exit 2);
 * a server that does not serve a canary before the first case is unreachable (exit 3).
 */
import { InputError, TargetUnreachableError } from '../core/errors.js';
import type { Target } from '../core/result/index.js';
import { parseDuration } from '../core/scenario/index.js';
import { openTarget, redactTargetUrl, targetFromUrl } from '../runners/index.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_CANARY_TIMEOUT_MS, mqttServerHealthy, protocolLevelOf, type MqttFuzzOptions } from '../runners/mqtt/fuzz/index.js';
import { parseMqttVersion } from '../runners/mqtt/target.js';

const STARTUP_CANARY_TIMEOUT_MS = 5_000;

export interface FuzzTargetFlags {
  target?: string | undefined;
  version?: string | undefined;
  'answer-timeout'?: string | undefined;
  'canary-timeout'?: string | undefined;
}

/** The flags both commands take for the server and the waits. */
export const FUZZ_TARGET_FLAGS = [
  { name: 'target', short: 't', type: 'string', value: 'URL', description: 'MQTT server: mqtt://, mqtts://, ws:// or wss:// URL (default: the embedded broker, MQTT 3.1.1)' },
  { name: 'answer-timeout', type: 'string', value: 'TIME', description: "how long a valid packet's answer and a malformed packet's close are waited for (default 500ms)" },
  { name: 'canary-timeout', type: 'string', value: 'TIME', description: "how long the canary client's round trip may take after each case (default 2s)" },
] as const;

/** What is known before the server is touched. */
export interface FuzzTargetPlan {
  url: string | undefined;
  version: '3.1.1' | '5.0';
  answerTimeoutMs: number;
  canaryTimeoutMs: number;
}

export function planFuzzTarget(flags: FuzzTargetFlags, fallbackVersion?: string): FuzzTargetPlan {
  const versionText = flags.version ?? fallbackVersion;
  const parsed = versionText === undefined ? undefined : parseMqttVersion(versionText);
  if (parsed !== undefined && !parsed.ok) throw new InputError(`--version ${versionText}: ${parsed.error}`);
  let version = parsed?.value;
  if (flags.target !== undefined) {
    const spec = targetFromUrl(flags.target, version === undefined ? {} : { mqttVersion: version });
    if (spec.protocol !== 'mqtt') throw new InputError(`--target ${redactTargetUrl(flags.target)}: fuzzing speaks MQTT only`);
    version = spec.protocolVersion === '3.1.1' ? '3.1.1' : '5.0';
  } else if (version === '5.0') {
    throw new InputError(`--version ${versionText} needs a target (--target URL): the embedded broker speaks MQTT 3.1.1 only`);
  }
  return {
    url: flags.target,
    version: version ?? '3.1.1',
    answerTimeoutMs: duration(flags['answer-timeout'], '--answer-timeout', DEFAULT_ANSWER_TIMEOUT_MS),
    canaryTimeoutMs: duration(flags['canary-timeout'], '--canary-timeout', DEFAULT_CANARY_TIMEOUT_MS),
  };
}

export interface OpenFuzzTarget {
  options: MqttFuzzOptions;
  info: Target;
  close(): Promise<void>;
}

/** Starts the embedded broker when no URL was given, then checks the server serves a canary. */
export async function openFuzzTarget(plan: FuzzTargetPlan): Promise<OpenFuzzTarget> {
  const handle = plan.url === undefined ? await openTarget(null) : undefined;
  const url = plan.url ?? handle?.info.url ?? '';
  const options: MqttFuzzOptions = { url, version: protocolLevelOf(plan.version) ?? 4, answerTimeoutMs: plan.answerTimeoutMs, canaryTimeoutMs: plan.canaryTimeoutMs };
  const info: Target = { url: redactTargetUrl(url), protocol: 'mqtt', protocolVersion: plan.version, embedded: handle !== undefined, tcpNoDelay: true };
  const close = async (): Promise<void> => {
    await handle?.close();
  };
  // Before anything is sent, a slow first connection is given time: only a server that does not serve is unreachable.
  const health = await mqttServerHealthy({ ...options, canaryTimeoutMs: Math.max(options.canaryTimeoutMs, STARTUP_CANARY_TIMEOUT_MS) }).catch((error: unknown) => ({ ok: false as const, message: (error as Error).message }));
  if (!health.ok) {
    await close();
    throw new TargetUnreachableError(info.url, `a canary client could not round-trip a message before anything was sent: ${health.message}`);
  }
  return { options, info, close };
}

function duration(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseDuration(text);
  if (!parsed.ok || parsed.value <= 0) throw new InputError(`${flag} ${text}: expected a duration such as 500ms or 2s`);
  return parsed.value;
}
