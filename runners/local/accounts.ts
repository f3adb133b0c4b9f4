/**
 * The chat accounts a local server is started with: generated names and random passwords,
 * one per chatbench user (XMPP logs every user in as its own account; MQTT shares one).
 */
import { randomBytes } from 'node:crypto';

export interface LocalAccount {
  /** The bare name ("user1"); on XMPP servers the JID is name@domain. */
  name: string;
  password: string;
}

/** `count` accounts "user1" … "userN" with random passwords. */
export function makeAccounts(count: number, prefix = 'user'): LocalAccount[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i + 1}`, password: randomBytes(12).toString('hex') }));
}

/** "name:password" lines, the format of ejabberd's extauth list (and of an XMPP accounts file). */
export function accountLines(accounts: readonly LocalAccount[]): string {
  return accounts.map((a) => `${a.name}:${a.password}\n`).join('');
}
