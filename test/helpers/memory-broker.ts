/**
 * An in-memory chat server behind the Driver interface, for engine tests of absences and
 * takeovers: rooms and inboxes with levels, persistent sessions that queue level >= 1 messages
 * while their user is away (and say so with `resumed`), takeovers that close the first
 * connection, read pauses. Deliveries go out one macrotask later, in order, like a socket's.
 * `dropOnResume` makes it lose queued messages on purpose, so a test can see the loss found.
 */
import { nowMicros } from '../../core/clock.js';
import type { ChatSession, ConnectOptions, DeliveryLevel, Driver, DriverFeature, MessageSource } from '../../core/driver.js';

interface Connection {
  options: ConnectOptions;
  open: boolean;
  pausedUntil: number;
  outbox: { payload: Uint8Array; level: DeliveryLevel; source: MessageSource; state: SessionState }[];
}

interface SessionState {
  persistent: boolean;
  rooms: Map<string, DeliveryLevel>;
  inboxLevel: DeliveryLevel;
  queue: { payload: Uint8Array; level: DeliveryLevel; source: MessageSource }[];
  conn: Connection | null;
}

export interface MemoryBrokerOptions {
  /** Queued message `index` (0-based, per resume) of `user` is dropped instead of delivered. */
  dropOnResume?: (user: string, index: number) => boolean;
  /** The server ignores takeovers (leaves the first connection open): a broken server. */
  ignoreTakeover?: boolean;
}

export interface MemoryBroker {
  driver: Driver;
  stats: {
    /** Deliveries with no connection to go to and not queued (level 0, or a clean session). */
    noConnection: number;
    /** Deliveries on their way when their connection closed. */
    inFlightDropped: number;
    queued: number;
    droppedOnResume: number;
    /** Read pauses asked for, per user. */
    pauses: string[];
    /** Every connect's options, in order. */
    connects: ConnectOptions[];
  };
  /** Sessions the server still holds (connected or kept for a return). */
  sessionsHeld(): number;
}

const FEATURES: ReadonlySet<DriverFeature> = new Set(['persistent-session', 'takeover', 'slow-consumer', 'message-expiry', 'receive-maximum', 'will']);

export function memoryBroker(opts: MemoryBrokerOptions = {}): MemoryBroker {
  const sessions = new Map<string, SessionState>();
  const stats: MemoryBroker['stats'] = { noConnection: 0, inFlightDropped: 0, queued: 0, droppedOnResume: 0, pauses: [], connects: [] };

  function deliver(state: SessionState, payload: Uint8Array, level: DeliveryLevel, source: MessageSource): void {
    const conn = state.conn;
    if (conn === null) {
      if (state.persistent && level >= 1) {
        state.queue.push({ payload, level, source });
        stats.queued++;
      } else stats.noConnection++;
      return;
    }
    conn.outbox.push({ payload, level, source, state });
    if (conn.outbox.length === 1) setImmediate(() => pump(conn));
  }

  /** Hands a connection's deliveries over in order; a read pause holds them all. */
  function pump(conn: Connection): void {
    const wait = conn.pausedUntil - Date.now();
    if (wait > 0 && conn.open) {
      setTimeout(() => pump(conn), wait);
      return;
    }
    for (const d of conn.outbox.splice(0)) {
      if (!conn.open) {
        // Kept by a persistent session: sent again on its next connection (queued until there is one).
        if (d.state.persistent && d.level >= 1) deliver(d.state, d.payload, d.level, d.source);
        else stats.inFlightDropped++;
        continue;
      }
      conn.options.onMessage({ payload: d.payload, receivedAt: nowMicros(), level: d.level, source: d.source });
    }
  }

  function publish(from: string, room: string | null, to: string | null, payload: Uint8Array, level: DeliveryLevel): void {
    for (const [user, state] of sessions) {
      if (user === from) continue; // no echo of a sender's own room messages
      if (room !== null) {
        const granted = state.rooms.get(room);
        if (granted !== undefined) deliver(state, payload, Math.min(level, granted) as DeliveryLevel, { kind: 'room', room });
      } else if (user === to) deliver(state, payload, Math.min(level, state.inboxLevel) as DeliveryLevel, { kind: 'direct' });
    }
  }

  const driver: Driver = {
    protocol: 'memory',
    protocolVersion: '1',
    displayTarget: 'memory://',
    socketOptions: { tcpNoDelay: true },
    features: FEATURES,
    close: async () => undefined,
    connect: async (options) => {
      await new Promise((r) => setImmediate(r));
      stats.connects.push(options);
      const user = options.user;
      const persistent = options.session?.persistent === true;
      let state = sessions.get(user);
      const first = state?.conn ?? null;
      if (first !== null && first.open && !opts.ignoreTakeover) {
        first.open = false;
        (state as SessionState).conn = null;
        first.options.onConnectionLost?.({ by: 'server', cause: 'session taken over', code: 0x8e });
      }
      const resumed = state !== undefined && persistent && state.persistent && options.session?.resume === true;
      if (!resumed) {
        state = { persistent, rooms: new Map(), inboxLevel: options.directLevel, queue: [], conn: null };
        sessions.set(user, state);
      }
      const s = state as SessionState;
      const conn: Connection = { options, open: true, pausedUntil: 0, outbox: [] };
      s.conn = conn;
      const queued = s.queue.splice(0);
      queued.forEach((q, i) => {
        if (opts.dropOnResume?.(user, i) === true) stats.droppedOnResume++;
        else deliver(s, q.payload, q.level, q.source);
      });
      const session: ChatSession = {
        user,
        inboxLevel: options.directLevel,
        resumed,
        joinRoom: async (room, level) => {
          s.rooms.set(room, level);
          return level;
        },
        leaveRoom: async (room) => { s.rooms.delete(room); },
        sendToRoom: async (room, payload, level) => publish(user, room, null, payload, level),
        sendToUser: async (to, payload, level) => publish(user, null, to, payload, level),
        setPresence: async () => undefined,
        disconnect: async (mode, o) => {
          if (!conn.open) return;
          conn.open = false;
          if (s.conn === conn) s.conn = null;
          // A goodbye without keepSession ends a persistent session too; a clean session always ends.
          const keep = s.persistent && (mode === 'abrupt' || o?.keepSession === true);
          if (!keep && sessions.get(user) === s) sessions.delete(user);
        },
        pauseReads: (ms) => {
          stats.pauses.push(user);
          conn.pausedUntil = Date.now() + ms;
        },
        wire: () => ({ bytesOut: 0, bytesIn: 0 }),
      };
      return session;
    },
  };
  return { driver, stats, sessionsHeld: () => sessions.size };
}
