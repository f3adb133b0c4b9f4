/**
 * The truth tests' broker: one real mosquitto per file, started before its tests and stopped
 * by PID after them (continued first, should a test have left it stopped with SIGSTOP).
 */
import { afterAll, beforeAll } from 'vitest';
import { startMosquitto, type Mosquitto, type MosquittoOptions } from '../helpers/mosquitto.js';

/** Call inside a describe block; the returned function gives the running mosquitto. */
export function useMosquitto(opts: MosquittoOptions = {}): () => Mosquitto {
  let m: Mosquitto | undefined;
  beforeAll(async () => {
    m = await startMosquitto(opts);
  }, 20_000);
  afterAll(async () => {
    if (!m) return;
    try {
      process.kill(m.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    await m.stop();
  });
  return () => {
    if (!m) throw new Error('mosquitto is not running');
    return m;
  };
}
