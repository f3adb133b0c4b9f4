/**
 * The XMPP Driver: chat verbs onto XMPP streams chatbench negotiates itself (stream.ts), one
 * per user, mapped as mapping.ts says. Users become accounts (accounts.ts), rooms MUC rooms
 * under the target's MUC service, named per run (`cb-<runId>-<room>`), so runs never meet.
 * close() ends every stream and removes the accounts the run registered.
 */
import type { ChatSession, ConnectOptions, Driver } from '../../core/driver.js';
import { RunAbortedError, TargetUnreachableError } from '../../core/errors.js';
import { accountSource, type Account } from './accounts.js';
import { NS } from './ns.js';
import { XmppChatSession, type Addressing } from './session.js';
import { XmppStream, type StreamSettings } from './stream.js';
import { WireCounter } from '../common/wire.js';
import type { XmppTargetFields } from './target.js';

export interface XmppDriverOptions {
  runId: string;
  env?: NodeJS.ProcessEnv;
  disconnectTimeoutMs?: number;
}

const CLEANUP_TIMEOUT_MS = 5000;
const CLEANUP_CONCURRENCY = 16;

export function runAddressing(runId: string, domain: string, mucDomain: string, jidOf: (user: string) => string): Addressing {
  const prefix = `cb-${runId}-`.toLowerCase();
  const roomSuffix = `@${mucDomain}`;
  const users = new Map<string, string>();
  return {
    jidOf(user) {
      let jid = users.get(user);
      if (jid === undefined) users.set(user, (jid = jidOf(user)));
      return jid;
    },
    roomJid: (room) => `${prefix}${room.toLowerCase()}${roomSuffix}`,
    roomOf(jid) {
      if (!jid.endsWith(roomSuffix) || !jid.startsWith(prefix)) return undefined;
      return jid.slice(prefix.length, jid.length - roomSuffix.length);
    },
    userOf(jid) {
      for (const [user, known] of users) if (known === jid) return user;
      return undefined;
    },
  };
}

export function createXmppDriver(target: XmppTargetFields & { url: string }, settings: StreamSettings, opts: XmppDriverOptions): Driver {
  const accounts = accountSource(target.accounts, opts.runId, opts.env ?? process.env);
  const jidOf = (user: string): string => `${accounts.accountFor(user).username}@${target.domain}`;
  const addressing = runAddressing(opts.runId, target.domain, target.mucDomain, jidOf);
  const open = new Set<XmppChatSession>();
  let closing: Promise<void> | undefined;
  const disconnectTimeoutMs = opts.disconnectTimeoutMs ?? 5000;

  async function openStream(account: Account, wire: WireCounter, timeoutMs: number, resume?: { id: string; h: number }) {
    const stream = new XmppStream(settings, wire);
    const negotiated = await stream.open(
      { username: account.username, password: account.password, register: account.register && resume === undefined },
      { resource: `cb-${opts.runId}`, timeoutMs, ...(resume ? { resume } : {}) },
    );
    return { stream, negotiated };
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`XMPP driver for ${settings.display} is closed`);
    const account = accounts.accountFor(options.user);
    addressing.jidOf(options.user);
    const wire = new WireCounter();
    const { stream, negotiated } = await openStream(account, wire, options.timeoutMs);
    // Registered once: a reconnect logs in to the same account.
    account.register = false;
    const session = new XmppChatSession({
      user: options.user,
      stream,
      negotiated,
      wire,
      addressing,
      onMessage: options.onMessage,
      onConnectionLost: options.onConnectionLost,
      onEnded: (s) => open.delete(s),
      reopen: (resume) => openStream(account, wire, options.timeoutMs, resume),
      keepAlive: target.keepAlive,
      disconnectTimeoutMs,
      login: account,
    });
    open.add(session);
    // Initial presence (RFC 6121 §4.2): the server now routes chat messages to this resource
    // and hands over what it stored offline. Acknowledged like a level-1 send.
    try {
      await session.setPresence('online');
    } catch (err) {
      await session.disconnect('abrupt');
      throw new TargetUnreachableError(settings.display, `initial presence: ${(err as Error).message}`, { cause: err });
    }
    return session;
  }

  /** XEP-0077 §3.2: each account the run registered cancels itself. */
  async function removeRegistered(): Promise<void> {
    const list = accounts.registered();
    for (let i = 0; i < list.length; i += CLEANUP_CONCURRENCY) {
      await Promise.all(list.slice(i, i + CLEANUP_CONCURRENCY).map(async (account) => {
        try {
          const { stream } = await openStream({ ...account, register: false }, new WireCounter(), CLEANUP_TIMEOUT_MS);
          stream.write(`<iq type='set' id='remove'><query xmlns='${NS.register}'><remove/></query></iq>`);
          await stream.end(CLEANUP_TIMEOUT_MS);
        } catch {
          // the server is gone, or the account already is: close() must not fail for it
        }
      }));
    }
  }

  async function closeAll(): Promise<void> {
    await Promise.all([...open].map((s) => s.disconnect('graceful')));
    await removeRegistered();
  }

  return {
    protocol: 'xmpp',
    protocolVersion: '1.0',
    displayTarget: settings.display,
    socketOptions: { tcpNoDelay: true },
    // None of the pattern features yet: no XEP-0198 resumption, no presence subscriptions to
    // watch, no retained or expiring messages. The engine refuses scenarios that need them.
    features: new Set(),
    connect,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
