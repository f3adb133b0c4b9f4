/** Progress the engine reports while it runs; the CLI turns these into stderr lines. */
export type Phase = 'connect' | 'join' | 'presence' | 'idle' | 'send' | 'drain' | 'retained' | 'disconnect';

/** What a status line needs, about once a second while a scenario sends and drains. */
export interface ProgressEvent {
  type: 'progress';
  scenario: string;
  phase: Phase;
  /** Users connected now (those whose connection was lost are not). */
  connected: number;
  /** Messages handed to the client so far, of `planned`. */
  sent: number;
  planned: number;
  /** First deliveries so far (each message once per receiver). */
  delivered: number;
  /**
   * Since the send phase began, ms (the drain counts on from there). Before sending (connect,
   * join, idle: `sent`, `planned` and `delivered` are 0 then), since that phase began.
   */
  elapsedMs: number;
  /**
   * The send schedule's length (duration), ms; the drain comes on top. Before sending, the
   * phase's planned length (idle time; a connection ramp's length), or 0 when not known ahead.
   */
  totalMs: number;
  /** Users the scenario connects, while connecting and joining: connected climbs towards it. */
  users?: number;
  /** Latency p99 so far (from the intended send time), µs, when anything measured arrived. */
  p99Micros?: number;
}

export type EngineEvent =
  | { type: 'scenario-start'; scenario: string; index: number; total: number }
  | { type: 'phase'; scenario: string; phase: Phase; detail: string }
  | ProgressEvent
  | { type: 'scenario-end'; scenario: string; status: 'passed' | 'failed' | 'aborted' };

export type EventSink = (event: EngineEvent) => void;
