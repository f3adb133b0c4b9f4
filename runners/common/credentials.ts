/**
 * A target's credentials, shared by every runner that logs in with a user name and password.
 * They come from ONE of two places: the URL's userinfo (`mqtt://user:pass@host`) or the
 * environment variables `usernameEnv` / `passwordEnv` name. Both at once is refused (exit 2):
 * chatbench will not guess which one was meant. Values never enter a result or a message;
 * URLs are printed through core's redactTargetUrl.
 */
import * as z from 'zod';
import { InputError } from '../../core/errors.js';
import type { FieldIssue } from '../../core/target.js';

export interface Credentials {
  username?: string;
  password?: string;
}

export interface CredentialNames {
  usernameEnv?: string | undefined;
  passwordEnv?: string | undefined;
}

const envName = (description: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable (e.g. CHAT_USER), not the credential itself' })
    .meta({ description })
    .optional();

/** The `usernameEnv` / `passwordEnv` target fields (one schema object each, shared by runners). */
export const credentialFields = {
  usernameEnv: envName('name of the environment variable holding the user name'),
  passwordEnv: envName('name of the environment variable holding the password'),
};

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The URL's userinfo, percent-decoded; an empty part is absent. */
export function urlCredentials(url: string): Credentials {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {};
  }
  return {
    ...(parsed.username === '' ? {} : { username: decode(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decode(parsed.password) }),
  };
}

const BOTH = 'the URL carries credentials and usernameEnv/passwordEnv name others: give them in one place (the URL, or environment variables)';

/** The exit-2 problem when the URL and the variable names both give credentials. */
export function credentialSourceIssues(url: string, names: CredentialNames): FieldIssue[] {
  const inUrl = urlCredentials(url);
  if (inUrl.username === undefined && inUrl.password === undefined) return [];
  const named = names.usernameEnv !== undefined ? 'usernameEnv' : names.passwordEnv !== undefined ? 'passwordEnv' : undefined;
  return named === undefined ? [] : [{ path: [named], message: BOTH }];
}

/**
 * The credentials to log in with: the URL's, or the named variables' values (a named variable
 * that is not set is an InputError). Refuses both at once, for callers that skipped the loader.
 */
export function credentialsFor(url: string, names: CredentialNames, env: NodeJS.ProcessEnv): Credentials {
  if (credentialSourceIssues(url, names).length > 0) throw new InputError(`target: ${BOTH}`);
  const inUrl = urlCredentials(url);
  if (inUrl.username !== undefined || inUrl.password !== undefined) return inUrl;
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
