/**
 * `npm run baselines [-- --servers mosquitto,ejabberd-mqtt,ejabberd-xmpp,prosody] [--out DIR]
 *  [--no-readme] [--compare-only]`
 *
 * Issue 9 items 6 and 9: the committed baselines and the measured MQTT-vs-XMPP claims, produced
 * by one script on one machine with one set of settings. For every local server (mosquitto,
 * ejabberd over MQTT, ejabberd over XMPP, prosody), one after another:
 *
 *   npx chatbench run scenarios.yaml --start SERVER --protocol P --json DIR/NAME.json --quiet
 *   npx chatbench run fixtures/baselines/claims.yaml --start … --json DIR/claims/NAME.json --quiet
 *
 * then, for each MQTT/XMPP pair (ejabberd with itself, mosquitto with prosody),
 *
 *   npx chatbench compare DIR/claims/MQTT.json DIR/claims/XMPP.json --json DIR/claims-PAIR.json
 *
 * and writes DIR/manifest.json (the commands, their exit codes, the machine, how busy it was
 * before each run) and DIR/claims.md, and rewrites the README's claims block between its markers.
 * The commands are the real CLI as a child process — exactly what the README shows. Before each
 * run the script waits (up to a minute) for the rest of the machine to go quiet.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompareResult, type Claim } from '../core/result/index.js';
import { DEFAULT_PATHS, commandLine, measured, plannedCompares, plannedRuns, type PlanPaths } from './baseline-plan.js';
import { readmeBlock, replaceReadmeBlock, type PairClaims } from './baseline-report.js';
import { LOCAL_TARGETS, pickTargets } from './local-targets.js';
import { waitForQuiet } from './quiet.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'chatbench.js');
/** A run of the claims file takes about a minute and a half; nothing here should take ten. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const QUIET = { maxBusy: 0.15, maxWaitMs: 60_000 };

interface Ran {
  command: string;
  exitCode: number | null;
  seconds: number;
  /** The machine's busy share (0..1) in the second before it started. */
  busyBefore: number | null;
}

/** Runs chatbench from the repository root; its stderr goes to ours (progress, summaries). */
function chatbench(args: readonly string[], signal: AbortSignal): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS);
    // Ctrl-C reaches the child through the terminal; chatbench stops its server by PID itself.
    const onAbort = (): void => { child.kill('SIGINT'); };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(code);
    });
  });
}

async function step(args: readonly string[], signal: AbortSignal): Promise<Ran> {
  const busyBefore = await waitForQuiet({ ...QUIET, signal });
  const command = commandLine(args);
  process.stderr.write(`\n$ ${command}${busyBefore !== null && busyBefore > QUIET.maxBusy ? `   (machine still ${Math.round(busyBefore * 100)} % busy)` : ''}\n`);
  const started = performance.now();
  const exitCode = await chatbench(args, signal);
  return { command, exitCode, seconds: Number(((performance.now() - started) / 1000).toFixed(1)), busyBefore };
}

async function claimsOf(path: string): Promise<readonly Claim[]> {
  const parsed = CompareResult.safeParse(JSON.parse(await readFile(join(ROOT, path), 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a compare result: ${parsed.error.message}`);
  return parsed.data.claims ?? [];
}

function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `a shared ${cpus().length}-core VM (${model}, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}, loopback only — other work ran on the same cores, so treat the figures as this machine's, not the servers' best`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { servers: { type: 'string' }, out: { type: 'string' }, 'no-readme': { type: 'boolean', default: false }, 'compare-only': { type: 'boolean', default: false } },
  });
  const targets = pickTargets(values.servers, LOCAL_TARGETS);
  const paths: PlanPaths = { ...DEFAULT_PATHS, ...(values.out === undefined ? {} : { outDir: values.out }) };
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  await mkdir(join(ROOT, paths.outDir, 'claims'), { recursive: true });

  // --compare-only: the runs of the last measurement stay (their manifest entries too); only the
  // compares, claims.md and the README block are made again — for a change in how claims are read.
  const manifestPath = join(ROOT, paths.outDir, 'manifest.json');
  const kept = values['compare-only'] ? (JSON.parse(await readFile(manifestPath, 'utf8')) as { measuredAt: string; runs: Ran[] }) : null;
  const runs: Ran[] = kept?.runs ?? [];
  for (const planned of kept === null ? plannedRuns(targets, paths) : []) {
    if (abort.signal.aborted) break;
    const ran = await step(planned.args, abort.signal);
    runs.push(ran);
    if (!measured(ran.exitCode)) throw new Error(`${ran.command} exited ${ran.exitCode}: no result to keep (bad input or the server could not be reached)`);
  }
  const compares: Ran[] = [];
  const pairs: PairClaims[] = [];
  for (const planned of plannedCompares(targets, paths)) {
    if (abort.signal.aborted) break;
    const ran = await step(planned.args, abort.signal);
    compares.push(ran);
    // compare exits 1 when the XMPP side is "worse" by its regression rules: expected across protocols.
    if (!measured(ran.exitCode)) throw new Error(`${ran.command} exited ${ran.exitCode}`);
    pairs.push({ pair: planned.pair, claims: await claimsOf(planned.json) });
  }
  if (abort.signal.aborted) throw new Error('interrupted: the results written so far stay, the README was not touched');

  const measuredAtIso = kept?.measuredAt ?? new Date().toISOString();
  const provenance = { measuredAt: measuredAtIso.slice(0, 10), machine: machine(), commands: [...runs, ...compares].map((r) => r.command) };
  await writeFile(manifestPath, `${JSON.stringify({ measuredAt: measuredAtIso, machine: provenance.machine, cpus: cpus().length, runs, compares }, null, 2)}\n`);
  const block = readmeBlock(pairs, provenance);
  await writeFile(join(ROOT, paths.outDir, 'claims.md'), `${block}\n`);
  process.stderr.write(`\nwritten: ${paths.outDir}/*.json, ${paths.outDir}/claims/*.json, ${paths.outDir}/manifest.json, ${paths.outDir}/claims.md\n`);
  if (!values['no-readme'] && pairs.length > 0) {
    const readmePath = join(ROOT, 'README.md');
    const updated = replaceReadmeBlock(await readFile(readmePath, 'utf8'), block);
    if (updated === null) process.stderr.write('README.md has no claims markers: paste claims.md into it by hand\n');
    else {
      await writeFile(readmePath, updated);
      process.stderr.write('README.md: claims block rewritten\n');
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`baselines: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
