/**
 * MQTT 5.0 enhanced authentication seen from the wire (sections 3.15, 4.12) and what a client's
 * DISCONNECT reason decides on the server (3.14.2): the AUTH packets and CONNACK of an exchange
 * the server supports (AUTH without one is in liveness.ts), and the Will after a DISCONNECT that
 * is not a normal one. CONNACK's own rules, keep alive, PINGREQ and the server's
 * DISCONNECT are in connect.ts, connect-properties.ts and liveness.ts.
 *
 * chatbench cannot compute an arbitrary authentication method: the exchange follows the
 * profile's script (method, CONNECT data, one answer per AUTH 0x18). Without a method in the
 * profile those cases skip.
 */
import type { IAuthPacket, IConnackPacket, Packet } from 'mqtt-packet';
import type { ConformCase } from '../../../core/conform/case.js';
import type { RawClient } from '../../../runners/mqtt/raw/client.js';
import { ReasonCodes } from '../../../runners/mqtt/reason-codes.js';
import { describeRejection, hexCode } from '../../../runners/mqtt/raw/rejection.js';
import { ANSWER_MS, SetupFailed, type MqttCaseContext } from '../context.js';
import { expectRefused, receive, subscribe } from '../steps.js';
import { receivedFrames } from '../wire.js';
import { packetSize } from './connect-properties.js';
import { connackCode, describeConnack } from './observe.js';

/** AUTH reason codes (MQTT 5.0 table 3.15.2.1): 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate (the client's). */
const SUCCESS = 0x00;
const CONTINUE = 0x18;
const REAUTHENTICATE = 0x19;
/** The AUTH packet type (fixed header bits 7-4). */
const AUTH_TYPE = 15;
const isAuthCode = (code: number): boolean => (ReasonCodes.auth as readonly number[]).includes(code);
/** A bound on AUTH rounds, so a server that keeps asking cannot hold the case forever. */
const MAX_ROUNDS = 8;

/** What one enhanced-authentication exchange showed. */
interface AuthExchange {
  /** Every AUTH the server sent, in order. */
  auths: IAuthPacket[];
  connack: IConnackPacket | undefined;
  /** How the exchange ended, for evidence: "CONNACK 0x00", "AUTH 0x00", "closed", "no answer within 2000 ms", … */
  ended: string;
  /** Reason codes of AUTH packets mqtt-packet refused to parse, read from the bytes (a code outside the table). */
  unreadableAuthCodes: number[];
}

function describeAuth(p: IAuthPacket): string {
  const props = p.properties ?? {};
  return `AUTH ${hexCode(p.reasonCode)} (method ${JSON.stringify(props.authenticationMethod)}${props.reasonString !== undefined ? `, Reason String ${JSON.stringify(props.reasonString)}` : ''}${props.userProperties !== undefined ? ', User Properties' : ''})`;
}

function describeExchange(x: AuthExchange): string {
  return [...x.auths.map(describeAuth), x.ended].join(', ');
}

/**
 * Answers the server's AUTH 0x18 packets with the profile's responses until the exchange ends:
 * a CONNACK (authentication at connect), an AUTH 0x00 (re-authentication done), the close, a
 * silence, or a challenge the profile has no answer left for.
 */
async function followExchange(ctx: MqttCaseContext, client: RawClient, method: string): Promise<AuthExchange> {
  const responses = [...(ctx.profile.authenticationResponses ?? [])];
  const auths: IAuthPacket[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const ev = await client.next(ANSWER_MS);
    const end = (ended: string, connack?: IConnackPacket): AuthExchange => ({ auths, connack, ended, unreadableAuthCodes: [] });
    if (ev.kind === 'timeout') return end(`no answer within ${ANSWER_MS} ms`);
    if (ev.kind === 'closed') return end('closed the connection');
    if (ev.kind === 'unparsable') {
      // mqtt-packet refuses an AUTH whose reason code is not in the table: read the codes from the bytes instead.
      const unreadableAuthCodes = receivedFrames(client).filter((f) => f.type === AUTH_TYPE).map((f) => f.body[0] ?? SUCCESS).filter((c) => !isAuthCode(c));
      return { ...end(`sent bytes that do not parse (${ev.error})`), unreadableAuthCodes };
    }
    const p: Packet = ev.packet;
    if (p.cmd === 'connack') return end(describeConnack(p), p);
    if (p.cmd !== 'auth') continue;
    auths.push(p);
    if (p.reasonCode !== CONTINUE) return end(`AUTH ${hexCode(p.reasonCode)} ended it`);
    const data = responses.shift();
    if (data === undefined) return end('the profile has no answer left for this challenge');
    client.send({ cmd: 'auth', reasonCode: CONTINUE, properties: { authenticationMethod: method, authenticationData: Buffer.from(data) } });
  }
  return { auths, connack: undefined, ended: `still authenticating after ${MAX_ROUNDS} rounds`, unreadableAuthCodes: [] };
}

/** A raw connection that sent a CONNECT with the profile's method and data (and `properties`). */
async function connectWithMethod(ctx: MqttCaseContext, label: string, properties: Record<string, unknown> = {}): Promise<{ client: RawClient; method: string; exchange: AuthExchange }> {
  const method = ctx.profile.authenticationMethod;
  if (method === undefined) ctx.skip('no enhanced authentication method in the profile (authenticationMethod)');
  const data = ctx.profile.authenticationData;
  const client = await ctx.raw(label);
  client.send(ctx.connectPacket(ctx.clientId(label), { properties: { ...properties, authenticationMethod: method, ...(data !== undefined ? { authenticationData: Buffer.from(data) } : {}) } }));
  return { client, method, exchange: await followExchange(ctx, client, method) };
}

/** Each AUTH the server sent carries the CONNECT's method [MQTT-4.12.0-5] and a code of the Authenticate table [MQTT-3.15.2-1]. */
function checkServerAuths(ctx: MqttCaseContext, x: AuthExchange, method: string): void {
  const foreign = x.auths.filter((p) => p.properties?.authenticationMethod !== method);
  ctx.check('MQTT-4.12.0-5', foreign.length === 0, `every AUTH carries the Authentication Method ${JSON.stringify(method)}`, describeExchange(x));
  // 0x19 is the client's code: a server never asks itself to re-authenticate.
  const badCode = x.auths.filter((p) => !isAuthCode(p.reasonCode) || p.reasonCode === REAUTHENTICATE);
  const observed = x.unreadableAuthCodes.length > 0 ? `${describeExchange(x)}; the AUTH bytes carry reason code ${x.unreadableAuthCodes.map(hexCode).join(', ')}` : describeExchange(x);
  ctx.check('MQTT-3.15.2-1', badCode.length === 0 && x.unreadableAuthCodes.length === 0, 'AUTH reason codes from the Authenticate table that a server sends (0x00, 0x18; 0x19 is the client’s)', observed);
}

/** The connection an enhanced-auth case goes on with: authenticated by the profile's script (SetupFailed when refused). */
function requireAccepted(x: AuthExchange): IConnackPacket {
  if (x.connack === undefined) throw new SetupFailed(`no CONNACK after the profile's authentication: ${describeExchange(x)}`);
  const code = connackCode(x.connack);
  if (code !== 0) throw new SetupFailed(`the server refused the profile's authentication with CONNACK ${hexCode(code)}: ${describeExchange(x)}`);
  return x.connack;
}

/** Subscribes a watcher to a Will topic and connects a client whose Will is "offline" on it. */
async function withWill(ctx: MqttCaseContext): Promise<{ watcher: RawClient; client: RawClient }> {
  const topic = ctx.topic('presence');
  const { client: watcher } = await ctx.connect('watcher');
  await subscribe(watcher, [{ topic, qos: 0 }]);
  const { client } = await ctx.connect('client', { will: { topic, payload: Buffer.from('offline'), qos: 0, retain: false } });
  return { watcher, client };
}

async function willSeen(watcher: RawClient): Promise<{ seen: boolean; observed: string }> {
  const got = await receive(watcher, ANSWER_MS);
  if (got === undefined) return { seen: false, observed: `no Will within ${ANSWER_MS} ms` };
  return { seen: got.payload.toString() === 'offline', observed: `PUBLISH "${got.payload.toString()}" on the Will topic` };
}

export const cases: ConformCase<MqttCaseContext>[] = [
  {
    id: 'enhanced-auth.exchange',
    title: 'Enhanced authentication: every server AUTH asks with 0x18 and repeats the method; the successful CONNACK repeats it too',
    layer: 'raw',
    needs: ['enhanced-auth'],
    statements: { '5': ['MQTT-4.12.0-2', 'MQTT-4.12.0-5', 'MQTT-3.15.2-1'] },
    async run(ctx) {
      const { method, exchange } = await connectWithMethod(ctx, 'client');
      // Before CONNACK the server can only ask for more: success is the CONNACK itself.
      const notContinue = exchange.auths.filter((p) => p.reasonCode !== CONTINUE);
      ctx.check('MQTT-4.12.0-2', notContinue.length === 0 && exchange.unreadableAuthCodes.length === 0, 'each AUTH before CONNACK has reason code 0x18 (Continue authentication)', describeExchange(exchange));
      checkServerAuths(ctx, exchange, method);
      const connack = requireAccepted(exchange);
      ctx.check('MQTT-4.12.0-5', connack.properties?.authenticationMethod === method, `the successful CONNACK carries the Authentication Method ${JSON.stringify(method)}`, `CONNACK Authentication Method ${JSON.stringify(connack.properties?.authenticationMethod)}`);
    },
  },
  {
    id: 'enhanced-auth.reauthenticate',
    title: 'Re-authentication with the same method: the server answers with AUTH 0x18 or 0x00 carrying that method',
    layer: 'raw',
    needs: ['enhanced-auth'],
    statements: { '5': ['MQTT-4.12.0-5', 'MQTT-3.15.2-1'] },
    async run(ctx) {
      const { client, method, exchange } = await connectWithMethod(ctx, 'client');
      requireAccepted(exchange);
      const data = ctx.profile.authenticationData;
      client.send({ cmd: 'auth', reasonCode: REAUTHENTICATE, properties: { authenticationMethod: method, ...(data !== undefined ? { authenticationData: Buffer.from(data) } : {}) } });
      const again = await followExchange(ctx, client, method);
      if (again.auths.length === 0) throw new SetupFailed(`no AUTH answered the re-authentication: ${again.ended}`);
      checkServerAuths(ctx, again, method);
    },
  },
  {
    id: 'enhanced-auth.within-client-maximum',
    title: 'An AUTH from the server that would exceed the client’s Maximum Packet Size leaves out Reason String and User Properties',
    layer: 'raw',
    needs: ['enhanced-auth'],
    statements: { '5': ['MQTT-3.15.2-2', 'MQTT-3.15.2-3'] },
    async run(ctx) {
      const method = ctx.profile.authenticationMethod ?? '';
      // Room for an AUTH with the method and 64 bytes of challenge data, not for much explanation besides.
      const limit = 2 + 1 + 1 + (3 + Buffer.byteLength(method)) + (3 + 64);
      const { exchange } = await connectWithMethod(ctx, 'client', { maximumPacketSize: limit });
      if (exchange.auths.length === 0) ctx.skip(`the server sent no AUTH (the method finishes in the CONNECT): ${exchange.ended}`);
      const over = exchange.auths.filter((p) => packetSize(p) > limit);
      const observed = exchange.auths.map((p) => `${describeAuth(p)} of ${packetSize(p)} bytes`).join(', ');
      ctx.check('MQTT-3.15.2-2', over.every((p) => p.properties?.reasonString === undefined), `no Reason String in an AUTH over ${limit} bytes`, observed);
      ctx.check('MQTT-3.15.2-3', over.every((p) => p.properties?.userProperties === undefined), `no User Property in an AUTH over ${limit} bytes`, observed);
    },
  },
  {
    id: 'disconnect-reason.expiry-after-zero',
    title: 'A DISCONNECT setting a Session Expiry Interval after CONNECT had 0 is a protocol error, not a normal disconnect: the Will is published',
    layer: 'raw',
    statements: { '5': ['MQTT-4.13.1-1', 'MQTT-3.1.2-8'] },
    async run(ctx) {
      const { watcher, client } = await withWill(ctx);
      // The CONNECT had no Session Expiry Interval (0); [MQTT 3.14.2.2.2]: a non-zero one in DISCONNECT is a Protocol Error, not a valid DISCONNECT.
      client.send({ cmd: 'disconnect', reasonCode: 0x00, properties: { sessionExpiryInterval: 60 } });
      const r = await expectRefused(ctx, client, 'MQTT-4.13.1-1', 'a DISCONNECT with Session Expiry Interval 60 after a CONNECT with 0');
      const will = await willSeen(watcher);
      ctx.check('MQTT-3.1.2-8', will.seen, 'the Will published: an invalid DISCONNECT does not delete it (only a valid DISCONNECT 0x00 does)', `${describeRejection(r)}; ${will.observed}`);
    },
  },
  {
    id: 'disconnect-reason.error-keeps-will',
    title: 'A DISCONNECT with an error reason (0x80 Unspecified error) does not delete the Will: it is published',
    layer: 'raw',
    statements: { '5': ['MQTT-3.1.2-8'] },
    async run(ctx) {
      const { watcher, client } = await withWill(ctx);
      // [MQTT-3.1.2-8]: only a DISCONNECT with reason 0x00 deletes the Will; 0x80 says the client is going away because something failed.
      client.send({ cmd: 'disconnect', reasonCode: 0x80 });
      client.end();
      const will = await willSeen(watcher);
      ctx.check('MQTT-3.1.2-8', will.seen, 'the Will published after DISCONNECT 0x80 and the close', will.observed);
    },
  },
];
