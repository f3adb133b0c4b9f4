/**
 * What every protocol's fuzz case executor shares: a case's connections, each opened at its
 * first step, and the canary's last word on the verdict. The protocol supplies the opening, the
 * sending and the judging.
 */
import { ConnectRefusedError, type CanaryResult } from './canary.js';
import type { FindingVerdict, FuzzStepBytes, ReplayStep } from './replay.js';

/** One connection of a case: its client (absent when it could not be opened) and whether it takes more steps. */
export type CaseConnection<C, Extra extends object> = { conn: C | undefined; over: boolean } & Extra;

/** A case's connections by index, opened lazily and all destroyed at the end of the case. */
export class CaseConnections<C extends { destroy(): void }, Extra extends object = object> {
  readonly #byIndex = new Map<number, CaseConnection<C, Extra>>();

  constructor(
    private readonly open: (index: number) => Promise<C>,
    private readonly fresh: () => Extra,
  ) {}

  /**
   * The connection for a step, opened at its first step. undefined when the server refused it
   * (the server was up when the case began: the canary decides crash or hang); any other
   * failure is chatbench's own and is thrown.
   */
  async at(index: number): Promise<CaseConnection<C, Extra> | undefined> {
    const known = this.#byIndex.get(index);
    if (known !== undefined) return known;
    const state: CaseConnection<C, Extra> = { conn: undefined, over: false, ...this.fresh() };
    this.#byIndex.set(index, state);
    try {
      state.conn = await this.open(index);
      return state;
    } catch (error) {
      if (!(error instanceof ConnectRefusedError)) throw error;
      state.over = true;
      return undefined;
    }
  }

  /** Every connection so far, by index. */
  sorted(): Array<[number, CaseConnection<C, Extra>]> {
    return [...this.#byIndex].sort(([a], [b]) => a - b);
  }

  destroyAll(): void {
    for (const state of this.#byIndex.values()) state.conn?.destroy();
  }
}

/** Where a case stood when its steps ended. */
export interface CaseProgress<S extends FuzzStepBytes> {
  verdict: FindingVerdict | null;
  /** The step that was judged failing, or whose connection was refused. */
  failing: S | undefined;
  lastMalformed: S | undefined;
}

/**
 * A failed canary overrides the step verdict with hang or crash, blamed on the failing step,
 * else the last malformed one, else the last step; what the step judgement saw stays in the
 * message. null when the canary was fine.
 */
export function canaryOverride<S extends FuzzStepBytes>(
  canary: CanaryResult,
  progress: CaseProgress<S>,
  steps: readonly S[],
  sent: readonly ReplayStep[],
  describeLast: (last: ReplayStep) => string,
): { verdict: FindingVerdict; failing: S | undefined } | null {
  if (canary.state === 'ok') return null;
  const { verdict } = progress;
  const trigger = progress.failing ?? progress.lastMalformed ?? steps[steps.length - 1];
  const last = sent[sent.length - 1];
  const after = last === undefined ? 'the case opened its first connection' : (last.note ?? describeLast(last));
  const also = verdict === null ? '' : ` (that step was also judged ${verdict.kind})`;
  return {
    verdict: {
      kind: canary.state,
      message: `${canary.message}, after ${after}${also}`,
      statements: trigger?.malformed === true ? [...trigger.statements] : verdict?.statements ?? [],
    },
    failing: trigger,
  };
}
