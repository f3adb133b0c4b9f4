/**
 * Topic styles (runners/mqtt/topics.ts, scenario `topics`): long topics padded to about the
 * bytes asked for, unicode names, and parse mapping every delivered topic back to its source.
 */
import { describe, expect, it } from 'vitest';
import { runTopics } from '../../../runners/mqtt/topics.js';

const NAMES = ['r0', 'u12', 'lobby', 'a/b', '+', '#', 'x\u0000y', '100%', 'ünï cödé', 'a~b'];

describe('long topics', () => {
  it('pad room, inbox and presence topics with extra levels to the bytes asked for, never an empty level', () => {
    for (const bytes of [1000, 4096]) {
      const t = runTopics('run-1', { style: 'long', bytes });
      for (const topic of [t.room('r0'), t.inbox('u3'), t.presence('u3')]) {
        expect(Buffer.byteLength(topic)).toBeGreaterThanOrEqual(bytes - 1);
        expect(Buffer.byteLength(topic)).toBeLessThanOrEqual(bytes + 1);
        expect(topic.startsWith('chatbench/run-1/')).toBe(true);
        expect(topic.split('/').length).toBeGreaterThan(4);
        expect(topic.split('/').every((level) => level.length > 0)).toBe(true);
      }
    }
    expect(runTopics('run-1', { style: 'long' }).room('r0')).toHaveLength(1000);
  });

  it('stay below the 65,535-byte topic limit [MQTT-1.5.3] whatever is asked', () => {
    const t = runTopics('run-1', { style: 'long', bytes: 1_000_000 });
    expect(Buffer.byteLength(t.room('r0'))).toBeLessThanOrEqual(65_535);
  });

  it('parse back to their room or inbox, and refuse a topic whose padding was changed', () => {
    const t = runTopics('run-1', { style: 'long', bytes: 600 });
    for (const name of NAMES) {
      expect(t.parse(t.room(name))).toEqual({ kind: 'room', room: name });
      expect(t.parse(t.inbox(name))).toEqual({ kind: 'direct' });
    }
    const room = t.room('r0');
    expect(t.parse(room.replace('/xx', '/yx'))).toBeNull();
    expect(t.parse(runTopics('run-1').room('r0'))).toBeNull();
  });
});

describe('unicode topics', () => {
  const t = runTopics('run-1', { style: 'unicode' });

  it('name rooms and users with emoji and non-Latin text, valid UTF-8 without NUL or wildcards [MQTT-4.7.3-2]', () => {
    const topics = ['r0', 'r1', 'r2', 'r3', 'u0', 'u1', 'u2'].flatMap((n) => [t.room(n), t.inbox(n), t.presence(n)]);
    expect(topics.some((topic) => /\p{Extended_Pictographic}/u.test(topic))).toBe(true);
    expect(topics.some((topic) => /[\u0400-\u04ff\u4e00-\u9fff\u0600-\u06ff\u0900-\u097f]/.test(topic))).toBe(true);
    for (const topic of topics) {
      expect(topic).not.toMatch(/[+#\u0000]/);
      expect(Buffer.from(topic, 'utf8').toString('utf8')).toBe(topic); // no lone surrogates
      expect(topic.split('/')).toHaveLength(4);
    }
  });

  it('parse back to the names, escaped characters included, and keep names one level', () => {
    for (const name of NAMES) {
      const room = t.room(name);
      expect(room.split('/')).toHaveLength(4);
      expect(room).not.toMatch(/[+#\u0000]/);
      expect(t.parse(room)).toEqual({ kind: 'room', room: name });
      expect(t.parse(t.inbox(name))).toEqual({ kind: 'direct' });
    }
    expect(t.parse(runTopics('run-1').room('r0'))).toBeNull();
    expect(t.parse('chatbench/run-1/presence/💬~u0')).toBeNull();
  });
});

it('plain stays as it was: chatbench/<runId>/room/<name>', () => {
  expect(runTopics('run-1', { style: 'plain' }).room('r0')).toBe('chatbench/run-1/room/r0');
  expect(runTopics('run-1', { style: 'plain' }).parse('chatbench/run-1/room/a/b')).toBeNull();
});
