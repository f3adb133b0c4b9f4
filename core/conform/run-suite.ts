/**
 * A conformance run, protocol-neutral: the selected cases of each version against one target,
 * one version after the other, assembled into a `kind: "conform"` result — capabilities and
 * coverage per version, one verdict per case and version, totals, and the differences from the
 * committed expectations when there are any. `chatbench conform` is a thin shell over this.
 *
 * An unreachable target or an interrupt stops the run; what was measured is kept and
 * `aborted` says why. Nothing measured at all and unreachable: the error is thrown (exit 3).
 */
import { cpus } from 'node:os';
import { TargetUnreachableError } from '../errors.js';
import { RESULT_SCHEMA_VERSION, type Aborted, type CaseVerdict, type ConformResult, type Target } from '../result/index.js';
import type { TargetSpec } from '../scenario/types.js';
import type { SpecVersion } from './case.js';
import { differencesFrom, type Expectations } from './expect.js';
import type { CapabilityValue, CaseInfo, RunnableSuite } from './suite.js';
import { coverageByVersion } from './tally.js';

export interface ConformRunOptions {
  suite: RunnableSuite;
  target: TargetSpec;
  /** How the result names the target: URL already redacted, embedded or not, TCP_NODELAY. */
  targetInfo: Pick<Target, 'url' | 'embedded' | 'tcpNoDelay'>;
  versions: readonly SpecVersion[];
  select: (c: CaseInfo) => boolean;
  /** As given on the command line, for the result; null for every case. */
  casePattern: string | null;
  profile: unknown;
  profileFile: string | null;
  expect?: { file: string; expectations: Expectations } | undefined;
  toolVersion: string;
  runId: string;
  concurrency?: number | undefined;
  /** Aborted: no case starts any more; the versions not begun are not run. */
  signal?: AbortSignal | undefined;
  /** Called before each version starts (progress). */
  onVersion?: (version: SpecVersion, planned: number) => void;
  onVerdict?: (v: CaseVerdict) => void;
}

export async function runConformance(options: ConformRunOptions): Promise<ConformResult> {
  const { suite, versions } = options;
  const startedAt = new Date().toISOString();
  const capabilities: Record<SpecVersion, Record<string, CapabilityValue>> = {};
  const cases: CaseVerdict[] = [];
  let aborted: Aborted | null = null;
  for (const version of versions) {
    if (options.signal?.aborted) break;
    const planned = suite.cases.filter((c) => c.statements[version] !== undefined && options.select(c)).length;
    options.onVersion?.(version, planned);
    try {
      const ran = await suite.run(options.target, version, options.profile, options.select, {
        runId: options.runId,
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.onVerdict !== undefined ? { onVerdict: options.onVerdict } : {}),
      });
      capabilities[version] = ran.capabilities;
      cases.push(...ran.verdicts);
    } catch (error) {
      if (!(error instanceof TargetUnreachableError) || cases.length === 0) throw error;
      aborted = { scenario: null, cause: 'unreachable', message: `${error.message} (preparing ${version}; the versions before it are kept)` };
      break;
    }
  }
  if (aborted === null && options.signal?.aborted) {
    const reason = options.signal.reason;
    aborted = {
      scenario: null,
      cause: 'signal',
      message: `stopped by ${typeof reason === 'string' ? reason : 'a signal'}: cases not started are skipped, versions not begun are left out`,
    };
  }
  const totals = { pass: 0, fail: 0, skip: 0, timeout: 0, error: 0 };
  for (const c of cases) totals[c.verdict] += 1;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'conform',
    tool: { name: 'chatbench', version: options.toolVersion },
    runId: options.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    aborted,
    target: { ...options.targetInfo, protocol: suite.protocol, protocolVersion: versions.join(', ') },
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
    versions: [...versions],
    casePattern: options.casePattern,
    profileFile: options.profileFile,
    capabilities,
    // What the suite covers of each version asked for, whatever --case selected.
    coverage: coverageByVersion(suite, versions),
    cases,
    totals,
    expectation: options.expect === undefined ? null : { file: options.expect.file, differences: differencesFrom(options.expect.expectations, cases) },
  };
}
