/**
 * A protocol's conformance suite as `chatbench conform` sees it: its spec versions and their
 * statement manifests, its cases, how to read its profile file, and how to prepare one version
 * against a target (discover what the server offers, bind the cases' context). The suites
 * register in suites/index.ts; the command names no protocol.
 */
import type { z } from 'zod';
import type { TargetSpec } from '../scenario/types.js';
import type { CaseContext, ConformCase, SpecVersion } from './case.js';
import type { CaseVerdict } from '../result/conform.js';
import { runCases, type Planned, type RunCasesOptions, type SuiteBinding } from './runner.js';
import type { StatementManifest } from './statements.js';

export type CapabilityValue = boolean | number | string | null;

export interface PreparedVersion<C extends CaseContext> {
  /** Set when the server refuses this version outright (every case of it is skipped with this reason). */
  refused?: string;
  /** What the server offers in this version, discovered or declared, by capability name. */
  capabilities: Record<string, CapabilityValue>;
  binding: SuiteBinding<C>;
}

export interface ConformSuite<C extends CaseContext = CaseContext, P = unknown> {
  /** The protocol it checks, as registered in core/target.ts ("mqtt"). */
  protocol: string;
  /** Its spec versions in order ("3.1.1", "5"), each with its manifest. */
  versions: readonly SpecVersion[];
  manifests: Readonly<Record<SpecVersion, StatementManifest>>;
  cases: readonly ConformCase<C>[];
  /** The profile file's schema (what cannot be discovered: credentials, an ACL-denied topic, ...). */
  profile: z.ZodType<P>;
  /** The versions the embedded server speaks. */
  embeddedVersions: readonly SpecVersion[];
  /** What `--version` accepts, mapped to version keys ("5.0" → "5"); undefined for an unknown spelling. */
  parseVersion(text: string): SpecVersion | undefined;
  /**
   * Connects to the target for `version`, reads what the server announces and lays the profile
   * over it. Throws TargetUnreachableError when the target cannot be reached at all.
   */
  prepare(target: TargetSpec, version: SpecVersion, profile: P, runId: string): Promise<PreparedVersion<C>>;
}

/** What the command needs to know of a case without running it. */
export interface CaseInfo {
  id: string;
  title: string;
  layer: 'raw' | 'client';
  statements: Readonly<Record<SpecVersion, readonly string[]>>;
  needs: readonly string[];
}

/** A suite with its context type hidden: what `chatbench conform` and the tally work with. */
export interface RunnableSuite {
  protocol: string;
  versions: readonly SpecVersion[];
  manifests: Readonly<Record<SpecVersion, StatementManifest>>;
  cases: readonly CaseInfo[];
  profile: z.ZodType<unknown>;
  embeddedVersions: readonly SpecVersion[];
  parseVersion(text: string): SpecVersion | undefined;
  /**
   * Prepares `version` against the target and runs the selected cases of it. When the server
   * refuses the version outright, every selected case is a skip with that reason.
   */
  run(target: TargetSpec, version: SpecVersion, profile: unknown, select: (c: CaseInfo) => boolean, options: RunCasesOptions): Promise<{ capabilities: Record<string, CapabilityValue>; verdicts: CaseVerdict[] }>;
}

/** Hides a suite's context and profile types behind RunnableSuite (they never leave the suite). */
export function runnable<C extends CaseContext, P>(suite: ConformSuite<C, P>): RunnableSuite {
  const info = (c: ConformCase<C>): CaseInfo => ({ id: c.id, title: c.title, layer: c.layer, statements: c.statements, needs: c.needs ?? [] });
  return {
    protocol: suite.protocol,
    versions: suite.versions,
    manifests: suite.manifests,
    cases: suite.cases.map(info),
    profile: suite.profile as z.ZodType<unknown>,
    embeddedVersions: suite.embeddedVersions,
    parseVersion: (text) => suite.parseVersion(text),
    async run(target, version, profile, select, options) {
      const prepared = await suite.prepare(target, version, profile as P, options.runId);
      const plan: Planned<C>[] = suite.cases.filter((c) => c.statements[version] !== undefined && select(info(c))).map((c) => ({ case: c, version }));
      const refused = prepared.refused;
      const binding: SuiteBinding<C> = refused === undefined ? prepared.binding : { unmet: () => refused, context: prepared.binding.context };
      const verdicts = await runCases(plan, binding, options);
      return { capabilities: refused === undefined ? prepared.capabilities : {}, verdicts };
    },
  };
}
