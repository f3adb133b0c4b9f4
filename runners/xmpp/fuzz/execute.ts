/**
 * Runs one XMPP fuzz case against a live server: a raw connection per connection index, each
 * step's bytes sent exactly (a login step is built from the target's account when sent), each
 * judged (oracle.ts), then a canary (canary.ts) while the case's connections are still open.
 * The case stops at its first failing judgement; a connection that is over takes no more steps,
 * and steps not sent are left out of the replay. A failing canary turns the verdict into `hang`
 * or `crash`.
 */
import type { CaseOutcome, ReceivedChunk } from '../../../core/fuzz/loop.js';
import { fromReplayStep, toReplayStep, type ReplayStep } from '../../../core/fuzz/replay.js';
import { runCanary, type ServerOptions } from './canary.js';
import { isLoginStep, logIn } from './login.js';
import { judgeMalformed, judgeValid, type StepJudgement } from './oracle.js';
import { RawXmppConnection } from './raw.js';
import { CaseConnections, canaryOverride, type CaseProgress } from '../../../core/fuzz/case-run.js';
import type { XmppFuzzStep } from './sequence.js';

export interface ExecuteOptions extends ServerOptions {
  /** How long a valid step's answer, and a malformed step's close, are waited for. */
  answerTimeoutMs: number;
}

export async function executeCase(steps: readonly XmppFuzzStep[], options: ExecuteOptions): Promise<CaseOutcome> {
  const connections = new CaseConnections<RawXmppConnection>(() => RawXmppConnection.open(options.endpoint, options.canaryTimeoutMs), () => ({}));
  const sent: ReplayStep[] = [];
  const progress: CaseProgress<XmppFuzzStep> = { verdict: null, failing: undefined, lastMalformed: undefined };
  let defect = '';
  try {
    for (const step of steps) {
      const state = await connections.at(step.connection);
      if (state === undefined) {
        progress.failing = step;
        break;
      }
      const conn = state.conn;
      if (state.over || conn === undefined || conn.closed) continue;
      const from = conn.log.length;
      const all = connections.sorted().flatMap(([, s]) => (s.conn === undefined ? [] : [{ conn: s.conn, from: s.conn === conn ? from : s.conn.log.length }]));
      sent.push(toReplayStep(step));
      let judged: StepJudgement;
      if (isLoginStep(step.bytes)) {
        const login = await logIn(conn, options.account, { domain: options.domain, resource: `fuzz-c${step.connection}`, timeoutMs: options.answerTimeoutMs * 4 });
        judged = login.ok
          ? { verdict: null, over: false, defect: 'login' }
          : login.closed
            ? { verdict: null, over: true, defect: 'login' } // a server may refuse a session (its own limits): no verdict
            : { verdict: { kind: 'no-answer', message: `login: ${login.why}`, statements: [] }, over: true, defect: 'login' };
      } else {
        conn.send(step.bytes);
        const w = { conn, from, all };
        if (step.malformed) progress.lastMalformed = step;
        judged = step.malformed ? await judgeMalformed(step.bytes, step.note, step.statements, w, options.answerTimeoutMs) : await judgeValid(step.bytes, step.note, w, options.answerTimeoutMs);
      }
      state.over = judged.over;
      if (judged.verdict !== null) {
        progress.verdict = judged.verdict;
        defect = judged.defect;
        progress.failing = step;
        break;
      }
    }
    const canary = await runCanary(options);
    const override = canaryOverride(canary, progress, steps, sent, () => 'the last step');
    if (override !== null) {
      Object.assign(progress, override);
      defect = override.verdict.kind;
    }
  } finally {
    connections.destroyAll();
  }
  const { verdict } = progress;
  const outcome: CaseOutcome = { verdict, steps: sent, received: received(connections) };
  if (verdict !== null) outcome.defect = `${verdict.kind}|${defect}|${verdict.statements.join(',')}`;
  return outcome;
}

function received(connections: CaseConnections<RawXmppConnection>): ReceivedChunk[] {
  const out: ReceivedChunk[] = [];
  for (const [connection, state] of connections.sorted()) {
    const hex = state.conn?.receivedHex() ?? '';
    if (hex !== '') out.push({ connection, hex });
  }
  return out;
}

/** A replay's steps as the executor takes them. */
export function stepsFromReplay(steps: readonly ReplayStep[]): XmppFuzzStep[] {
  return steps.map((s) => ({ ...fromReplayStep(s), note: s.note ?? 'step' }));
}
