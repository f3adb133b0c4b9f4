/**
 * The hand-built bytes and the byte reader the wire cases rely on (suites/mqtt/wire.ts): what
 * they write is what mqtt-packet reads, and what they read out of a packet (property order,
 * length encoding, packet sizes) is what was on the wire.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PROPERTY, framesOf, isMinimalVbi, pairOf, properties, property, publishBytes, splitPublish, str, subscribeBytes, u16, userProperty } from '../../suites/mqtt/wire.js';

function parse(bytes: Buffer, protocolVersion: 4 | 5): Packet[] {
  const out: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion });
  parser.on('packet', (p: Packet) => out.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  return out;
}

describe('hand-built packets', () => {
  it('a 3.1.1 QoS 1 PUBLISH: 32, length, topic, id, payload', () => {
    const bytes = publishBytes(4, { topic: 'a/b', qos: 1, messageId: 0x0102, payload: 'hi' });
    // 32 = PUBLISH QoS 1 | 09 = remaining length | 0003 'a/b' | 0102 id | 'hi'
    expect(bytes.toString('hex')).toBe('3209' + '0003612f62' + '0102' + '6869');
    expect(parse(bytes, 4)).toMatchObject([{ cmd: 'publish', topic: 'a/b', qos: 1, messageId: 0x0102 }]);
  });

  it('a 5.0 PUBLISH keeps properties in the order given, repeated keys included', () => {
    const props = properties(userProperty('k', '1'), property(PROPERTY.payloadFormatIndicator, Buffer.from([1])), userProperty('k', '2'));
    const bytes = publishBytes(5, { topic: 't', props, payload: 'x' });
    const frame = framesOf(bytes)[0];
    const split = frame && splitPublish(frame, 5);
    expect(split?.props.map((p) => p.id)).toEqual([0x26, 0x01, 0x26]);
    expect(split?.props.filter((p) => p.id === 0x26).map((p) => pairOf(p.value))).toEqual([['k', '1'], ['k', '2']]);
    expect(parse(bytes, 5)).toMatchObject([{ cmd: 'publish', topic: 't', properties: { payloadFormatIndicator: true, userProperties: { k: ['1', '2'] } } }]);
  });

  it('a SUBSCRIBE of one filter, 3.1.1 and 5.0 (5.0 with an empty property block)', () => {
    expect(subscribeBytes(4, 7, 'f', 1).toString('hex')).toBe('8206' + '0007' + '000166' + '01');
    expect(subscribeBytes(5, 7, 'f', 1).toString('hex')).toBe('8207' + '0007' + '00' + '000166' + '01');
    expect(parse(subscribeBytes(5, 7, 'f', 1), 5)).toMatchObject([{ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'f', qos: 1 }] }]);
  });

  it('strings hold exactly the bytes given, even ill-formed UTF-8', () => {
    expect(str(Buffer.from([0xed, 0xa0, 0x80])).toString('hex')).toBe('0003eda080');
    expect(u16(0xabcd).toString('hex')).toBe('abcd');
  });
});

describe('reading what crossed the wire', () => {
  it('splits a stream into packets with their sizes, leaving out an incomplete tail', () => {
    const big = publishBytes(4, { topic: 't', payload: Buffer.alloc(200) });
    const frames = framesOf(Buffer.concat([Buffer.from('20020000', 'hex'), big, Buffer.from('3005', 'hex')]));
    expect(frames.map((f) => [f.type, f.size, f.lengthBytes.toString('hex')])).toEqual([
      [2, 4, '02'],
      [3, big.length, 'cb01'], // 203 = 0x4b | 0x80, then 1
    ]);
  });

  it('tells minimal lengths from padded ones [MQTT-1.5.5-1]', () => {
    expect(isMinimalVbi(Buffer.from([0x00]))).toBe(true);
    expect(isMinimalVbi(Buffer.from([0xcb, 0x01]))).toBe(true);
    expect(isMinimalVbi(Buffer.from([0x85, 0x00]))).toBe(false); // 5 written in two bytes
  });

  it('reads no properties out of bytes that do not lay out as properties', () => {
    const frame = framesOf(publishBytes(5, { topic: 't', props: Buffer.from([0x02, 0x7f, 0x01]) }))[0];
    expect(frame && splitPublish(frame, 5)).toBeUndefined();
  });
});
