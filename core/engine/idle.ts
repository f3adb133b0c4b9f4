/**
 * The idle phase and the wire split. Idle: after the readiness barrier, users stay connected and
 * nothing is sent for the scenario's `idleMs`, so the bytes that cross the wire meanwhile are the
 * protocol's keep-alive (MQTT PINGREQ/PINGRESP, XMPP pings or whitespace) and whatever the
 * server pushes unasked. The wire totals are then split at the phase boundaries the engine
 * snapshots: handshake | idle | steady (send + drain) | close (the goodbyes).
 */
import { nowMicros } from '../clock.js';
import type { WireBytes } from '../driver.js';
import type { IdleCost, Wire } from '../result/index.js';

/** What the idle phase measured, before it is turned into per-connection rates. */
export interface IdleMeasure {
  /** The wire bytes of every connection during the phase. */
  bytes: WireBytes;
  seconds: number;
  connections: number;
  keepAliveSeconds: number | null;
}

/** What the idle phase reads from the connected users. */
export interface IdleUsers {
  readonly connected: number;
  wire(): WireBytes;
  keepAliveSeconds(): number | null;
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks why). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Keeps the users idle for `ms` (less if `signal` stops the scenario) and measures the wire meanwhile. */
export async function idlePhase(ms: number, users: IdleUsers, signal: AbortSignal): Promise<IdleMeasure> {
  const connections = users.connected;
  const before = users.wire();
  const started = nowMicros();
  await pause(ms, signal);
  const after = users.wire();
  return {
    bytes: minus(after, before),
    seconds: (nowMicros() - started) / 1_000_000,
    connections,
    keepAliveSeconds: users.keepAliveSeconds(),
  };
}

function minus(a: WireBytes, b: WireBytes): WireBytes {
  return { bytesOut: Math.max(0, a.bytesOut - b.bytesOut), bytesIn: Math.max(0, a.bytesIn - b.bytesIn) };
}

/** Idle bytes per connection per minute; zero when no connection or no time (nothing to divide). */
export function idleCost(m: IdleMeasure): IdleCost {
  const per = m.connections > 0 && m.seconds > 0 ? 60 / (m.connections * m.seconds) : 0;
  return {
    seconds: m.seconds,
    connections: m.connections,
    keepAliveSeconds: m.keepAliveSeconds,
    perConnectionPerMinute: { bytesOut: m.bytes.bytesOut * per, bytesIn: m.bytes.bytesIn * per },
  };
}

/** Cumulative wire counters the engine took at the phase boundaries. */
export interface WireMarks {
  /** At the readiness barrier. */
  handshake: WireBytes;
  /** The idle phase, when there was one. */
  idle: IdleMeasure | null;
  /** When the drain ended (null while sending or draining, or when the scenario stopped before). */
  steadyEnd: WireBytes | null;
  /** Now: every session's bytes so far. */
  total: WireBytes;
}

/** The result's wire record: totals, and the phases, which add up to them. */
export function wireRecord(marks: WireMarks): Wire {
  const { handshake, idle, steadyEnd, total } = marks;
  const idleBytes = idle?.bytes ?? { bytesOut: 0, bytesIn: 0 };
  const beforeSteady = { bytesOut: handshake.bytesOut + idleBytes.bytesOut, bytesIn: handshake.bytesIn + idleBytes.bytesIn };
  const end = steadyEnd ?? total;
  return {
    bytesOut: total.bytesOut,
    bytesIn: total.bytesIn,
    phases: {
      handshake: { ...handshake },
      steady: minus(end, beforeSteady),
      ...(idle === null ? {} : { idle: { ...idle.bytes } }),
      ...(steadyEnd === null ? {} : { close: minus(total, steadyEnd) }),
    },
    ...(idle === null ? {} : { idle: idleCost(idle) }),
  };
}
