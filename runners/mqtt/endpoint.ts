/**
 * The MQTT target as the driver takes it, and its URL parsed once at the edge: mqtt://,
 * mqtts://, ws://, wss://. Credentials come from the URL or from named environment variables
 * (runners/common/credentials.ts); the printed form masks them (core's one redactor).
 */
import { InputError } from '../../core/errors.js';
import { redactTargetUrl } from '../../core/target.js';
import { credentialsFor, type Credentials } from '../common/credentials.js';
import type { TlsSpec } from '../common/tls.js';

export { tlsOptionsFor } from '../common/tls.js';

/** 3.1.1 is protocol level 4; 5.0 is 5. MQTT 3.1 (level 3) is not supported. */
export type MqttVersion = '3.1.1' | '5.0';

/** What the MQTT driver needs to reach a server (TargetSpec.fields plus the URL). */
export interface MqttTarget {
  /** As written: may carry user:password@ (used for CONNECT, never printed). */
  url: string;
  mqttVersion: MqttVersion;
  /** Names of environment variables holding the credentials; the values never enter a result. */
  usernameEnv?: string;
  passwordEnv?: string;
  tls?: TlsSpec;
}

export type Scheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/** The one table of MQTT's URL schemes: default port and transport of each. */
const SCHEMES: Readonly<Record<Scheme, { port: number; secure: boolean; websocket: boolean }>> = {
  mqtt: { port: 1883, secure: false, websocket: false },
  mqtts: { port: 8883, secure: true, websocket: false },
  ws: { port: 80, secure: false, websocket: true },
  wss: { port: 443, secure: true, websocket: true },
};
export const MQTT_SCHEMES = Object.keys(SCHEMES) as Scheme[];
export const SECURE_SCHEMES = MQTT_SCHEMES.filter((s) => SCHEMES[s].secure);

export interface Endpoint {
  scheme: Scheme;
  /** Host name or IP address without IPv6 brackets. */
  host: string;
  port: number;
  /** Path and query of a WebSocket URL ("/" when none). */
  path: string;
  secure: boolean;
  websocket: boolean;
  /** The URL as it may be printed: credentials masked (user:***@). */
  display: string;
}

function isScheme(s: string): s is Scheme {
  return s in SCHEMES;
}

export function parseEndpoint(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`target URL is not a URL: ${redactTargetUrl(url)}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!isScheme(scheme)) {
    throw new InputError(`target URL scheme must be ${MQTT_SCHEMES.map((s) => `${s}://`).join(', ')} (got ${scheme}://)`);
  }
  if (!parsed.hostname) throw new InputError(`target URL has no host: ${redactTargetUrl(url)}`);
  const { port, secure, websocket } = SCHEMES[scheme];
  return {
    scheme,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : port,
    path: `${parsed.pathname || '/'}${parsed.search}`,
    secure,
    websocket,
    display: redactTargetUrl(url),
  };
}

/** The user name and password for CONNECT: the URL's, or the named variables' (never both). */
export function credentialsFrom(target: MqttTarget, env: NodeJS.ProcessEnv): Credentials {
  return credentialsFor(target.url, target, env);
}
