/**
 * A Driver decorator that corrupts delivery on the receiving side, so engine tests can
 * check that loss, duplicates and reordering are found and judged per delivery level.
 */
import type { Driver, InboundMessage } from '../../core/driver.js';

/** Returns what the user should see instead of `m`: [] drops it, [m, m] duplicates it. */
export type Fault = (user: string, m: InboundMessage, index: number) => InboundMessage[];

export function withFault(inner: Driver, fault: Fault): Driver {
  let index = 0;
  return {
    protocol: inner.protocol,
    protocolVersion: inner.protocolVersion,
    displayTarget: inner.displayTarget,
    socketOptions: inner.socketOptions,
    close: () => inner.close(),
    connect: (options) => inner.connect({
      ...options,
      onMessage: (m) => {
        for (const out of fault(options.user, m, index++)) options.onMessage(out);
      },
    }),
  };
}

/**
 * Holds back every `every`-th message for `user` and delivers it after the `by` messages
 * that follow it: a reorder, whatever other streams (own echoes included) interleave.
 */
export function holdBack(user: string, every: number, by: number): Fault {
  let held: { m: InboundMessage; left: number } | null = null;
  let seen = 0;
  return (u, m) => {
    if (u !== user) return [m];
    seen++;
    if (held === null) {
      if (seen % every !== 0) return [m];
      held = { m, left: by };
      return [];
    }
    held.left--;
    if (held.left > 0) return [m];
    const out = [m, held.m];
    held = null;
    return out;
  };
}
