/**
 * Debian's ejabberd (23.01: XMPP, and MQTT 3.1.1/5.0 through mod_mqtt, from one server) started
 * on free loopback ports with a config generated in a fresh temp folder from fixtures/ejabberd/,
 * stopped by its PID. fixtures/ejabberd/NOTES.md has the details; in short:
 * - ejabberdctl only runs as root (it then switches to user "ejabberd" with `su`, which puts
 *   the VM in a session of its own) or as user "ejabberd". As root we spawn it directly as
 *   user "ejabberd", so the Erlang VM stays in the process group we started.
 * - /etc/ejabberd/ejabberdctl.cfg would win over --config, so a generated ejabberdctl.cfg is
 *   passed with --ctl-config; it pins the Erlang distribution to a free port on 127.0.0.1
 *   (ERL_DIST_PORT), which makes ejabberdctl skip epmd: no epmd daemon is left running.
 * - Users are a fixed list checked by fixtures/ejabberd/extauth.escript: nothing to register
 *   (one `ejabberdctl register` costs ~1 s), and passwords are really checked.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { accountLines, type LocalAccount } from './accounts.js';
import { freePorts } from './listeners.js';
import { startProcess, type ServerProcess } from './process.js';
import { fillTemplate, findProgram, fixtureDir, notInstalled, type ProgramLookup } from './programs.js';

export const EJABBERDCTL_PROGRAM: ProgramLookup = { name: 'ejabberdctl', dirs: ['/usr/sbin', '/usr/local/sbin'], envVar: 'CHATBENCH_EJABBERDCTL' };
const ESCRIPT_PROGRAM: ProgramLookup = { name: 'escript', dirs: ['/usr/bin'] };
export const EJABBERD_PACKAGE = 'ejabberd';
/** Measured here: ~2 s from spawn to accepting connections on an idle machine; CI shares 2 cores. */
const START_TIMEOUT_MS = 30_000;
/** A graceful stop (SIGTERM → init:stop) took ~2.5 s here. */
const STOP_TIMEOUT_MS = 10_000;
/** The XMPP domain (virtual host) the users live on. */
export const EJABBERD_DOMAIN = 'localhost';
export const EJABBERD_MUC_DOMAIN = 'conference.localhost';

export type MqttOptionValue = string | number | boolean;

/**
 * mod_mqtt options, generous for measuring: no per-session queue limit (5,000 by default,
 * beyond which a slow subscriber is disconnected), a day of session expiry (the server grants
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
  /** The accounts it checks logins against (runners/local/accounts.ts). */
  accounts: readonly LocalAccount[];
  /** mod_mqtt options over the defaults above, e.g. `{ session_expiry: 0, max_queue: 10 }`. */
  mqtt?: Readonly<Record<string, MqttOptionValue>>;
  /** Ctrl-C while it starts: stopped, RunAbortedError. */
  signal?: AbortSignal;
}

export interface LocalEjabberd {
  /** mqtt://127.0.0.1:PORT (mod_mqtt, MQTT 3.1.1 and 5.0). */
  mqttUrl: string;
  /** XMPP client-to-server port on 127.0.0.1 (no TLS; SASL PLAIN with the same accounts). */
  xmppPort: number;
  domain: string;
  mucDomain: string;
  /** The accounts as `name:password` lines (what extauth checks; an XMPP target's `accounts: { file }`). */
  accountsFile: string;
  /** "23.01" (from its start-up log), or "unknown". */
  version: string;
  /** The Erlang VM's process (its PID from ejabberd's pid file). */
  process: ServerProcess;
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

/** Why ejabberd cannot be started here (not installed, or the wrong user), or undefined when it can. */
export function ejabberdUnavailable(env: NodeJS.ProcessEnv = process.env): InputError | undefined {
  if (!findProgram(EJABBERDCTL_PROGRAM, env)) return notInstalled('ejabberd', EJABBERDCTL_PROGRAM, EJABBERD_PACKAGE, env);
  if (!findProgram(ESCRIPT_PROGRAM, env)) return notInstalled('ejabberd (its escript, from erlang-base)', ESCRIPT_PROGRAM, EJABBERD_PACKAGE, env);
  if (runAs() === null) return new InputError('ejabberd can only be started by root or by user "ejabberd" (ejabberdctl refuses other users)');
  return undefined;
}

/** mod_mqtt's option lines (YAML, indented under `mod_mqtt:`); values as JSON, which YAML reads. */
function mqttOptionLines(overrides: Readonly<Record<string, MqttOptionValue>> = {}): string {
  const options = { ...DEFAULT_MQTT_OPTIONS, ...overrides };
  return Object.entries(options).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`).join('\n');
}

export async function startEjabberd(opts: EjabberdOptions): Promise<LocalEjabberd> {
  const unavailable = ejabberdUnavailable();
  if (unavailable) throw unavailable;
  const bin = findProgram(EJABBERDCTL_PROGRAM) ?? 'ejabberdctl';
  const escript = findProgram(ESCRIPT_PROGRAM) ?? 'escript';
  const account = runAs() ?? undefined;
  const folder = await mkdtemp(join(tmpdir(), 'chatbench-ejabberd-'));
  try {
    // ejabberd spawns extauth_program with open_port({spawn, ...}), which splits on spaces.
    if (/\s/.test(folder)) throw new InputError(`temp folder ${folder} has a space; ejabberd cannot run programs from it`);
    const [mqttPort = 0, xmppPort = 0, distPort = 0] = await freePorts(3);
    const usersFile = join(folder, 'users');
    const extauth = join(folder, 'extauth.escript');
    const fixtures = fixtureDir('ejabberd');
    await copyFile(join(fixtures, 'extauth.escript'), extauth);
    await copyFile(join(fixtures, 'inetrc'), join(folder, 'inetrc'));
    await writeFile(usersFile, accountLines(opts.accounts), { mode: 0o600 });
    await writeFile(join(folder, 'ejabberd.yml'), fillTemplate('ejabberd', 'ejabberd.yml', {
      EXTAUTH: `${escript} ${extauth} ${usersFile}`,
      MQTT_PORT: String(mqttPort),
      XMPP_PORT: String(xmppPort),
      MQTT_OPTIONS: mqttOptionLines(opts.mqtt),
    }));
    await writeFile(join(folder, 'ejabberdctl.cfg'), fillTemplate('ejabberd', 'ejabberdctl.cfg', {
      CONFIG_DIR: folder,
      NODE: `chatbench${mqttPort}`,
      DIST_PORT: String(distPort),
      COOKIE: randomBytes(16).toString('hex'),
    }));
    const spool = join(folder, 'db');
    const logs = join(folder, 'log');
    await mkdir(spool);
    await mkdir(logs);
    if (account) {
      for (const name of ['', 'db', 'log', 'users', 'extauth.escript', 'inetrc', 'ejabberd.yml', 'ejabberdctl.cfg']) {
        await chown(join(folder, name), account.uid, account.gid);
      }
    }
    const proc = await startProcess({
      name: 'ejabberd',
      command: bin,
      args: ['--config-dir', folder, '--ctl-config', join(folder, 'ejabberdctl.cfg'), '--spool', spool, '--logs', logs, 'foreground'],
      folder,
      // HOME is the temp folder: the VM writes nothing into the ejabberd account's home.
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: folder, LANG: 'C.UTF-8' },
      account,
      // A connect() succeeds as soon as a listener socket exists, while ejabberd is still creating
      // its tables; it only serves (and only survives a SIGTERM: mnesia crashes and hangs when
      // stopped mid-start) once it logs that each listener accepts connections.
      readyWhenLogged: [mqttPort, xmppPort].map((p) => `Start accepting TCP connections at 127.0.0.1:${p} `),
      startTimeoutMs: START_TIMEOUT_MS,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      // SIGTERM to the VM itself is a graceful init:stop; ejabberdctl's shell exits after it.
      serverPid: () => readPid(folder),
      signal: opts.signal,
    });
    return {
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      xmppPort,
      domain: EJABBERD_DOMAIN,
      mucDomain: EJABBERD_MUC_DOMAIN,
      accountsFile: usersFile,
      version: /ejabberd (\S+) is started in the node/.exec(proc.log())?.[1] ?? 'unknown',
      process: proc,
    };
  } catch (err) {
    await rm(folder, { recursive: true, force: true });
    throw err;
  }
}

/** The VM's PID from EJABBERD_PID_PATH (set in the generated ejabberdctl.cfg). */
async function readPid(folder: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(folder, 'ejabberd.pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
