/**
 * TLS settings of a target, shared by every runner whose URLs can be secure (mqtts://, wss://;
 * xmpps:// later): the `tls:` field as written, its paths resolved against the scenario file,
 * and node:tls options with the PEM files read at once so a bad path fails before the run.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import * as z from 'zod';
import { InputError } from '../../core/errors.js';
import { mapError } from '../../core/scenario/schema.js';
import type { FieldIssue } from '../../core/target.js';

export interface TlsSpec {
  /** Paths to PEM files, resolved against the scenario file's folder. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Verify the server certificate (default true). */
  rejectUnauthorized: boolean;
  servername?: string;
}

/** The `tls:` target field; one schema object, so runners that take it share it (core/target.ts checks). */
export const tlsField = z
  .strictObject(
    {
      ca: z.string().min(1).optional().meta({ description: 'CA certificate (PEM), relative to the scenario file' }),
      cert: z.string().min(1).optional().meta({ description: 'client certificate (PEM), relative to the scenario file' }),
      key: z.string().min(1).optional().meta({ description: 'client private key (PEM), relative to the scenario file' }),
      rejectUnauthorized: z.boolean().optional().meta({ description: 'verify the server certificate', default: true }),
      servername: z.string().min(1).optional().meta({ description: 'TLS SNI server name' }),
    },
    { error: mapError('{ ca: certs/ca.pem }') },
  )
  .meta({ description: 'TLS options for mqtts:// and wss:// targets' })
  .optional();

/**
 * `tls:` as written -> TlsSpec with absolute paths, plus the rules: TLS needs a secure scheme,
 * and a client certificate needs its key.
 */
export function resolveTls(
  written: z.output<typeof tlsField>,
  context: { url: URL; baseDir: string; urlSource: string; secureSchemes: readonly string[] },
): { tls: TlsSpec | undefined; issues: FieldIssue[] } {
  if (written === undefined) return { tls: undefined, issues: [] };
  const { ca, cert, key, servername, rejectUnauthorized } = written;
  const tls: TlsSpec = { rejectUnauthorized: rejectUnauthorized ?? true };
  if (ca !== undefined) tls.ca = resolve(context.baseDir, ca);
  if (cert !== undefined) tls.cert = resolve(context.baseDir, cert);
  if (key !== undefined) tls.key = resolve(context.baseDir, key);
  if (servername !== undefined) tls.servername = servername;
  const issues: FieldIssue[] = [];
  const scheme = context.url.protocol.replace(/:$/, '');
  if (!context.secureSchemes.includes(scheme)) {
    const use = context.secureSchemes.map((s) => `${s}://`).join(' or ');
    issues.push({ path: ['tls'], message: `tls is set but ${context.urlSource} uses ${scheme}://; use ${use}` });
  }
  if ((cert === undefined) !== (key === undefined)) {
    issues.push({ path: ['tls', cert === undefined ? 'key' : 'cert'], message: 'cert and key go together: set both or neither' });
  }
  return { tls, issues };
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
