/**
 * `chatbench conform`: flags -> target, versions, cases, profile, expectations (all checked
 * before any connection) -> the suite of the target's protocol, version by version -> reports,
 * expectations file -> exit code (0 as expected, 1 an unexpected verdict, 2 bad input, 3
 * unreachable or interrupted).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readExpectations, expectationsFrom, renderExpectations, type Expectations } from '../../core/conform/expect.js';
import { readProfileFile } from '../../core/conform/profile-file.js';
import { runConformance } from '../../core/conform/run-suite.js';
import { caseSelector } from '../../core/conform/select.js';
import type { CaseInfo, RunnableSuite } from '../../core/conform/suite.js';
import { newRunId } from '../../core/engine/index.js';
import { InputError } from '../../core/errors.js';
import { protocolName, type ConformResult } from '../../core/result/index.js';
import type { TargetSpec } from '../../core/scenario/types.js';
import { protocolOf, redactTargetUrl } from '../../core/target.js';
import { renderConsole } from '../../reports/index.js';
import { openTarget, schemeList, targetFromUrl } from '../../runners/index.js';
import { SUITES, suiteFor } from '../../suites/index.js';
import { ConformProgress } from '../conform-progress.js';
import { resultExitCode } from '../exit-code.js';
import { prepareOutputFile, writeTextFile } from '../files.js';
import { defineCommand, quietFlag, type ParsedArgs } from '../flags.js';
import type { Output } from '../output.js';
import { createOutputFolders, jsonFlag, OUTPUT_FOLDERS_NOTE, prepareOutputs, REPORT_FLAGS, resultOutputs, writeOutputs } from '../report-files.js';
import { Interrupts } from '../signals.js';
import { toolVersion } from '../version.js';

const MAX_CONCURRENCY = 64;

export const conformCommand = defineCommand({
  name: 'conform',
  summary: "Check a server against its protocol's specification, statement by statement (embedded broker when no target).",
  args: '',
  maxPositionals: 0,
  flags: [
    { name: 'target', short: 't', type: 'string', value: 'URL', description: `server to check: ${schemeList()} URL (credentials in the URL are used, never printed)` },
    { name: 'version', type: 'string', value: 'V', description: 'spec version to check: 3.1.1, 5 or all (default: all with a target; the embedded broker speaks 3.1.1)' },
    { name: 'case', short: 'c', type: 'string', value: 'PATTERN', description: 'only the cases whose id matches: a glob (connect.*, *will*), several separated by commas' },
    { name: 'profile', type: 'string', value: 'FILE', description: 'YAML profile: what the server cannot announce (credentials, an ACL-denied topic, ...)' },
    { name: 'expect', type: 'string', value: 'FILE', description: 'committed verdicts (JSON): exit 1 only when a verdict differs from them' },
    { name: 'write-expect', type: 'string', value: 'FILE', description: "write this run's verdicts as an expectations file (keeps that file's notes)" },
    jsonFlag('write the result JSON here'),
    ...REPORT_FLAGS,
    { name: 'concurrency', type: 'string', value: 'N', description: `cases run at once (default 8, at most ${MAX_CONCURRENCY})` },
    quietFlag('print only the summary'),
  ],
  notes: [
    'Every case waits on events and has its own deadline; a timeout means chatbench stopped waiting,',
    'not that the server failed. Progress: a line per case on a terminal, else a count every few seconds.',
    'Ctrl-C stops starting cases, writes what was checked and exits 3.',
    OUTPUT_FOLDERS_NOTE,
    'Exit codes: 0 every verdict as expected (no fail, timeout or error; with --expect, no difference);',
    '            1 an unexpected verdict; 2 bad input; 3 target unreachable or run interrupted.',
  ],
});

export async function runConform(args: ParsedArgs<typeof conformCommand.flags>, out: Output): Promise<number> {
  const { values } = args;
  const quiet = values.quiet === true;

  // Everything that can be bad input is checked before the target is touched.
  const target = values.target === undefined ? null : targetFromUrl(values.target);
  const protocol = protocolOf(target);
  const suite = protocol === undefined ? undefined : suiteFor(protocol);
  if (suite === undefined) {
    const have = SUITES.map((x) => protocolName(x.protocol)).join(', ');
    throw new InputError(`no conformance suite for ${protocol === undefined ? "the embedded server's protocol" : `${protocolName(protocol)} targets`} yet (chatbench has suites for ${have})`);
  }
  const versions = versionsFor(suite, values.version, target !== null);
  const runnableCases = suite.cases.filter((c) => versions.some((v) => c.statements[v] !== undefined));
  const select = values.case === undefined ? () => true : caseSelector(values.case, runnableCases);
  const concurrency = parseConcurrency(values.concurrency);
  const profile = values.profile === undefined ? suite.profile.parse({}) : await readProfileFile(values.profile, suite.profile);
  const expected = values.expect === undefined ? undefined : { file: values.expect, expectations: await readExpectations(values.expect) };
  const writeExpect = values['write-expect'];
  const outputs = resultOutputs(values, 'conform');
  const inputs = new Map<string, string>();
  if (values.profile !== undefined) inputs.set(values.profile, 'the profile file');
  // --write-expect may replace the --expect file (the way to accept a new verdict); nothing else may.
  if (values.expect !== undefined && (writeExpect === undefined || resolve(writeExpect) !== resolve(values.expect))) inputs.set(values.expect, 'the expectations file');
  await prepareOutputs(outputs, inputs);
  const previous = writeExpect === undefined ? undefined : await previousExpectations(writeExpect, expected);
  if (writeExpect !== undefined) await prepareOutputFile(writeExpect, '--write-expect', { example: 'expectations.json' });
  await createOutputFolders(outputs, out);

  const progress = new ConformProgress(out, quiet ? 'off' : out.interactive ? 'cases' : 'counts');
  const interrupts = new Interrupts({
    say: (line) => out.err(line),
    stopping: 'starting no more cases; the cases running finish and what was checked is kept',
    leftBehind: () => 'no result file was written',
  });
  interrupts.install();
  try {
    const handle = target === null ? await openTarget(null) : undefined;
    let result: ConformResult;
    try {
      const spec: TargetSpec = target ?? targetFromUrl(handle?.info.url ?? '');
      const shown = handle === undefined ? redactTargetUrl(spec.url) : `embedded broker at ${handle.info.url}`;
      if (!quiet) out.err(`chatbench conform: ${shown}, ${suite.protocol.toUpperCase()} ${versions.join(' and ')}`);
      result = await runConformance({
        suite,
        target: spec,
        targetInfo: { url: handle?.info.url ?? redactTargetUrl(spec.url), embedded: handle !== undefined, tcpNoDelay: true },
        versions,
        select,
        casePattern: values.case ?? null,
        profile,
        profileFile: values.profile ?? null,
        expect: expected,
        toolVersion: toolVersion(),
        runId: newRunId(),
        concurrency,
        signal: interrupts.signal,
        onVersion: (v, planned) => progress.version(v, planned, suite.protocol),
        onVerdict: (v) => progress.verdict(v),
      });
      interrupts.measuringFinished();
    } finally {
      await handle?.close();
    }
    out.err(`${quiet ? '' : '\n'}${renderConsole(result, { color: out.color })}`.trimEnd());
    await writeOutputs(outputs, result, out);
    if (writeExpect !== undefined) await writeExpectations(writeExpect, result, suite, previous, out);
    return resultExitCode(result);
  } finally {
    interrupts.uninstall();
  }
}

/** The version keys to run: `all` (or nothing) is every version the server can speak. */
function versionsFor(suite: RunnableSuite, flag: string | undefined, hasTarget: boolean): string[] {
  const available = hasTarget ? suite.versions : suite.embeddedVersions;
  if (flag === undefined || flag === 'all') return [...available];
  const version = suite.parseVersion(flag);
  if (version === undefined) throw new InputError(`--version ${flag}: expected ${[...suite.versions, 'all'].join(', ')}`);
  if (!available.includes(version)) {
    throw new InputError(`--version ${flag} needs a target (--target URL): the embedded broker speaks ${suite.protocol.toUpperCase()} ${suite.embeddedVersions.join(', ')} only`);
  }
  return [version];
}

function parseConcurrency(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new InputError(`--concurrency ${text}: expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

/** The file --write-expect replaces, if it exists (its notes are kept); a broken one is bad input. */
async function previousExpectations(path: string, expected: { file: string; expectations: Expectations } | undefined): Promise<Expectations | undefined> {
  if (expected !== undefined && resolve(expected.file) === resolve(path)) return expected.expectations;
  const exists = await stat(path).then(() => true, () => false);
  return exists ? readExpectations(path) : undefined;
}

async function writeExpectations(path: string, result: ConformResult, suite: RunnableSuite, previous: Expectations | undefined, out: Output): Promise<void> {
  if (result.aborted !== null) {
    out.err(`--write-expect ${path}: not written, the run did not finish (${result.aborted.message})`);
    return;
  }
  const known = new Map<string, CaseInfo>(suite.cases.map((c) => [c.id, c]));
  const { expectations, left } = expectationsFrom(result.cases, {
    broker: result.target.embedded ? 'embedded broker' : result.target.url,
    previous,
    exists: (id, version) => known.get(id)?.statements[version] !== undefined,
  });
  await writeTextFile(path, renderExpectations(expectations));
  out.err(`expectations written to ${path}`);
  for (const v of left) out.err(`  left out ${v.id} (${v.version}): a ${v.verdict} cannot be expected; it will count as a difference`);
}
