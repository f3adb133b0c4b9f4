/**
 * A conformance case, protocol-neutral: what it checks (statement IDs per spec version), what
 * it needs from the server (capability names the protocol's suite defines), and a `run` that
 * drives the server through a protocol-specific context `C` (suites/<protocol>/context.ts)
 * extending CaseContext. The runner (runner.ts) gives each case its own ids, topics, timeout
 * and cleanup, and turns what the case recorded into a verdict:
 *
 *   pass     every check held;
 *   fail     a check of a MUST / MUST NOT statement did not (statement, expected, observed);
 *   skip     the case could not apply (a capability the server does not offer; reason given);
 *   timeout  chatbench stopped waiting before the case finished (not a claim about the server);
 *   error    chatbench itself failed (a bug or a local limit; not a claim about the server).
 *
 * For SHOULD / MAY statements a case records the behaviour the server chose (`chose`): reported,
 * never failed.
 */

/** A version key as results use it: "3.1.1", "5". */
export type SpecVersion = string;

export interface ConformCase<C extends CaseContext = CaseContext> {
  /** Unique, stable, kebab-case with a dot-separated area: "connect.second-connect". */
  id: string;
  /** One line saying what is checked. */
  title: string;
  /** 'raw' when built from packets over the raw-packet client, 'client' when through a full client library. */
  layer: 'raw' | 'client';
  /** The statement IDs checked, per version the case runs on; the keys are the versions it runs on. */
  statements: Readonly<Record<SpecVersion, readonly string[]>>;
  /** Capability names the server must offer (the protocol suite's vocabulary); missing → skip with the reason. */
  needs?: readonly string[];
  /** Own deadline; default 5 s. Waits inside a case are on events, never fixed sleeps. */
  timeoutMs?: number;
  run(ctx: C): Promise<void>;
}

/** One statement that did not hold, with the evidence. */
export interface Failure {
  statement: string;
  expected: string;
  observed: string;
}

/** The behaviour a server chose where the spec lets it choose (SHOULD / MAY). */
export interface Choice {
  statement: string;
  behaviour: string;
}

/** What crossed one connection, kept as evidence for a failing case. */
export interface Evidence {
  connection: string;
  exchanges: { dir: 'sent' | 'received'; atMs: number; hex: string }[];
}

/** Thrown by `ctx.skip`: the case does not apply to this server. */
export class CaseSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CaseSkipped';
  }
}

/** Thrown by `ctx.require` when a check fails and the rest of the case cannot go on. */
export class CaseStopped extends Error {
  constructor() {
    super('case stopped after a failed check');
    this.name = 'CaseStopped';
  }
}

/** What every case gets, whatever the protocol. */
export interface CaseContext {
  /** The version this run of the case is for ("3.1.1", "5"). */
  readonly version: SpecVersion;
  readonly runId: string;
  readonly caseId: string;
  /** Aborted when the case's deadline passes: long waits should watch it. */
  readonly signal: AbortSignal;
  /** A name unique to this case and run, for client ids: "cb-<runId>-<n>-<suffix>". */
  clientId(suffix: string): string;
  /** A topic under chatbench/<runId>/<caseId>/<suffix>: nothing outside the case sees or touches it. */
  topic(suffix: string): string;
  /** Records a check of `statement`; a false `ok` fails the case (the case goes on). */
  check(statement: string, ok: boolean, expected: string, observed: string): boolean;
  /** Like check, but stops the case when it fails (later steps depend on it). */
  require(statement: string, ok: boolean, expected: string, observed: string): void;
  /** Records the behaviour chosen for a SHOULD / MAY statement. */
  chose(statement: string, behaviour: string): void;
  /** Ends the case as skipped, with the reason. */
  skip(reason: string): never;
  /** Runs after the case, pass or fail, newest first (close connections, clear retained messages). */
  cleanup(fn: () => Promise<void> | void): void;
  /** Registers a source of evidence (a raw connection's transcript), read if the case fails. */
  evidence(connection: string, read: () => Evidence['exchanges']): void;
}
