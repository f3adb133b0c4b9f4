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
import { accountFromFile, registerFuzzAccount, xmppServerHealthy, type XmppFuzzOptions } from '../runners/xmpp/fuzz/index.js';
import { streamSettings, type XmppTargetFields } from '../runners/xmpp/target.js';
import type { StreamSettings } from '../runners/xmpp/stream.js';

const STARTUP_CANARY_TIMEOUT_MS = 5_000;

export interface FuzzTargetFlags {
  target?: string | undefined;
  version?: string | undefined;
  'answer-timeout'?: string | undefined;
  'canary-timeout'?: string | undefined;
  accounts?: string | undefined;
}

/** The flags both commands take for the server and the waits. */
export const FUZZ_TARGET_FLAGS = [
  { name: 'target', short: 't', type: 'string', value: 'URL', description: 'server: mqtt://, mqtts://, ws://, wss://, xmpp:// or xmpps:// URL (default: the embedded broker, MQTT 3.1.1)' },
  { name: 'accounts', type: 'string', value: 'FILE', description: 'XMPP: name:password lines, the first one logs in (default: an account registered in-band)' },
  { name: 'answer-timeout', type: 'string', value: 'TIME', description: "how long a valid packet's answer and a malformed packet's close are waited for (default 500ms)" },
  { name: 'canary-timeout', type: 'string', value: 'TIME', description: "how long the canary client's round trip may take after each case (default 2s)" },
] as const;

/** What is known before the server is touched. */
export interface FuzzTargetPlan {
  url: string | undefined;
  version: '3.1.1' | '5.0';
  answerTimeoutMs: number;
  canaryTimeoutMs: number;
  /** Set for an xmpp:// or xmpps:// target: the fuzz speaks XMPP (and `version` is unused). */
  xmpp?: { settings: StreamSettings; accountsFile: string | undefined };
}

export function planFuzzTarget(flags: FuzzTargetFlags, fallbackVersion?: string): FuzzTargetPlan {
  if (flags.target !== undefined && /^xmpps?:/i.test(flags.target)) return planXmppFuzz(flags.target, flags, flags.version);
  const versionText = flags.version ?? fallbackVersion;
  const parsed = versionText === undefined ? undefined : parseMqttVersion(versionText);
  if (parsed !== undefined && !parsed.ok) throw new InputError(`--version ${versionText}: ${parsed.error}`);
  let version = parsed?.value;
  if (flags.accounts !== undefined) throw new InputError('--accounts is for XMPP targets (xmpp://, xmpps://): an MQTT login goes in the URL');
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

export type OpenFuzzTarget =
  | { protocol: 'mqtt'; options: MqttFuzzOptions; info: Target; close(): Promise<void> }
  | { protocol: 'xmpp'; options: XmppFuzzOptions; info: Target; close(): Promise<void> };

/** Starts the embedded broker when no URL was given, then checks the server serves a canary. */
export async function openFuzzTarget(plan: FuzzTargetPlan): Promise<OpenFuzzTarget> {
  if (plan.xmpp !== undefined) return openXmppFuzz(plan, plan.xmpp);
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
  return { protocol: 'mqtt', options, info, close };
}

function planXmppFuzz(url: string, flags: FuzzTargetFlags, version: string | undefined): FuzzTargetPlan {
  if (version !== undefined && version !== '1.0') throw new InputError(`--version ${version}: an XMPP target speaks XMPP 1.0 (--version is for MQTT)`);
  const spec = targetFromUrl(url);
  const settings = streamSettings(spec.url, spec.fields as XmppTargetFields);
  return {
    url,
    version: '5.0',
    answerTimeoutMs: duration(flags['answer-timeout'], '--answer-timeout', DEFAULT_ANSWER_TIMEOUT_MS),
    canaryTimeoutMs: duration(flags['canary-timeout'], '--canary-timeout', DEFAULT_CANARY_TIMEOUT_MS),
    xmpp: { settings, accountsFile: flags.accounts },
  };
}

/** The account (a file's first, or one registered in-band), then a canary before any case. */
async function openXmppFuzz(plan: FuzzTargetPlan, xmpp: NonNullable<FuzzTargetPlan['xmpp']>): Promise<OpenFuzzTarget> {
  const { settings } = xmpp;
  const info: Target = { url: settings.display, protocol: 'xmpp', protocolVersion: '1.0', embedded: false, tcpNoDelay: true };
  const startup = Math.max(plan.canaryTimeoutMs, STARTUP_CANARY_TIMEOUT_MS);
  const account = xmpp.accountsFile !== undefined ? accountFromFile(xmpp.accountsFile) : await registerFuzzAccount({ ...settings, starttls: 'never' }, startup);
  const options: XmppFuzzOptions = {
    endpoint: { host: settings.host, port: settings.port, ...(settings.directTls ? { tls: settings.tlsOptions } : {}) },
    domain: settings.domain,
    account,
    answerTimeoutMs: plan.answerTimeoutMs,
    canaryTimeoutMs: plan.canaryTimeoutMs,
  };
  const health = await xmppServerHealthy({ ...options, canaryTimeoutMs: startup }).catch((error: unknown) => ({ ok: false as const, message: (error as Error).message }));
  if (!health.ok) throw new TargetUnreachableError(info.url, `a canary client could not round-trip a message before anything was sent: ${health.message}`);
  return { protocol: 'xmpp', options, info, close: async () => undefined };
}

function duration(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseDuration(text);
  if (!parsed.ok || parsed.value <= 0) throw new InputError(`${flag} ${text}: expected a duration such as 500ms or 2s`);
  return parsed.value;
}
