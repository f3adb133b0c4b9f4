/**
 * Fuzz sequences: the rules sequence.ts promises hold for every generated sequence, the same
 * seed gives the same bytes, and a failing sequence shrinks to its few essential steps.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { sequenceArb, type SequenceStep } from '../../runners/mqtt/fuzz/sequence.js';

function parseOne(bytes: Buffer, version: 4 | 5): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const out: Packet[] = [];
  parser.on('packet', (p: Packet) => out.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  return out;
}

function byConnection(steps: readonly SequenceStep[]): Map<number, SequenceStep[]> {
  const out = new Map<number, SequenceStep[]>();
  for (const s of steps) out.set(s.connection, [...(out.get(s.connection) ?? []), s]);
  return out;
}

describe('sequenceArb', () => {
  for (const version of [4, 5] as const) {
    it(`opens, numbers and ends each connection as promised (property, MQTT ${version})`, () => {
      fc.assert(
        fc.property(sequenceArb(version, { connections: 3 }), (steps) => {
          expect(steps.length).toBeGreaterThan(0);
          const clientIds = new Set<string>();
          for (const [connection, own] of byConnection(steps)) {
            expect(connection).toBeLessThan(3);
            const [first, ...rest] = own;
            if (first!.malformed) {
              expect(['packet-before-connect', 'wrong-protocol-name', 'wrong-protocol-level', 'connect-reserved-flag']).toContain(first!.mutation);
            } else {
              const [connect] = parseOne(first!.bytes, version);
              expect(connect?.cmd).toBe('connect');
              if (connect?.cmd !== 'connect') continue;
              expect(connect.clientId).toMatch(/^[0-9a-zA-Z]{1,23}$/); // [MQTT-3.1.3-5]
              expect(clientIds.has(connect.clientId)).toBe(false);
              clientIds.add(connect.clientId);
            }
            // At most one malformed step per connection, and it is the last.
            const malformedAt = own.findIndex((s) => s.malformed);
            if (malformedAt >= 0) expect(malformedAt).toBe(own.length - 1);
            const ids = rest.filter((s) => !s.malformed).map((s) => s.packet).flatMap((p) => (p && 'messageId' in p && p.messageId !== undefined ? [p.messageId] : []));
            expect(new Set(ids).size).toBe(ids.length);
            for (const s of rest.filter((x) => !x.malformed)) {
              expect(s.packet?.cmd).not.toBe('connect');
              expect(s.statements).toEqual([]);
              // A valid step's bytes are its packet, encoded.
              expect(s.bytes).toEqual(mqttPacket.generate(s.packet!, { protocolVersion: version }));
            }
            for (const s of own.filter((x) => x.malformed)) expect(s.statements.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 200 },
      );
    });
  }

  it('gives the same sequence for the same seed, and another for another seed', () => {
    const hexOf = (seed: number) => fc.sample(sequenceArb(5, { connections: 2 }), { seed, numRuns: 5 }).map((steps) => steps.map((s) => `${s.connection}:${s.bytes.toString('hex')}`).join('|'));
    expect(hexOf(42)).toEqual(hexOf(42));
    expect(hexOf(42)).not.toEqual(hexOf(43));
  });

  it('mixes valid and malformed steps over several connections', () => {
    const samples = fc.sample(sequenceArb(4, { connections: 2 }), { seed: 7, numRuns: 100 }).flat();
    expect(samples.some((s) => s.malformed)).toBe(true);
    expect(samples.some((s) => !s.malformed && s.packet?.cmd === 'publish')).toBe(true);
    expect(samples.some((s) => s.connection === 1)).toBe(true);
  });

  it('shrinks a failing sequence to the CONNECT and the one step that fails it', () => {
    // A stand-in for a broker bug: "fails" whenever a PUBLISH with QoS 3 is sent.
    const result = fc.check(
      fc.property(sequenceArb(5, { connections: 3, maxSteps: 10 }), (steps) => !steps.some((s) => s.mutation === 'qos-3')),
      { seed: 1234, numRuns: 2000 },
    );
    expect(result.failed).toBe(true);
    const [shrunk] = result.counterexample!;
    expect(shrunk.map((s) => s.connection)).toEqual([0, 0]);
    expect(shrunk[0]!.note).toMatch(/^CONNECT v5/);
    expect(shrunk[1]!.mutation).toBe('qos-3');
    // The shrunk PUBLISH is as small as its arbitraries allow: one-character topic, empty payload.
    expect(shrunk[1]!.bytes.length).toBeLessThanOrEqual(10);
    expect((shrunk[1]!.bytes[0]! >> 1) & 3).toBe(3);
  });
});
