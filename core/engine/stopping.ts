/**
 * How a scenario stops early: the error that carries its cause to the result, the caller's
 * signal said as a cause, and a wait that the scenario's stop cuts short.
 */
import { RunAbortedError } from '../errors.js';
import type { AbortInfo } from '../verdict/judge.js';

/** A scenario stopped early, with the cause the result records. */
export class ScenarioStopped extends RunAbortedError {
  readonly abort: AbortInfo;
  constructor(abort: AbortInfo) {
    super(abort.message);
    this.abort = abort;
  }
}

/** Why the caller's signal stopped the run: "SIGINT" and the like are signals; anything else is said as is. */
export function outerAbort(reason: unknown): AbortInfo {
  const text = String(reason ?? 'interrupted');
  return /^SIG[A-Z]+$/.test(text) ? { cause: 'signal', message: `interrupted by ${text}` } : { cause: 'signal', message: text };
}

/** `promise`, or as soon as `signal` aborts (the caller then looks at the signal). */
export function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = () => resolve();
    signal.addEventListener('abort', done, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', done));
  });
}
