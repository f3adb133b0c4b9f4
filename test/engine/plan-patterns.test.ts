/**
 * Plans for the chat patterns (core/engine/plan.ts): rooms by size, random peers, fan-in, and
 * their mix with rooms and pairs. Every stream has exactly its receivers, every user is covered,
 * and think time schedules one send per stream.
 */
import { describe, expect, it } from 'vitest';
import { planScenario, plannedSends } from '../../core/engine/plan.js';
import type { Plan } from '../../core/engine/plan.js';
import { streamReceivers } from '../../core/scenario/limits.js';
import { spec } from '../helpers/scenario.js';

/** (stream, receiver) pairs, the count the delivery tracker owes. */
const pairs = (plan: Plan) => plan.streams.reduce((sum, s) => sum + s.receivers.length, 0);
const senders = (plan: Plan) => new Set(plan.streams.map((s) => s.sender));

describe('rooms by size', () => {
  it('lays out r0.. in list order with members round-robin, each member sending to the others', () => {
    const plan = planScenario(spec({ users: 6, rooms: { count: 3, members: 4 }, roomSizes: [{ count: 2, members: 2 }, { count: 1, members: 4 }] }));
    expect([...plan.rooms.entries()]).toEqual([
      ['r0', ['u0', 'u1']],
      ['r1', ['u2', 'u3']],
      ['r2', ['u4', 'u5', 'u0', 'u1']],
    ]);
    expect(plan.memberships.get('u0')).toEqual(['r0', 'r2']);
    expect(plan.streams).toHaveLength(2 + 2 + 4);
    expect(pairs(plan)).toBe(2 * 1 * 2 + 4 * 3);
    const r2 = plan.streams.filter((s) => s.destination.kind === 'room' && s.destination.room === 'r2');
    expect(r2.map((s) => [s.sender, s.receivers])).toEqual([
      ['u4', ['u5', 'u0', 'u1']],
      ['u5', ['u4', 'u0', 'u1']],
      ['u0', ['u4', 'u5', 'u1']],
      ['u1', ['u4', 'u5', 'u0']],
    ]);
  });

  it('many small and a few large: 8 rooms of 3 and 2 of 12 over 24 users cover everyone', () => {
    const plan = planScenario(spec({ users: 24, rooms: { count: 10, members: 12 }, roomSizes: [{ count: 8, members: 3 }, { count: 2, members: 12 }] }));
    const sizes = [...plan.rooms.values()].map((m) => m.length);
    expect(sizes).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 12, 12]);
    expect(senders(plan).size).toBe(24);
    expect(pairs(plan)).toBe(8 * 3 * 2 + 2 * 12 * 11);
  });
});

describe('random peers', () => {
  it('gives each user K distinct partners other than itself, one direct stream each, the same for the same seed', () => {
    const s = spec({ users: 10, rooms: { count: 0, members: 1 }, randomPeers: 3, seed: 7 });
    const plan = planScenario(s);
    expect(plan.streams).toHaveLength(30);
    for (const user of plan.users) {
      const mine = plan.streams.filter((st) => st.sender === user);
      const partners = mine.map((st) => (st.destination.kind === 'direct' ? st.destination.user : ''));
      expect(new Set(partners).size).toBe(3);
      expect(partners).not.toContain(user);
      for (const st of mine) expect(st.receivers).toEqual([st.destination.kind === 'direct' ? st.destination.user : '?']);
    }
    const again = planScenario(s).streams.map((st) => st.destination);
    expect(again).toEqual(plan.streams.map((st) => st.destination));
    const other = planScenario({ ...s, seed: 8 }).streams.map((st) => st.destination);
    expect(other).not.toEqual(again);
  });

  it('draws every possible partner when K is users - 1', () => {
    const plan = planScenario(spec({ users: 5, rooms: { count: 0, members: 1 }, randomPeers: 4 }));
    for (const user of plan.users) {
      const partners = plan.streams.filter((st) => st.sender === user).map((st) => (st.destination.kind === 'direct' ? st.destination.user : ''));
      expect(partners.sort()).toEqual(plan.users.filter((u) => u !== user));
    }
  });
});

describe('fan-in', () => {
  it('u0..u(k-1) only receive; every other user ui writes to u(i mod k)', () => {
    const plan = planScenario(spec({ users: 7, rooms: { count: 0, members: 1 }, fanIn: { receivers: 2 } }));
    expect(plan.streams.map((s) => [s.sender, s.receivers])).toEqual([
      ['u2', ['u0']],
      ['u3', ['u1']],
      ['u4', ['u0']],
      ['u5', ['u1']],
      ['u6', ['u0']],
    ]);
    expect(plan.streams.every((s) => s.destination.kind === 'direct')).toBe(true);
  });

  it('a support desk: 30 senders to one receiver', () => {
    const plan = planScenario(spec({ users: 31, rooms: { count: 0, members: 1 }, fanIn: { receivers: 1 }, qos: 1 }));
    expect(plan.streams).toHaveLength(30);
    expect(new Set(plan.streams.flatMap((s) => s.receivers))).toEqual(new Set(['u0']));
    expect(senders(plan).size).toBe(30);
  });
});

describe('mixed', () => {
  it('appends pairs, peers and fan-in streams after the rooms, ids in order, each with its receivers', () => {
    const plan = planScenario(spec({ users: 6, rooms: { count: 1, members: 3 }, directPairs: 1, randomPeers: 1, fanIn: { receivers: 1 } }));
    const kinds = plan.streams.map((s) => s.destination.kind);
    expect(kinds).toEqual([...Array(3).fill('room'), ...Array(2 + 6 + 5).fill('direct')]);
    expect(plan.streams.map((s) => s.id)).toEqual(plan.streams.map((_, i) => i));
    expect(pairs(plan)).toBe(3 * 2 + 2 + 6 + 5);
    expect(plan.streams.every((s) => s.receivers.length > 0 && !s.receivers.includes(s.sender))).toBe(true);
  });

  it('the loader\'s memory estimate counts the same (stream, receiver) pairs as the plan', () => {
    for (const s of [
      spec({ users: 24, rooms: { count: 10, members: 12 }, roomSizes: [{ count: 8, members: 3 }, { count: 2, members: 12 }] }),
      spec({ users: 6, rooms: { count: 1, members: 3 }, directPairs: 1, randomPeers: 2, fanIn: { receivers: 2 } }),
      spec({ users: 31, rooms: { count: 0, members: 1 }, fanIn: { receivers: 1 } }),
    ]) {
      expect(streamReceivers(s)).toBe(pairs(planScenario(s)));
    }
  });

  it('think time schedules one send per stream per think interval', () => {
    // 30 fan-in streams + 31 × 2 random-peer streams = 92 streams; 2 s at one send per 500 ms each
    const s = spec({ users: 31, rooms: { count: 0, members: 1 }, fanIn: { receivers: 1 }, randomPeers: 2, thinkMs: 500, durationMs: 2_000, rate: 0 });
    expect(planScenario(s).streams).toHaveLength(30 + 31 * 2);
    expect(plannedSends(s)).toBe((30 + 62) * 4);
  });
});
