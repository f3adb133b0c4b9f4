/**
 * Leaves the server as a case found it, so every case (and every replay) starts from the same
 * state: a session a CONNECT asked to keep is ended by connecting once more with its client
 * identifier and a clean start [MQTT-3.1.2-6] (3.1.1) / Clean Start with no Session Expiry
 * (5.0), and a retained message (a PUBLISH or a will with RETAIN) is removed by publishing an
 * empty retained message to its topic [MQTT-3.3.1-10]. Without this, a later case's CONNECT with
 * the same identifier would inherit subscriptions and queued messages, and a shrunk case would
 * not fail alone.
 */
import type { Packet } from 'mqtt-packet';
import { RawClient, RawConnectError } from '../raw/client.js';
import type { ServerOptions } from './canary.js';
import { withLogin } from './login.js';
import { decodePacket } from './oracle.js';

/** What a case left behind on the server. */
export interface Leftovers {
  sessions: Set<string>;
  retained: Set<string>;
}

export function leftoversOf(steps: readonly { bytes: Uint8Array }[], version: ServerOptions['version']): Leftovers {
  const out: Leftovers = { sessions: new Set(), retained: new Set() };
  for (const step of steps) {
    // Malformed bytes a server accepted leave state too: whatever still parses is looked at.
    const p: Packet | undefined = decodePacket(step.bytes, version);
    if (p?.cmd === 'connect') {
      const keeps = version === 5 ? (p.properties?.sessionExpiryInterval ?? 0) > 0 : p.clean === false;
      if (keeps && p.clientId !== '') out.sessions.add(p.clientId);
      if (p.will?.retain === true) out.retained.add(p.will.topic);
    }
    if (p?.cmd === 'publish' && p.retain) out.retained.add(p.topic);
  }
  return out;
}

let cleanups = 0;

/** Best effort: a server that refuses or stalls here is the canary's business, not cleanup's. */
export async function cleanUp(leftovers: Leftovers, options: ServerOptions): Promise<void> {
  if (leftovers.retained.size > 0) {
    await withSession(`chatbench-cleanup-${process.pid}-${++cleanups}`, options, (c) => {
      for (const topic of leftovers.retained) c.send({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 0, retain: true, dup: false });
    });
  }
  for (const id of leftovers.sessions) await withSession(id, options, () => undefined);
}

async function withSession(clientId: string, options: ServerOptions, body: (c: RawClient) => void): Promise<void> {
  let client: RawClient;
  try {
    client = await RawClient.open({ endpoint: options.endpoint, version: options.version, label: 'cleanup', connectTimeoutMs: options.canaryTimeoutMs, ...(options.tls ? { tls: options.tls } : {}) });
  } catch (error) {
    if (error instanceof RawConnectError) return;
    throw error;
  }
  try {
    client.send(withLogin({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: options.version, clientId, clean: true, keepalive: 30 }, options.login));
    const connack = await client.nextOf('connack', options.canaryTimeoutMs);
    if (connack.packet === undefined) return;
    body(client);
    client.send({ cmd: 'disconnect' });
    // A PINGRESP would not come after DISCONNECT: wait for the server to close instead.
    await client.untilClosed(Math.min(options.canaryTimeoutMs, 500));
  } finally {
    client.destroy();
  }
}
