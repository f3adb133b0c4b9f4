/**
 * A real ejabberd (Debian's 23.01: XMPP and MQTT 3.1.1/5.0 through mod_mqtt) for tests:
 * started on free loopback ports with a config generated in a fresh temp folder from
 * fixtures/ejabberd/, stopped by its PID, folder removed.
 *
 *   const e = await startEjabberd({ users: 2 });
 *   ... mqtt.connect(e.mqttUrl, { username: e.users[0].username, password: ... }) ...
 *   await e.stop();
 *
 * How it is run, and why (fixtures/ejabberd/NOTES.md has the details):
 * - ejabberdctl only runs as root (it then switches to user "ejabberd" with `su`, which puts
 *   the VM in a session of its own) or as user "ejabberd". As root we spawn it directly as
 *   user "ejabberd", so the Erlang VM stays our child's child, in our process group.
 * - /etc/ejabberd/ejabberdctl.cfg would win over --config, so a generated ejabberdctl.cfg is
 *   passed with --ctl-config; it pins the Erlang distribution to a free port on 127.0.0.1
 *   (ERL_DIST_PORT), which makes ejabberdctl skip epmd: no epmd daemon is left running.
 * - Users are a fixed list checked by fixtures/ejabberd/extauth.escript: nothing to register.
 */
import { describeRequiring, executable, type Requirement } from './requires.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/ejabberd/', import.meta.url));
/** Measured here: ~2 s from spawn to accepting connections on an idle machine; CI shares 2 cores. */
const START_TIMEOUT_MS = 30_000;
/** A graceful stop (SIGTERM → init:stop) took ~2.5 s here. */
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_KEEP = 16_384;
const DEFAULT_USERS = 2;
const HOST = 'localhost';

export interface EjabberdUser {
  /** "name@localhost": mod_mqtt takes the MQTT user name as a JID. */
  username: string;
  password: string;
}

export interface Ejabberd {
  /** mqtt://127.0.0.1:PORT (mod_mqtt, MQTT 3.1.1 and 5.0). */
  mqttUrl: string;
  /** XMPP client-to-server port on 127.0.0.1 (no TLS; SASL PLAIN with the same users). */
  xmppPort: number;
  users: EjabberdUser[];
  /** The Erlang VM's PID (from ejabberd's pid file). */
  pid: number;
  /** What ejabberd wrote to stdout and stderr so far (the last few KiB). */
  log(): string;
  stop(): Promise<void>;
}

export type MqttOptionValue = string | number | boolean;

/**
 * mod_mqtt options, generous for tests: no per-session queue limit (5,000 by default, beyond
 * which a slow subscriber is disconnected), a day of session expiry (the server grants
 * min(asked, this)), topics of any depth (8 levels by default), every topic alias and every
 * retained match. Refused by 23.01 (ejabberd does not start): `session_expiry: infinity`
 * (seconds or 0 only) and `max_topic_aliases` above 65535. There is no option for shared
 * subscriptions: mod_mqtt has none (CONNACK says Shared Subscription Available = 0).
 */
const DEFAULT_MQTT_OPTIONS: Readonly<Record<string, MqttOptionValue>> = {
  max_queue: 'unlimited',
  session_expiry: 86_400,
  max_topic_depth: 'infinity',
  max_topic_aliases: 65_535,
  match_retained_limit: 'infinity',
};

export interface EjabberdOptions {
  /** How many accounts to create ("user1@localhost", …); 2 by default. */
  users?: number;
  /** mod_mqtt options over the defaults above, e.g. `{ session_expiry: 0, max_queue: 10 }`. */
  mqtt?: Record<string, MqttOptionValue>;
}

function findProgram(name: string, dirs: readonly string[]): string | undefined {
  const all = [...dirs, ...(process.env.PATH ?? '').split(delimiter)];
  return all.filter(Boolean).map((dir) => join(dir, name)).find(executable);
}

/** ejabberdctl: $CHATBENCH_EJABBERDCTL when set (only that one), else /usr/sbin (Debian) or PATH. */
export function ejabberdctlBinary(): string | undefined {
  const chosen = process.env.CHATBENCH_EJABBERDCTL;
  if (chosen) return executable(chosen) ? chosen : undefined;
  return findProgram('ejabberdctl', ['/usr/sbin', '/usr/local/sbin']);
}

interface Account {
  uid: number;
  gid: number;
}

/** The "ejabberd" system account from /etc/passwd, if there is one. */
function ejabberdAccount(): Account | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  const fields = passwd.split('\n').map((line) => line.split(':')).find((f) => f[0] === 'ejabberd');
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  return fields && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/**
 * Whom to run ejabberdctl as: undefined = as we are (we are user "ejabberd"); an account =
 * switch to it at spawn (we are root); null = ejabberdctl would refuse us.
 */
function runAs(): Account | undefined | null {
  const account = ejabberdAccount();
  if (!account || process.getuid === undefined) return null;
  const uid = process.getuid();
  if (uid === 0) return account;
  return uid === account.uid ? undefined : null;
}

export const ejabberdRequirement: Requirement = {
  program: 'ejabberd',
  available: ejabberdctlBinary() !== undefined && findProgram('escript', ['/usr/bin']) !== undefined && runAs() !== null,
  install: 'apt-get install -y ejabberd, and run the tests as root or as user ejabberd',
};

/** describe() when ejabberd can be started here; skipped with the reason elsewhere, failing under CI=true. */
export function describeWithEjabberd(name: string, body: () => void): void {
  describeRequiring(ejabberdRequirement, name, body);
}

/** A fixture with its {{NAME}} placeholders filled in; a placeholder left over is a bug here. */
async function fillTemplate(file: string, values: Record<string, string>): Promise<string> {
  const text = await readFile(join(FIXTURES, file), 'utf8');
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (match, key: string) => values[key] ?? match);
  const left = /\{\{[A-Z_]+\}\}/.exec(filled);
  if (left) throw new Error(`fixtures/ejabberd/${file}: no value for ${left[0]}`);
  return filled;
}

/** mod_mqtt's option lines (YAML, indented under `mod_mqtt:`); values as JSON, which YAML reads. */
function mqttOptionLines(overrides: Record<string, MqttOptionValue> = {}): string {
  const options = { ...DEFAULT_MQTT_OPTIONS, ...overrides };
  return Object.entries(options).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`).join('\n');
}

function makeUsers(count: number): EjabberdUser[] {
  return Array.from({ length: count }, (_, i) => ({
    username: `user${i + 1}@${HOST}`,
    password: randomBytes(12).toString('hex'),
  }));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

export async function startEjabberd(opts: EjabberdOptions = {}): Promise<Ejabberd> {
  const bin = ejabberdctlBinary();
  const escript = findProgram('escript', ['/usr/bin']);
  const account = runAs();
  if (!bin || !escript || account === null) throw new Error(`ejabberd cannot be started here (${ejabberdRequirement.install})`);
  const dir = await mkdtemp(join(tmpdir(), 'chatbench-ejabberd-'));
  // ejabberd spawns extauth_program with open_port({spawn, ...}), which splits on spaces.
  if (/\s/.test(dir)) throw new Error(`temp folder ${dir} has a space; ejabberd cannot run programs from it`);
  try {
    const users = makeUsers(opts.users ?? DEFAULT_USERS);
    const [mqttPort = 0, xmppPort = 0, distPort = 0] = await freePorts(3);
    const usersFile = join(dir, 'users');
    const extauth = join(dir, 'extauth.escript');
    await copyFile(join(FIXTURES, 'extauth.escript'), extauth);
    await copyFile(join(FIXTURES, 'inetrc'), join(dir, 'inetrc'));
    await writeFile(usersFile, users.map((u) => `${u.username.split('@')[0]}:${u.password}\n`).join(''), { mode: 0o600 });
    const yml = await fillTemplate('ejabberd.yml', {
      EXTAUTH: `${escript} ${extauth} ${usersFile}`,
      MQTT_PORT: String(mqttPort),
      XMPP_PORT: String(xmppPort),
      MQTT_OPTIONS: mqttOptionLines(opts.mqtt),
    });
    await writeFile(join(dir, 'ejabberd.yml'), yml);
    const ctl = await fillTemplate('ejabberdctl.cfg', {
      CONFIG_DIR: dir,
      NODE: `chatbench${mqttPort}`,
      DIST_PORT: String(distPort),
      COOKIE: randomBytes(16).toString('hex'),
    });
    await writeFile(join(dir, 'ejabberdctl.cfg'), ctl);
    const spool = join(dir, 'db');
    const logs = join(dir, 'log');
    await mkdir(spool);
    await mkdir(logs);
    if (account) {
      for (const name of ['', 'db', 'log', 'users', 'extauth.escript', 'inetrc', 'ejabberd.yml', 'ejabberdctl.cfg']) {
        await chown(join(dir, name), account.uid, account.gid);
      }
    }

    const args = ['--config-dir', dir, '--ctl-config', join(dir, 'ejabberdctl.cfg'), '--spool', spool, '--logs', logs, 'foreground'];
    // detached: a process group of its own, so whatever the VM leaves can be found by that id.
    // HOME is the temp folder: the VM writes nothing into the ejabberd account's home.
    const child = spawn(bin, args, {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, LANG: 'C.UTF-8' },
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    let output = '';
    // A connect() succeeds as soon as a listener socket exists, while ejabberd is still creating
    // its tables; it only serves (and only survives a SIGTERM: mnesia crashes and hangs when
    // stopped mid-start) once it logs that each listener accepts connections.
    const awaited = new Set([mqttPort, xmppPort].map((p) => `Start accepting TCP connections at 127.0.0.1:${p} `));
    let listening = (): void => {};
    const allListening = new Promise<string>((resolve) => {
      listening = () => resolve('ready');
    });
    const keep = (chunk: string): void => {
      output = (output + chunk).slice(-OUTPUT_KEEP);
      for (const line of awaited) if (output.includes(line)) awaited.delete(line);
      if (awaited.size === 0) listening();
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(`ejabberd exited (${signal ?? `code ${code}`})`));
      child.once('error', (err) => resolve(`ejabberd did not start: ${err.message}`));
    });
    const pgid = child.pid;

    const stop = async (): Promise<void> => {
      if (pgid !== undefined && child.exitCode === null && child.signalCode === null) {
        // SIGTERM to the VM itself (a graceful init:stop); ejabberdctl's shell waits for it and
        // then exits, so our child's exit means the VM is gone and reaped. Without a pid file yet
        // (stopped mid-start), the whole group.
        const vm = await readPid(dir);
        if (vm !== undefined) {
          try {
            process.kill(vm, 'SIGTERM');
          } catch {
            signalGroup(pgid, 'SIGTERM');
          }
        } else {
          signalGroup(pgid, 'SIGTERM');
        }
        const killer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killer);
      }
      // Ports (extauth, image helpers) die with the VM; anything of the group still there is ours.
      if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    };

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`ejabberd not listening after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    });
    const outcome = await Promise.race([allListening, exited, timedOut]);
    clearTimeout(timer);
    const pid = outcome === 'ready' ? await readPid(dir) : undefined;
    if (outcome !== 'ready' || pid === undefined) {
      await stop();
      throw new Error(`${outcome === 'ready' ? 'ejabberd wrote no pid file' : outcome}; output:\n${output}`);
    }
    return {
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      xmppPort,
      users,
      pid,
      log: () => output,
      stop,
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The VM's PID from EJABBERD_PID_PATH (set in the generated ejabberdctl.cfg). */
async function readPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(dir, 'ejabberd.pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
