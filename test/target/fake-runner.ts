/**
 * A protocol that exists only in the tests: "fake://" (and "fakes://"), with one extra target
 * field (`domain`, the way an XMPP runner takes one). Its driver is an in-memory switchboard:
 * sessions of one opened target deliver room and direct messages to each other on the next
 * turn of the event loop. It proves that a protocol is added from outside core/ with one
 * registerRunner() call.
 */
import * as z from 'zod';
import { domainField } from '../../runners/common/domain.js';
import type { ChatSession, ConnectOptions, DeliveryLevel, Driver, TargetHandle } from '../../core/driver.js';
import { nowMicros } from '../../core/clock.js';
import { redactTargetUrl } from '../../core/target.js';
import type { ProtocolRunner } from '../../core/target.js';

export interface FakeFields {
  domain: string;
}

const fields = z.strictObject({
  // One field name means one thing in a scenario file: the fake shares XMPP's `domain` schema.
  domain: domainField,
});

/** Everything the switchboard of one opened target saw, for assertions. */
export interface Switchboard {
  domain: string;
  connects: number;
  sends: number;
}

export const switchboards: Switchboard[] = [];

class FakeSession implements ChatSession {
  readonly inboxLevel: DeliveryLevel = 2;
  #bytesOut = 0;
  #bytesIn = 0;

  constructor(
    readonly user: string,
    private readonly board: Board,
    private readonly onMessage: ConnectOptions['onMessage'],
  ) {}

  async joinRoom(room: string, level: DeliveryLevel): Promise<DeliveryLevel> {
    this.board.members(room).add(this);
    return level;
  }
  async leaveRoom(room: string): Promise<void> {
    this.board.members(room).delete(this);
  }
  async sendToRoom(room: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    this.#count(payload);
    for (const member of this.board.members(room)) if (member !== this) member.receive(payload, level, { kind: 'room', room });
  }
  async sendToUser(user: string, payload: Uint8Array, level: DeliveryLevel): Promise<void> {
    this.#count(payload);
    this.board.users.get(user)?.receive(payload, level, { kind: 'direct' });
  }
  async setPresence(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.board.users.delete(this.user);
    for (const members of this.board.rooms.values()) members.delete(this);
  }
  wire() {
    return { bytesOut: this.#bytesOut, bytesIn: this.#bytesIn };
  }

  receive(payload: Uint8Array, level: DeliveryLevel, source: { kind: 'room'; room: string } | { kind: 'direct' }): void {
    const copy = Uint8Array.from(payload);
    setImmediate(() => {
      this.#bytesIn += copy.length;
      this.onMessage({ payload: copy, receivedAt: nowMicros(), level, source });
    });
  }

  #count(payload: Uint8Array): void {
    this.#bytesOut += payload.length;
    this.board.stats.sends++;
  }
}

class Board {
  readonly users = new Map<string, FakeSession>();
  readonly rooms = new Map<string, Set<FakeSession>>();
  constructor(readonly stats: Switchboard) {}
  members(room: string): Set<FakeSession> {
    let set = this.rooms.get(room);
    if (!set) this.rooms.set(room, (set = new Set()));
    return set;
  }
}

function fakeDriver(board: Board, display: string, runId: string): Driver {
  return {
    protocol: 'fake',
    protocolVersion: '1',
    displayTarget: display,
    socketOptions: { tcpNoDelay: true },
    async connect(options) {
      board.stats.connects++;
      const session = new FakeSession(`${runId}/${options.user}`, board, options.onMessage);
      board.users.set(options.user, session);
      return session;
    },
    async close() {
      board.users.clear();
      board.rooms.clear();
    },
  };
}

export const fakeRunner: ProtocolRunner<FakeFields, typeof fields> = {
  protocol: 'fake',
  schemes: ['fake', 'fakes'],
  example: 'fake://switchboard',
  fields,
  limits: { maxPayloadBytes: 4_096 },
  resolve(written, context) {
    const domain = written.domain ?? context.url.hostname;
    const issues = context.url.protocol === 'fakes:' && domain === 'insecure.test' ? [{ path: ['domain'], message: 'fakes:// needs a secure domain' }] : [];
    return { protocolVersion: '1', fields: { domain }, issues };
  },
  describe(target) {
    return `${redactTargetUrl(target.url)} (fake chat, domain ${target.fields.domain})`;
  },
  async open(target): Promise<TargetHandle> {
    const stats: Switchboard = { domain: target.fields.domain, connects: 0, sends: 0 };
    switchboards.push(stats);
    const board = new Board(stats);
    // The URL as given, credentials and all: core's openTarget must redact it.
    return {
      info: { url: target.url, protocol: 'fake', protocolVersion: '1', embedded: false, tcpNoDelay: true },
      createDriver: (runId) => fakeDriver(board, redactTargetUrl(target.url), runId),
      close: async () => undefined,
    };
  },
};
