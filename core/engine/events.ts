/** Progress the engine reports while it runs; the CLI turns these into stderr lines. */
export type Phase = 'connect' | 'join' | 'send' | 'drain' | 'disconnect';

export type EngineEvent =
  | { type: 'scenario-start'; scenario: string; index: number; total: number }
  | { type: 'phase'; scenario: string; phase: Phase; detail: string }
  | { type: 'progress'; scenario: string; sent: number; planned: number; delivered: number }
  | { type: 'scenario-end'; scenario: string; status: 'passed' | 'failed' | 'aborted' };

export type EventSink = (event: EngineEvent) => void;
