/**
 * The XMPP Driver: chat verbs onto XMPP streams chatbench negotiates itself (stream.ts), one
 * per user, mapped as mapping.ts says. Users become accounts (accounts.ts), rooms MUC rooms
 * under the target's MUC service, named per run (`cb-<runId>-<room>`), so runs never meet.
 * close() ends every stream and removes the accounts the run registered.
 */
import type { ChatSession, ConnectOptions, Driver, DriverFeature } from '../../core/driver.js';
import { RunAbortedError, TargetUnreachableError } from '../../core/errors.js';
import { accountSource, type Account } from './accounts.js';
import { NS, OFFLINE_FEATURE } from './ns.js';
import { resourceFor } from './presence.js';
import { XmppChatSession, type Addressing, type SessionParts } from './session.js';
import { XmppStream, type Negotiated, type SmRequest, type StreamSettings } from './stream.js';
import { child } from './xml.js';
import { WireCounter } from '../common/wire.js';
import type { XmppTargetFields } from './target.js';

export interface XmppDriverOptions {
  runId: string;
  env?: NodeJS.ProcessEnv;
  disconnectTimeoutMs?: number;
  /** What the scenario needs (DriverOptions.needs): 'retained' makes room joins ask for the last message. */
  needs?: readonly DriverFeature[];
}

/** The pattern features XMPP serves, each as mapping.ts says. */
const FEATURES: ReadonlySet<DriverFeature> = new Set<DriverFeature>(['retained', 'will', 'presence-watch', 'persistent-session']);

/** A user away with its session kept: the hibernated stream to resume, or the server's offline storage. */
type Kept = { how: 'hibernated'; session: XmppChatSession } | { how: 'offline-storage'; rooms: number };

interface StreamRequest {
  resume?: { id: string; h: number };
  /** The user's source address (connect.sourceAddresses), for every stream it opens. */
  localAddress?: string | undefined;
  resource?: string;
  sm?: SmRequest;
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
  const roomHistory = opts.needs?.includes('retained') === true;
  const kept = new Map<string, Kept>();
  let offlineStorage: Promise<boolean> | undefined;

  async function openStream(account: Account, wire: WireCounter, timeoutMs: number, request: StreamRequest = {}) {
    const { resume, localAddress } = request;
    const stream = new XmppStream(localAddress === undefined ? settings : { ...settings, localAddress }, wire);
    const negotiated = await stream.open(
      { username: account.username, password: account.password, register: account.register && resume === undefined },
      { resource: request.resource ?? resourceFor(opts.runId), timeoutMs, ...(resume ? { resume } : {}), ...(request.sm ? { sm: request.sm } : {}) },
    );
    return { stream, negotiated };
  }

  function partsFor(options: ConnectOptions, account: Account, opened: { stream: XmppStream; negotiated: Negotiated }, wire: WireCounter): SessionParts {
    return {
      user: options.user,
      ...opened,
      wire,
      addressing,
      onMessage: options.onMessage,
      onConnectionLost: options.onConnectionLost,
      onPresenceUpdate: options.onPresence,
      roomHistory,
      persistent: options.session?.persistent === true,
      onKept: (s, how) => kept.set(s.user, how === 'hibernated' ? { how, session: s } : { how, rooms: s.roomCount }),
      onEnded: (s) => open.delete(s),
      reopen: (resume) => openStream(account, wire, options.timeoutMs, { resume, localAddress: options.localAddress }),
      keepAlive: target.keepAlive,
      disconnectTimeoutMs,
      login: account,
    };
  }

  /** Whether the server stores messages for unavailable users (disco#info 'msgoffline', XEP-0160), asked once per driver. */
  function hasOfflineStorage(session: XmppChatSession): Promise<boolean> {
    offlineStorage ??= session.iq('get', target.domain, `<query xmlns='${NS.discoInfo}'/>`).then(
      (answer) => (child(answer, 'query', NS.discoInfo)?.children ?? []).some((c) => c.name === 'feature' && c.attrs['var'] === OFFLINE_FEATURE),
      () => false,
    );
    return offlineStorage;
  }

  /**
   * Resumes a hibernated session (XEP-0198 §5) on a new stream: the server's <resumed h> acks what
   * it handled, the rest is re-sent, and what it queued meanwhile (rooms included) arrives.
   * Undefined when the server no longer has it (the window passed): the caller starts afresh.
   */
  async function resumeKept(old: XmppChatSession, options: ConnectOptions, account: Account): Promise<XmppChatSession | undefined> {
    const id = old.resumeId;
    if (id === undefined) return undefined;
    const wire = new WireCounter();
    const opened = await openStream(account, wire, options.timeoutMs, { resume: { id, h: old.inboundCount }, localAddress: options.localAddress });
    const h = opened.negotiated.resumedH;
    if (h === null || h === undefined) {
      await opened.stream.end(1000);
      return undefined;
    }
    const session = new XmppChatSession(partsFor(options, account, { stream: opened.stream, negotiated: { ...opened.negotiated, jid: old.jid } }, wire), old);
    session.resumed = true;
    open.add(session);
    session.afterResume(h);
    return session;
  }

  async function connect(options: ConnectOptions): Promise<ChatSession> {
    if (closing) throw new RunAbortedError(`XMPP driver for ${settings.display} is closed`);
    const account = accounts.accountFor(options.user);
    addressing.jidOf(options.user);
    const persistent = options.session?.persistent === true;
    const resume = persistent && options.session?.resume === true;
    const previous = kept.get(options.user);
    kept.delete(options.user);
    if (resume && previous?.how === 'hibernated') {
      const back = await resumeKept(previous.session, options, account);
      if (back !== undefined) return back;
    }
    // A will is the unavailable presence the server announces when a stream drops: a resumable
    // stream would hibernate instead and announce it only when its window ends, so a connection
    // with a will and no persistent session asks for no resumption.
    const sm: SmRequest = options.will !== undefined && !persistent
      ? { resume: false }
      : { resume: true, ...(persistent && options.session?.expirySeconds !== undefined ? { maxSeconds: options.session.expirySeconds } : {}) };
    const wire = new WireCounter();
    const opened = await openStream(account, wire, options.timeoutMs, { localAddress: options.localAddress, resource: resourceFor(opts.runId, options.will?.tag), sm });
    // Registered once: a reconnect logs in to the same account.
    account.register = false;
    const session = new XmppChatSession(partsFor(options, account, opened, wire));
    open.add(session);
    // Offline storage keeps direct messages only: a user that was in rooms lost its seats.
    if (resume && previous?.how === 'offline-storage') session.resumed = previous.rooms === 0 && (await hasOfflineStorage(session));
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
    // Not served: message expiry, receive maximum, takeover, read pauses, will delay (mapping.ts).
    features: FEATURES,
    connect,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
