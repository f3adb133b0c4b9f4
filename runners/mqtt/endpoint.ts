/**
 * Target URLs and TLS settings, parsed once at the edge: mqtt://, mqtts://, ws://, wss://.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { InputError } from '../../core/errors.js';
import type { TlsSpec } from '../../core/scenario/types.js';

export type Scheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

const DEFAULT_PORTS: Record<Scheme, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

export interface Endpoint {
  scheme: Scheme;
  /** Host name or IP address without IPv6 brackets. */
  host: string;
  port: number;
  /** Path and query of a WebSocket URL ("/" when none). */
  path: string;
  secure: boolean;
  websocket: boolean;
  /** The URL with credentials removed. */
  display: string;
}

function isScheme(s: string): s is Scheme {
  return s in DEFAULT_PORTS;
}

/** The URL as it may be printed and stored: user:pass@ removed, otherwise as written. */
export function displayTarget(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1');
}

export function parseEndpoint(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`target URL is not a URL: ${displayTarget(url)}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!isScheme(scheme)) {
    throw new InputError(`target URL scheme must be mqtt://, mqtts://, ws:// or wss:// (got ${scheme}://)`);
  }
  if (!parsed.hostname) throw new InputError(`target URL has no host: ${displayTarget(url)}`);
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[scheme];
  return {
    scheme,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    path: `${parsed.pathname || '/'}${parsed.search}`,
    secure: scheme === 'mqtts' || scheme === 'wss',
    websocket: scheme === 'ws' || scheme === 'wss',
    display: displayTarget(url),
  };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read TLS ${what} file ${path}: ${(err as Error).message}`);
  }
}

/** TLS options for tls.connect (without socket/host/servername), PEM files read now so bad paths fail early. */
export function tlsOptionsFor(spec: TlsSpec | undefined): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: spec?.rejectUnauthorized ?? true };
  if (spec?.ca) options.ca = readPem(spec.ca, 'ca');
  if (spec?.cert) options.cert = readPem(spec.cert, 'cert');
  if (spec?.key) options.key = readPem(spec.key, 'key');
  if (spec?.servername) options.servername = spec.servername;
  return options;
}

/** Credentials named by the target, read from the environment (their values never enter a result). */
export function credentialsFrom(
  names: { usernameEnv?: string; passwordEnv?: string },
  env: NodeJS.ProcessEnv,
): { username?: string; password?: string } {
  const read = (name: string | undefined, what: string): string | undefined => {
    if (name === undefined) return undefined;
    const value = env[name];
    if (value === undefined) throw new InputError(`environment variable ${name} (the target's ${what}) is not set`);
    return value;
  };
  const username = read(names.usernameEnv, 'user name');
  const password = read(names.passwordEnv, 'password');
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}
