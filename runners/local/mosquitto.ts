/**
 * Debian's mosquitto (2.0), started on free loopback ports with a config generated in a fresh
 * temp folder: fixtures/mosquitto/chatbench.conf (queue raised, Nagle off, nothing on disk)
 * plus the listeners asked for. Ready when every listener accepts; stopped by PID.
 *
 * Run as root, mosquitto 2 drops privileges to user "mosquitto": the folder and files are
 * made world-readable so it can still read its config, certificates and password file.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, type TlsFiles } from './listeners.js';
import { startProcess, type ServerProcess } from './process.js';
import { findProgram, fixtureDir, notInstalled, type ProgramLookup } from './programs.js';

export const MOSQUITTO_PROGRAM: ProgramLookup = { name: 'mosquitto', dirs: ['/usr/sbin', '/usr/local/sbin'], envVar: 'CHATBENCH_MOSQUITTO' };
export const MOSQUITTO_PACKAGE = 'mosquitto';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/**
 * mosquitto 2.0.11 ignores a websockets listener's bind address and listens on every
 * interface (*:PORT) unless the socket domain is pinned; with `socket_domain ipv4` it binds
 * 127.0.0.1 as asked. (It also refuses to start with websockets listeners only: the plain
 * listener is always there.)
 */
const WEBSOCKETS = ['protocol websockets', 'socket_domain ipv4'];

export interface MosquittoOptions {
  /** Add a TLS listener served with these files; with websocket also a wss listener. */
  tls?: TlsFiles;
  websocket?: boolean;
  /** max_qos on the plain listener: subscriptions are granted at most this QoS. */
  maxQos?: 0 | 1 | 2;
  /** Only this user may connect (a password file made with mosquitto_passwd; anonymous refused). */
  login?: { username: string; password: string };
  /** Global config lines added after the base config, e.g. `max_packet_size 1000`. */
  extraConfig?: readonly string[];
  /** Ctrl-C while it starts: stopped, RunAbortedError. */
  signal?: AbortSignal;
}

export interface LocalMosquitto {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  /** mqtts://127.0.0.1:PORT when tls was given. */
  tlsUrl?: string;
  wsUrl?: string;
  /** wss://127.0.0.1:PORT when both tls and websocket were asked for. */
  wssUrl?: string;
  /** "2.0.11" (from `mosquitto -h`), or "unknown". */
  version: string;
  process: ServerProcess;
}

export function mosquittoBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findProgram(MOSQUITTO_PROGRAM, env);
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<LocalMosquitto> {
  const bin = mosquittoBinary();
  if (!bin) throw notInstalled('mosquitto', MOSQUITTO_PROGRAM, MOSQUITTO_PACKAGE);
  const folder = await mkdtemp(join(tmpdir(), 'chatbench-mosquitto-'));
  try {
    await chmod(folder, 0o755);
    const [port = 0, tlsPort = 0, wsPort = 0, wssPort = 0] = await freePorts(4);
    const lines = [await readFile(join(fixtureDir('mosquitto'), 'chatbench.conf'), 'utf8')];
    if (opts.login) lines.push(...(await passwordFileLines(folder, opts.login)));
    lines.push(...(opts.extraConfig ?? []));
    lines.push(`listener ${port} 127.0.0.1`);
    if (opts.maxQos !== undefined) lines.push(`max_qos ${opts.maxQos}`);
    const wss = Boolean(opts.tls && opts.websocket);
    if (opts.tls) {
      const files = [`cafile ${opts.tls.caFile}`, `certfile ${opts.tls.certFile}`, `keyfile ${opts.tls.keyFile}`];
      lines.push(`listener ${tlsPort} 127.0.0.1`, ...files);
      if (wss) lines.push(`listener ${wssPort} 127.0.0.1`, ...WEBSOCKETS, ...files);
    }
    if (opts.websocket) lines.push(`listener ${wsPort} 127.0.0.1`, ...WEBSOCKETS);
    const configFile = join(folder, 'mosquitto.conf');
    await writeFile(configFile, `${lines.join('\n')}\n`, { mode: 0o644 });

    const ports = [port, ...(opts.tls ? [tlsPort] : []), ...(opts.websocket ? [wsPort] : []), ...(wss ? [wssPort] : [])];
    const [version, proc] = await Promise.all([
      mosquittoVersion(bin),
      startProcess({
        name: 'mosquitto',
        command: bin,
        args: ['-c', configFile],
        folder,
        readyWhenListening: ports,
        startTimeoutMs: START_TIMEOUT_MS,
        stopTimeoutMs: STOP_TIMEOUT_MS,
        signal: opts.signal,
      }),
    ]);
    return {
      url: `mqtt://127.0.0.1:${port}`,
      ...(opts.tls ? { tlsUrl: `mqtts://127.0.0.1:${tlsPort}` } : {}),
      ...(opts.websocket ? { wsUrl: `ws://127.0.0.1:${wsPort}` } : {}),
      ...(wss ? { wssUrl: `wss://127.0.0.1:${wssPort}` } : {}),
      version,
      process: proc,
    };
  } catch (err) {
    await rm(folder, { recursive: true, force: true });
    throw err;
  }
}

/** "2.0.11" from the first line of `mosquitto -h` ("mosquitto version 2.0.11"; it exits non-zero). */
function mosquittoVersion(bin: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(bin, ['-h'], { timeout: 5_000 }, (_error, stdout) => {
      resolve(/mosquitto version (\S+)/.exec(String(stdout))?.[1] ?? 'unknown');
    });
  });
}

/** `allow_anonymous false` + a password file holding one user (the later setting wins over the base config's). */
async function passwordFileLines(folder: string, login: { username: string; password: string }): Promise<string[]> {
  const file = join(folder, 'passwords');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('mosquitto_passwd', ['-c', '-b', file, login.username, login.password], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_passwd exited with ${code}`))));
  });
  await chmod(file, 0o644); // mosquitto drops privileges (see above) and must still read it
  return ['allow_anonymous false', `password_file ${file}`];
}
