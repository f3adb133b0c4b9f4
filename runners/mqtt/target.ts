/**
 * MQTT's entry in the target registry (core/target.ts): its URL schemes, its `target:` fields
 * (mqttVersion, usernameEnv, passwordEnv, tls) and their rules, how an MQTT target is
 * described and opened, the embedded Aedes broker for runs without a target, and MQTT's
 * payload limit.
 */
import * as z from 'zod';
import type { TargetHandle } from '../../core/driver.js';
import { describeProtocol } from '../../core/result/envelope.js';
import type { Parsed } from '../../core/scenario/units.js';
import { redactTargetUrl } from '../../core/target.js';
import type { FieldIssue, ProtocolRunner } from '../../core/target.js';
import { credentialFields, credentialSourceIssues, urlCredentials } from '../common/credentials.js';
import { resolveTls, tlsField } from '../common/tls.js';
import { mqttFeatures } from './driver.js';
import { startEmbeddedBroker } from './embedded.js';
import { MQTT_SCHEMES, SECURE_SCHEMES, parseEndpoint } from './endpoint.js';
import { startMqttNetworkFaults } from './fault-proxy.js';
import { driverFactory, parseMqttClient } from './lean/choice.js';
import type { MqttTarget, MqttVersion } from './endpoint.js';

/** TargetSpec.fields of an MQTT target. */
export type MqttTargetFields = Omit<MqttTarget, 'url'>;

/** What `mqttVersion:` and --mqtt-version accept; protocol level 4 is 3.1.1. */
const MQTT_VERSION_VALUES = [4, 5, '3.1.1', '4', '5', '5.0'] as const;
const MQTT_VERSIONS: Readonly<Record<string, MqttVersion>> = { '4': '3.1.1', '3.1.1': '3.1.1', '5': '5.0', '5.0': '5.0' };
/** MQTT 3.1 (protocol level 3) is a different protocol from 3.1.1, not an older spelling of it. */
const MQTT_31 = new Set(['3', '3.1', '3.1.0']);
const DEFAULT_VERSION: MqttVersion = '5.0';

/**
 * An MQTT version as written in a scenario file or on the command line (--mqtt-version):
 * 3.1.1 or 4 (its protocol level) -> "3.1.1"; 5 or 5.0 -> "5.0". MQTT 3.1 (3) is refused.
 */
export function parseMqttVersion(value: string | number): Parsed<MqttVersion> {
  const text = String(value);
  const version = MQTT_VERSIONS[text];
  if (version !== undefined) return { ok: true, value: version };
  if (MQTT_31.has(text)) {
    return { ok: false, error: 'MQTT 3.1 (protocol level 3) is not supported: use 3.1.1 (protocol level 4) or 5.0' };
  }
  return { ok: false, error: 'expected 3.1.1 or 5.0' };
}

/**
 * MQTT's largest packet has a Remaining Length of 268,435,455 bytes (the largest Variable Byte
 * Integer, [MQTT-1.5.5] / 3.1.1 section 2.2.3). A PUBLISH spends part of it on its variable
 * header: topic length (2) + topic + packet identifier (2) + 5.0 properties length (up to 4).
 * chatbench's topics (`chatbench/<runId>/room/<room>`, names percent-encoded) stay far below
 * TOPIC_ALLOWANCE bytes.
 */
const MAX_REMAINING_LENGTH = 268_435_455;
const TOPIC_ALLOWANCE = 1_024;
const PUBLISH_HEADER_ALLOWANCE = 2 + TOPIC_ALLOWANCE + 2 + 4;

const fields = z.strictObject({
  mqttVersion: z
    .literal(MQTT_VERSION_VALUES, {
      error: (issue) => {
        const input = issue.input;
        const parsed = typeof input === 'number' || typeof input === 'string' ? parseMqttVersion(input) : undefined;
        return parsed && !parsed.ok ? parsed.error : 'expected 3.1.1 or 5.0';
      },
    })
    .meta({ description: 'MQTT protocol version: 3.1.1 (or 4, its protocol level) or 5.0; MQTT 3.1 is not supported', default: DEFAULT_VERSION })
    .transform((v, ctx): MqttVersion => {
      const parsed = parseMqttVersion(v);
      if (parsed.ok) return parsed.value;
      ctx.issues.push({ code: 'custom', message: parsed.error, input: v });
      return z.NEVER;
    })
    .optional(),
  ...credentialFields,
  tls: tlsField,
});

const TRANSPORT: Readonly<Record<string, string>> = { mqtt: 'TCP', mqtts: 'TLS', ws: 'WebSocket', wss: 'WebSocket over TLS' };

export const mqttRunner: ProtocolRunner<MqttTargetFields, typeof fields> = {
  protocol: 'mqtt',
  schemes: MQTT_SCHEMES,
  example: 'mqtt://127.0.0.1:1883',
  fields,
  limits: {
    maxPayloadBytes: MAX_REMAINING_LENGTH - PUBLISH_HEADER_ALLOWANCE,
    // The embedded broker (Aedes) speaks 3.1.1, like openEmbedded below.
    lacks: (target) => {
      const protocolVersion = target?.protocolVersion ?? '3.1.1';
      const has = mqttFeatures(protocolVersion === '5.0' ? 5 : 4);
      const missing = [...mqttFeatures(5)].filter((f) => !has.has(f));
      return { protocolVersion, features: new Map(missing.map((f) => [f, 'it is an MQTT 5 property; use a 5.0 target (mqttVersion: 5.0)'])) };
    },
  },

  resolve(written, context) {
    const mqttVersion = written.mqttVersion ?? DEFAULT_VERSION;
    const { tls, issues } = resolveTls(written.tls, { ...context, secureSchemes: SECURE_SCHEMES });
    issues.push(...credentialSourceIssues(context.url.href, written), ...passwordNeedsUser(context.url.href, written));
    const resolved: MqttTargetFields = { mqttVersion };
    if (written.usernameEnv !== undefined) resolved.usernameEnv = written.usernameEnv;
    if (written.passwordEnv !== undefined) resolved.passwordEnv = written.passwordEnv;
    if (tls !== undefined) resolved.tls = tls;
    return { protocolVersion: mqttVersion, fields: resolved, issues };
  },

  describe(target) {
    const scheme = new URL(target.url).protocol.replace(/:$/, '');
    return `${redactTargetUrl(target.url)} (${describeProtocol(target)} over ${TRANSPORT[scheme] ?? scheme})`;
  },

  async open(target, options) {
    const mqtt: MqttTarget = { url: target.url, ...target.fields };
    return {
      info: { url: redactTargetUrl(target.url), protocol: 'mqtt', protocolVersion: target.fields.mqttVersion, embedded: false, tcpNoDelay: true },
      createDriver: driverFactory(mqtt, options.env ? { env: options.env } : {}, parseMqttClient(options.client)),
      startNetworkFaults: (fault, onInjected) => startMqttNetworkFaults(parseEndpoint(target.url), fault, onInjected),
      close: async () => undefined,
    };
  },

  /** Aedes speaks MQTT 3.1.1, so the embedded target does too. */
  async openEmbedded(options): Promise<TargetHandle> {
    const broker = await startEmbeddedBroker();
    const mqtt: MqttTarget = { url: broker.url, mqttVersion: '3.1.1' };
    return {
      info: { url: broker.url, protocol: 'mqtt', protocolVersion: '3.1.1', embedded: true, tcpNoDelay: true },
      createDriver: driverFactory(mqtt, { embedded: true, ...(options.env ? { env: options.env } : {}) }, parseMqttClient(options.client)),
      startNetworkFaults: (fault, onInjected) => startMqttNetworkFaults(parseEndpoint(broker.url), fault, onInjected),
      close: () => broker.close(),
    };
  },
};

/**
 * A password needs a user name, from either source, in every MQTT version chatbench speaks:
 * MQTT 3.1.1 forbids a password without one [MQTT-3.1.2-22], and although MQTT 5.0 allows it
 * (3.1.2.9), MQTT.js refuses to write such a CONNECT. Refused here, before any connection,
 * rather than surfacing as an unreachable target.
 */
function passwordNeedsUser(url: string, names: { usernameEnv?: string | undefined; passwordEnv?: string | undefined }): FieldIssue[] {
  const inUrl = urlCredentials(url);
  if (inUrl.password !== undefined && inUrl.username === undefined) {
    return [{ path: ['url'], message: `${PASSWORD_WITHOUT_USER}: write user:password@ in the URL` }];
  }
  // Credentials in the URL and in variables at once: credentialSourceIssues says so, alone.
  if (inUrl.username !== undefined) return [];
  if (names.passwordEnv !== undefined && names.usernameEnv === undefined) {
    return [{ path: ['passwordEnv'], message: `${PASSWORD_WITHOUT_USER}: set usernameEnv too` }];
  }
  return [];
}

const PASSWORD_WITHOUT_USER =
  "a password needs a user name: chatbench's MQTT client (MQTT.js) cannot send a password without one, and MQTT 3.1.1 forbids it [MQTT-3.1.2-22]";
