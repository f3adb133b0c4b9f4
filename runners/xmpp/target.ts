/**
 * XMPP's entry in the target registry (core/target.ts): schemes xmpp:// (STARTTLS when offered)
 * and xmpps:// (direct TLS, XEP-0368), the `target:` fields (domain, mucDomain, accounts,
 * starttls, keepAlive, and the shared tls), how an XMPP target is described and opened, and
 * the payload limit.
 */
import net from 'node:net';
import { resolve as resolvePath } from 'node:path';
import * as z from 'zod';
import type { Driver, DriverOptions } from '../../core/driver.js';
import { parseDuration } from '../../core/scenario/units.js';
import { redactTargetUrl } from '../../core/target.js';
import type { FieldIssue, ProtocolRunner } from '../../core/target.js';
import { urlCredentials } from '../common/credentials.js';
import { domainField, domainName } from '../common/domain.js';
import { resolveTls, tlsField, tlsOptionsFor, type TlsSpec } from '../common/tls.js';
import type { AccountsSpec } from './accounts.js';
import { createXmppDriver } from './driver.js';
import { XMPP_MAPPING } from './mapping.js';
import { maxPayloadFor } from './payload.js';
import type { StreamSettings } from './stream.js';

export const XMPP_SCHEMES = ['xmpp', 'xmpps'] as const;
const DEFAULT_PORT: Readonly<Record<string, number>> = { xmpp: 5222, xmpps: 5223 };
const DEFAULT_KEEPALIVE_MS = 30_000;
/** RFC 6120 §13.12 asks servers to accept stanzas of at least 10,000 bytes; prosody takes 10 MiB after login. */
const STANZA_LIMIT = 10 * 1024 * 1024;

export interface XmppTargetFields {
  domain: string;
  mucDomain: string;
  accounts: AccountsSpec;
  starttls: StreamSettings['starttls'];
  keepAlive: { method: 'whitespace' | 'ping'; intervalMs: number };
  tls?: TlsSpec;
}


const durationMs = z.union([z.string(), z.number()]).transform((v, ctx): number => {
  const parsed = parseDuration(v);
  if (parsed.ok) return parsed.value;
  ctx.issues.push({ code: 'custom', message: parsed.error, input: v });
  return z.NEVER;
});

const fields = z.strictObject({
  domain: domainField,
  mucDomain: domainName.optional().meta({ description: 'MUC service for rooms (default: conference.<domain>)' }),
  accounts: z
    .union([
      z.literal('register'),
      z.strictObject({ file: z.string().min(1).meta({ description: 'name:password lines, one account per chat user, relative to the scenario file' }) }),
      z.strictObject({
        template: z.string().includes('{n}').meta({ description: 'account name with {n} for the user number, e.g. bench{n}' }),
        passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).meta({ description: 'environment variable with the password ({n} replaced too)' }),
      }),
    ])
    .optional()
    .meta({ description: 'XMPP accounts: register (in-band, XEP-0077; removed after the run), { file }, or { template, passwordEnv }', default: 'register' }),
  starttls: z.enum(['if-offered', 'required', 'never']).optional().meta({ description: 'xmpp:// only: upgrade with STARTTLS', default: 'if-offered' }),
  keepAlive: z
    .strictObject({
      method: z.enum(['whitespace', 'ping']).optional(),
      interval: durationMs.optional(),
    })
    .optional()
    .meta({ description: 'XMPP keep-alive after an idle interval: whitespace or XEP-0199 ping', default: { method: 'whitespace', interval: '30s' } }),
  tls: tlsField,
});

/** The URL's host when it is a name (lower case, as JID domains compare), else localhost. */
function defaultDomain(url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return net.isIP(host) ? 'localhost' : host.toLowerCase();
}

export function streamSettings(url: string, fields: XmppTargetFields): StreamSettings {
  const parsed = new URL(url);
  const scheme = parsed.protocol.replace(/:$/, '');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port === '' ? (DEFAULT_PORT[scheme] ?? 5222) : Number(parsed.port);
  return {
    host,
    port,
    directTls: scheme === 'xmpps',
    starttls: fields.starttls,
    tlsOptions: tlsOptionsFor(fields.tls),
    domain: fields.domain,
    display: redactTargetUrl(url),
  };
}

export const xmppRunner: ProtocolRunner<XmppTargetFields, typeof fields> = {
  protocol: 'xmpp',
  schemes: XMPP_SCHEMES,
  example: 'xmpp://127.0.0.1:5222',
  fields,
  limits: { maxPayloadBytes: maxPayloadFor(STANZA_LIMIT) },

  resolve(written, context) {
    const issues: FieldIssue[] = [];
    const { tls, issues: tlsIssues } = resolveTls(written.tls, { ...context, secureSchemes: XMPP_SCHEMES });
    issues.push(...tlsIssues);
    const creds = urlCredentials(context.url.href);
    if (creds.username !== undefined || creds.password !== undefined) {
      issues.push({ path: ['url'], message: 'XMPP targets take their logins from accounts: (register, { file }, { template, passwordEnv }), not from the URL' });
    }
    if (context.url.protocol === 'xmpps:' && written.starttls !== undefined) {
      issues.push({ path: ['starttls'], message: 'starttls applies to xmpp:// only: xmpps:// is TLS from the first byte' });
    }
    const domain = written.domain ?? defaultDomain(context.url);
    const accounts: AccountsSpec = written.accounts === undefined || written.accounts === 'register'
      ? { kind: 'register' }
      : 'file' in written.accounts
        ? { kind: 'file', file: resolvePath(context.baseDir, written.accounts.file) }
        : { kind: 'template', template: written.accounts.template, passwordEnv: written.accounts.passwordEnv };
    const resolved: XmppTargetFields = {
      domain,
      mucDomain: written.mucDomain ?? `conference.${domain}`,
      accounts,
      starttls: written.starttls ?? 'if-offered',
      keepAlive: { method: written.keepAlive?.method ?? 'whitespace', intervalMs: written.keepAlive?.interval ?? DEFAULT_KEEPALIVE_MS },
      ...(tls === undefined ? {} : { tls }),
    };
    return { protocolVersion: '1.0', fields: resolved, issues };
  },

  describe(target) {
    const secure = target.url.startsWith('xmpps:') ? 'direct TLS' : target.fields.starttls === 'never' ? 'TCP' : `TCP, STARTTLS ${target.fields.starttls}`;
    return `${redactTargetUrl(target.url)} (XMPP, domain ${target.fields.domain}, over ${secure})`;
  },

  async open(target, options) {
    const settings = streamSettings(target.url, target.fields);
    return {
      info: { url: redactTargetUrl(target.url), protocol: 'xmpp', protocolVersion: '1.0', embedded: false, tcpNoDelay: true, mapping: XMPP_MAPPING },
      createDriver: (runId: string, driverOptions?: DriverOptions): Driver =>
        createXmppDriver({ url: target.url, ...target.fields }, settings, {
          runId, ...(options.env ? { env: options.env } : {}), ...(driverOptions?.needs ? { needs: driverOptions.needs } : {}),
        }),
      close: async () => undefined,
    };
  },
};
