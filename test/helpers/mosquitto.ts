/**
 * A real mosquitto for tests: chatbench's own local-server code (runners/local/mosquitto.ts,
 * what `chatbench run --start mosquitto` uses) plus throwaway TLS certificates when asked.
 *
 *   const m = await startMosquitto({ tls: true, websocket: true });
 *   ... m.url, m.tlsUrl (verify with m.caFile), m.wsUrl ...
 *   await m.stop();
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mosquittoBinary as findMosquitto, startMosquitto as startLocal, type MosquittoOptions as LocalOptions } from '../../runners/local/mosquitto.js';
import { describeRequiring } from './requires.js';
import { makeTestCertificates } from './tls.js';

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
  return findMosquitto();
}

export function mosquittoAvailable(): boolean {
  return mosquittoBinary() !== undefined;
}

/** describe() when mosquitto is installed; skipped with the reason elsewhere, failing under CI=true. */
export function describeWithMosquitto(name: string, body: () => void): void {
  describeRequiring({ program: 'mosquitto', available: mosquittoAvailable(), install: 'apt-get install -y mosquitto, or set CHATBENCH_MOSQUITTO' }, name, body);
}

export interface MosquittoOptions extends Omit<LocalOptions, 'tls' | 'signal'> {
  /** Add a TLS listener (tlsUrl, caFile) with a fresh test CA; with websocket also a wss listener. */
  tls?: boolean;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const { tls, ...rest } = opts;
  const certDir = tls ? await mkdtemp(join(tmpdir(), 'chatbench-mosquitto-tls-')) : undefined;
  try {
    // mosquitto drops root privileges: the certificates' folder must stay readable to it.
    if (certDir) await chmod(certDir, 0o755);
    const certs = certDir ? await makeTestCertificates(join(certDir, 'tls')) : undefined;
    const local = await startLocal({ ...rest, ...(certs ? { tls: certs } : {}) });
    return {
      url: local.url,
      ...(local.tlsUrl ? { tlsUrl: local.tlsUrl, caFile: certs?.caFile } : {}),
      ...(local.wsUrl ? { wsUrl: local.wsUrl } : {}),
      ...(local.wssUrl ? { wssUrl: local.wssUrl } : {}),
      pid: local.process.pid,
      log: () => local.process.log(),
      stop: async () => {
        await local.process.stop();
        if (certDir) await rm(certDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (certDir) await rm(certDir, { recursive: true, force: true });
    throw err;
  }
}
