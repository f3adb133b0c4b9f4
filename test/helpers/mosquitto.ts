/**
 * A real mosquitto for tests: started on free loopback ports with a config in a fresh temp
 * folder (fixtures/mosquitto/chatbench.conf + listeners), stopped by its PID, folder removed.
 *
 *   const m = await startMosquitto({ tls: true, websocket: true });
 *   ... m.url, m.tlsUrl (verify with m.caFile), m.wsUrl ...
 *   await m.stop();
 *
 * Run as root, mosquitto 2 drops privileges to user "mosquitto": the folder and files are
 * made world-readable so it can still read its certificates.
 */
import { describeRequiring, executable } from './requires.js';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, waitForPort } from './ports.js';
import { makeTestCertificates } from './tls.js';

const BASE_CONFIG = fileURLToPath(new URL('../../fixtures/mosquitto/chatbench.conf', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_KEEP = 8_192;
/**
 * mosquitto 2.0.11 ignores a websockets listener's bind address and listens on every
 * interface (*:PORT) unless the socket domain is pinned; with `socket_domain ipv4` it binds
 * 127.0.0.1 as asked. (It also refuses to start with websockets listeners only: the plain
 * listener is always there.)
 */
const WEBSOCKETS = ['protocol websockets', 'socket_domain ipv4'];

export interface Mosquitto {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  /** mqtts://127.0.0.1:PORT, served with a certificate signed by caFile. */
  tlsUrl?: string;
  wsUrl?: string;
  /** wss://127.0.0.1:PORT when both tls and websocket were asked for. */
  wssUrl?: string;
  caFile?: string;
  pid: number;
  /** What mosquitto wrote to stderr so far (the last few KiB). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * The mosquitto binary: $CHATBENCH_MOSQUITTO when set (only that one), else /usr/sbin/mosquitto
 * (Debian) or the first one on PATH.
 */
export function mosquittoBinary(): string | undefined {
  const chosen = process.env.CHATBENCH_MOSQUITTO;
  if (chosen) return executable(chosen) ? chosen : undefined;
  const dirs = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(delimiter)];
  return dirs.filter(Boolean).map((dir) => join(dir, 'mosquitto')).find(executable);
}

export function mosquittoAvailable(): boolean {
  return mosquittoBinary() !== undefined;
}

/** describe() when mosquitto is installed; skipped with the reason elsewhere, failing under CI=true. */
export function describeWithMosquitto(name: string, body: () => void): void {
  describeRequiring({ program: 'mosquitto', available: mosquittoAvailable(), install: 'apt-get install -y mosquitto, or set CHATBENCH_MOSQUITTO' }, name, body);
}

export interface MosquittoOptions {
  /** Add a TLS listener (tlsUrl, caFile) with a fresh test CA; with websocket also a wss listener. */
  tls?: boolean;
  websocket?: boolean;
  /** max_qos on the plain listener: subscriptions are granted at most this QoS. */
  maxQos?: 0 | 1 | 2;
  /** Only this user may connect (a password file made with mosquitto_passwd; anonymous refused). */
  login?: { username: string; password: string };
  /** Global config lines added after the base config, e.g. `max_packet_size 1000`. */
  extraConfig?: string[];
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const bin = mosquittoBinary();
  if (!bin) throw new Error('mosquitto not found in /usr/sbin or PATH (apt-get install -y mosquitto)');
  const dir = await mkdtemp(join(tmpdir(), 'chatbench-mosquitto-'));
  await chmod(dir, 0o755);
  try {
    const [port = 0, tlsPort = 0, wsPort = 0, wssPort = 0] = await freePorts(4);
    const lines = [await readFile(BASE_CONFIG, 'utf8')];
    if (opts.login) lines.push(...(await passwordFileLines(dir, opts.login)));
    lines.push(...(opts.extraConfig ?? []));
    lines.push(`listener ${port} 127.0.0.1`);
    if (opts.maxQos !== undefined) lines.push(`max_qos ${opts.maxQos}`);
    let caFile: string | undefined;
    const wss = Boolean(opts.tls && opts.websocket);
    if (opts.tls) {
      const certs = await makeTestCertificates(join(dir, 'tls'));
      caFile = certs.caFile;
      const files = [`cafile ${certs.caFile}`, `certfile ${certs.certFile}`, `keyfile ${certs.keyFile}`];
      lines.push(`listener ${tlsPort} 127.0.0.1`, ...files);
      if (wss) lines.push(`listener ${wssPort} 127.0.0.1`, ...WEBSOCKETS, ...files);
    }
    if (opts.websocket) lines.push(`listener ${wsPort} 127.0.0.1`, ...WEBSOCKETS);
    const configFile = join(dir, 'mosquitto.conf');
    await writeFile(configFile, `${lines.join('\n')}\n`, { mode: 0o644 });

    const child = spawn(bin, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(`mosquitto exited (${signal ?? `code ${code}`})`));
      child.once('error', (err) => resolve(`mosquitto did not start: ${err.message}`));
    });
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const killer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    };

    const ports = [port, ...(opts.tls ? [tlsPort] : []), ...(opts.websocket ? [wsPort] : []), ...(wss ? [wssPort] : [])];
    const ready = Promise.all(ports.map((p) => waitForPort(p, START_TIMEOUT_MS))).then(
      () => 'ready',
      (err: Error) => `mosquitto not ready: ${err.message}`,
    );
    const outcome = await Promise.race([ready, exited]);
    if (outcome !== 'ready' || child.pid === undefined) {
      await stop();
      throw new Error(`${outcome === 'ready' ? 'mosquitto has no pid' : outcome}; stderr:\n${stderr}`);
    }
    return {
      url: `mqtt://127.0.0.1:${port}`,
      ...(opts.tls ? { tlsUrl: `mqtts://127.0.0.1:${tlsPort}`, caFile } : {}),
      ...(opts.websocket ? { wsUrl: `ws://127.0.0.1:${wsPort}` } : {}),
      ...(wss ? { wssUrl: `wss://127.0.0.1:${wssPort}` } : {}),
      pid: child.pid,
      log: () => stderr,
      stop,
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** `allow_anonymous false` + a password file holding one user (the later setting wins over the base config's). */
async function passwordFileLines(dir: string, login: { username: string; password: string }): Promise<string[]> {
  const file = join(dir, 'passwords');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('mosquitto_passwd', ['-c', '-b', file, login.username, login.password], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_passwd exited with ${code}`))));
  });
  await chmod(file, 0o644); // mosquitto drops privileges (see above) and must still read it
  return ['allow_anonymous false', `password_file ${file}`];
}
