/**
 * A real prosody (Debian's 0.12) for tests: started in the foreground on free loopback ports
 * (plain c2s with STARTTLS offered, and direct TLS) with a config generated in a fresh temp
 * folder from fixtures/prosody/prosody.cfg.lua, users written straight into its data folder,
 * stopped by its PID, folder removed.
 *
 *   const p = await startProsody({ users: 4 });
 *   ... xmpp://127.0.0.1:${p.port}, domain "localhost", p.users[0].password ...
 *   await p.stop();
 *
 * Users are files, not `prosodyctl register` calls: each of those starts a Lua VM (~0.3 s),
 * while internal_plain's store is one `accounts/<name>.dat` Lua table per user.
 */
import { describeRequiring, executable, type Requirement } from './requires.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, waitForPort } from './ports.js';
import { makeTestCertificates } from './tls.js';

const TEMPLATE = fileURLToPath(new URL('../../fixtures/prosody/prosody.cfg.lua', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_KEEP = 16_384;
export const PROSODY_DOMAIN = 'localhost';
export const PROSODY_MUC = 'conference.localhost';

export interface ProsodyUser {
  /** Local part of the JID ("user1"): the account is user1@localhost. */
  username: string;
  password: string;
}

export interface Prosody {
  /** Plain c2s port on 127.0.0.1 (STARTTLS offered, not required). */
  port: number;
  /** Direct-TLS c2s port (xmpps://), certificate signed by caFile for 127.0.0.1 / localhost (unused when tls: false). */
  tlsPort: number;
  caFile: string;
  users: ProsodyUser[];
  /** A file of `name:password` lines holding every user (chatbench's `accounts: { file }`). */
  usersFile: string;
  pid: number;
  /** Account names stored on disk now (those written at start plus any registered in-band). */
  accounts(): Promise<string[]>;
  /** What prosody logged so far (the last few KiB). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface ProsodyOptions {
  /** How many accounts to create (user1…userN); 2 by default. */
  users?: number;
  /**
   * false: no certificate, so no STARTTLS offered and no direct-TLS port (a bare
   * `--target xmpp://…` then logs in over plain TCP); true by default.
   */
  tls?: boolean;
  /** "debug" to see every stanza in log(); "info" by default. */
  logLevel?: 'debug' | 'info';
}

function findProgram(name: string): string | undefined {
  const dirs = ['/usr/bin', '/usr/sbin', ...(process.env.PATH ?? '').split(delimiter)];
  return dirs.filter(Boolean).map((dir) => join(dir, name)).find(executable);
}

/** prosody: $CHATBENCH_PROSODY when set (only that one), else /usr/bin (Debian) or PATH. */
export function prosodyBinary(): string | undefined {
  const chosen = process.env.CHATBENCH_PROSODY;
  if (chosen) return executable(chosen) ? chosen : undefined;
  return findProgram('prosody');
}

export const prosodyRequirement: Requirement = {
  program: 'prosody',
  available: prosodyBinary() !== undefined,
  install: 'apt-get install -y prosody, or set CHATBENCH_PROSODY',
};

export function describeWithProsody(name: string, body: () => void): void {
  describeRequiring(prosodyRequirement, name, body);
}

/** Lua string literal (prosody's data files are Lua tables). */
function lua(text: string): string {
  return JSON.stringify(text);
}

/** One internal_plain account file, as prosodyctl register would write it. */
async function writeAccount(dataDir: string, user: ProsodyUser): Promise<void> {
  if (!/^[a-z0-9_-]+$/.test(user.username)) throw new Error(`test user name ${user.username}: keep to [a-z0-9_-] (prosody encodes the rest)`);
  await writeFile(join(dataDir, PROSODY_DOMAIN, 'accounts', `${user.username}.dat`), `return {\n\t["password"] = ${lua(user.password)};\n};\n`, { mode: 0o600 });
}

export async function startProsody(opts: ProsodyOptions = {}): Promise<Prosody> {
  const bin = prosodyBinary();
  if (!bin) throw new Error(`prosody cannot be started here (${prosodyRequirement.install})`);
  const dir = await mkdtemp(join(tmpdir(), 'chatbench-prosody-'));
  try {
    const [port = 0, tlsPort = 0] = await freePorts(2);
    const certs = await makeTestCertificates(join(dir, 'tls'));
    const dataDir = join(dir, 'data');
    await mkdir(join(dataDir, PROSODY_DOMAIN, 'accounts'), { recursive: true });
    const users = Array.from({ length: opts.users ?? 2 }, (_, i) => ({ username: `user${i + 1}`, password: randomBytes(12).toString('hex') }));
    for (const user of users) await writeAccount(dataDir, user);
    const usersFile = join(dir, 'users');
    await writeFile(usersFile, users.map((u) => `${u.username}:${u.password}\n`).join(''), { mode: 0o600 });
    const tls = opts.tls ?? true;
    const values: Record<string, string> = {
      DIR: dir, C2S_PORT: String(port), TLS_PORTS: tls ? String(tlsPort) : '', LOG: opts.logLevel ?? 'info',
      // Without mod_tls prosody offers no STARTTLS (it would offer it with no certificate, then fail the handshake).
      TLS_MODULE: tls ? '"tls";' : '',
      SSL: tls ? `ssl = { certificate = ${lua(certs.certFile)}; key = ${lua(certs.keyFile)} }` : '-- no certificate: no STARTTLS, no direct TLS',
    };
    const template = await readFile(TEMPLATE, 'utf8');
    const config = template.replace(/\{\{([A-Z_0-9]+)\}\}/g, (match, key: string) => values[key] ?? match);
    const left = /\{\{[A-Z_0-9]+\}\}/.exec(config);
    if (left) throw new Error(`fixtures/prosody/prosody.cfg.lua: no value for ${left[0]}`);
    const configFile = join(dir, 'prosody.cfg.lua');
    await writeFile(configFile, config);

    const child = spawn(bin, ['--config', configFile, '-F'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: string): void => {
      output = (output + chunk).slice(-OUTPUT_KEEP);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(`prosody exited (${signal ?? `code ${code}`})`));
      child.once('error', (err) => resolve(`prosody did not start: ${err.message}`));
    });
    const log = async (): Promise<string> => {
      const file = await readFile(join(dir, 'prosody.log'), 'utf8').catch(() => '');
      return (output + file).slice(-OUTPUT_KEEP);
    };
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const killer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    const ready = Promise.all((tls ? [port, tlsPort] : [port]).map((p) => waitForPort(p, START_TIMEOUT_MS))).then(
      () => 'ready',
      (err: Error) => `prosody not ready: ${err.message}`,
    );
    const outcome = await Promise.race([ready, exited]);
    if (outcome !== 'ready' || child.pid === undefined) {
      const seen = await log();
      await stop();
      throw new Error(`${outcome}; output:\n${seen}`);
    }
    const accounts = async (): Promise<string[]> =>
      (await readdir(join(dataDir, PROSODY_DOMAIN, 'accounts')).catch(() => [] as string[])).map((f) => decodeURIComponent(f.replace(/\.dat$/, '').replace(/%(?![0-9a-f]{2})/gi, '%25')));
    return { port, tlsPort, caFile: certs.caFile, users, usersFile, pid: child.pid, accounts, log, stop };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
