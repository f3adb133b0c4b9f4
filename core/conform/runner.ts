/**
 * Runs conformance cases: each with its own context (ids, topics, deadline, cleanup), several
 * at a time, and turns what each case recorded into a CaseVerdict. Protocol-neutral: the
 * protocol's suite supplies the cases, a context factory and the capability check.
 */
import { sectionOf } from './statements.js';
import { CaseSkipped, CaseStopped, type CaseContext, type Choice, type ConformCase, type Evidence, type Failure, type SpecVersion } from './case.js';
import type { CaseVerdict } from '../result/conform.js';

const DEFAULT_TIMEOUT_MS = 5_000;
/** How long cleanups may take after a case, whatever happened in it. */
const CLEANUP_TIMEOUT_MS = 3_000;

/** What the protocol's suite gives the runner. */
export interface SuiteBinding<C extends CaseContext> {
  /** Why `c` cannot run on this server in `version` (a capability it lacks), or undefined. */
  unmet(c: ConformCase<C>, version: SpecVersion): string | undefined;
  /** The protocol-specific context, built on the neutral one. */
  context(base: CaseContext): C;
}

export interface RunCasesOptions {
  runId: string;
  /** Cases running at once; default 8. */
  concurrency?: number;
  /** Called as each case finishes (progress). */
  onVerdict?: (v: CaseVerdict) => void;
  signal?: AbortSignal;
}

export interface Planned<C extends CaseContext> {
  case: ConformCase<C>;
  version: SpecVersion;
}

/** Runs every planned case, `concurrency` at a time; verdicts come back in plan order. */
export async function runCases<C extends CaseContext>(plan: readonly Planned<C>[], binding: SuiteBinding<C>, options: RunCasesOptions): Promise<CaseVerdict[]> {
  const verdicts: CaseVerdict[] = new Array(plan.length);
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = nextIndex++;
      const item = plan[index];
      if (item === undefined) return;
      const verdict = options.signal?.aborted
        ? base(item, 'skip', 'the run was interrupted before this case started', 0)
        : await runOne(item, binding, options.runId, index);
      verdicts[index] = verdict;
      options.onVerdict?.(verdict);
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency ?? 8, plan.length) }, () => worker());
  await Promise.all(workers);
  return verdicts;
}

function base<C extends CaseContext>(item: Planned<C>, verdict: CaseVerdict['verdict'], reason: string | null, durationMs: number): CaseVerdict {
  const statements = [...(item.case.statements[item.version] ?? [])];
  return {
    id: item.case.id,
    title: item.case.title,
    version: item.version,
    layer: item.case.layer,
    section: statements[0] !== undefined ? sectionOf(statements[0]) : '',
    statements,
    verdict,
    reason,
    failures: [],
    choices: [],
    evidence: [],
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
}

async function runOne<C extends CaseContext>(item: Planned<C>, binding: SuiteBinding<C>, runId: string, index: number): Promise<CaseVerdict> {
  const started = performance.now();
  const unmet = binding.unmet(item.case, item.version);
  if (unmet !== undefined) return base(item, 'skip', unmet, 0);

  const failures: Failure[] = [];
  const choices: Choice[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const evidence: { connection: string; read: () => Evidence['exchanges'] }[] = [];
  const timeoutMs = item.case.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = new AbortController();
  const caseKey = `${item.case.id}-${item.version}`.replace(/[^A-Za-z0-9_-]/g, '_');
  let clientIds = 0;

  const check = (statement: string, ok: boolean, expected: string, observed: string): boolean => {
    if (!ok && !deadline.signal.aborted) failures.push({ statement, expected, observed });
    return ok;
  };
  const neutral: CaseContext = {
    version: item.version,
    runId,
    caseId: item.case.id,
    signal: deadline.signal,
    clientId: (suffix) => clientIdFor(runId, index, ++clientIds, suffix),
    topic: (suffix) => `chatbench/${runId}/${caseKey}/${suffix}`,
    check,
    require(statement, ok, expected, observed) {
      if (!check(statement, ok, expected, observed)) throw new CaseStopped();
    },
    chose: (statement, behaviour) => void choices.push({ statement, behaviour }),
    skip(reason): never {
      throw new CaseSkipped(reason);
    },
    cleanup: (fn) => void cleanups.push(fn),
    evidence: (connection, read) => void evidence.push({ connection, read }),
  };

  let verdict: CaseVerdict['verdict'] = 'pass';
  let reason: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      deadline.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([item.case.run(binding.context(neutral)).then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') {
      verdict = 'timeout';
      reason = `chatbench stopped waiting after ${timeoutMs} ms (the case had not finished; not a verdict on the server)`;
    }
  } catch (err) {
    if (err instanceof CaseSkipped) {
      verdict = 'skip';
      reason = err.reason;
    } else if (!(err instanceof CaseStopped)) {
      verdict = 'error';
      reason = `chatbench could not complete the case: ${err instanceof Error ? err.message : String(err)}`;
    }
  } finally {
    clearTimeout(timer);
    deadline.abort();
  }
  await runCleanups(cleanups);
  if (failures.length > 0 && verdict !== 'skip') {
    verdict = 'fail';
    reason = null;
  } else if (verdict === 'skip') {
    failures.length = 0;
  }
  const result = base(item, verdict, reason, performance.now() - started);
  result.failures = failures;
  result.choices = choices;
  if (verdict === 'fail' || verdict === 'timeout' || verdict === 'error') {
    result.evidence = evidence.map((e) => ({ connection: e.connection, exchanges: e.read() })).filter((e) => e.exchanges.length > 0);
  }
  return result;
}

async function runCleanups(cleanups: (() => Promise<void> | void)[]): Promise<void> {
  for (const fn of cleanups.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLEANUP_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.resolve().then(fn), limit]);
    } catch {
      // A cleanup that fails leaves the server as the case left it; the verdict stands.
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A client id unique to the run, the case and the call, at most 23 characters: the length
 * every server must accept [MQTT-3.1.3-5]. The run's last 6 characters, the case's index and
 * the call's number make it unique; the suffix, shortened to fit, helps a reader of the logs.
 */
export function clientIdFor(runId: string, caseIndex: number, n: number, suffix: string): string {
  const head = `cb${runId.replace(/[^A-Za-z0-9]/g, '').slice(-6)}${caseIndex.toString(36)}x${n.toString(36)}`;
  return `${head}${suffix.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 23);
}
