/**
 * The XMPP fuzz target: core's property loop (core/fuzz/loop.ts) bound to XMPP — sequences from
 * sequence.ts, executed and judged over raw connections (execute.ts), a canary for health — and
 * a replay's steps re-run through the same executor, so `chatbench replay` judges as the fuzz did.
 *
 * The account every login uses comes from the target: an accounts file (its first line), or one
 * registered in-band (XEP-0077) for the fuzz; it is never written into a replay.
 */
import { randomBytes } from 'node:crypto';
import type { CaseOutcome, FuzzTarget } from '../../../core/fuzz/loop.js';
import type { ReplayStep } from '../../../core/fuzz/replay.js';
import { InputError } from '../../../core/errors.js';
import { readAccountsFile } from '../accounts.js';
import { XmppStream, type StreamSettings } from '../stream.js';
import { WireCounter } from '../../common/wire.js';
import { runCanary } from './canary.js';
import { executeCase, stepsFromReplay, type ExecuteOptions } from './execute.js';
import type { FuzzAccount } from './login.js';
import type { Endpoint } from './raw.js';
import { sequenceArb, type XmppFuzzStep } from './sequence.js';

export interface XmppFuzzOptions {
  endpoint: Endpoint;
  domain: string;
  account: FuzzAccount;
  answerTimeoutMs: number;
  canaryTimeoutMs: number;
  /** How many connections a case spreads its steps over (default 2). */
  connections?: number;
  maxSteps?: number;
}

function executeOptions(o: XmppFuzzOptions): ExecuteOptions {
  return { endpoint: o.endpoint, domain: o.domain, account: o.account, answerTimeoutMs: o.answerTimeoutMs, canaryTimeoutMs: o.canaryTimeoutMs };
}

export function xmppFuzzTarget(options: XmppFuzzOptions): FuzzTarget<XmppFuzzStep[]> {
  const execute = executeOptions(options);
  return {
    arbitrary: sequenceArb({ domain: options.domain, connections: options.connections ?? 2, ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }) }),
    execute: (steps) => executeCase(steps, execute),
    healthy: async () => (await runCanary(execute)).state === 'ok',
  };
}

export async function xmppServerHealthy(options: XmppFuzzOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  const canary = await runCanary(executeOptions(options));
  return canary.state === 'ok' ? { ok: true } : { ok: false, message: canary.message };
}

export function replayXmppCase(steps: readonly ReplayStep[], options: XmppFuzzOptions): Promise<CaseOutcome> {
  return executeCase(stepsFromReplay(steps), executeOptions(options));
}

/** The account of an accounts file (`name:password` lines): its first one. */
export function accountFromFile(file: string): FuzzAccount {
  const first = readAccountsFile(file)[0];
  if (first === undefined) throw new InputError(`the accounts file ${file} lists no account`);
  return { username: first.username, password: first.password };
}

/** Registers a fresh account in-band (XEP-0077) for the fuzz; throws TargetUnreachableError when the server refuses. */
export async function registerFuzzAccount(settings: StreamSettings, timeoutMs: number): Promise<FuzzAccount> {
  const account = { username: `cb-fuzz-${randomBytes(5).toString('hex')}`, password: randomBytes(12).toString('hex') };
  const stream = new XmppStream(settings, new WireCounter());
  await stream.open({ ...account, register: true }, { resource: 'register', timeoutMs });
  await stream.end(1_000);
  return account;
}

export type { XmppFuzzStep };
