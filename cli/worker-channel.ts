/**
 * The line between `chatbench run --workers N` and the N processes it forks (cli/workers.ts):
 * what they say to each other over Node's IPC channel, and the worker's side of it. A worker
 * sends its engine events (for the parent's one progress display) and "ready" once every user
 * of a scenario is connected; it starts sending when the parent says "go", which the parent
 * says when every worker is ready, so all of them send over the same stretch of time.
 */
import type { EngineEvent } from '../core/engine/index.js';

/** Set in a worker's environment by the parent; with an IPC channel present, the process is a worker. */
export const WORKER_ENV = 'CHATBENCH_WORKER';

export type WorkerMessage = { type: 'ready'; scenario: string } | { type: 'event'; event: EngineEvent };
export type ParentMessage = { type: 'go'; scenario: string };

export interface WorkerChannel {
  /** RunOptions.beforeSend: says "ready" and waits for the parent's "go". */
  beforeSend(scenario: string): Promise<void>;
  /** An engine event, for the parent's display. */
  forward(event: EngineEvent): void;
  /** Lets the process end: the channel would keep it alive. */
  close(): void;
}

/**
 * The worker's side, or null when this process was not forked by `--workers`. If the parent
 * goes away (its channel closes), the worker stops as on Ctrl-C: after the drain, keeping
 * what it measured in its result file.
 */
export function workerChannel(env: NodeJS.ProcessEnv = process.env): WorkerChannel | null {
  const send = process.send?.bind(process);
  const channel = process.channel;
  if (env[WORKER_ENV] !== '1' || send === undefined || channel === undefined) return null;
  // Only a wait for "go" holds the process open; otherwise the run's own work does.
  channel.unref();
  const waiting = new Map<string, () => void>();
  const onMessage = (message: unknown): void => {
    const m = message as Partial<ParentMessage> | null;
    if (m?.type !== 'go' || typeof m.scenario !== 'string') return;
    waiting.get(m.scenario)?.();
  };
  const onDisconnect = (): void => {
    process.kill(process.pid, 'SIGINT');
  };
  process.on('message', onMessage);
  process.once('disconnect', onDisconnect);
  const say = (message: WorkerMessage): void => {
    if (process.connected) send(message);
  };
  return {
    beforeSend: (scenario) =>
      new Promise<void>((resolve) => {
        channel.ref();
        waiting.set(scenario, () => {
          waiting.delete(scenario);
          channel.unref();
          resolve();
        });
        say({ type: 'ready', scenario });
      }),
    forward: (event) => say({ type: 'event', event }),
    close: () => {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
    },
  };
}
