/**
 * Where each chat user's XMPP account comes from (the target's `accounts:` field):
 *   - register: in-band registration (XEP-0077) of a fresh account per user and run, with a
 *     random password, removed again when the driver closes;
 *   - { file }: `name:password` lines (or `name@domain:password`, `#` comments), taken in order
 *     for u0, u1, ...;
 *   - { template, passwordEnv }: `bench{n}` -> bench0, bench1, ...; the password is the
 *     variable's value, with {n} replaced too, so no secret is ever in the scenario file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../../core/errors.js';

export type AccountsSpec =
  | { kind: 'register' }
  | { kind: 'file'; file: string }
  | { kind: 'template'; template: string; passwordEnv: string };

export interface Account {
  /** Local part of the bare JID. */
  username: string;
  password: string;
  /** Create it by in-band registration before logging in. */
  register: boolean;
}

/** JID localparts may not hold these (RFC 7622 §3.3.1). */
const NOT_IN_LOCALPART = /["&'/:<>@\s]/;

export interface AccountSource {
  /** The account of the user with index `n` (u<n>) in this run. */
  accountFor(user: string): Account;
  /** Accounts this run registered (to remove when it ends). */
  registered(): Account[];
}

function userIndex(user: string): number {
  const m = /^u(\d+)$/.exec(user);
  return m ? Number(m[1]) : NaN;
}

/** One account per `name:password` line of `file`. */
export function readAccountsFile(file: string): Account[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the accounts file ${file}: ${(err as Error).message}`);
  }
  const accounts: Account[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const colon = trimmed.indexOf(':');
    const name = colon < 0 ? '' : trimmed.slice(0, colon).split('@')[0] ?? '';
    if (colon < 1 || name === '' || NOT_IN_LOCALPART.test(name)) {
      throw new InputError(`${file}:${i + 1}: expected name:password (the name a JID local part)`);
    }
    accounts.push({ username: name, password: trimmed.slice(colon + 1), register: false });
  });
  return accounts;
}

/**
 * Account numbers for a run's users: u<n> is n; any other user (a retained room's late joiners,
 * who connect after every u<n>) takes the next number after the highest u<n> seen so far.
 */
function accountNumbers(): (user: string) => number {
  let highest = -1;
  const others = new Map<string, number>();
  return (user) => {
    const n = userIndex(user);
    if (!Number.isNaN(n)) {
      highest = Math.max(highest, n);
      return n;
    }
    let k = others.get(user);
    if (k === undefined) others.set(user, (k = highest + 1 + others.size));
    return k;
  };
}

export function accountSource(spec: AccountsSpec, runId: string, env: NodeJS.ProcessEnv): AccountSource {
  const made = new Map<string, Account>();
  const numberOf = accountNumbers();
  if (spec.kind === 'file') {
    const list = readAccountsFile(spec.file);
    return {
      accountFor(user) {
        const account = list[numberOf(user)];
        if (account === undefined) throw new InputError(`the accounts file ${spec.file} has ${list.length} accounts; ${user} needs more`);
        return account;
      },
      registered: () => [],
    };
  }
  if (spec.kind === 'template') {
    const secret = env[spec.passwordEnv];
    if (secret === undefined) throw new InputError(`environment variable ${spec.passwordEnv} (the accounts' password) is not set`);
    return {
      accountFor(user) {
        const n = String(numberOf(user));
        return { username: spec.template.replaceAll('{n}', n), password: secret.replaceAll('{n}', n), register: false };
      },
      registered: () => [],
    };
  }
  return {
    accountFor(user) {
      let account = made.get(user);
      if (account === undefined) {
        // Unique to the run, lower case (localparts are case-folded), random password.
        account = { username: `cb-${runId}-${user}`.toLowerCase(), password: randomBytes(12).toString('hex'), register: true };
        made.set(user, account);
      }
      return account;
    },
    registered: () => [...made.values()],
  };
}
