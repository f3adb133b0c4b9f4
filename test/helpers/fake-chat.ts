/**
 * An in-memory chat server behind the Driver interface, for engine tests of the chat patterns:
 * rooms (with retained messages), inboxes, presence watches with retained statuses, and wills
 * that fire when a connection drops. Deliveries are asynchronous (setImmediate), as on a
 * socket. `misbehave` makes it break one rule on purpose, so a test can show chatbench reports it.
 */
import { nowMicros } from '../../core/clock.js';
import type {
  ChatSession, ConnectOptions, DeliveryLevel, Driver, DriverFeature, InboundMessage, PresenceUpdate,
} from '../../core/driver.js';

export interface Misbehaviour {
  /** Publish the will of a connection that said goodbye cleanly too. */
  willAfterClean?: boolean;
  /** Never publish a will. */
  dropWills?: boolean;
  /** Keep each room's FIRST retained message forever (a later retained send does not replace it). */
  staleRetained?: boolean;
  /** Never keep a retained room message. */
  noRetained?: boolean;
}

const ALL: readonly DriverFeature[] = ['will', 'will-delay', 'presence-watch', 'retained', 'persistent-session'];

interface Conn {
  user: string;
  options: ConnectOptions;
  rooms: Set<string>;
  watching: Set<string>;
  open: boolean;
}

interface Status {
  status: string;
  tag: string;
  will: boolean;
  sentAt?: number;
}

export class FakeChatServer {
  readonly conns = new Set<Conn>();
  readonly retainedRooms = new Map<string, { payload: Uint8Array; level: DeliveryLevel }>();
  readonly presence = new Map<string, Status>();
  /** Wills published so far (by tag), in order. */
  readonly willsPublished: string[] = [];

  constructor(readonly misbehave: Misbehaviour = {}) {}

  driver(features: readonly DriverFeature[] = ALL): Driver {
    return {
      protocol: 'fake',
      protocolVersion: '1',
      displayTarget: 'fake://chat',
      socketOptions: { tcpNoDelay: true },
      features: new Set(features),
      connect: async (options) => this.#connect(options),
      close: async () => undefined,
    };
  }

  #connect(options: ConnectOptions): ChatSession {
    const conn: Conn = { user: options.user, options, rooms: new Set(), watching: new Set(), open: true };
    this.conns.add(conn);
    const later = (f: () => void): void => void setImmediate(f);
    const deliver = (to: Conn, m: Omit<InboundMessage, 'receivedAt'>): void =>
      later(() => { if (to.open) to.options.onMessage({ ...m, receivedAt: nowMicros() }); });
    const publishPresence = (user: string, s: Status): void => {
      for (const c of this.conns) if (c.open && c.watching.has(user)) later(() => this.#update(c, user, s, false));
    };
    const fireWill = (): void => {
      const will = options.will;
      if (will === undefined || this.misbehave.dropWills) return;
      const s: Status = { status: will.status, tag: will.tag, will: true };
      later(() => {
        this.willsPublished.push(will.tag);
        this.presence.set(options.user, s);
        publishPresence(options.user, s);
      });
    };
    const session: ChatSession = {
      user: options.user,
      inboxLevel: options.directLevel,
      joinRoom: async (room, level) => {
        conn.rooms.add(room);
        const kept = this.retainedRooms.get(room);
        if (kept !== undefined) deliver(conn, { payload: kept.payload, level: kept.level, source: { kind: 'room', room }, retained: true });
        return level;
      },
      leaveRoom: async (room) => { conn.rooms.delete(room); },
      sendToRoom: async (room, payload, level, opts) => {
        if (opts?.retain === true && !this.misbehave.noRetained && !(this.misbehave.staleRetained && this.retainedRooms.has(room))) {
          this.retainedRooms.set(room, { payload: Uint8Array.from(payload), level });
        }
        for (const c of this.conns) if (c.open && c !== conn && c.rooms.has(room)) deliver(c, { payload, level, source: { kind: 'room', room } });
      },
      clearRetained: async (room) => { this.retainedRooms.delete(room); },
      sendToUser: async (user, payload, level) => {
        for (const c of this.conns) if (c.open && c.user === user) deliver(c, { payload, level, source: { kind: 'direct' } });
      },
      setPresence: async (status, stamp) => {
        const s: Status = { status, tag: stamp?.tag ?? '', will: false, ...(stamp === undefined ? {} : { sentAt: stamp.sentAt }) };
        this.presence.set(options.user, s);
        publishPresence(options.user, s);
      },
      watchPresence: async (user) => {
        conn.watching.add(user);
        const s = this.presence.get(user);
        if (s !== undefined) later(() => this.#update(conn, user, s, true));
      },
      disconnect: async (mode) => {
        if (!conn.open) return;
        conn.open = false;
        this.conns.delete(conn);
        if (mode === 'abrupt' || this.misbehave.willAfterClean) fireWill();
      },
      wire: () => ({ bytesOut: 0, bytesIn: 0 }),
    };
    return session;
  }

  #update(to: Conn, user: string, s: Status, retained: boolean): void {
    if (!to.open) return;
    const update: PresenceUpdate = { user, status: s.status, will: s.will, tag: s.tag, receivedAt: nowMicros(), retained, ...(s.sentAt === undefined ? {} : { sentAt: s.sentAt }) };
    to.options.onPresence?.(update);
  }
}
