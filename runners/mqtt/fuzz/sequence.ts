/**
 * Fuzz sequences: valid and malformed packets mixed over one or several connections, in the
 * order they are sent. Built only from fast-check combinators (arrays of records, then a map),
 * so shrinking drops steps, moves them to connection 0, simplifies packets and mutation knobs.
 *
 * Rules the map applies, so every sequence makes sense to a server:
 * - a connection opens with a valid CONNECT, or with an "opening" mutation in its place
 *   (packet before CONNECT, wrong protocol name or level, reserved CONNECT flag);
 * - client identifiers are unique per connection ([0-9a-zA-Z], at most 23 characters,
 *   [MQTT-3.1.3-5]), so one connection never takes over another's session;
 * - packet identifiers of valid packets are unique per connection (1, 2, ...), so no valid step
 *   reuses an identifier still in flight;
 * - after a malformed step the server is expected to close that connection, so nothing more is
 *   sent on it: each connection holds at most one malformed step, its last.
 */
import fc from 'fast-check';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import mqttPacket from 'mqtt-packet';
import type { ProtocolLevel } from '../raw/client.js';
import { clientConnectArb, clientPacketArb } from './arbitraries.js';
import { describePacket } from './describe.js';
import { mutationArb, type MutatedPacket, type MutationName } from './mutators.js';

export interface SequenceStep {
  /** Which connection (0-based) the bytes go on; its first step opens it. */
  connection: number;
  bytes: Buffer;
  /** "PUBLISH qos=3 (reserved) …": what the step is, for people. */
  note: string;
  malformed: boolean;
  /** For a malformed step: the statement IDs a server that lets it through breaks. */
  statements: readonly string[];
  /** The packet sent, for valid steps (what the server's answer is checked against). */
  packet?: Packet;
  /** For a malformed step: which mutation made it. */
  mutation?: MutationName;
}

export interface SequenceOptions {
  /** How many connections steps are spread over (1..99). */
  connections: number;
  /** Most steps after the openings (default 8). */
  maxSteps?: number;
}

/** Roughly one body step in four is malformed; one connection in six opens with a malformed CONNECT. */
const MALFORMED_WEIGHT = 1;
const VALID_WEIGHT = 3;
const MALFORMED_OPENING_FREQ = 6;

type Item = { kind: 'valid'; packet: Packet } | { kind: 'malformed'; mutated: MutatedPacket };

export function sequenceArb(version: ProtocolLevel, opts: SequenceOptions): fc.Arbitrary<SequenceStep[]> {
  const connections = opts.connections;
  if (!Number.isInteger(connections) || connections < 1 || connections > 99) throw new RangeError(`connections must be 1..99, got ${connections}`);
  const item: fc.Arbitrary<Item> = fc.oneof(
    { weight: VALID_WEIGHT, arbitrary: clientPacketArb(version).map((packet): Item => ({ kind: 'valid', packet })) },
    { weight: MALFORMED_WEIGHT, arbitrary: mutationArb(version, 'connected').map((mutated): Item => ({ kind: 'malformed', mutated })) },
  );
  const opening = fc.record({
    connect: clientConnectArb(version),
    malformed: fc.option(mutationArb(version, 'opening'), { freq: MALFORMED_OPENING_FREQ, nil: undefined }),
  });
  return fc
    .record({
      openings: fc.array(opening, { minLength: connections, maxLength: connections }),
      body: fc.array(fc.record({ connection: fc.nat(connections - 1), item }), { minLength: 1, maxLength: opts.maxSteps ?? 8 }),
    })
    .map(({ openings, body }) => layOut(version, openings, body));
}

interface Opening {
  connect: IConnectPacket;
  malformed: MutatedPacket | undefined;
}

function layOut(version: ProtocolLevel, openings: readonly Opening[], body: readonly { connection: number; item: Item }[]): SequenceStep[] {
  const steps: SequenceStep[] = [];
  const state = new Map<number, { closed: boolean; nextId: number }>();
  const push = (connection: number, item: Item) => {
    if (item.kind === 'valid') {
      steps.push({ connection, bytes: mqttPacket.generate(item.packet, { protocolVersion: version }), note: describePacket(item.packet), malformed: false, statements: [], packet: item.packet });
    } else {
      const m = item.mutated;
      steps.push({ connection, bytes: m.bytes, note: m.note, malformed: true, statements: m.statements, mutation: m.mutation });
    }
  };
  for (const { connection, item } of body) {
    let conn = state.get(connection);
    if (conn === undefined) {
      const open = openings[connection] as Opening;
      conn = { closed: open.malformed !== undefined, nextId: 1 };
      state.set(connection, conn);
      if (open.malformed !== undefined) push(connection, { kind: 'malformed', mutated: open.malformed });
      else push(connection, { kind: 'valid', packet: { ...open.connect, clientId: uniqueClientId(open.connect.clientId, connection) } });
    }
    if (conn.closed) continue;
    if (item.kind === 'malformed') {
      conn.closed = true;
      push(connection, item);
    } else {
      push(connection, { kind: 'valid', packet: withFreshId(item.packet, conn) });
    }
  }
  return steps;
}

/** The drawn identifier, cut so that "c" and the connection number still fit in 23 characters. */
function uniqueClientId(drawn: string, connection: number): string {
  const suffix = `c${connection}`;
  return `${drawn.slice(0, 23 - suffix.length)}${suffix}`;
}

function withFreshId(packet: Packet, conn: { nextId: number }): Packet {
  const needsId = packet.cmd === 'subscribe' || packet.cmd === 'unsubscribe' || (packet.cmd === 'publish' && packet.qos > 0);
  if (!needsId) return packet;
  const messageId = conn.nextId;
  conn.nextId = (conn.nextId % 0xffff) + 1;
  return { ...packet, messageId };
}
