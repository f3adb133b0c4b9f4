/**
 * Runs one fuzz case against a live MQTT server: opens a raw connection per connection index,
 * sends each step's bytes exactly, judges what comes back (oracle.ts), then checks with a
 * separate canary client that the server still serves (canary.ts) while the case's connections
 * are still open, so a server wedged by one of them is caught before they are closed.
 *
 * The case stops at its first failing judgement: what follows it cannot change the verdict, and
 * shrinking removes it anyway. A connection the server closed (or that a step ended) takes no
 * more steps; those steps are not sent and are left out of the replay. A canary that fails turns
 * the verdict into `hang` (connections still accepted) or `crash` (not), with what the step
 * judgement saw kept in the message.
 */
import type { CaseOutcome, ReceivedChunk } from '../../../core/fuzz/loop.js';
import { fromReplayStep, toReplayStep, type FuzzStepBytes, type ReplayStep } from '../../../core/fuzz/replay.js';
import { RawClient } from '../raw/client.js';
import { CaseConnections, canaryOverride, type CaseProgress } from '../../../core/fuzz/case-run.js';
import { observeRejection } from '../raw/rejection.js';
import { runCanary, type ServerOptions } from './canary.js';
import { loginBytes } from './login.js';
import { cleanUp, leftoversOf } from './cleanup.js';
import { decodePacket, expectedAnswer, isAnswer, judgeAnswer, judgeRejection, packetTypeName, versionName } from './oracle.js';

/** One step of a case: the bytes for one connection and whether they were made malformed. */
export type FuzzStep = FuzzStepBytes;

export interface ExecuteOptions extends ServerOptions {
  /** How long a valid packet's answer is waited for. */
  answerTimeoutMs: number;
  /** How long a malformed packet's close is waited for. */
  closeTimeoutMs: number;
}

export async function executeCase(steps: readonly FuzzStep[], options: ExecuteOptions): Promise<CaseOutcome> {
  const { version } = options;
  const connections = new CaseConnections<RawClient, { connacked: boolean }>(
    (index) => RawClient.open({ endpoint: options.endpoint, version, label: `case connection ${index}`, connectTimeoutMs: options.canaryTimeoutMs, ...(options.tls ? { tls: options.tls } : {}) }),
    () => ({ connacked: false }),
  );
  const sent: ReplayStep[] = [];
  const progress: CaseProgress<FuzzStep> = { verdict: null, failing: undefined, lastMalformed: undefined };
  try {
    for (const step of steps) {
      const conn = await connections.at(step.connection);
      if (conn === undefined) {
        progress.failing = step;
        break;
      }
      const client = conn.conn;
      if (conn.over || client === undefined || client.closed) continue;
      client.sendBytes(step.malformed ? step.bytes : loginBytes(step.bytes, version, options.login));
      sent.push(toReplayStep(step));
      const note = step.note ?? packetTypeName(step.bytes[0]);
      if (step.malformed) {
        progress.lastMalformed = step;
        const rejection = await observeRejection(client, options.closeTimeoutMs, (p) => isAnswer(p, version));
        progress.verdict = judgeRejection(rejection, { note, statements: step.statements }, version, conn.connacked);
        conn.over = true;
      } else {
        const packet = decodePacket(step.bytes, version);
        if (packet === undefined) throw new Error(`fuzz step "${note}" is marked valid but is not one MQTT ${versionName(version)} packet: ${Buffer.from(step.bytes).toString('hex')}`);
        const expected = expectedAnswer(packet, version);
        if (expected.kind === 'ends') conn.over = true;
        if (expected.kind !== 'answer') continue;
        const got = await awaitAnswer(client, expected.cmd, options.answerTimeoutMs);
        const judged = judgeAnswer(expected, got, { note, version });
        if (got.packet?.cmd === 'connack') conn.connacked = true;
        progress.verdict = judged.verdict;
        conn.over ||= judged.connectionOver;
      }
      if (progress.verdict !== null) {
        progress.failing = step;
        break;
      }
    }
    const override = canaryOverride(await runCanary(options), progress, steps, sent, (last) => `sending ${last.hex}`);
    if (override !== null) Object.assign(progress, override);
  } finally {
    connections.destroyAll();
    await cleanUp(leftoversOf(steps, version), options);
  }
  const { verdict, failing } = progress;
  const outcome: CaseOutcome = { verdict, steps: sent, received: received(connections) };
  if (verdict !== null) outcome.defect = `${verdict.kind}|${packetTypeName(failing?.bytes[0])}|${verdict.statements.join(',')}`;
  return outcome;
}

/** Everything each connection received, in order, as one hex string per connection. */
function received(connections: CaseConnections<RawClient, object>): ReceivedChunk[] {
  const out: ReceivedChunk[] = [];
  for (const [connection, state] of connections.sorted()) {
    const hex = (state.conn?.transcript() ?? []).filter((e) => e.dir === 'received').map((e) => e.hex).join('');
    if (hex !== '') out.push({ connection, hex });
  }
  return out;
}

/** A replay's steps as the executor takes them. */
export function stepsFromReplay(steps: readonly ReplayStep[]): FuzzStep[] {
  return steps.map(fromReplayStep);
}

/** How many more answer timeouts a valid packet is given before "no answer" is reported. */
export const NO_ANSWER_GRACE = 10;

/**
 * The answer of type `cmd`, waited for `timeoutMs`; when nothing came, NO_ANSWER_GRACE times as
 * long again before the wait ends, so a slow server (or a busy machine) is not reported as one
 * that never answers. Most answers come within the first wait, which keeps cases fast.
 */
async function awaitAnswer<C extends Parameters<RawClient['nextOf']>[0]>(client: RawClient, cmd: C, timeoutMs: number): ReturnType<RawClient['nextOf']> {
  const first = await client.nextOf(cmd, timeoutMs);
  if (first.packet !== undefined || !('ended' in first) || first.ended.kind !== 'timeout') return first;
  const later = await client.nextOf(cmd, timeoutMs * NO_ANSWER_GRACE);
  const skipped = [...first.skipped, ...later.skipped];
  if ('ended' in later && later.ended.kind === 'timeout') return { packet: undefined, ended: { kind: 'timeout', waitedMs: timeoutMs * (1 + NO_ANSWER_GRACE) }, skipped };
  return { ...later, skipped };
}
