/**
 * Statement manifests: every normative statement of a protocol specification, as the
 * conformance suites count them. A manifest lives with its suite (suites/<protocol>-<version>/
 * statements.ts) and says of each statement what it requires, of whom, and whether a server
 * can be checked for it from the outside. Which cases test a statement is not written here:
 * it is read from the cases' tags (tally.ts), so the two cannot drift apart.
 */

/** The keyword of the statement (RFC 2119 as the specs use it). */
export type Level = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'MAY';

/** Whom the statement binds. */
export type Binds = 'server' | 'client' | 'both';

/**
 * Whether the statement can be checked against a server from outside it:
 * - 'server': observable on the wire (a case should test it);
 * - 'client-only': it binds only clients, nothing for a server to do;
 * - 'untestable': it binds the server but cannot be observed from outside (`reason` says why).
 */
export type StatementStatus = { kind: 'server' } | { kind: 'client-only' } | { kind: 'untestable'; reason: string };

export interface Statement {
  /** As the spec writes it, without brackets: "MQTT-3.1.0-1". */
  id: string;
  level: Level;
  binds: Binds;
  /** One line in chatbench's own words. */
  summary: string;
  status: StatementStatus;
}

export interface StatementManifest {
  /** The registered protocol name: "mqtt". */
  protocol: string;
  /** The version key results use: "3.1.1", "5". */
  version: string;
  /** The specification's title and date. */
  spec: string;
  statements: readonly Statement[];
}

/** "3.1.2" from "MQTT-3.1.2-4": the spec section a statement sits in. */
export function sectionOf(id: string): string {
  const m = /^[A-Z]+-(\d+(?:\.\d+)*)-\d+$/.exec(id);
  return m?.[1] ?? id;
}
