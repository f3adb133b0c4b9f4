/**
 * Runs MQTT conformance cases in-process against a target URL, for the suites' own tests:
 *
 *   const verdicts = await conformCases(url, '3.1.1', (c) => c.id.startsWith('connect.'));
 */
import { targetFromUrl } from '../../core/target.js';
import type { CaseInfo } from '../../core/conform/suite.js';
import type { CaseVerdict } from '../../core/result/conform.js';
import '../../runners/index.js';
import { suiteFor } from '../../suites/index.js';

/** Calls so far: two runs started in the same millisecond still get different run ids (and client ids). */
let runs = 0;

export async function conformCases(url: string, version: '3.1.1' | '5', select: (c: CaseInfo) => boolean, profile: Record<string, unknown> = {}): Promise<{ verdicts: CaseVerdict[]; capabilities: Record<string, unknown> }> {
  const suite = suiteFor('mqtt');
  if (suite === undefined) throw new Error('no MQTT suite');
  return suite.run(targetFromUrl(url, { mqttVersion: version === '5' ? '5.0' : '3.1.1' }), version, suite.profile.parse(profile), select, { runId: `t${Date.now().toString(36)}${(++runs).toString(36)}` });
}

/** "connect.second-connect@5: fail (MQTT-3.1.0-2: …)": one line per verdict, for assertion messages. */
export function describeVerdicts(verdicts: readonly CaseVerdict[]): string {
  return verdicts
    .map((v) => `${v.id}@${v.version}: ${v.verdict}${v.reason ? ` (${v.reason})` : ''}${v.failures.map((f) => `\n   ${f.statement}: expected ${f.expected}; observed ${f.observed}`).join('')}`)
    .join('\n');
}
