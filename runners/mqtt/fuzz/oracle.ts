/**
 * The fuzz oracle for MQTT: what a server must do with each step of a case, judged from what it
 * did. A verdict is a claim about someone's server, so each one names the evidence (the packet
 * seen, or how long chatbench waited) and the statements broken; where the spec leaves a server
 * a choice, there is no verdict.
 *
 * - A valid packet gets its answer within the wait: CONNECT a CONNACK [MQTT-3.2.0-1]; SUBSCRIBE a
 *   SUBACK with its identifier and one code per filter [MQTT-3.8.4-1/2/5 (3.1.1), -6 (5.0)];
 *   UNSUBSCRIBE an UNSUBACK with its identifier [MQTT-3.10.4-4/5]; PUBLISH QoS 1 a PUBACK and
 *   QoS 2 a PUBREC with its identifier [MQTT-3.3.4-1]; PINGREQ a PINGRESP [MQTT-3.12.4-1].
 *   A server may close instead (authorisation, session takeover, its own limits): no verdict.
 * - A malformed one gets the connection closed [MQTT-4.8.0-1] [MQTT-4.13.1-1], with at most a
 *   CONNACK (3.1.1: a refusal, code ≠ 0; 5.0: code ≥ 0x80) or, in 5.0, a DISCONNECT ≥ 0x80
 *   first, and is never answered as if valid (observeRejection, as conformance judges it).
 */
import mqttPacket from 'mqtt-packet';
import type { Packet, PacketCmd } from 'mqtt-packet';
import type { FindingVerdict } from '../../../core/fuzz/replay.js';
import type { ProtocolLevel, RawEvent } from '../raw/client.js';
import { describeRejection, hexCode, type Rejection } from '../raw/rejection.js';

/** The generic "a protocol violation closes the connection" statement of each version. */
export const CLOSE_STATEMENT: Readonly<Record<ProtocolLevel, string>> = { 4: 'MQTT-4.8.0-1', 5: 'MQTT-4.13.1-1' };

/** What a valid packet must get back. */
export type Expected =
  | { kind: 'answer'; cmd: PacketCmd; packetId?: number; codes?: number; statements: AnswerStatements }
  /** QoS 0 PUBLISH: nothing comes back. */
  | { kind: 'nothing' }
  /** DISCONNECT: the connection is over, nothing comes back. */
  | { kind: 'ends' };

interface AnswerStatements {
  /** Broken when no answer comes. */
  answer: string[];
  /** Broken when the answer's packet identifier differs. */
  id: string[];
  /** Broken when the number of codes differs. */
  codes: string[];
}

/** The answer a valid client packet must get, and the statements that say so, for this version. */
export function expectedAnswer(packet: Packet, version: ProtocolLevel): Expected {
  const v5 = version === 5;
  switch (packet.cmd) {
    case 'connect':
      return { kind: 'answer', cmd: 'connack', statements: { answer: ['MQTT-3.2.0-1'], id: [], codes: [] } };
    case 'subscribe':
      return {
        kind: 'answer', cmd: 'suback', packetId: packet.messageId ?? 0, codes: packet.subscriptions.length,
        statements: { answer: ['MQTT-3.8.4-1'], id: ['MQTT-3.8.4-2'], codes: [v5 ? 'MQTT-3.8.4-6' : 'MQTT-3.8.4-5'] },
      };
    case 'unsubscribe':
      return {
        kind: 'answer', cmd: 'unsuback', packetId: packet.messageId ?? 0, ...(v5 ? { codes: packet.unsubscriptions.length } : {}),
        statements: { answer: ['MQTT-3.10.4-4'], id: [v5 ? 'MQTT-3.10.4-5' : 'MQTT-3.10.4-4'], codes: ['MQTT-3.11.3-1'] },
      };
    case 'publish':
      if (packet.qos === 0) return { kind: 'nothing' };
      return {
        kind: 'answer', cmd: packet.qos === 1 ? 'puback' : 'pubrec', packetId: packet.messageId ?? 0,
        statements: { answer: ['MQTT-3.3.4-1'], id: [v5 ? (packet.qos === 1 ? 'MQTT-4.3.2-4' : 'MQTT-4.3.3-8') : packet.qos === 1 ? 'MQTT-4.3.2-2' : 'MQTT-4.3.3-2'], codes: [] },
      };
    case 'pingreq':
      return { kind: 'answer', cmd: 'pingresp', statements: { answer: ['MQTT-3.12.4-1'], id: [], codes: [] } };
    case 'pubrel':
      return { kind: 'answer', cmd: 'pubcomp', packetId: packet.messageId ?? 0, statements: { answer: [v5 ? 'MQTT-4.3.3-11' : 'MQTT-4.3.3-2'], id: [], codes: [] } };
    case 'disconnect':
      return { kind: 'ends' };
    default:
      // Acknowledgements and AUTH out of any flow are not sent as valid steps; nothing to expect.
      return { kind: 'nothing' };
  }
}

/** A valid step's judgement: the verdict, and whether the connection can take more steps. */
export interface AnswerJudgement {
  verdict: FindingVerdict | null;
  connectionOver: boolean;
}

/**
 * Judges what ended the wait for a valid packet's answer: the answer itself (its identifier and
 * codes checked), a close (allowed: no verdict), bytes that are not MQTT, or chatbench giving up.
 */
export function judgeAnswer(
  expected: Extract<Expected, { kind: 'answer' }>,
  got: { packet: Packet } | { packet: undefined; ended: Exclude<RawEvent, { kind: 'packet' }> },
  context: { note: string; version: ProtocolLevel },
): AnswerJudgement {
  const want = expected.cmd.toUpperCase();
  if (got.packet === undefined) {
    const { ended } = got;
    if (ended.kind === 'closed') return { verdict: null, connectionOver: true };
    if (ended.kind === 'unparsable') {
      return { verdict: { kind: 'wrong-answer', message: `${context.note} was answered with bytes that do not parse as MQTT ${versionName(context.version)} (${ended.error})`, statements: expected.statements.answer }, connectionOver: true };
    }
    if (ended.kind === 'timeout') {
      return { verdict: { kind: 'no-answer', message: `${context.note} got no ${want}: chatbench stopped waiting after ${ended.waitedMs} ms`, statements: expected.statements.answer }, connectionOver: true };
    }
    return { verdict: null, connectionOver: true };
  }
  const answer = got.packet;
  if (expected.packetId !== undefined && 'messageId' in answer && answer.messageId !== expected.packetId) {
    return { verdict: { kind: 'wrong-answer', message: `${context.note} (packet identifier ${expected.packetId}) was answered by ${want} with packet identifier ${answer.messageId ?? 'none'}`, statements: expected.statements.id }, connectionOver: true };
  }
  const codes = codeCount(answer);
  if (expected.codes !== undefined && codes !== undefined && codes !== expected.codes) {
    return { verdict: { kind: 'wrong-answer', message: `${context.note} with ${expected.codes} filter(s) was answered by ${want} with ${codes} code(s)`, statements: expected.statements.codes }, connectionOver: true };
  }
  if (answer.cmd === 'connack') {
    const code = answer.reasonCode ?? answer.returnCode ?? 0;
    // A refused CONNECT ends the connection; the server was allowed to refuse it.
    return { verdict: null, connectionOver: code !== 0 };
  }
  return { verdict: null, connectionOver: false };
}

function codeCount(p: Packet): number | undefined {
  if (p.cmd === 'suback') return p.granted.length;
  if (p.cmd === 'unsuback') return Array.isArray(p.granted) ? p.granted.length : undefined;
  return undefined;
}

/**
 * Statements that let a server go on rather than close: "If the protocol name is incorrect the
 * Server MAY disconnect the Client, or it MAY continue processing the CONNECT packet in
 * accordance with some other specification" [MQTT-3.1.2-1] (3.1.1 and 5.0, §3.1.2.1). A step
 * breaking only these proves nothing whatever the server does.
 */
const MAY_CONTINUE = new Set(['MQTT-3.1.2-1']);

/**
 * Whether a packet the server sent is an answer to what the client sent, as if it were valid: a
 * PUBLISH is a delivery of someone's message, never an answer; a refusing CONNACK and a
 * DISCONNECT are how a rejection is allowed to begin.
 */
export function isAnswer(p: Packet, version: ProtocolLevel): boolean {
  if (p.cmd === 'publish' || p.cmd === 'disconnect') return false;
  if (p.cmd === 'connack') return !refuses(p.reasonCode ?? p.returnCode ?? 0);
  return true;
}

/**
 * Whether a CONNACK's code refuses the connection: anything but 0. In 5.0 a refusal is 0x80 or
 * more, but a server that cannot tell which version a bad CONNECT speaks answers in 3.1.1's
 * form (return code 0x01 for an unacceptable protocol level, §3.2.2.3), which 5.0 does not
 * define for CONNACK and so can only be that refusal.
 */
function refuses(code: number): boolean {
  return code !== 0;
}

/**
 * Judges what the server did with a malformed packet (`statements`: what accepting it breaks).
 * `connacked`: the connection already had its CONNACK, so another one is an answer of its own.
 */
export function judgeRejection(r: Rejection, step: { note: string; statements: readonly string[] }, version: ProtocolLevel, connacked: boolean): FindingVerdict | null {
  const own = step.statements.filter((s) => s !== CLOSE_STATEMENT[version]);
  if (own.length > 0 && own.every((s) => MAY_CONTINUE.has(s))) return null;
  const statements = withClose(step.statements, version);
  const answers = r.answers.filter((p) => isAnswer(p, version));
  const accepted = r.connackCode !== undefined && !refuses(r.connackCode);
  if (answers.length > 0 || accepted) {
    const what = [...(accepted ? [`CONNACK ${hexCode(r.connackCode ?? 0)}`] : []), ...answers.map((p) => p.cmd.toUpperCase())];
    return { kind: 'accepted-malformed', message: `${step.note}: the server answered with ${what.join(', ')} instead of closing the connection`, statements };
  }
  const did = describeRejection({ ...r, answers: [] });
  if (r.connackCode !== undefined && connacked) {
    return { kind: 'wrong-answer', message: `${step.note}: the server ${did}, a second CONNACK on the connection`, statements: ['MQTT-3.2.0-2'] };
  }
  if (version === 5 && r.disconnectReason !== undefined && r.disconnectReason < 0x80) {
    return { kind: 'wrong-answer', message: `${step.note}: the server ${did}; a malformed packet is refused with a reason code of 0x80 or more, not ${hexCode(r.disconnectReason)}`, statements };
  }
  if (r.unparsable) {
    return { kind: 'wrong-answer', message: `${step.note}: the server ${did}`, statements };
  }
  if (!r.closed) {
    return { kind: 'not-closed', message: `${step.note}: the server ${did} (chatbench stopped waiting then)`, statements };
  }
  return null;
}

function withClose(statements: readonly string[], version: ProtocolLevel): string[] {
  const close = CLOSE_STATEMENT[version];
  return statements.includes(close) ? [...statements] : [...statements, close];
}

export function versionName(version: ProtocolLevel): string {
  return version === 5 ? '5.0' : '3.1.1';
}

/** The one packet `bytes` holds, parsed as this version; undefined when they are not exactly one packet. */
export function decodePacket(bytes: Uint8Array, version: ProtocolLevel): Packet | undefined {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: Packet[] = [];
  let failed = false;
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', () => {
    failed = true;
  });
  const left = parser.parse(Buffer.from(bytes));
  return !failed && left === 0 && packets.length === 1 ? packets[0] : undefined;
}

/** The control packet type named by a first byte ("PUBLISH"), for defect classes and notes. */
export function packetTypeName(first: number | undefined): string {
  const names = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];
  return first === undefined ? 'nothing' : (names[first >> 4] ?? 'RESERVED');
}
