/**
 * Chat-level helpers for driver tests, protocol-neutral: connect users with an inbox that
 * collects what they receive, wait for messages, and probe the sockets a driver opens.
 */
import net from 'node:net';
import type { ChatSession, DeliveryLevel, Driver, InboundMessage } from '../../core/driver.js';

export interface Inbox {
  readonly messages: InboundMessage[];
  /** Resolves with the first message (already received or future) that matches; rejects after timeoutMs. */
  waitFor(match: (m: InboundMessage) => boolean, timeoutMs?: number): Promise<InboundMessage>;
}

export function createInbox(): Inbox & { push(m: InboundMessage): void } {
  const messages: InboundMessage[] = [];
  const waiters = new Set<{ match: (m: InboundMessage) => boolean; resolve: (m: InboundMessage) => void }>();
  return {
    messages,
    push(m) {
      messages.push(m);
      for (const w of waiters) {
        if (w.match(m)) {
          waiters.delete(w);
          w.resolve(m);
        }
      }
    },
    waitFor(match, timeoutMs = 2000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (m: InboundMessage) => { clearTimeout(timer); resolve(m); } };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message within ${timeoutMs} ms (got ${messages.length})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

export interface ChatUser {
  session: ChatSession;
  inbox: Inbox;
}

export async function connectUser(
  driver: Driver,
  user: string,
  opts: { directLevel?: DeliveryLevel; timeoutMs?: number } = {},
): Promise<ChatUser> {
  const inbox = createInbox();
  const session = await driver.connect({
    user,
    directLevel: opts.directLevel ?? 2,
    onMessage: (m) => inbox.push(m),
    timeoutMs: opts.timeoutMs ?? 3000,
  });
  return { session, inbox };
}

let counter = 0;
/** A payload unique within the test process, so a message can be matched by its bytes. */
export function uniquePayload(label: string, size = 64): Buffer {
  const head = Buffer.from(`${label}#${++counter}#${process.hrtime.bigint()}|`);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 0x2e)]);
}

export function samePayload(expected: Uint8Array): (m: InboundMessage) => boolean {
  return (m) => Buffer.compare(Buffer.from(m.payload), Buffer.from(expected)) === 0;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface NoDelayCall {
  socket: net.Socket;
  enable: boolean;
  /** Bytes the socket had written when setNoDelay was called: 0 means "before the first byte". */
  bytesWritten: number;
  /** The socket had not finished connecting yet. */
  beforeConnect: boolean;
}

/**
 * Records every net.Socket#setNoDelay call (client and server side) until restore().
 * A socket's own calls are found by its remotePort once it is connected.
 */
export function recordNoDelay(): { calls: NoDelayCall[]; restore(): void } {
  const proto = net.Socket.prototype;
  const original = proto.setNoDelay;
  const calls: NoDelayCall[] = [];
  proto.setNoDelay = function setNoDelay(this: net.Socket, enable?: boolean) {
    calls.push({
      socket: this,
      enable: enable ?? true,
      bytesWritten: this.bytesWritten,
      beforeConnect: this.connecting || this.remotePort === undefined,
    });
    return original.call(this, enable);
  };
  return { calls, restore: () => { proto.setNoDelay = original; } };
}

/** Node's own record of the flag it applies to the TCP handle at connect time (undefined if Node hides it). */
export function nodeNoDelayFlag(socket: net.Socket): boolean | undefined {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return symbol === undefined ? undefined : Boolean((socket as unknown as Record<symbol, unknown>)[symbol]);
}
