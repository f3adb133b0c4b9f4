/**
 * The canary's judgement, the same for every protocol: after a fuzz case, a separate
 * well-behaved client must still round-trip a message. One failed round trip on a busy machine
 * is not a hang, so it gets a second try; when both fail, one more plain connection tells a
 * server that stopped accepting connections (crash) from one that accepts them but no longer
 * serves (hang). The protocol supplies the round trip and the plain connection.
 */

export type CanaryResult = { state: 'ok' } | { state: 'hang' | 'crash'; message: string };

/** A failed round trip: why ("got no SUBACK"), or the connection refusal when it could not connect. */
export interface Stuck {
  why: string;
  refused?: string;
}

/**
 * A raw client's connection could not be set up (refused, timed out, TLS rejected). Each
 * protocol's raw client throws its own subclass; the canary tells a refusal from other failures by it.
 */
export class ConnectRefusedError extends Error {}

export interface CanaryProbes {
  /** null when the round trip worked. */
  roundTrip(): Promise<Stuck | null>;
  /** Opens one plain connection (rejecting with a ConnectRefusedError when the server refuses it). */
  open(): Promise<{ destroy(): void }>;
}

/** Opens and closes one plain connection: undefined when the server accepted it, else the refusal. */
async function connects(open: CanaryProbes['open']): Promise<string | undefined> {
  try {
    (await open()).destroy();
    return undefined;
  } catch (error) {
    // Any other failure is not a refused connection: the verdict stays hang.
    return error instanceof ConnectRefusedError ? error.message : undefined;
  }
}

export async function judgeCanary(probes: CanaryProbes): Promise<CanaryResult> {
  const started = performance.now();
  let stuck = await probes.roundTrip();
  if (stuck !== null && stuck.refused === undefined) stuck = await probes.roundTrip();
  if (stuck === null) return { state: 'ok' };
  if (stuck.refused !== undefined) return { state: 'crash', message: `the server does not accept connections (${stuck.refused})` };
  // It did accept the canary's connection; ask once more so a listener that died meanwhile is seen.
  const refused = await connects(probes.open);
  if (refused !== undefined) return { state: 'crash', message: `the server stopped accepting connections (${refused}) after the canary ${stuck.why}` };
  const waited = Math.round(performance.now() - started);
  return { state: 'hang', message: `the server accepts connections but a canary client ${stuck.why} (chatbench stopped waiting after ${waited} ms)` };
}
