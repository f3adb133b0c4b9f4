/**
 * The canary: a separate, well-behaved client that checks the server still serves after a fuzz
 * case (two attempts before a hang is declared) — CONNECT, SUBSCRIBE at QoS 1 to a topic of its own, PUBLISH QoS 1 to it, and both the
 * PUBACK and the message back. When it cannot, one more plain connection tells the two failures
 * apart: a server that no longer accepts connections crashed; one that accepts them but does
 * not serve hangs.
 */
import type tls from 'node:tls';
import { judgeCanary, type CanaryResult, type Stuck } from '../../../core/fuzz/canary.js';
import type { Credentials } from '../../common/credentials.js';
import type { Endpoint } from '../endpoint.js';
import { RawClient, RawConnectError, type ProtocolLevel } from '../raw/client.js';
import { withLogin } from './login.js';

/** Where the server is and how it is spoken to. */
export interface ServerOptions {
  endpoint: Endpoint;
  version: ProtocolLevel;
  tls?: tls.ConnectionOptions;
  /** How long the canary's round trip (and each connection attempt) may take. */
  canaryTimeoutMs: number;
  /** The login for servers that refuse anonymous clients (login.ts): added to every well-formed CONNECT. */
  login?: Credentials;
}

export type { CanaryResult };

let canaries = 0;

export function runCanary(options: ServerOptions): Promise<CanaryResult> {
  return judgeCanary({
    roundTrip: () => roundTrip(options),
    open: () => RawClient.open({ endpoint: options.endpoint, version: options.version, label: 'probe', connectTimeoutMs: options.canaryTimeoutMs, ...tlsOf(options) }),
  });
}

/** null when the round trip worked; otherwise why not ("got no SUBACK"), or the refusal. */
async function roundTrip(options: ServerOptions): Promise<Stuck | null> {
  const n = ++canaries;
  const deadline = performance.now() + options.canaryTimeoutMs;
  const left = (): number => Math.max(1, deadline - performance.now());
  let client: RawClient;
  try {
    client = await RawClient.open({ endpoint: options.endpoint, version: options.version, label: 'canary', connectTimeoutMs: options.canaryTimeoutMs, ...tlsOf(options) });
  } catch (error) {
    if (error instanceof RawConnectError) return { why: 'could not connect', refused: error.message };
    throw error;
  }
  try {
    const id = `chatbench-canary-${process.pid}-${n}`;
    const topic = `chatbench/fuzz-canary/${process.pid}/${n}`;
    client.send(withLogin({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: options.version, clientId: id, clean: true, keepalive: 30 }, options.login));
    const connack = await client.nextOf('connack', left());
    if (connack.packet === undefined) return { why: `got no CONNACK (${connack.ended.kind})` };
    if ((connack.packet.reasonCode ?? connack.packet.returnCode ?? 0) !== 0) return { why: 'was refused by CONNACK' };
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    const suback = await client.nextOf('suback', left());
    if (suback.packet === undefined) return { why: `got no SUBACK (${suback.ended.kind})` };
    client.send({ cmd: 'publish', topic, qos: 1, messageId: 2, payload: Buffer.from('canary'), retain: false, dup: false });
    let acked = false;
    let delivered = false;
    while (!(acked && delivered)) {
      const ev = await client.next(left());
      if (ev.kind !== 'packet') return { why: `got ${[acked ? '' : 'no PUBACK', delivered ? '' : 'no message back'].filter(Boolean).join(' and ')} (${ev.kind})` };
      if (ev.packet.cmd === 'puback' && ev.packet.messageId === 2) acked = true;
      if (ev.packet.cmd === 'publish' && ev.packet.topic === topic) {
        delivered = true;
        if (ev.packet.qos === 1 && ev.packet.messageId !== undefined) client.send({ cmd: 'puback', messageId: ev.packet.messageId });
      }
    }
    client.send({ cmd: 'disconnect' });
    return null;
  } finally {
    client.destroy();
  }
}

function tlsOf(options: ServerOptions): { tls?: tls.ConnectionOptions } {
  return options.tls === undefined ? {} : { tls: options.tls };
}
