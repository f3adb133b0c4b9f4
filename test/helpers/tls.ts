/**
 * Throwaway TLS material for tests: a test CA and a server certificate for 127.0.0.1 and
 * localhost, made by fixtures/tls/make-test-certs.sh with the openssl CLI. Nothing is committed.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../fixtures/tls/make-test-certs.sh', import.meta.url));

export interface TestCertificates {
  /** The CA certificate a client verifies the server with. */
  caFile: string;
  caKeyFile: string;
  /** Server certificate (SAN IP:127.0.0.1, DNS:localhost) and its key. */
  certFile: string;
  keyFile: string;
}

/** Writes a fresh CA and server certificate into `dir` (created if needed); each call makes a different CA. */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  try {
    await run('sh', [SCRIPT, dir], { timeout: 20_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`making test certificates with openssl failed: ${(err as Error).message}\n${stderr}`);
  }
  // The folder itself must be searchable by a server that dropped root privileges.
  await chmod(dir, 0o755);
  return {
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca.key'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
}
