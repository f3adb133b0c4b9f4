/**
 * The `domain` target field, shared by every runner whose accounts live under a domain (XMPP:
 * user@domain). One schema object, so runners that take it share it (core/target.ts checks).
 */
import * as z from 'zod';

export const domainName = z.string().regex(/^[a-z0-9.-]+$/, { error: 'must be a domain name such as chat.test' });

export const domainField = domainName.optional().meta({ description: 'chat domain of the accounts (XMPP: user@domain)' });
