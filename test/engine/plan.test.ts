import { describe, expect, it } from 'vitest';
import { planScenario, plannedSends } from '../../core/engine/plan.js';
import { spec } from '../helpers/scenario.js';

describe('planScenario', () => {
  it('takes room members round-robin so every user is in about the same number of rooms', () => {
    const plan = planScenario(spec({ users: 5, rooms: { count: 3, members: 3 } }));
    expect([...plan.rooms.entries()]).toEqual([
      ['r0', ['u0', 'u1', 'u2']],
      ['r1', ['u3', 'u4', 'u0']],
      ['r2', ['u1', 'u2', 'u3']],
    ]);
    expect(plan.memberships.get('u0')).toEqual(['r0', 'r1']);
    expect(plan.memberships.get('u4')).toEqual(['r1']);
  });

  it('makes one stream per room member, received by the other members, and two per direct pair', () => {
    const plan = planScenario(spec({ users: 4, rooms: { count: 1, members: 3 }, directPairs: 2, qos: 2 }));
    const rooms = plan.streams.filter((s) => s.destination.kind === 'room');
    expect(rooms.map((s) => [s.sender, s.receivers])).toEqual([
      ['u0', ['u1', 'u2']],
      ['u1', ['u0', 'u2']],
      ['u2', ['u0', 'u1']],
    ]);
    const direct = plan.streams.filter((s) => s.destination.kind === 'direct');
    expect(direct.map((s) => [s.sender, s.destination, s.receivers])).toEqual([
      ['u0', { kind: 'direct', user: 'u1' }, ['u1']],
      ['u1', { kind: 'direct', user: 'u0' }, ['u0']],
      ['u2', { kind: 'direct', user: 'u3' }, ['u3']],
      ['u3', { kind: 'direct', user: 'u2' }, ['u2']],
    ]);
    expect(plan.streams.map((s) => s.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new Set(plan.streams.map((s) => s.level))).toEqual(new Set([2]));
  });

  it('schedules rate x duration sends, capped by messages', () => {
    expect(plannedSends(spec({ rate: 250, durationMs: 2000, messages: null }))).toBe(500);
    expect(plannedSends(spec({ rate: 250, durationMs: 2000, messages: 120 }))).toBe(120);
    expect(plannedSends(spec({ rate: 0.5, durationMs: 3000, messages: null }))).toBe(1);
  });
});
