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
import { fromReplayStep, toReplayStep, type FindingVerdict, type FuzzStepBytes, type ReplayStep } from '../../../core/fuzz/replay.js';
import { RawClient, RawConnectError } from '../raw/client.js';
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

interface ConnectionState {
  client: RawClient | undefined;
  /** Takes no more steps: closed, refused, disconnected, or judged. */
  over: boolean;
  connacked: boolean;
}

export async function executeCase(steps: readonly FuzzStep[], options: ExecuteOptions): Promise<CaseOutcome> {
  const { version } = options;
  const connections = new Map<number, ConnectionState>();
  const sent: ReplayStep[] = [];
  let verdict: FindingVerdict | null = null;
  let failing: FuzzStep | undefined;
  let lastMalformed: FuzzStep | undefined;
  try {
    for (const step of steps) {
      let conn = connections.get(step.connection);
      if (conn === undefined) {
        conn = { client: undefined, over: false, connacked: false };
        connections.set(step.connection, conn);
        try {
          conn.client = await RawClient.open({ endpoint: options.endpoint, version, label: `case connection ${step.connection}`, connectTimeoutMs: options.canaryTimeoutMs, ...(options.tls ? { tls: options.tls } : {}) });
        } catch (error) {
          if (!(error instanceof RawConnectError)) throw error;
          // The server was up when the case began: the canary below says crash or hang.
          conn.over = true;
          failing = step;
          break;
        }
      }
      const client = conn.client;
      if (conn.over || client === undefined || client.closed) continue;
      client.sendBytes(step.malformed ? step.bytes : loginBytes(step.bytes, version, options.login));
      sent.push(toReplayStep(step));
      const note = step.note ?? packetTypeName(step.bytes[0]);
      if (step.malformed) {
        lastMalformed = step;
        const rejection = await observeRejection(client, options.closeTimeoutMs, (p) => isAnswer(p, version));
        verdict = judgeRejection(rejection, { note, statements: step.statements }, version, conn.connacked);
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
        verdict = judged.verdict;
        conn.over ||= judged.connectionOver;
      }
      if (verdict !== null) {
        failing = step;
        break;
      }
    }
    const canary = await runCanary(options);
    if (canary.state !== 'ok') {
      const trigger = failing ?? lastMalformed ?? steps[steps.length - 1];
      const last = sent[sent.length - 1];
      const after = last === undefined ? 'the case opened its first connection' : (last.note ?? `sending ${last.hex}`);
      const also = verdict === null ? '' : ` (that step was also judged ${verdict.kind})`;
      verdict = {
        kind: canary.state,
        message: `${canary.message}, after ${after}${also}`,
        statements: trigger?.malformed === true ? [...trigger.statements] : verdict?.statements ?? [],
      };
      failing = trigger;
    }
  } finally {
    for (const c of connections.values()) c.client?.destroy();
    await cleanUp(leftoversOf(steps, version), options);
  }
  const outcome: CaseOutcome = { verdict, steps: sent, received: received(connections) };
  if (verdict !== null) outcome.defect = `${verdict.kind}|${packetTypeName(failing?.bytes[0])}|${verdict.statements.join(',')}`;
  return outcome;
}

/** Everything each connection received, in order, as one hex string per connection. */
function received(connections: ReadonlyMap<number, ConnectionState>): ReceivedChunk[] {
  const out: ReceivedChunk[] = [];
  for (const [connection, state] of [...connections].sort(([a], [b]) => a - b)) {
    const hex = (state.client?.transcript() ?? []).filter((e) => e.dir === 'received').map((e) => e.hex).join('');
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
